"""The one place that reads the clock. Tests move it instead of sleeping."""
from __future__ import annotations

import datetime as dt

_frozen: dt.datetime | None = None


def now_utc() -> dt.datetime:
    """The current time, timezone-aware, in UTC."""
    if _frozen is not None:
        return _frozen
    return dt.datetime.now(dt.UTC)


def today_utc() -> dt.date:
    return now_utc().date()


def freeze(at: dt.datetime) -> None:
    """Stop the clock at ``at`` (aware datetime)."""
    global _frozen
    if at.tzinfo is None:
        raise ValueError("freeze() needs an aware datetime")
    _frozen = at.astimezone(dt.UTC)


def advance(delta: dt.timedelta) -> dt.datetime:
    """Move the clock forward (freezing it first at the real time if needed)."""
    freeze(now_utc() + delta)
    return now_utc()


def unfreeze() -> None:
    global _frozen
    _frozen = None
