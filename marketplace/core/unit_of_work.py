"""Side effects that must follow a successful commit (search indexing, …).

Services call ``after_commit(fn)``; the callbacks run once the session's
transaction has committed and are dropped if it rolls back. E-mails do not
use this: they are rows in the outbox, written in the same transaction.
"""
from __future__ import annotations

import logging
from collections.abc import Callable

from sqlalchemy import event
from sqlalchemy.orm import Session

log = logging.getLogger(__name__)
_KEY = "after_commit_callbacks"


def after_commit(session: Session, fn: Callable[[], None]) -> None:
    session.info.setdefault(_KEY, []).append(fn)


@event.listens_for(Session, "after_commit")
def _run_callbacks(session: Session) -> None:
    callbacks = session.info.pop(_KEY, [])
    for fn in callbacks:
        try:
            fn()
        except Exception:  # a side effect must never undo a committed change
            log.exception("after-commit callback %r failed", fn)


@event.listens_for(Session, "after_soft_rollback")
def _drop_callbacks(session: Session, previous_transaction) -> None:
    if previous_transaction.parent is None:  # the outermost transaction
        session.info.pop(_KEY, None)
