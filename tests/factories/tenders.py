"""Factories of calls for tenders: a tender comes with its lots and award criteria."""
from __future__ import annotations

import datetime as dt

import factory

from marketplace.core.clock import now_utc
from marketplace.procurement.tenders.models import (
    AwardCriterion,
    CriterionKind,
    Lot,
    Procedure,
    Reservation,
    Tender,
    TenderAlert,
    TenderQuestion,
    TenderStatus,
)
from tests.factories import (
    BaseFactory,
    BuyerMembershipFactory,
    BuyerOrganisationFactory,
    VendorFactory,
    VendorMembershipFactory,
)

DEFAULT_CRITERIA = (("Prix", CriterionKind.PRICE, 40), ("Valeur technique", CriterionKind.OTHER, 40),
                    ("Performance sociale et environnementale", CriterionKind.OTHER, 20))


class TenderFactory(BaseFactory):
    """A published tender (``draft=True`` for a draft), two lots and three criteria (40/40/20).

    ``lots=[...]`` gives the lot titles, ``criteria=[(name, kind, weight), ...]`` the criteria.
    """

    class Meta:
        model = Tender

    buyer_organisation = factory.SubFactory(BuyerOrganisationFactory)
    reference = factory.Sequence(lambda n: f"AO-2026-{n:03d}")
    title = factory.Sequence(lambda n: f"Nettoyage des locaux municipaux n°{n}")
    object = "Nettoyage quotidien des écoles et des bureaux de la mairie."
    procedure = Procedure.ADAPTED
    departement = "38"
    reservation = Reservation.NONE
    question_deadline = factory.LazyFunction(lambda: now_utc() + dt.timedelta(days=10))
    submission_deadline = factory.LazyFunction(lambda: now_utc() + dt.timedelta(days=20))
    status = TenderStatus.PUBLISHED
    published_at = factory.LazyFunction(lambda: now_utc() - dt.timedelta(days=1))

    class Params:
        draft = factory.Trait(status=TenderStatus.DRAFT, published_at=None)

    @factory.post_generation
    def lots(self, create, extracted, **kwargs):
        titles = extracted if extracted is not None else ["Écoles", "Bâtiments administratifs"]
        for number, title in enumerate(titles, start=1):
            self.lots.append(Lot(number=number, title=title, description=f"Lot {number}.",
                                 estimated_amount_cents=2_500_000))

    @factory.post_generation
    def criteria(self, create, extracted, **kwargs):
        rows = extracted if extracted is not None else DEFAULT_CRITERIA
        for position, (name, kind, weight) in enumerate(rows, start=1):
            self.criteria.append(AwardCriterion(position=position, name=name, kind=kind, weight=weight))
        if create:
            from marketplace.extensions import db

            db.session.flush()


def buyer_of(tender: Tender):
    """A user member of the tender's buyer organisation."""
    return BuyerMembershipFactory(organisation=tender.buyer_organisation).user


def vendor_member(**vendor_values):
    """A user owner of an approved vendor (legal form SCOP unless given)."""
    membership = VendorMembershipFactory(vendor=VendorFactory(**vendor_values))
    return membership.user, membership.vendor


class TenderQuestionFactory(BaseFactory):
    class Meta:
        model = TenderQuestion

    tender = factory.SubFactory(TenderFactory)
    body = "Les produits d'entretien sont-ils fournis par la commune ?"
    asked_at = factory.LazyFunction(now_utc)


class TenderAlertFactory(BaseFactory):
    class Meta:
        model = TenderAlert

    user = factory.LazyAttribute(lambda o: o.vendor.memberships[0].user)
    vendor = factory.LazyFunction(lambda: VendorMembershipFactory().vendor)
