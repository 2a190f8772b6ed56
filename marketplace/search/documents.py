"""Search documents: plain dicts built from offers and approved structures.

Both backends index exactly these dicts; see backends/base.py for the fields.
"""
from __future__ import annotations

import contextlib
from collections.abc import Iterator

import sqlalchemy as sa
from flask import current_app, has_request_context, url_for
from flask_babel import force_locale

from marketplace.catalogue import markup
from marketplace.catalogue.models import Category, Offer
from marketplace.catalogue.services import offer_url, visible_offers_query
from marketplace.extensions import db
from marketplace.vendors.models import Vendor, VendorStatus


def offer_doc_id(offer_id: int) -> str:
    return f"offer-{offer_id}"


def vendor_doc_id(vendor_id: int) -> str:
    return f"vendor-{vendor_id}"


def parse_doc_id(doc_id: str) -> tuple[str, int] | None:
    """("offer" | "vendor", id) from a document id, or None."""
    kind, _, number = doc_id.partition("-")
    if kind not in {"offer", "vendor"} or not number.isdigit():
        return None
    return kind, int(number)


def _category_names(category: Category | None) -> str:
    names: list[str] = []
    while category is not None and len(names) < 10:
        names.append(category.name)
        category = category.parent
    return " ".join(names)


def plain_text(offer: Offer) -> str:
    """The offer's description as plain text, without its Markdown marks."""
    return markup.plain(offer.description_text, length=100_000)


def _sector_labels(vendor: Vendor) -> list[str]:
    with force_locale("fr"):
        return [str(s.label) for s in vendor.sectors]


def build_offer_doc(offer: Offer) -> dict:
    vendor = offer.vendor
    return {
        "id": offer_doc_id(offer.id),
        "kind": offer.kind.value,
        "title": offer.title,
        "description": plain_text(offer),
        "category": _category_names(offer.category),
        "category_slug": offer.category.slug if offer.category else "",
        "labels": [label.value for label in offer.labels],
        "vendor_name": vendor.name,
        "vendor_slug": vendor.slug,
        "sectors": _sector_labels(vendor),
        "sector": [s.value for s in vendor.sectors],
        "legal_form": vendor.legal_form.value if vendor.legal_form else "",
        "commune": vendor.commune or "",
        "departement": vendor.departement_code or "",
        "price_cents": offer.price_cents,
        "channel": offer.channels.value,
        "published_at": offer.published_at or offer.created_at,
        "url": offer_url(offer),
    }


def build_vendor_doc(vendor: Vendor) -> dict:
    return {
        "id": vendor_doc_id(vendor.id),
        "kind": "supplier",
        "title": vendor.name,
        "description": vendor.description or "",
        "category": "",
        "category_slug": "",
        "labels": [],
        "vendor_name": vendor.name,
        "vendor_slug": vendor.slug,
        "sectors": _sector_labels(vendor),
        "sector": [s.value for s in vendor.sectors],
        "legal_form": vendor.legal_form.value if vendor.legal_form else "",
        "commune": vendor.commune or "",
        "departement": vendor.departement_code or "",
        "price_cents": None,
        "channel": "",
        "published_at": vendor.approved_at or vendor.created_at,
        "url": url_for("vendors.profile", slug=vendor.slug),
    }


def _url_context():
    """URLs are paths; outside a request (CLI, seeds) build them in a stand-in request."""
    if has_request_context():
        return contextlib.nullcontext()
    return current_app.test_request_context("/")


def approved_vendors_query() -> sa.Select:
    return sa.select(Vendor).where(Vendor.status == VendorStatus.APPROVED)


def iter_all_documents(batch: int = 500) -> Iterator[dict]:
    """Every visible offer and every approved structure, in id order."""
    for stmt, build in (
        (visible_offers_query().order_by(Offer.id), build_offer_doc),
        (approved_vendors_query().order_by(Vendor.id), build_vendor_doc),
    ):
        for row in db.session.scalars(stmt.execution_options(yield_per=batch)):
            with _url_context():
                doc = build(row)
            yield doc


def count_all_documents() -> int:
    offers = db.session.scalar(sa.select(sa.func.count()).select_from(visible_offers_query().subquery()))
    vendors = db.session.scalar(sa.select(sa.func.count()).select_from(approved_vendors_query().subquery()))
    return (offers or 0) + (vendors or 0)


def current_documents(doc_ids) -> tuple[list[dict], list[str]]:
    """(documents as the database says now, ids that must not be found) for these document ids."""
    wanted: dict[str, list[int]] = {"offer": [], "vendor": []}
    for doc_id in doc_ids:
        parsed = parse_doc_id(doc_id)
        if parsed is not None:
            wanted[parsed[0]].append(parsed[1])
    docs: list[dict] = []
    sources = (
        (wanted["offer"], visible_offers_query(), Offer.id, build_offer_doc),
        (wanted["vendor"], approved_vendors_query(), Vendor.id, build_vendor_doc),
    )
    with _url_context():
        for ids, stmt, column, build in sources:
            for start in range(0, len(ids), 500):
                docs += [build(row) for row in db.session.scalars(stmt.where(column.in_(ids[start:start + 500])))]
    found = {doc["id"] for doc in docs}
    return docs, sorted(set(doc_ids) - found)
