"""Keeping the search index in step with the database.

Every flush is watched: a change to what an offer's or a structure's search
document shows (an offer's title, price, status or labels; a structure's
name, description, sectors, commune, legal form or status; a category's name)
marks the documents concerned, whichever service, seed or administration
screen made it. Domain services may also call ``offer_changed`` /
``vendor_changed`` themselves. The marks are kept on the session; just before
the commit the documents are built from the database state being committed,
and the index is written once the commit has succeeded (nothing is indexed if
the transaction rolls back). The PostgreSQL backend stores its documents in
the database itself, so it is written in the same transaction.
"""
from __future__ import annotations

import logging

import sqlalchemy as sa
from flask import has_app_context
from sqlalchemy import event
from sqlalchemy.orm import Session

from marketplace.core.unit_of_work import after_commit
from marketplace.search.documents import current_documents, offer_doc_id, vendor_doc_id

log = logging.getLogger(__name__)
_KEY = "search_pending"

# Attributes the search documents are built from.
OFFER_FIELDS = (
    "title", "slug", "description_text", "category_id", "kind", "price_cents", "channels", "status",
    "published_at", "vendor_id", "label_rows",
)
VENDOR_FIELDS = (
    "name", "slug", "description", "legal_form", "commune", "departement_code", "status", "approved_at",
    "sector_rows",
)
CATEGORY_FIELDS = ("name", "slug", "parent_id")


def _pending(session: Session) -> dict[str, set[int]]:
    return session.info.setdefault(_KEY, {"offer": set(), "vendor": set(), "category": set()})


def _session() -> Session:
    from marketplace.extensions import db

    return db.session


def offer_changed(offer) -> None:
    """Reindex (or remove) the offer after the commit."""
    if offer.id is not None:
        _pending(_session())["offer"].add(offer.id)


def vendor_changed(vendor) -> None:
    """Reindex (or remove) the structure and all its offers after the commit."""
    if vendor.id is not None:
        _pending(_session())["vendor"].add(vendor.id)


# ---------------------------------------------------------------- watching flushes


def _changed(obj, fields) -> bool:
    attrs = sa.inspect(obj).attrs
    return any(attrs[name].history.has_changes() for name in fields)


def _was_or_is(obj, field: str, value) -> bool:
    """True if ``obj.field`` is ``value`` now or was before this flush."""
    history = sa.inspect(obj).attrs[field].history
    return getattr(obj, field) == value or value in (history.deleted or ())


def _parent_id(obj, field: str) -> int | None:
    """A foreign key of ``obj``, also when the row is being removed from its parent's collection."""
    history = sa.inspect(obj).attrs[field].history
    for value in (*(history.added or ()), *(history.unchanged or ()), *(history.deleted or ())):
        if value is not None:
            return value
    return None


@event.listens_for(Session, "after_flush")
def _watch_flush(session: Session, flush_context) -> None:
    from marketplace.catalogue.models import Category, Offer, OfferLabel, OfferStatus
    from marketplace.vendors.models import Vendor, VendorSector, VendorStatus

    pending = None

    def mark(kind: str, ident: int | None) -> None:
        nonlocal pending
        if ident is not None:
            pending = pending or _pending(session)
            pending[kind].add(ident)

    def listed_vendor(vendor_id: int | None) -> bool:
        vendor = session.identity_map.get(session.identity_key(Vendor, vendor_id)) if vendor_id else None
        if vendor is None:
            return vendor_id is not None
        return _was_or_is(vendor, "status", VendorStatus.APPROVED)

    for obj in session.new:
        if isinstance(obj, Offer) and obj.status == OfferStatus.PUBLISHED:
            mark("offer", obj.id)
        elif isinstance(obj, Vendor) and obj.status == VendorStatus.APPROVED:
            mark("vendor", obj.id)
        elif isinstance(obj, OfferLabel):
            mark("offer", _parent_id(obj, "offer_id"))
        elif isinstance(obj, VendorSector) and listed_vendor(_parent_id(obj, "vendor_id")):
            mark("vendor", _parent_id(obj, "vendor_id"))
    for obj in session.dirty:
        if isinstance(obj, Offer):
            if _changed(obj, OFFER_FIELDS) and _was_or_is(obj, "status", OfferStatus.PUBLISHED):
                mark("offer", obj.id)
        elif isinstance(obj, Vendor):
            if _changed(obj, VENDOR_FIELDS) and _was_or_is(obj, "status", VendorStatus.APPROVED):
                mark("vendor", obj.id)
        elif isinstance(obj, Category) and _changed(obj, CATEGORY_FIELDS):
            mark("category", obj.id)
    for obj in session.deleted:
        if isinstance(obj, Offer):
            mark("offer", obj.id)
        elif isinstance(obj, Vendor):
            mark("vendor", obj.id)
        elif isinstance(obj, OfferLabel):
            mark("offer", _parent_id(obj, "offer_id"))
        elif isinstance(obj, VendorSector) and listed_vendor(_parent_id(obj, "vendor_id")):
            mark("vendor", _parent_id(obj, "vendor_id"))


# ---------------------------------------------------------------- at commit


def _category_subtree(session: Session, ids: set[int]) -> set[int]:
    from marketplace.catalogue.models import Category

    found, frontier = set(ids), set(ids)
    while frontier:
        frontier = set(session.scalars(sa.select(Category.id).where(Category.parent_id.in_(frontier)))) - found
        found |= frontier
    return found


def _doc_ids(session: Session, pending: dict[str, set[int]]) -> set[str]:
    """The documents to rebuild: the offers, the structures and every offer of those structures and categories."""
    from marketplace.catalogue.models import Offer

    offer_ids = set(pending["offer"])
    vendor_ids = sorted(pending["vendor"])
    for start in range(0, len(vendor_ids), 500):
        chunk = vendor_ids[start:start + 500]
        offer_ids.update(session.scalars(sa.select(Offer.id).where(Offer.vendor_id.in_(chunk))))
    if pending["category"]:
        categories = sorted(_category_subtree(session, pending["category"]))
        for start in range(0, len(categories), 500):
            chunk = categories[start:start + 500]
            offer_ids.update(session.scalars(sa.select(Offer.id).where(Offer.category_id.in_(chunk))))
    return {offer_doc_id(i) for i in offer_ids} | {vendor_doc_id(i) for i in vendor_ids}


def apply_changes(backend, docs: list[dict], removed: list[str]) -> None:
    if docs:
        backend.index(docs)
    if removed:
        backend.remove(removed)


@event.listens_for(Session, "before_commit")
def _before_commit(session: Session) -> None:
    if session.in_nested_transaction():  # a SAVEPOINT: wait for the real commit
        return
    if not has_app_context():
        return
    session.flush()  # the last changes are watched too
    pending = session.info.pop(_KEY, None)
    if not pending or not any(pending.values()):
        return
    try:
        from marketplace.search.service import get_backend

        docs, removed = current_documents(_doc_ids(session, pending))
        backend = get_backend()
        if backend.name == "postgres":
            _write_in_transaction(session, backend, docs, removed)
        else:
            after_commit(session, lambda: apply_changes(backend, docs, removed))
    except Exception:  # indexing must never prevent the commit
        log.exception("search indexing of %s failed", pending)


def _write_in_transaction(session: Session, backend, docs: list[dict], removed: list[str]) -> None:
    """Write through a session joined to this transaction (its commits are savepoints)."""
    joined = Session(bind=session.connection(), join_transaction_mode="create_savepoint")
    try:
        apply_changes(type(backend)(session=joined), docs, removed)
    finally:
        joined.close()


@event.listens_for(Session, "after_soft_rollback")
def _drop_pending(session: Session, previous_transaction) -> None:
    if previous_transaction.parent is None:
        session.info.pop(_KEY, None)
