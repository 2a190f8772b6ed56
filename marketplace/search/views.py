"""Search page: approved structures matching the visitor's words."""
from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, render_template, request

from marketplace.core.pagination import Page, page_arg, paginate
from marketplace.core.permissions import public
from marketplace.core.territories import departement
from marketplace.extensions import db
from marketplace.vendors.models import Sector, Vendor, VendorSector, VendorStatus

bp = Blueprint("search", __name__)

MAX_QUERY_LENGTH = 200
MAX_TERMS = 8
PER_PAGE = 20
MAX_PAGE = 10_000


def _like_pattern(term: str) -> str:
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _term_matches(term: str):
    """A term found in the name, description or commune, whatever its case.

    ``ilike`` folds ASCII everywhere and all letters on PostgreSQL; the
    lower/upper/capitalised variants also catch accented capitals on SQLite.
    """
    variants = dict.fromkeys((term, term.lower(), term.upper(), term.capitalize()))
    columns = (Vendor.name, Vendor.description, Vendor.commune)
    return sa.or_(
        *(column.ilike(_like_pattern(variant), escape="\\") for column in columns for variant in variants)
    )


def search_approved_vendors(
    query: str, sector: Sector | None = None, page: int = 1, per_page: int = PER_PAGE
) -> Page:
    """Approved structures containing every word of ``query`` (all of them if
    empty), in ``sector`` if given."""
    terms = query.split()[:MAX_TERMS]
    stmt = sa.select(Vendor).where(Vendor.status == VendorStatus.APPROVED)
    if sector is not None:
        stmt = stmt.where(
            sa.exists().where(VendorSector.vendor_id == Vendor.id, VendorSector.sector == sector)
        )
    for term in terms:
        stmt = stmt.where(_term_matches(term))
    stmt = stmt.order_by(sa.func.lower(Vendor.name), Vendor.id)
    return paginate(db.session, stmt, page=page, per_page=per_page)


@bp.get("/recherche")
@public
def results():
    query = " ".join(request.args.get("q", "").split())[:MAX_QUERY_LENGTH]
    sector = _sector_arg(request.args.get("secteur"))
    page = search_approved_vendors(query, sector, min(page_arg(request.args), MAX_PAGE))
    return render_template(
        "search/results.html", query=query, sector=sector, sectors=list(Sector), page=page, departement=departement
    )


def _sector_arg(value: str | None) -> Sector | None:
    try:
        return Sector(value) if value else None
    except ValueError:
        return None
