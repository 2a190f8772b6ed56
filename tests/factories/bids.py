"""Factories of bids: a bid on a lot with its lead member (and accepted co-contractors),
partner notices, scores."""
from __future__ import annotations

import factory

from marketplace.core.clock import now_utc
from marketplace.procurement.bids.models import (
    Bid,
    BidMember,
    BidMode,
    BidScore,
    BidStatus,
    InvitationStatus,
    MemberRole,
    PartnerNotice,
)
from tests.factories import BaseFactory, VendorFactory, VendorMembershipFactory


class BidFactory(BaseFactory):
    """A draft bid by a vendor alone (``submitted=True`` for a submitted one).

    ``lot`` is required. ``partners=[vendor, …]`` adds accepted co-contractors
    (a groupement: pass ``mode``); ``shares={vendor: (text, cents)}`` their conjoint shares.
    """

    class Meta:
        model = Bid

    lot = None
    tender_id = factory.LazyAttribute(lambda o: o.lot.tender_id)
    lead_vendor = factory.SubFactory(VendorFactory)
    mode = BidMode.ALONE
    status = BidStatus.DRAFT
    price_cents = 1_000_000
    technical_memo = "Une équipe de six personnes en insertion, encadrée par deux encadrants techniques."
    social_commitments = "4 000 heures d'insertion par an."
    environmental_commitments = "Produits écolabellisés, vélos-cargos pour les déplacements."

    class Params:
        submitted = factory.Trait(status=BidStatus.SUBMITTED, submitted_at=factory.LazyFunction(now_utc))

    @factory.post_generation
    def partners(self, create, extracted, **kwargs):
        shares = kwargs.get("shares") or {}
        now = now_utc()
        vendors = [self.lead_vendor, *(extracted or [])]
        for vendor in vendors:
            text, amount = shares.get(vendor, ("", None))
            self.members.append(
                BidMember(
                    vendor=vendor,
                    role=MemberRole.LEAD if vendor is self.lead_vendor else MemberRole.MEMBER,
                    status=InvitationStatus.ACCEPTED,
                    invited_at=now,
                    responded_at=now,
                    work_share=text,
                    amount_cents=amount,
                )
            )
        if create:
            from marketplace.extensions import db

            db.session.flush()


def bid_with_owner(lot, **values):
    """A bid and the owner (a user) of its lead vendor."""
    vendor = values.pop("lead_vendor", None) or VendorFactory(**values.pop("vendor", {}))
    owner = vendor.memberships[0].user if vendor.memberships else VendorMembershipFactory(vendor=vendor).user
    return BidFactory(lot=lot, lead_vendor=vendor, **values), owner


class BidScoreFactory(BaseFactory):
    class Meta:
        model = BidScore

    bid = None
    criterion = None
    points = 3000
    comment = "Méthode claire et moyens adaptés."


def score(bid, points_by_criterion: dict) -> None:
    """Enter marks (hundredths) for the non-price criteria of ``bid``: {criterion: points}."""
    for criterion, points in points_by_criterion.items():
        BidScoreFactory(bid=bid, criterion=criterion, points=points)


class PartnerNoticeFactory(BaseFactory):
    class Meta:
        model = PartnerNotice

    lot = None
    tender_id = factory.LazyAttribute(lambda o: o.lot.tender_id)
    vendor = factory.SubFactory(VendorFactory)
    brings = "Une cuisine centrale agréée et deux camions frigorifiques."
    needs = "Un maraîcher bio pour les légumes du lot."
