"""E-mail outbox: every e-mail is a row written in the same transaction as
the change that caused it; ``flask outbox send`` delivers pending rows."""
from __future__ import annotations

import datetime as dt
import enum
import logging
import re
import smtplib
from email.message import EmailMessage
from email.utils import make_msgid

import sqlalchemy as sa
from flask import current_app, render_template
from flask_babel import force_locale
from sqlalchemy.orm import Mapped, mapped_column

from marketplace.core.clock import now_utc
from marketplace.core.db import Base, str_enum

log = logging.getLogger(__name__)
LINK_RE = re.compile(r"https?://[^\s<>\"']+")


class OutboxStatus(enum.Enum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"


class OutboxMessage(Base):
    __tablename__ = "outbox_message"

    id: Mapped[int] = mapped_column(primary_key=True)
    to_address: Mapped[str] = mapped_column(sa.String(320), index=True)
    subject: Mapped[str] = mapped_column(sa.String(300))
    body: Mapped[str] = mapped_column(sa.Text)
    status: Mapped[OutboxStatus] = mapped_column(str_enum(OutboxStatus), default=OutboxStatus.PENDING, index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[dt.datetime] = mapped_column(default=now_utc, index=True)
    sent_at: Mapped[dt.datetime | None]
    next_attempt_at: Mapped[dt.datetime | None]

    @property
    def links(self) -> list[str]:
        return LINK_RE.findall(self.body)


def queue_email(to: str, subject: str, template: str, locale: str | None = None, **context) -> OutboxMessage:
    """Render ``templates/email/<template>.txt`` in ``locale`` and add it to the outbox."""
    from marketplace.extensions import db

    with force_locale(locale or current_app.config["BABEL_DEFAULT_LOCALE"]):
        body = render_template(f"email/{template}.txt", **context)
        subject_text = str(subject)
    message = OutboxMessage(to_address=to, subject=subject_text[:300], body=body)
    db.session.add(message)
    return message


def email_user(user, subject, template: str, **context) -> OutboxMessage | None:
    """Queue an e-mail to a user in their language; nothing for a deleted account."""
    if user is None or getattr(user, "deleted_at", None) is not None:
        return None
    return queue_email(user.email, subject, template, locale=user.locale, user=user, **context)


def _smtp_send(app, message: OutboxMessage) -> None:
    cfg = app.config
    msg = EmailMessage()
    msg["From"] = cfg["MAIL_DEFAULT_SENDER"]
    msg["To"] = message.to_address
    msg["Subject"] = message.subject
    msg["Message-ID"] = make_msgid(domain="marche-solidaire")
    msg.set_content(message.body)
    smtp_cls = smtplib.SMTP_SSL if cfg["MAIL_USE_SSL"] else smtplib.SMTP
    with smtp_cls(cfg["MAIL_SERVER"], cfg["MAIL_PORT"], timeout=30) as smtp:
        if cfg["MAIL_USE_TLS"]:
            smtp.starttls()
        if cfg["MAIL_USERNAME"]:
            smtp.login(cfg["MAIL_USERNAME"], cfg["MAIL_PASSWORD"] or "")
        smtp.send_message(msg)


def send_pending(app, limit: int = 100, sender=None) -> tuple[int, int]:
    """Deliver due pending messages. Returns (sent, failed). Commits per message.

    Failures are retried with an exponential back-off until MAIL_MAX_ATTEMPTS,
    then marked failed.
    """
    from marketplace.extensions import db

    sender = sender or _smtp_send
    session = db.session
    now = now_utc()
    rows = session.scalars(
        sa.select(OutboxMessage)
        .where(
            OutboxMessage.status == OutboxStatus.PENDING,
            sa.or_(OutboxMessage.next_attempt_at.is_(None), OutboxMessage.next_attempt_at <= now),
        )
        .order_by(OutboxMessage.id)
        .limit(limit)
    ).all()
    sent = failed = 0
    for message in rows:
        message.attempts += 1
        try:
            sender(app, message)
        except Exception as exc:  # SMTP and network errors of every kind
            message.last_error = f"{type(exc).__name__}: {exc}"[:2000]
            if message.attempts >= app.config["MAIL_MAX_ATTEMPTS"]:
                message.status = OutboxStatus.FAILED
            else:
                message.next_attempt_at = now + dt.timedelta(minutes=2**message.attempts)
            failed += 1
            log.warning("outbox message %s failed: %s", message.id, message.last_error)
        else:
            message.status = OutboxStatus.SENT
            message.sent_at = now_utc()
            message.last_error = None
            sent += 1
        session.commit()
    return sent, failed
