"""Append-only audit log: who did what to which object, before → after."""
from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy import JSON, event
from sqlalchemy.orm import Mapped, mapped_column

from marketplace.core.clock import now_utc
from marketplace.core.db import Base


class AuditEvent(Base):
    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(default=now_utc, index=True)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"), index=True)
    actor_label: Mapped[str] = mapped_column(sa.String(200), default="système")
    subject_type: Mapped[str] = mapped_column(sa.String(60))
    subject_id: Mapped[int | None]
    action: Mapped[str] = mapped_column(sa.String(80))
    before: Mapped[str | None] = mapped_column(sa.String(60))
    after: Mapped[str | None] = mapped_column(sa.String(60))
    data: Mapped[dict[str, Any] | None] = mapped_column(JSON)

    __table_args__ = (sa.Index("ix_audit_event_subject", "subject_type", "subject_id"),)

    def __repr__(self) -> str:
        return f"<AuditEvent {self.subject_type}#{self.subject_id} {self.action} {self.before}→{self.after}>"


@event.listens_for(AuditEvent, "before_update")
def _refuse_update(mapper, connection, target):
    raise RuntimeError("audit events are append-only")


@event.listens_for(AuditEvent, "before_delete")
def _refuse_delete(mapper, connection, target):
    raise RuntimeError("audit events are append-only")


def _label(value: Any) -> str | None:
    if value is None:
        return None
    return str(getattr(value, "value", value))


def record_event(
    actor,
    subject,
    action: str,
    before: Any = None,
    after: Any = None,
    data: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append an audit event to the current session (flushes the subject for its id).

    ``actor`` is a User or None (the system); ``subject`` a mapped object or a
    ``(type, id)`` pair; ``before``/``after`` are states (enums or strings).
    """
    from marketplace.extensions import db

    session = db.session
    if isinstance(subject, tuple):
        subject_type, subject_id = subject
    else:
        if getattr(subject, "id", None) is None:
            session.add(subject)
            session.flush()
        subject_type, subject_id = subject.__tablename__, subject.id
    actor_id = getattr(actor, "id", None)
    label = "système"
    if actor is not None:
        label = getattr(actor, "audit_label", None) or str(actor)
    event_row = AuditEvent(
        at=now_utc(),
        actor_id=actor_id,
        actor_label=label[:200],
        subject_type=subject_type,
        subject_id=subject_id,
        action=action,
        before=_label(before),
        after=_label(after),
        data=data,
    )
    session.add(event_row)
    return event_row


def events_for(subject) -> list[AuditEvent]:
    from marketplace.extensions import db

    return list(
        db.session.scalars(
            sa.select(AuditEvent)
            .where(AuditEvent.subject_type == subject.__tablename__, AuditEvent.subject_id == subject.id)
            .order_by(AuditEvent.at, AuditEvent.id)
        )
    )
