"""The public list of calls for tenders and its filters."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from marketplace.catalogue.models import Category
from marketplace.catalogue.services import category_subtree_ids
from marketplace.core.clock import now_utc
from marketplace.core.pagination import Page, paginate
from marketplace.core.territories import departement as find_departement
from marketplace.extensions import db
from marketplace.procurement.tenders.models import Lot, Reservation, Tender, TenderStatus

S = TenderStatus
PER_PAGE = 10
DEADLINE_WINDOWS = (7, 15, 30)  # days
SHOW_OPEN, SHOW_PAST, SHOW_ALL = "ouverts", "termines", "tous"
PAST_STATUSES = (S.CLOSED, S.UNDER_EVALUATION, S.AWARDED, S.UNSUCCESSFUL, S.CANCELLED)


@dataclass
class TenderFilters:
    category_id: int | None = None
    departement: str | None = None
    within_days: int | None = None
    reserved: bool = False
    show: str = SHOW_OPEN

    @classmethod
    def parse(cls, args) -> TenderFilters:
        category_id = args.get("categorie", type=int)
        if category_id is not None and db.session.get(Category, category_id) is None:
            category_id = None
        dep = (args.get("departement") or "").strip().upper() or None
        if dep is not None and find_departement(dep) is None:
            dep = None
        within = args.get("cloture", type=int)
        if within not in DEADLINE_WINDOWS:
            within = None
        show = args.get("afficher", SHOW_OPEN)
        if show not in (SHOW_OPEN, SHOW_PAST, SHOW_ALL):
            show = SHOW_OPEN
        reserved = args.get("reserve") in ("1", "on", "oui")
        return cls(category_id=category_id, departement=dep, within_days=within, reserved=reserved, show=show)

    @property
    def active(self) -> bool:
        return bool(self.category_id or self.departement or self.within_days or self.reserved
                    or self.show != SHOW_OPEN)


def _reserved_clause():
    return sa.or_(
        Tender.reservation != Reservation.NONE,
        sa.exists().where(Lot.tender_id == Tender.id, Lot.reservation != Reservation.NONE),
    )


def public_tenders(filters: TenderFilters, page: int = 1, now: dt.datetime | None = None,
                   per_page: int = PER_PAGE) -> Page:
    """Open tenders (published, deadline not passed) by nearest deadline; or past ones, newest first."""
    now = now or now_utc()
    is_open = sa.and_(Tender.status == S.PUBLISHED, Tender.submission_deadline > now)
    stmt = sa.select(Tender).options(selectinload(Tender.buyer_organisation), selectinload(Tender.lots))
    if filters.show == SHOW_OPEN:
        stmt = stmt.where(is_open).order_by(Tender.submission_deadline, Tender.id)
    else:
        past = sa.or_(Tender.status.in_(PAST_STATUSES),
                      sa.and_(Tender.status == S.PUBLISHED, Tender.submission_deadline <= now))
        stmt = stmt.where(past if filters.show == SHOW_PAST else sa.or_(is_open, past))
        stmt = stmt.order_by(Tender.published_at.desc(), Tender.id.desc())
    if filters.category_id:
        stmt = stmt.where(Tender.category_id.in_(category_subtree_ids(filters.category_id)))
    if filters.departement:
        stmt = stmt.where(Tender.departement == filters.departement)
    if filters.within_days:
        stmt = stmt.where(is_open, Tender.submission_deadline <= now + dt.timedelta(days=filters.within_days))
    if filters.reserved:
        stmt = stmt.where(_reserved_clause())
    return paginate(db.session, stmt, page=page, per_page=per_page)


def open_count(now: dt.datetime | None = None) -> int:
    now = now or now_utc()
    return db.session.scalar(
        sa.select(sa.func.count()).select_from(Tender)
        .where(Tender.status == S.PUBLISHED, Tender.submission_deadline > now)
    ) or 0
