"""Read-only back-office views: dashboard figures, the outbox (development
mailbox) and the audit log."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from marketplace.accounts.models import BuyerOrganisation, CommitteeMandate, User
from marketplace.admin.services import PER_PAGE, actor_emails, get_object
from marketplace.core.audit import AuditEvent
from marketplace.core.clock import today_utc
from marketplace.core.outbox import OutboxMessage, OutboxStatus
from marketplace.core.pagination import Page, paginate
from marketplace.extensions import db
from marketplace.vendors.models import Vendor, VendorStatus

# --------------------------------------------------------------------------- dashboard


@dataclass
class Dashboard:
    users: int
    admins: int
    vendors_total: int
    vendors_by_status: dict[VendorStatus, int]
    buyer_organisations: int
    committee_members: int
    outbox_pending: int
    outbox_failed: int


def dashboard() -> Dashboard:
    session = db.session
    count = lambda stmt: session.scalar(stmt) or 0  # noqa: E731
    live_users = User.deleted_at.is_(None)
    by_status = {status: 0 for status in VendorStatus}
    for status, n in session.execute(sa.select(Vendor.status, sa.func.count()).group_by(Vendor.status)):
        by_status[status] = n
    outbox = dict(
        session.execute(sa.select(OutboxMessage.status, sa.func.count()).group_by(OutboxMessage.status)).all()
    )
    return Dashboard(
        users=count(sa.select(sa.func.count()).select_from(User).where(live_users)),
        admins=count(sa.select(sa.func.count()).select_from(User).where(live_users, User.is_admin.is_(True))),
        vendors_total=sum(by_status.values()),
        vendors_by_status=by_status,
        buyer_organisations=count(sa.select(sa.func.count()).select_from(BuyerOrganisation)),
        committee_members=count(
            sa.select(sa.func.count(sa.distinct(CommitteeMandate.user_id)))
            .join(User, User.id == CommitteeMandate.user_id)
            .where(CommitteeMandate.current_on(today_utc()), live_users)
        ),
        outbox_pending=outbox.get(OutboxStatus.PENDING, 0),
        outbox_failed=outbox.get(OutboxStatus.FAILED, 0),
    )


# --------------------------------------------------------------------------- outbox (dev mailbox)


def list_outbox(
    recipient: str = "", status: OutboxStatus | None = None, page: int = 1, per_page: int = PER_PAGE
) -> Page:
    stmt = sa.select(OutboxMessage)
    recipient = (recipient or "").strip()
    if recipient:
        stmt = stmt.where(OutboxMessage.to_address.icontains(recipient, autoescape=True))
    if status is not None:
        stmt = stmt.where(OutboxMessage.status == status)
    stmt = stmt.order_by(OutboxMessage.created_at.desc(), OutboxMessage.id.desc())
    return paginate(db.session, stmt, page, per_page)


def get_outbox_message(message_id: int) -> OutboxMessage:
    return get_object(OutboxMessage, message_id)


# --------------------------------------------------------------------------- audit log


def audit_subject_types() -> list[str]:
    return list(
        db.session.scalars(sa.select(AuditEvent.subject_type).distinct().order_by(AuditEvent.subject_type))
    )


@dataclass
class AuditPage:
    page: Page
    actor_emails: dict[int, str]


def list_audit_events(
    subject_type: str = "",
    action: str = "",
    actor_email: str = "",
    page: int = 1,
    per_page: int = PER_PAGE,
) -> AuditPage:
    stmt = sa.select(AuditEvent)
    if subject_type:
        stmt = stmt.where(AuditEvent.subject_type == subject_type)
    action = (action or "").strip()
    if action:
        stmt = stmt.where(AuditEvent.action.icontains(action, autoescape=True))
    actor_email = (actor_email or "").strip()
    if actor_email:
        stmt = stmt.where(
            AuditEvent.actor_id.in_(
                sa.select(User.id).where(User.email.icontains(actor_email, autoescape=True))
            )
        )
    stmt = stmt.order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
    result = paginate(db.session, stmt, page, per_page)
    return AuditPage(result, actor_emails(result.items))
