"""The request state machine: every transition, its refusals, its audit event and its
e-mails; deadlines with a moved clock."""
from __future__ import annotations

import datetime as dt

import pytest

from marketplace.core import clock
from marketplace.core.audit import events_for
from marketplace.core.clock import now_utc
from marketplace.procurement.quotes import quoting, services
from marketplace.procurement.quotes.errors import QuoteError
from marketplace.procurement.quotes.models import QuoteStatus, RecipientMode, RequestStatus
from tests.procurement.quotes.conftest import open_request, quote_data, request_data

R = RequestStatus
START = dt.datetime(2026, 3, 2, 8, 0, tzinfo=dt.UTC)


@pytest.fixture
def frozen():
    clock.freeze(START)
    yield START


def test_draft_is_private_until_published(world, db, outbox):
    request = services.create_request(world.org_a, world.buyer_a, request_data(world))
    assert request.status is R.DRAFT and request.published_at is None
    assert outbox() == []
    assert [(e.action, e.before, e.after) for e in events_for(request)] == [("create", None, "draft")]
    count = services.publish(request, world.buyer_a)
    assert count == 2 and request.status is R.OPEN and request.notified_count == 2
    assert all(r.notified_at is not None for r in request.recipients)
    assert [(e.action, e.before, e.after) for e in events_for(request)][-1] == ("publish", "draft", "open")
    assert {m.to_address for m in outbox()} == {"contact@les-cuisines-partagees.example",
                                               "contact@comptoir-lyonnais.example"}
    with pytest.raises(QuoteError):
        services.publish(request, world.buyer_a)
    with pytest.raises(QuoteError):
        services.update_draft(request, world.buyer_a, request_data(world))


def test_only_members_of_the_organisation_act_on_a_request(world, db):
    with pytest.raises(QuoteError):
        services.create_request(world.org_a, world.buyer_b, request_data(world))
    request = services.create_request(world.org_a, world.buyer_a, request_data(world))
    for action in (lambda: services.publish(request, world.buyer_b),
                   lambda: services.cancel(request, world.buyer_b, "non"),
                   lambda: services.update_draft(request, world.buyer_b, request_data(world))):
        with pytest.raises(QuoteError):
            action()
    assert request.status is R.DRAFT


def test_unapproved_structures_cannot_be_chosen(world, db):
    with pytest.raises(QuoteError) as error:
        services.create_request(world.org_a, world.buyer_a, request_data(world, vendor_ids=[world.suspended.id]))
    assert error.value.field == "vendor_ids"


def test_cancel_from_draft_open_and_closed(world, db, outbox, frozen):
    draft = services.create_request(world.org_a, world.buyer_a, request_data(world))
    services.cancel(draft, world.buyer_a, None)
    assert draft.status is R.CANCELLED and outbox() == []  # nobody had been told

    request = open_request(world)
    quote = quoting.submit(request, world.local, world.owners["local"], quote_data())
    with pytest.raises(QuoteError) as error:
        services.cancel(request, world.buyer_a, "  ")
    assert error.value.field == "reason"
    before = len(outbox())
    services.cancel(request, world.buyer_a, "Budget reporté à l'an prochain.")
    assert request.status is R.CANCELLED and request.cancel_reason == "Budget reporté à l'an prochain."
    assert quote.status is QuoteStatus.NOT_SELECTED
    assert {m.to_address for m in outbox()[before:]} == {"contact@les-cuisines-partagees.example",
                                                         "contact@comptoir-lyonnais.example"}
    with pytest.raises(QuoteError):
        services.cancel(request, world.buyer_a, "encore")

    closed = open_request(world)
    clock.advance(dt.timedelta(days=11))
    services.tick()
    assert closed.status is R.CLOSED
    services.cancel(closed, world.buyer_a, "Marché attribué autrement.")
    assert closed.status is R.CANCELLED


def test_deadline_closes_the_request_but_it_stays_decidable(world, db, outbox, frozen):
    request = open_request(world)  # deadline: 10 days from START
    first = quoting.submit(request, world.local, world.owners["local"], quote_data())
    clock.freeze(request.response_deadline - dt.timedelta(seconds=1))
    assert services.tick()["closed"] == 0 and request.accepts_quotes()
    clock.freeze(request.response_deadline)
    assert request.shown_status is R.CLOSED  # even before the job runs
    with pytest.raises(QuoteError) as error:
        quoting.submit(request, world.lyon, world.owners["lyon"], quote_data())
    assert "date limite de réponse est passée" in str(error.value)
    assert services.tick() == {"closed": 1, "expired": 0, "quotes_expired": 0}
    assert request.status is R.CLOSED and request.closed_at == request.response_deadline
    assert outbox()[-1].subject == "Date limite atteinte : Repas bio pour la restauration scolaire"
    assert services.tick()["closed"] == 0  # once
    quoting.revise(first, world.owners["local"], quote_data(lead=8))  # revisions until the decision
    quoting.accept(first, world.buyer_a)
    assert request.status is R.AWARDED and first.status is QuoteStatus.ACCEPTED


def test_undecided_request_expires_with_its_quotes(world, db, outbox, frozen):
    request = open_request(world)
    quote = quoting.submit(request, world.local, world.owners["local"], quote_data(valid_days=90))
    clock.freeze(request.response_deadline + dt.timedelta(days=29, hours=23))
    services.tick()
    assert request.status is R.CLOSED
    clock.freeze(request.response_deadline + dt.timedelta(days=30))
    with pytest.raises(QuoteError):
        quoting.accept(quote, world.buyer_a)
    counts = services.tick()
    assert counts["expired"] == 1
    assert request.status is R.EXPIRED and quote.status is QuoteStatus.EXPIRED
    assert [(e.action, e.before, e.after) for e in events_for(request)][-1] == ("expire", "closed", "expired")
    addresses = {m.to_address for m in outbox()[-3:]}
    assert {"contact@les-cuisines-partagees.example", "celine@grenoble.example"} <= addresses
    with pytest.raises(QuoteError):
        services.cancel(request, world.buyer_a, "trop tard")


def test_matching_request_without_any_match_is_refused(world, db):
    data = request_data(world, category_id=world.culture.id, delivery_departement_code="75",
                        delivery_commune="Paris", recipient_mode=RecipientMode.MATCHING, vendor_ids=[])
    with pytest.raises(QuoteError) as error:
        services.create_request(world.org_a, world.buyer_a, data, publish_now=True)
    assert error.value.field == "recipient_mode"


def test_deadline_bounds(world, db):
    with pytest.raises(QuoteError):
        open_request(world, response_deadline=now_utc() + dt.timedelta(minutes=30))
    with pytest.raises(QuoteError):
        open_request(world, response_deadline=now_utc() + dt.timedelta(days=181))
