"""Reading bids under the sealed-bid rule (every opening by the buyer audited), counts,
and the look-ups of the bids pages."""
from __future__ import annotations

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from marketplace.core.audit import record_event
from marketplace.core.clock import now_utc
from marketplace.extensions import db
from marketplace.procurement.bids.errors import BidError
from marketplace.procurement.bids.models import Bid, BidMember, BidStatus, InvitationStatus
from marketplace.procurement.bids.permissions import can_evaluate, can_read_bid, is_bid_member
from marketplace.procurement.bids.services import eligibility_problem
from marketplace.procurement.tenders.models import Lot, Tender
from marketplace.vendors.models import Vendor, VendorMembership, VendorStatus

S = BidStatus


# ---------------------------------------------------------------- reading (sealed)


class BidNotReadable(BidError):
    """The reader may not see this bid (views answer 404: its existence is private)."""


def open_bid(bid: Bid, reader, purpose: str = "lecture") -> Bid:
    """Return ``bid`` for ``reader`` if the sealed-bid rule allows it.

    Every opening by the buyer is audited (action ``bid.opened``); members
    reading their own bid are not.
    """
    now = now_utc()
    if not can_read_bid(reader, bid, now):
        raise BidNotReadable(_l("Offre introuvable."))
    if not is_bid_member(reader, bid):
        record_event(reader, bid, "bid.opened", None, None, {"purpose": purpose})
    return bid


def open_bids(bids: list[Bid], reader, purpose: str) -> list[Bid]:
    return [open_bid(bid, reader, purpose) for bid in bids]


def submitted_counts(tender: Tender) -> dict[int, int]:
    """How many bids each lot has received: all the buyer may know before the deadline."""
    rows = db.session.execute(
        sa.select(Bid.lot_id, sa.func.count(Bid.id))
        .where(Bid.tender_id == tender.id, Bid.status == S.SUBMITTED)
        .group_by(Bid.lot_id)
    ).all()
    counts = {lot.id: 0 for lot in tender.lots}
    counts.update({lot_id: count for lot_id, count in rows})
    return counts


def submitted_bids(lot: Lot) -> list[Bid]:
    return list(
        db.session.scalars(
            sa.select(Bid).where(Bid.lot_id == lot.id, Bid.status == S.SUBMITTED).order_by(Bid.submitted_at, Bid.id)
        )
    )


def buyer_bids(lot: Lot, reader) -> list[Bid]:
    """The submitted bids of a lot, opened for the buyer (each opening audited); refused
    before the deadline."""
    if not can_evaluate(reader, lot.tender):
        raise BidNotReadable(_l("Offre introuvable."))
    if not lot.tender.deadline_passed(now_utc()):
        raise BidError(_l("Les offres restent scellées jusqu'à la date limite de remise des offres."))
    return open_bids(submitted_bids(lot), reader, "analyse")


def bid_by_id(bid_id: int) -> Bid | None:
    return db.session.get(Bid, bid_id)


def member_by_id(member_id: int) -> BidMember | None:
    return db.session.get(BidMember, member_id)


def lot_by_id(lot_id: int) -> Lot | None:
    return db.session.get(Lot, lot_id)


def tender_by_id(tender_id: int) -> Tender | None:
    return db.session.get(Tender, tender_id)


def vendor_bids_stmt(vendor: Vendor) -> sa.Select:
    """The bids the vendor leads or has accepted to join, newest first."""
    return (
        sa.select(Bid)
        .join(BidMember, BidMember.bid_id == Bid.id)
        .where(BidMember.vendor_id == vendor.id, BidMember.status == InvitationStatus.ACCEPTED)
        .order_by(Bid.created_at.desc(), Bid.id.desc())
    )


def pending_invitations(vendor: Vendor) -> list[BidMember]:
    return list(
        db.session.scalars(
            sa.select(BidMember)
            .join(Bid, Bid.id == BidMember.bid_id)
            .where(
                BidMember.vendor_id == vendor.id,
                BidMember.status == InvitationStatus.INVITED,
                Bid.status == S.DRAFT,
            )
            .order_by(BidMember.invited_at.desc())
        )
    )


def member_of(bid: Bid, vendor: Vendor) -> BidMember | None:
    return next((m for m in bid.members if m.vendor_id == vendor.id), None)


def bids_on_tender_for(vendor_ids: set[int], tender: Tender, *, accepted_only: bool = False) -> dict[int, Bid]:
    """lot id → the bid of which one of ``vendor_ids`` is a member (not having declined;
    ``accepted_only``: the lead or an accepted member)."""
    if not vendor_ids:
        return {}
    member_status = (
        BidMember.status == InvitationStatus.ACCEPTED if accepted_only
        else BidMember.status != InvitationStatus.DECLINED
    )
    rows = db.session.scalars(
        sa.select(Bid)
        .join(BidMember, BidMember.bid_id == Bid.id)
        .where(Bid.tender_id == tender.id, BidMember.vendor_id.in_(vendor_ids), member_status)
        .order_by(Bid.id)
    ).all()
    return {bid.lot_id: bid for bid in rows}


def invitable_vendors(bid: Bid) -> list[Vendor]:
    """Approved vendors that may be invited (eligible for the lot, not already in the bid)."""
    present = {m.vendor_id for m in bid.active_members}
    vendors = db.session.scalars(
        sa.select(Vendor).where(Vendor.status == VendorStatus.APPROVED).order_by(Vendor.name)
    ).all()
    return [v for v in vendors if v.id not in present and eligibility_problem(v, bid.lot) is None]


def user_vendors(user) -> list[Vendor]:
    """The structures of ``user``, approved ones first."""
    if user is None or not getattr(user, "is_authenticated", False):
        return []
    return list(
        db.session.scalars(
            sa.select(Vendor)
            .join(VendorMembership, VendorMembership.vendor_id == Vendor.id)
            .where(VendorMembership.user_id == user.id)
            .order_by(Vendor.status != VendorStatus.APPROVED, Vendor.name)
        )
    )
