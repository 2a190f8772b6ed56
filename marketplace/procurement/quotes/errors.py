"""Errors of quote requests and quotes, with a French message meant for the user."""
from __future__ import annotations

from marketplace.core.errors import DomainError


class QuoteError(DomainError):
    """A refused action; ``message`` is user-facing, ``field`` names the form field concerned."""
