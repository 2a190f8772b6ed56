"""The one place that reads the clock. Tests move it instead of sleeping."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

_frozen: dt.datetime | None = None
# Outside production, a served app may read a shift of its clock from a file
# (CLOCK_OFFSET_FILE: a number of seconds), so that a browser test can let a
# deadline pass without waiting for it.
_offset_file: Path | None = None


def now_utc() -> dt.datetime:
    """The current time, timezone-aware, in UTC."""
    if _frozen is not None:
        return _frozen
    now = dt.datetime.now(dt.UTC)
    if _offset_file is not None:
        now += dt.timedelta(seconds=_read_offset(_offset_file))
    return now


def _read_offset(path: Path) -> float:
    try:
        return float(path.read_text().strip() or 0)
    except (OSError, ValueError):
        return 0.0


def use_offset_file(path: str | Path | None) -> None:
    """Shift the clock by the number of seconds written in ``path`` (None: no shift)."""
    global _offset_file
    _offset_file = Path(path) if path else None


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
