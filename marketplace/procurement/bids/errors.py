"""Refusals of the bids package, with a French message meant for the user."""
from __future__ import annotations

from marketplace.core.errors import DomainError


class BidError(DomainError):
    """A refused action on a bid, a groupement or a partner notice."""


class DeadlinePassed(BidError):
    """The submission deadline has passed: bids are frozen."""


class EvaluationError(BidError):
    """A refused step of the evaluation or of the award."""
