"""Back-office rules on roles, as pure predicates (no database, no request)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable


def is_self(actor, target) -> bool:
    return actor is not None and target is not None and actor.id == target.id


def can_grant_admin(target) -> bool:
    """Only a live account whose e-mail address is confirmed may become administrator."""
    return not target.is_admin and target.deleted_at is None and target.verified_at is not None


def can_revoke_admin(actor, target, active_admin_ids: Iterable[int]) -> bool:
    """An administrator may revoke another one, never themselves nor the last one."""
    if not target.is_admin or is_self(actor, target):
        return False
    others = set(active_admin_ids) - {target.id}
    return len(others) >= 1


def periods_overlap(start_a: dt.date, end_a: dt.date | None, start_b: dt.date, end_b: dt.date | None) -> bool:
    """Closed date intervals; an open end means "until further notice".

    A period ending before it starts (a mandate cancelled before it began) is
    empty and overlaps nothing.
    """
    if (end_a is not None and end_a < start_a) or (end_b is not None and end_b < start_b):
        return False
    a_before_b = end_a is not None and end_a < start_b
    b_before_a = end_b is not None and end_b < start_a
    return not (a_before_b or b_before_a)


def mandate_is_over(mandate, today: dt.date) -> bool:
    return mandate.ends_on is not None and (mandate.ends_on < today or mandate.ends_on < mandate.starts_on)


def can_end_mandate(mandate, today: dt.date) -> bool:
    """A current or upcoming mandate can be ended; a finished one cannot."""
    return not mandate_is_over(mandate, today)


def mandate_status(mandate, today: dt.date) -> str:
    """current, upcoming or over."""
    if mandate_is_over(mandate, today):
        return "over"
    if mandate.starts_on > today:
        return "upcoming"
    return "current"
