"""The structures the committee oversees: list, suspension, reinstatement."""
from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from marketplace.committee.services.administration import charter_overdue_vendors
from marketplace.committee.services.common import CommitteeError, require_member
from marketplace.core.pagination import Page, paginate
from marketplace.extensions import db
from marketplace.vendors import workflow
from marketplace.vendors.models import (
    Application,
    ApplicationStatus,
    CharterSignature,
    CharterVersion,
    Vendor,
    VendorStatus,
)
from marketplace.vendors.services import current_charter

STRUCTURE_FILTERS: dict[str, tuple[VendorStatus, ...]] = {
    "all": (VendorStatus.APPROVED, VendorStatus.SUSPENDED, VendorStatus.EXPIRED),
    "approved": (VendorStatus.APPROVED,),
    "suspended": (VendorStatus.SUSPENDED,),
    "expired": (VendorStatus.EXPIRED,),
}
STRUCTURE_FILTER_LABELS = {
    "all": _l("Toutes"),
    "approved": _l("Agréées"),
    "suspended": _l("Suspendues"),
    "expired": _l("Agrément expiré"),
}


@dataclass
class Structures:
    status: str
    counts: dict[str, int]
    page: Page
    charter: CharterVersion | None
    signed_ids: set[int]
    overdue: list[Vendor]


def structures(status: str = "all", page: int = 1, per_page: int = 25) -> Structures:
    """Approved, suspended and expired structures, and those late to re-sign the charter."""
    if status not in STRUCTURE_FILTERS:
        status = "all"
    by_status = dict(
        db.session.execute(sa.select(Vendor.status, sa.func.count()).group_by(Vendor.status)).all()
    )
    counts = {name: sum(by_status.get(s, 0) for s in states) for name, states in STRUCTURE_FILTERS.items()}
    stmt = (
        sa.select(Vendor)
        .where(Vendor.status.in_(STRUCTURE_FILTERS[status]))
        .order_by(Vendor.approval_expires_at.asc().nulls_last(), Vendor.name, Vendor.id)
    )
    result = paginate(db.session, stmt, page=page, per_page=per_page)
    charter = current_charter()
    signed: set[int] = set()
    if charter is not None and result.items:
        signed = set(
            db.session.scalars(
                sa.select(CharterSignature.vendor_id).where(
                    CharterSignature.charter_version_id == charter.id,
                    CharterSignature.vendor_id.in_([v.id for v in result.items]),
                )
            )
        )
    return Structures(
        status=status,
        counts=counts,
        page=result,
        charter=charter,
        signed_ids=signed,
        overdue=charter_overdue_vendors(),
    )


def vendor_for_committee(vendor_id: int) -> Vendor | None:
    vendor = db.session.get(Vendor, vendor_id)
    if vendor is None or vendor.status == VendorStatus.CANDIDATE:
        return None
    return vendor


def suspend_vendor(vendor: Vendor, member, reason: str) -> Vendor:
    require_member(member)
    if not (reason or "").strip():
        raise CommitteeError(_("Le motif de la suspension est obligatoire."), field="reason")
    return workflow.suspend(vendor, member, reason.strip())


def reinstate_vendor(vendor: Vendor, member, note: str | None) -> Vendor:
    require_member(member)
    return workflow.reinstate(vendor, member, (note or "").strip() or None)


def latest_application_of(vendor: Vendor) -> Application | None:
    return db.session.scalars(
        sa.select(Application)
        .where(
            Application.vendor_id == vendor.id,
            Application.status != ApplicationStatus.DRAFT,
            Application.submitted_at.is_not(None),
        )
        .order_by(Application.id.desc())
        .limit(1)
    ).first()
