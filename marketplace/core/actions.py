"""The request's unit of work for a button: one service call, then commit or roll back."""
from __future__ import annotations

from collections.abc import Callable

from flask import flash

from marketplace.extensions import db


def perform(
    action: Callable[[], object],
    refusals: type[Exception] | tuple[type[Exception], ...],
    success: str | None = None,
) -> bool:
    """Run ``action`` (one service call) and end the request's transaction.

    Gone through: commit and flash ``success``. Refused with one of
    ``refusals`` (a domain error carrying a French ``message``): roll back, so
    that nothing is half-written, and flash the refusal. Returns whether the
    action went through; other exceptions propagate.
    """
    try:
        action()
    except refusals as error:
        db.session.rollback()
        flash(str(getattr(error, "message", error)), "error")
        return False
    db.session.commit()
    if success:
        flash(success, "success")
    return True
