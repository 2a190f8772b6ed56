"""Keeping the search index in step with the database.

Domain services call ``offer_changed`` / ``vendor_changed``; the ids are kept
on the session. Just before the commit the documents are built from the
database state being committed; the index is written once the commit has
succeeded (nothing is indexed if the transaction rolls back). The PostgreSQL
backend stores its documents in the database itself, so it is written in the
same transaction.
"""
from __future__ import annotations

import logging

import sqlalchemy as sa
from flask import has_app_context
from sqlalchemy import event
from sqlalchemy.orm import Session

from marketplace.core.unit_of_work import after_commit
from marketplace.search.documents import current_document, offer_doc_id, vendor_doc_id

log = logging.getLogger(__name__)
_KEY = "search_pending_ids"


def _mark(doc_ids: list[str]) -> None:
    from marketplace.extensions import db

    db.session.info.setdefault(_KEY, set()).update(doc_ids)


def offer_changed(offer) -> None:
    """Reindex (or remove) the offer after the commit."""
    if offer.id is not None:
        _mark([offer_doc_id(offer.id)])


def vendor_changed(vendor) -> None:
    """Reindex (or remove) the structure and all its offers after the commit."""
    from marketplace.catalogue.models import Offer
    from marketplace.extensions import db

    if vendor.id is None:
        return
    offer_ids = db.session.scalars(sa.select(Offer.id).where(Offer.vendor_id == vendor.id))
    _mark([vendor_doc_id(vendor.id)] + [offer_doc_id(i) for i in offer_ids])


def apply_changes(backend, docs: list[dict], removed: list[str]) -> None:
    if docs:
        backend.index(docs)
    if removed:
        backend.remove(removed)


@event.listens_for(Session, "before_commit")
def _before_commit(session: Session) -> None:
    if session.in_nested_transaction():  # a SAVEPOINT: wait for the real commit
        return
    doc_ids = session.info.pop(_KEY, None)
    if not doc_ids or not has_app_context():
        return
    try:
        from marketplace.search.service import get_backend

        session.flush()
        docs, removed = [], []
        for doc_id in sorted(doc_ids):
            doc = current_document(doc_id)
            if doc is None:
                removed.append(doc_id)
            else:
                docs.append(doc)
        backend = get_backend()
        if backend.name == "postgres":
            _write_in_transaction(session, backend, docs, removed)
        else:
            after_commit(session, lambda: apply_changes(backend, docs, removed))
    except Exception:  # indexing must never prevent the commit
        log.exception("search indexing of %s failed", sorted(doc_ids))


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
