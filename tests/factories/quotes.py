"""Factories of quote requests and quotes.

States that follow a transition are best reached through the services (see
tests/procurement/quotes/conftest.py); these factories make the rows a test
starts from.
"""
from __future__ import annotations

import datetime as dt

import factory

from marketplace.core.clock import now_utc
from marketplace.procurement.quotes import pricing
from marketplace.procurement.quotes.models import (
    Quote,
    QuoteLine,
    QuoteMessage,
    QuoteRecipient,
    QuoteRequest,
    QuoteRevision,
    QuoteStatus,
    RecipientMode,
    RequestStatus,
)
from tests.factories import BaseFactory, BuyerOrganisationFactory, CategoryFactory, VendorFactory


class QuoteRequestFactory(BaseFactory):
    class Meta:
        model = QuoteRequest

    organisation = factory.SubFactory(BuyerOrganisationFactory)
    title = factory.Sequence(lambda n: f"Repas bio pour la restauration scolaire n°{n}")
    need = "Fourniture de repas bio en liaison froide pour deux écoles, 180 couverts par jour."
    category = factory.SubFactory(CategoryFactory)
    quantity = 180
    unit = "repas"
    delivery_commune = "Grenoble"
    delivery_departement_code = "38"
    response_deadline = factory.LazyFunction(lambda: now_utc() + dt.timedelta(days=10))
    recipient_mode = RecipientMode.CHOSEN
    status = RequestStatus.OPEN
    published_at = factory.LazyFunction(now_utc)

    class Params:
        draft = factory.Trait(status=RequestStatus.DRAFT, published_at=None)


class QuoteRecipientFactory(BaseFactory):
    class Meta:
        model = QuoteRecipient

    request = factory.SubFactory(QuoteRequestFactory)
    vendor = factory.SubFactory(VendorFactory)
    chosen = True
    notified_at = factory.LazyFunction(now_utc)


class QuoteFactory(BaseFactory):
    """A submitted quote with one revision: 100 × 4,20 € HT at 10 %."""

    class Meta:
        model = Quote

    request = factory.SubFactory(QuoteRequestFactory)
    vendor = factory.SubFactory(VendorFactory)
    status = QuoteStatus.SUBMITTED
    submitted_at = factory.LazyFunction(now_utc)

    @factory.post_generation
    def revision(obj, create, extracted, **kwargs):  # noqa: N805
        if extracted is False:
            return
        QuoteRevisionFactory(quote=obj, **kwargs)


class QuoteRevisionFactory(BaseFactory):
    class Meta:
        model = QuoteRevision

    quote = factory.SubFactory(QuoteFactory, revision=False)
    number = factory.LazyAttribute(lambda o: len(o.quote.revisions) + 1)
    valid_until = factory.LazyFunction(lambda: now_utc().date() + dt.timedelta(days=30))
    lead_time_days = 10
    net_cents = 0
    vat_cents = 0
    total_cents = 0
    vat_breakdown = factory.LazyFunction(dict)

    @factory.post_generation
    def lines(obj, create, extracted, **kwargs):  # noqa: N805
        specs = extracted or [pricing.LineInput("Repas bio", 100, "repas", 420, 1000)]
        totals = pricing.price(specs)
        for position, priced in enumerate(totals.lines):
            obj.lines.append(QuoteLine(position=position, designation=priced.line.designation,
                                       quantity=priced.line.quantity, unit=priced.line.unit,
                                       unit_price_cents=priced.line.unit_price_cents,
                                       vat_rate_bp=priced.line.vat_rate_bp, net_cents=priced.net_cents))
        obj.net_cents, obj.vat_cents, obj.total_cents = totals.net_cents, totals.vat_cents, totals.total_cents
        obj.vat_breakdown = totals.breakdown


class QuoteMessageFactory(BaseFactory):
    class Meta:
        model = QuoteMessage

    request_id = factory.LazyAttribute(lambda o: QuoteRequestFactory().id)
    vendor_id = factory.LazyAttribute(lambda o: VendorFactory().id)
    from_buyer = True
    body = "Pouvez-vous préciser le nombre de repas végétariens ?"
