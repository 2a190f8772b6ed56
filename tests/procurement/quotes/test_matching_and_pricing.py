"""Matching of structures (territory tiers, activity, cap) and the money of a quote."""
from __future__ import annotations

import pytest

from marketplace.procurement.quotes import matching, pricing, quoting, services
from marketplace.procurement.quotes.errors import QuoteError
from marketplace.procurement.quotes.models import RecipientMode
from marketplace.shop import invoices, orders
from tests.factories import CategoryFactory, OfferFactory, VendorFactory
from tests.procurement.quotes.conftest import open_request, quote_data


def _need(world, **kwargs):
    values = dict(category=world.traiteur, delivery_departement_code="38", accept_national=False)
    values.update(kwargs)
    return matching.Need(**values)


def test_best_matches_first_same_departement_then_region(world, db):
    found = matching.matching_vendors(_need(world))
    assert [(m.vendor.slug, m.tier, m.by_offer) for m in found] == [
        ("les-cuisines-partagees", matching.SAME_DEPARTEMENT, True),
        ("comptoir-lyonnais", matching.SAME_REGION, True),
        ("bocaux-du-rhone", matching.SAME_REGION, False),
    ]


def test_national_requests_reach_other_regions_last(world, db):
    found = matching.matching_vendors(_need(world, accept_national=True))
    assert [m.vendor.slug for m in found][-1] == "cantine-de-belleville"
    assert matching.vendor_matches(world.paris, _need(world, accept_national=True))
    assert not matching.vendor_matches(world.paris, _need(world))


def test_suspended_and_unrelated_structures_never_match(world, db):
    slugs = {m.vendor.slug for m in matching.matching_vendors(_need(world, accept_national=True))}
    assert "traiteur-suspendu" not in slugs and "la-cabane-a-sons" not in slugs
    assert not matching.vendor_matches(world.suspended, _need(world))


def test_sub_categories_and_sectors(world, db):
    parent = CategoryFactory(name="Alimentation", slug="alimentation")
    child = CategoryFactory(name="Fruits et légumes", slug="fruits-legumes", parent=parent)
    grower = VendorFactory(name="Jardins de la Gresse", slug="jardins-gresse", departement_code="38")
    OfferFactory(vendor=grower, category=child)
    assert matching.category_sectors(child) == matching.CATEGORY_SECTORS["alimentation"]
    found = {m.vendor.slug: m.by_offer for m in matching.matching_vendors(_need(world, category=parent))}
    assert found["jardins-gresse"] is True  # an offer in a sub-category
    assert found["les-cuisines-partagees"] is False  # sector "alimentation"


def test_the_cap_notifies_the_best_matches_and_says_how_many(world, db, app, monkeypatch, outbox):
    monkeypatch.setitem(app.config, "QUOTE_MATCH_LIMIT", 2)
    request = open_request(world, recipient_mode=RecipientMode.MATCHING, vendor_ids=[])
    assert request.notified_count == 2
    assert [r.vendor.slug for r in request.recipients] == ["les-cuisines-partagees", "comptoir-lyonnais"]
    assert len(outbox()) == 2
    # the third matching structure was not e-mailed but sees the request and may answer
    assert world.lyon_sector.id not in {r.vendor_id for r in request.recipients}
    assert request in services.inbox_open(world.lyon_sector).items
    quoting.submit(request, world.lyon_sector, world.owners["lyon_sector"], quote_data())
    assert request not in services.inbox_open(world.lyon_sector).items
    assert request in services.inbox_addressed(world.lyon_sector).items


def test_line_and_rate_totals_in_cents():
    lines = [
        pricing.LineInput("Repas", 3, "repas", 333, 1000),  # 9,99 HT
        pricing.LineInput("Goûter", 7, None, 111, 1000),  # 7,77 HT
        pricing.LineInput("Livraison", 1, "forfait", 1999, 2000),  # 19,99 HT
        pricing.LineInput("Adhésion", 1, None, 1500, 0),  # no VAT
    ]
    totals = pricing.price(lines)
    assert totals.breakdown == {
        "2000": {"net": 1999, "vat": 400, "gross": 2399},
        "1000": {"net": 1776, "vat": 178, "gross": 1954},  # VAT on the rate's total, rounded half-up
        "0": {"net": 1500, "vat": 0, "gross": 1500},
    }
    assert (totals.net_cents, totals.vat_cents, totals.total_cents) == (5275, 578, 5853)
    assert [p.net_cents for p in totals.lines] == [999, 777, 1999, 1500]
    assert sum(p.gross_cents for p in totals.lines) == totals.total_cents  # no cent lost
    assert [p.gross_cents for p in totals.lines[:2]] == [1099, 855]


@pytest.mark.parametrize("line, field", [
    (pricing.LineInput("", 1, None, 100, 2000), "lines"),
    (pricing.LineInput("Repas", 0, None, 100, 2000), "lines"),
    (pricing.LineInput("Repas", 1, None, -1, 2000), "lines"),
    (pricing.LineInput("Repas", 1, None, 100, 1900), "lines"),
])
def test_bad_lines_are_refused(line, field):
    with pytest.raises(QuoteError) as error:
        pricing.check_lines([line])
    assert error.value.field == field


def test_invoice_shows_exactly_the_quote_amounts(world, db):
    request = open_request(world)
    quote = quoting.submit(request, world.local, world.owners["local"], quote_data(
        pricing.LineInput("Repas", 3, "repas", 333, 1000),
        pricing.LineInput("Goûter", 7, None, 111, 1000),
        pricing.LineInput("Livraison", 1, "forfait", 1999, 2000),
    ))
    order = quoting.accept(quote, world.buyer_a)
    assert (order.total_cents, order.vat_cents) == (quote.current.total_cents, quote.current.vat_cents)
    for step in (orders.mark_preparing, orders.mark_shipped, orders.complete):
        step(order, actor=world.owners["local"])
    assert order.invoice.vat_breakdown == quote.current.vat_breakdown
    assert invoices.vat_breakdown(order) == quote.current.vat_breakdown
    assert (order.invoice.net_cents, order.invoice.vat_cents, order.invoice.total_cents) == (
        quote.current.net_cents, quote.current.vat_cents, quote.current.total_cents)
