"""Vendors' saved alert searches: an e-mail when a matching tender is published.

An alert belongs to one vendor member and one structure. A tender matches
when its category (or a sub-category), its département, its reservation and
one of the keywords agree, and when the structure may bid on at least one of
its lots (a contract reserved to SIAE is not announced to an EA, and so on).
"""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from marketplace.catalogue.models import Category
from marketplace.catalogue.services import category_subtree_ids
from marketplace.core.audit import record_event
from marketplace.core.outbox import email_user
from marketplace.core.territories import departement
from marketplace.extensions import db
from marketplace.procurement.tenders.models import Tender, TenderAlert
from marketplace.procurement.tenders.rules import vendor_is_eligible_for_lot
from marketplace.procurement.tenders.services import TenderNotFound, tender_url
from marketplace.procurement.tenders.workflow import TenderError
from marketplace.vendors.permissions import is_member

MAX_ALERTS_PER_USER = 20


@dataclass
class AlertData:
    category_id: int | None = None
    departement: str | None = None
    reserved_only: bool = False
    keywords: str | None = None


def fold(text: str | None) -> str:
    """Lower case without accents, for keyword matching."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()


def keyword_list(keywords: str | None) -> list[str]:
    """« nettoyage, espaces verts » → ["nettoyage", "espaces verts"] (folded)."""
    return [term for term in (" ".join(part.split()) for part in fold(keywords).split(",")) if term]


def alerts_of(user, vendor) -> list[TenderAlert]:
    return list(
        db.session.scalars(
            sa.select(TenderAlert)
            .where(TenderAlert.user_id == user.id, TenderAlert.vendor_id == vendor.id)
            .order_by(TenderAlert.created_at.desc(), TenderAlert.id.desc())
        )
    )


def create_alert(user, vendor, data: AlertData) -> TenderAlert:
    if not is_member(user, vendor):
        raise TenderError(_l("Vous n'êtes pas membre de cette structure."))
    keywords = " ".join((data.keywords or "").split())[:200] or None
    if data.departement and departement(data.departement) is None:
        raise TenderError(_l("Département inconnu."), field="departement")
    if data.category_id and db.session.get(Category, data.category_id) is None:
        raise TenderError(_l("Catégorie inconnue."), field="category_id")
    if not (data.category_id or data.departement or data.reserved_only or keywords):
        raise TenderError(
            _l("Choisissez au moins un critère : catégorie, département, marchés réservés ou mots-clés.")
        )
    count = db.session.scalar(
        sa.select(sa.func.count()).select_from(TenderAlert).where(TenderAlert.user_id == user.id)
    )
    if (count or 0) >= MAX_ALERTS_PER_USER:
        raise TenderError(
            _l("Vous avez déjà %(n)s alertes : supprimez-en une avant d'en créer une autre.", n=MAX_ALERTS_PER_USER)
        )
    alert = TenderAlert(
        user_id=user.id,
        vendor_id=vendor.id,
        category_id=data.category_id or None,
        departement=data.departement or None,
        reserved_only=bool(data.reserved_only),
        keywords=keywords,
    )
    db.session.add(alert)
    db.session.flush()
    record_event(user, alert, "tender_alert.created", None, None, {"vendor_id": vendor.id})
    return alert


def delete_alert(user, vendor, alert_id: int) -> None:
    alert = db.session.get(TenderAlert, alert_id)
    if alert is None or alert.user_id != user.id or alert.vendor_id != vendor.id:
        raise TenderNotFound()
    record_event(user, alert, "tender_alert.deleted", None, None, {"vendor_id": vendor.id})
    db.session.delete(alert)
    db.session.flush()


def _searchable_text(tender: Tender) -> str:
    parts = [tender.title, tender.object, tender.reference]
    parts.extend(f"{lot.title} {lot.description}" for lot in tender.lots)
    return fold(" ".join(p or "" for p in parts))


def alert_matches(alert: TenderAlert, tender: Tender) -> bool:
    if alert.category_id and tender.category_id not in category_subtree_ids(alert.category_id):
        return False
    if alert.departement and tender.departement and alert.departement != tender.departement:
        return False
    if alert.reserved_only and not tender.is_reserved:
        return False
    terms = keyword_list(alert.keywords)
    if terms:
        text = _searchable_text(tender)
        if not any(term in text for term in terms):
            return False
    return any(vendor_is_eligible_for_lot(alert.vendor, lot) for lot in tender.lots)


def notify_alerts(tender: Tender) -> int:
    """E-mail, once per person, the vendor members whose alert matches a newly published tender."""
    stmt = sa.select(TenderAlert).order_by(TenderAlert.id)
    if tender.departement:
        stmt = stmt.where(
            sa.or_(TenderAlert.departement.is_(None), TenderAlert.departement == tender.departement)
        )
    if not tender.is_reserved:
        stmt = stmt.where(TenderAlert.reserved_only.is_(False))
    alerts = db.session.scalars(stmt).all()
    notified: set[int] = set()
    for alert in alerts:
        if alert.user_id in notified or not is_member(alert.user, alert.vendor):
            continue
        if not alert_matches(alert, tender):
            continue
        if email_user(
            alert.user,
            _l("Nouvel appel d'offres : %(title)s", title=tender.title),
            "tenders/alert",
            tender=tender,
            vendor=alert.vendor,
            alert=alert,
            tender_url=tender_url(tender),
        ) is not None:
            notified.add(alert.user_id)
    db.session.flush()
    return len(notified)
