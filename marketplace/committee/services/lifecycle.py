"""The daily lifecycle job: expiry reminders, expiries, charter re-signing overdue."""
from __future__ import annotations

import datetime as dt
import logging
import math
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from marketplace.committee.models import LifecycleNotice
from marketplace.committee.services.administration import charter_overdue_vendors
from marketplace.committee.services.common import format_long_date
from marketplace.core.audit import record_event
from marketplace.core.clock import now_utc
from marketplace.core.outbox import email_user
from marketplace.core.urls import external_url
from marketplace.extensions import db
from marketplace.vendors import workflow
from marketplace.vendors.models import Vendor, VendorStatus
from marketplace.vendors.services import committee_members, current_charter
from marketplace.vendors.workflow import WorkflowError

REMINDER_DAYS = (30, 7)
log = logging.getLogger(__name__)


def _notice_once(kind: str, key: str, vendor_id: int | None = None) -> bool:
    """Record that a notice is being sent; False if it already was (it is then not sent)."""
    exists = db.session.scalar(
        sa.select(sa.func.count()).select_from(LifecycleNotice).where(
            LifecycleNotice.kind == kind, LifecycleNotice.key == key
        )
    )
    if exists:
        return False
    return db.insert_unique(LifecycleNotice(kind=kind, key=key, vendor_id=vendor_id, sent_at=now_utc()))


@dataclass
class TickReport:
    reminders: dict[int, int] = field(default_factory=dict)
    expired: int = 0
    charter_flags: int = 0

    def summary(self) -> str:
        parts = [f"rappels J-{days} : {count}" for days, count in sorted(self.reminders.items(), reverse=True)]
        parts.append(f"agréments expirés : {self.expired}")
        parts.append(f"structures signalées (charte) : {self.charter_flags}")
        return ", ".join(parts)


def run_daily(now: dt.datetime | None = None) -> TickReport:
    """The lifecycle job (`flask vetting tick`): expiry reminders 30 and 7 days before
    the approval ends (each sent once), expiry once it has passed, and structures late
    to re-sign the charter flagged to the committee (once per charter version)."""
    now = now or now_utc()
    report = TickReport(reminders={days: 0 for days in REMINDER_DAYS})

    approved = db.session.scalars(
        sa.select(Vendor)
        .where(Vendor.status == VendorStatus.APPROVED, Vendor.approval_expires_at.is_not(None))
        .options(selectinload(Vendor.memberships))
        .order_by(Vendor.id)
        .with_for_update(skip_locked=True)
    ).all()
    for vendor in approved:
        expires = vendor.approval_expires_at
        if expires <= now:
            try:
                workflow.expire(vendor, None)
            except WorkflowError:
                log.warning("vendor %s could not be expired", vendor.id, exc_info=True)
            else:
                report.expired += 1
            continue
        remaining = expires - now
        # The closest threshold only: a structure first seen 5 days before gets the J-7 reminder.
        due = [days for days in sorted(REMINDER_DAYS) if remaining <= dt.timedelta(days=days)]
        if not due:
            continue
        days = due[0]
        if not _notice_once(f"expiry_{days}", f"vendor:{vendor.id}:{expires.date().isoformat()}", vendor.id):
            continue
        _send_expiry_reminder(vendor, days, expires, days_left=math.ceil(remaining / dt.timedelta(days=1)))
        report.reminders[days] += 1

    charter = current_charter()
    if charter is not None and charter.resign_deadline is not None and charter.resign_deadline <= now:
        overdue = charter_overdue_vendors(now)
        if overdue and _notice_once("charter_overdue", f"charter:{charter.id}"):
            for member in committee_members():
                email_user(
                    member,
                    _l("Structures n'ayant pas re-signé la charte (version %(version)s)", version=charter.version),
                    "committee_charter_overdue",
                    charter=charter,
                    vendors=overdue,
                    structures_url=external_url("committee.structures"),
                )
            record_event(
                None,
                charter,
                "charter.overdue_flagged",
                data={"vendor_ids": [v.id for v in overdue]},
            )
            report.charter_flags = len(overdue)
    db.session.flush()
    return report


def _send_expiry_reminder(vendor: Vendor, days: int, expires: dt.datetime, days_left: int) -> None:
    renew_url = external_url("vendors.dashboard")
    for user in [m.user for m in vendor.memberships if m.user is not None]:
        email_user(
            user,
            _l("L'agrément de %(name)s arrive à échéance le %(date)s", name=vendor.name, date=format_long_date(expires)),
            "committee_expiry_reminder",
            vendor=vendor,
            days=days,
            days_left=days_left,
            expires=expires,
            renew_url=renew_url,
        )
    record_event(None, vendor, "committee.expiry_reminder", data={"days": days, "expires": expires.isoformat()})
