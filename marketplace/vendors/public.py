"""What everyone may read: the directory of approved structures, their profiles,
and the transparency page. Nothing confidential (reviews, documents,
motivations, votes) is ever read here."""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from marketplace.core.clock import now_utc
from marketplace.core.page_cache import remembered
from marketplace.core.pagination import Page
from marketplace.core.territories import choices as departement_choices
from marketplace.core.territories import departement
from marketplace.extensions import db
from marketplace.vendors.models import (
    Application,
    ApplicationStatus,
    LegalForm,
    Sector,
    Vendor,
    VendorStatus,
)

PER_PAGE = 12


def _enum(enum_cls, value):
    try:
        return enum_cls(value) if value else None
    except ValueError:
        return None


@dataclass
class DirectoryFilters:
    sector: Sector | None = None
    legal_form: LegalForm | None = None
    departement: str | None = None

    @classmethod
    def parse(cls, args, eligible: list[str]) -> DirectoryFilters:
        dep = (args.get("departement") or "").strip()
        return cls(
            sector=_enum(Sector, args.get("secteur")),
            legal_form=_enum(LegalForm, args.get("statut")),
            departement=dep if dep in eligible else None,
        )

    @property
    def active(self) -> bool:
        return any((self.sector, self.legal_form, self.departement))


@dataclass
class Directory:
    """One page of the directory, with the counts of its filters."""

    page: Page
    # Facet ("sector", "legal_form", "departement") -> value -> structures, each counted with the other filters.
    counts: dict[str, dict[str, int]]


def directory(filters: DirectoryFilters, page: int = 1, per_page: int = PER_PAGE) -> Directory:
    """The approved structures in alphabetical order, read through the search service (an empty query)."""
    from marketplace.search import service as search

    wanted = {"kind": ["supplier"]}
    if filters.sector is not None:
        wanted["sector"] = [filters.sector.value]
    if filters.legal_form is not None:
        wanted["legal_form"] = [filters.legal_form.value]
    if filters.departement is not None:
        wanted["departement"] = [filters.departement]
    result = search.search("", wanted, sort="title", page=page, per_page=per_page)
    ids = search.record_ids(result, "vendor")
    found = {
        vendor.id: vendor
        for vendor in db.session.scalars(
            sa.select(Vendor).where(Vendor.id.in_(ids), Vendor.status == VendorStatus.APPROVED)
        )
    } if ids else {}
    return Directory(
        page=Page(items=[found[i] for i in ids if i in found], page=page, per_page=per_page, total=result.total),
        counts={name: search.facet_counts(result, name) for name in ("sector", "legal_form", "departement")},
    )


def eligible_departements() -> list[tuple[str, str]]:
    return departement_choices(current_app.config["ELIGIBLE_DEPARTEMENTS"])


def public_vendor(slug: str) -> Vendor | None:
    """An approved structure by its slug; None for any other (404 to the public)."""
    if not slug or len(slug) > 140:
        return None
    return db.session.scalars(
        sa.select(Vendor).where(Vendor.slug == slug, Vendor.status == VendorStatus.APPROVED)
    ).first()


def public_commitments(vendor: Vendor) -> list[tuple[str, str]]:
    """(criterion, the structure's own account) from its last approved application."""
    return remembered("commitments", vendor.id, lambda: _commitments(vendor))


def _commitments(vendor: Vendor) -> list[tuple[str, str]]:
    from marketplace.committee.models import Criterion
    from marketplace.vendors.workflow import last_approved_application

    application = last_approved_application(vendor)
    if application is None:
        return []
    answers = {a.criterion_id: a.text for a in application.answers if (a.text or "").strip()}
    if not answers:
        return []
    criteria = db.session.scalars(
        sa.select(Criterion).where(Criterion.id.in_(answers)).order_by(Criterion.position, Criterion.id)
    )
    return [(c.label, answers[c.id]) for c in criteria]


def territory_label(vendor: Vendor) -> str:
    dep = departement(vendor.departement_code)
    parts = [vendor.commune or "", dep.label if dep else ""]
    return " – ".join(p for p in parts if p)


# ---------------------------------------------------------------- transparency


@dataclass
class QuarterStats:
    label: str
    received: int = 0
    approved: int = 0
    rejected: int = 0


def _quarter(moment: dt.datetime) -> tuple[int, int]:
    return moment.year, (moment.month - 1) // 3 + 1


def quarterly_stats(quarters: int = 8) -> list[QuarterStats]:
    """Applications received (submitted), approved and rejected per calendar quarter, newest first."""
    received: dict[tuple[int, int], int] = defaultdict(int)
    approved: dict[tuple[int, int], int] = defaultdict(int)
    rejected: dict[tuple[int, int], int] = defaultdict(int)
    rows = db.session.execute(
        sa.select(Application.status, Application.submitted_at, Application.decided_at).where(
            Application.submitted_at.is_not(None)
        )
    )
    for status, submitted_at, decided_at in rows:
        received[_quarter(submitted_at)] += 1
        if decided_at is not None and status == ApplicationStatus.APPROVED:
            approved[_quarter(decided_at)] += 1
        elif decided_at is not None and status == ApplicationStatus.REJECTED:
            rejected[_quarter(decided_at)] += 1
    year, q = _quarter(now_utc())
    result = []
    for _i in range(quarters):
        key = (year, q)
        result.append(
            QuarterStats(label=_("T%(quarter)s %(year)s", quarter=q, year=year), received=received[key], approved=approved[key], rejected=rejected[key])
        )
        q -= 1
        if q == 0:
            year, q = year - 1, 4
    return result


def approved_count() -> int:
    return db.session.scalar(
        sa.select(sa.func.count()).select_from(Vendor).where(Vendor.status == VendorStatus.APPROVED)
    ) or 0
