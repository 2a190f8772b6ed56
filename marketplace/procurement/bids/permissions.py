"""Who may read and act on a bid. Predicates only: services call them to refuse an
action, views to decide what to show (404 for a bid one may not know about).

The sealed-bid rule lives in ``can_read_bid``, and nowhere else:

- the vendors of the bid (its lead and the members not having declined) read
  it at any time;
- the buyer organisation reads a *submitted* bid only once the submission
  deadline has passed (checked against the clock, not the tender's status);
- everyone else never: competitors, other buyers, the committee, and platform
  administrators too (they are not the contracting authority).
"""
from __future__ import annotations

import datetime as dt

from marketplace.accounts.permissions import is_buyer_member
from marketplace.core.clock import now_utc
from marketplace.procurement.bids.models import (
    Bid,
    BidMember,
    BidStatus,
    InvitationStatus,
    MemberRole,
)


def _signed_in(user) -> bool:
    return user is not None and getattr(user, "is_authenticated", False)


def vendor_ids_of(user) -> set[int]:
    """The vendor structures of which ``user`` is a member (owner or staff)."""
    if not _signed_in(user):
        return set()
    return {m.vendor_id for m in user.vendor_memberships}


def acts_for(user, vendor) -> bool:
    """May ``user`` act in the name of ``vendor`` (bid, accept, publish a notice)?"""
    return vendor is not None and vendor.id in vendor_ids_of(user)


def member_rows_of(user, bid: Bid) -> list[BidMember]:
    """The rows of the bid (lead or member, not declined) of the vendors ``user`` belongs to."""
    ids = vendor_ids_of(user)
    return [m for m in bid.members if m.vendor_id in ids and m.status is not InvitationStatus.DECLINED]


def is_bid_member(user, bid: Bid) -> bool:
    return bid is not None and bool(member_rows_of(user, bid))


def can_manage_bid(user, bid: Bid) -> bool:
    """The lead's members edit the bid, invite, submit and withdraw it."""
    return bid is not None and acts_for(user, bid.lead_vendor)


def leads_bid(user, bid: Bid, member: BidMember) -> bool:
    """Does ``user`` act for the bid's lead, ``member`` being the row of the vendor they act for?"""
    return can_manage_bid(user, bid) and member.role is MemberRole.LEAD


def can_answer_invitation(user, member: BidMember) -> bool:
    return (
        member is not None
        and member.role is MemberRole.MEMBER
        and acts_for(user, member.vendor)
    )


def buyer_may_open(bid: Bid, now: dt.datetime | None = None) -> bool:
    """Is the bid open to its buyer: submitted, and the deadline passed?"""
    now = now or now_utc()
    return bid.status is BidStatus.SUBMITTED and bid.tender.deadline_passed(now)


def is_buyer_of(user, bid: Bid) -> bool:
    return _signed_in(user) and is_buyer_member(user, bid.tender.buyer_organisation)


def can_read_bid(user, bid: Bid, now: dt.datetime | None = None) -> bool:
    """The sealed-bid rule (see the module's docstring)."""
    if bid is None or not _signed_in(user):
        return False
    if is_bid_member(user, bid):
        return True
    return buyer_may_open(bid, now) and is_buyer_of(user, bid)


def can_evaluate(user, tender) -> bool:
    """Members of the buyer organisation score and award (administrators do not)."""
    return _signed_in(user) and tender is not None and is_buyer_member(user, tender.buyer_organisation)
