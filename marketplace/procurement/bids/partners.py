"""Partner finding: « cherche partenaire(s) » notices on a lot, other vendors' offers to
join, and the author's one-click invitation of an offering vendor into its groupement.

Notices are seen by vendors only (never by the buyer); like bids, they are
published and answered only before the submission deadline.
"""
from __future__ import annotations

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from marketplace.core.audit import record_event
from marketplace.core.clock import now_utc
from marketplace.core.urls import external_url
from marketplace.extensions import db
from marketplace.procurement.bids.errors import BidError
from marketplace.procurement.bids.models import (
    Bid,
    BidMember,
    BidMode,
    BidStatus,
    JoinOffer,
    JoinOfferStatus,
    NoticeStatus,
    PartnerNotice,
)
from marketplace.procurement.bids.permissions import acts_for
from marketplace.procurement.bids.services import (
    bid_led_by,
    clean_text,
    create_bid,
    email_vendor,
    ensure_accepts_bids,
    ensure_approved,
    ensure_eligible,
    invite,
    reopen,
    set_mode,
)
from marketplace.procurement.tenders.models import Lot, Tender
from marketplace.vendors.models import Vendor


def _require_member(actor, vendor: Vendor) -> None:
    if not acts_for(actor, vendor):
        raise BidError(_l("Vous n'êtes pas membre de cette structure."))


def _required(text: str | None, field: str, message) -> str:
    value = clean_text(text)
    if not value:
        raise BidError(message, field=field)
    return value


def publish_notice(lot: Lot, vendor: Vendor, actor, brings: str, needs: str) -> PartnerNotice:
    """Publish (or publish again) the vendor's notice on a lot."""
    _require_member(actor, vendor)
    ensure_accepts_bids(lot)
    ensure_approved(vendor)
    ensure_eligible(vendor, lot)
    brings = _required(brings, "brings", _l("Dites ce que votre structure apporte."))
    needs = _required(needs, "needs", _l("Dites quel partenaire vous cherchez."))
    notice = db.session.scalars(
        sa.select(PartnerNotice).where(PartnerNotice.lot_id == lot.id, PartnerNotice.vendor_id == vendor.id)
    ).first()
    if notice is not None and notice.status is NoticeStatus.OPEN:
        raise BidError(_l("%(vendor)s a déjà une annonce ouverte sur ce lot.", vendor=vendor.name))
    if notice is None:
        notice = PartnerNotice(tender_id=lot.tender_id, lot=lot, vendor=vendor)
    notice.brings, notice.needs = brings, needs
    notice.status = NoticeStatus.OPEN
    notice.closed_at = None
    notice.created_by_id = actor.id
    notice.created_at = now_utc()
    if not db.insert_unique(notice):
        raise BidError(_l("%(vendor)s a déjà une annonce ouverte sur ce lot.", vendor=vendor.name))
    record_event(actor, notice, "partner_notice.published", None, NoticeStatus.OPEN, {"lot_id": lot.id})
    db.session.flush()
    return notice


def close_notice(notice: PartnerNotice, actor) -> PartnerNotice:
    _require_member(actor, notice.vendor)
    if notice.status is NoticeStatus.CLOSED:
        return notice
    notice.status = NoticeStatus.CLOSED
    notice.closed_at = now_utc()
    record_event(actor, notice, "partner_notice.closed", NoticeStatus.OPEN, NoticeStatus.CLOSED)
    db.session.flush()
    return notice


def offer_to_join(notice: PartnerNotice, vendor: Vendor, actor, message: str) -> JoinOffer:
    """Another vendor offers to join; the notice's author is told by e-mail."""
    _require_member(actor, vendor)
    ensure_accepts_bids(notice.lot)
    if notice.status is not NoticeStatus.OPEN:
        raise BidError(_l("Cette annonce est close."))
    if vendor.id == notice.vendor_id:
        raise BidError(_l("C'est l'annonce de votre propre structure."))
    ensure_approved(vendor)
    ensure_eligible(vendor, notice.lot)
    message = _required(message, "message", _l("Présentez en quelques lignes ce que vous proposez."))
    offer = JoinOffer(notice_id=notice.id, vendor_id=vendor.id, created_by_id=actor.id, message=message,
                      created_at=now_utc())
    if not db.insert_unique(offer):
        raise BidError(_l("%(vendor)s a déjà proposé de rejoindre ce groupement.", vendor=vendor.name))
    if offer not in notice.offers:
        notice.offers.append(offer)
    record_event(actor, notice, "partner_notice.join_offered", None, None, {"vendor_id": vendor.id})
    email_vendor(
        notice.vendor,
        _l("Proposition de partenariat : %(ref)s, lot %(lot)s", ref=notice.tender.reference, lot=notice.lot.number),
        "join_offer",
        notice=notice,
        offer=offer,
        url=external_url("bids.partners", tender_id=notice.tender_id),
    )
    db.session.flush()
    return offer


def invite_from_offer(offer: JoinOffer, actor) -> BidMember:
    """One click: the author invites the offering vendor into its bid on the lot, starting
    a conjoint groupement if it has no bid yet (the form can be changed afterwards)."""
    notice = offer.notice
    lead = notice.vendor
    _require_member(actor, lead)
    ensure_accepts_bids(notice.lot)
    bid: Bid | None = bid_led_by(lead, notice.lot)
    if bid is None:
        bid = create_bid(notice.lot, lead, actor, BidMode.CONJOINT)
    elif bid.status is BidStatus.WITHDRAWN:
        reopen(bid, actor)
    if bid.mode is BidMode.ALONE:
        set_mode(bid, actor, BidMode.CONJOINT)
    member = invite(bid, actor, offer.vendor)
    offer.status = JoinOfferStatus.INVITED
    offer.invited_at = now_utc()
    db.session.flush()
    return member


# ---------------------------------------------------------------- queries


def notices_of_tender(tender: Tender, *, open_only: bool = True) -> list[PartnerNotice]:
    stmt = sa.select(PartnerNotice).where(PartnerNotice.tender_id == tender.id)
    if open_only:
        stmt = stmt.where(PartnerNotice.status == NoticeStatus.OPEN)
    return list(db.session.scalars(stmt.order_by(PartnerNotice.lot_id, PartnerNotice.created_at)))


def open_notice_counts(tender: Tender) -> dict[int, int]:
    rows = db.session.execute(
        sa.select(PartnerNotice.lot_id, sa.func.count(PartnerNotice.id))
        .where(PartnerNotice.tender_id == tender.id, PartnerNotice.status == NoticeStatus.OPEN)
        .group_by(PartnerNotice.lot_id)
    ).all()
    return dict(rows)


def notice_by_id(notice_id: int) -> PartnerNotice | None:
    return db.session.get(PartnerNotice, notice_id)


def offer_by_id(offer_id: int) -> JoinOffer | None:
    return db.session.get(JoinOffer, offer_id)


def notices_of_vendors(vendor_ids: set[int], tender: Tender) -> list[PartnerNotice]:
    if not vendor_ids:
        return []
    return list(
        db.session.scalars(
            sa.select(PartnerNotice)
            .where(PartnerNotice.tender_id == tender.id, PartnerNotice.vendor_id.in_(vendor_ids))
            .order_by(PartnerNotice.lot_id)
        )
    )
