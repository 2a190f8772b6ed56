"""The quote state machine: submit, revise, decline, withdraw, expire, accept, not selected."""
from __future__ import annotations

import datetime as dt

import pytest

from marketplace.core import clock
from marketplace.core.audit import events_for
from marketplace.procurement.quotes import quoting, services
from marketplace.procurement.quotes.errors import QuoteError
from marketplace.procurement.quotes.models import QuoteStatus, RequestStatus
from tests.procurement.quotes.conftest import open_request, quote_data

Q = QuoteStatus


def _actions(quote):
    return [(e.action, e.before, e.after) for e in events_for(quote)]


def test_submit_then_revise_keeps_every_version(world, db, outbox):
    request = open_request(world)
    quote = quoting.submit(request, world.local, world.owners["local"], quote_data(comment="Pain bio inclus."))
    assert quote.status is Q.SUBMITTED and not quote.is_revised and quote.current.number == 1
    assert outbox()[-1].subject.startswith("Nouveau devis de Les Cuisines Partagées")
    again = quoting.submit(request, world.local, world.owners["local"], quote_data(lead=7))  # same structure
    assert again is quote and quote.is_revised and [r.number for r in quote.revisions] == [1, 2]
    assert quote.current.lead_time_days == 7 and quote.revisions[0].lead_time_days == 15
    assert quote.revised_at == quote.current.created_at
    assert _actions(quote) == [("submit", None, "submitted"), ("revise", "submitted", "submitted")]
    assert outbox()[-1].subject.startswith("Devis révisé par Les Cuisines Partagées")


def test_only_a_structure_concerned_may_answer(world, db):
    request = open_request(world, vendor_ids=[world.local.id])
    with pytest.raises(QuoteError):  # not addressed by a private request
        quoting.submit(request, world.lyon, world.owners["lyon"], quote_data())
    with pytest.raises(QuoteError):  # not a member of that structure
        quoting.submit(request, world.local, world.owners["lyon"], quote_data())
    with pytest.raises(QuoteError):
        quoting.submit(request, world.local, world.buyer_a, quote_data())
    assert request.quotes == []


def test_decline_needs_a_reason_and_is_final(world, db):
    request = open_request(world)
    with pytest.raises(QuoteError):
        quoting.decline(request, world.local, world.owners["local"], "")
    quote = quoting.decline(request, world.local, world.owners["local"], "Pas de cuisine disponible en juin.")
    assert quote.status is Q.DECLINED and quote.current is None
    with pytest.raises(QuoteError):
        quoting.submit(request, world.local, world.owners["local"], quote_data())
    with pytest.raises(QuoteError):
        quoting.withdraw(quote, world.owners["local"])
    submitted = quoting.submit(request, world.lyon, world.owners["lyon"], quote_data())
    with pytest.raises(QuoteError):
        quoting.decline(request, world.lyon, world.owners["lyon"], "finalement non")
    assert submitted.status is Q.SUBMITTED


def test_withdrawn_quote_cannot_be_accepted_nor_revised(world, db):
    request = open_request(world)
    quote = quoting.submit(request, world.local, world.owners["local"], quote_data())
    quoting.withdraw(quote, world.owners["local"])
    assert quote.status is Q.WITHDRAWN and quote.withdrawn_at is not None
    for action in (lambda: quoting.accept(quote, world.buyer_a),
                   lambda: quoting.revise(quote, world.owners["local"], quote_data()),
                   lambda: quoting.withdraw(quote, world.owners["local"])):
        with pytest.raises(QuoteError):
            action()


def test_quote_past_its_validity_expires_and_can_be_renewed(world, db, outbox):
    clock.freeze(dt.datetime(2026, 3, 2, 8, 0, tzinfo=dt.UTC))
    request = open_request(world, response_deadline=dt.datetime(2026, 3, 20, 11, 0, tzinfo=dt.UTC))
    quote = quoting.submit(request, world.local, world.owners["local"], quote_data(valid_days=5))
    clock.freeze(dt.datetime(2026, 3, 7, 22, 30, tzinfo=dt.UTC))  # 7 March, 23:30 in Paris: still valid
    assert services.tick()["quotes_expired"] == 0
    clock.freeze(dt.datetime(2026, 3, 7, 23, 30, tzinfo=dt.UTC))  # 8 March in Paris
    with pytest.raises(QuoteError) as error:
        quoting.accept(quote, world.buyer_a)
    assert "n'est plus valable depuis le 07/03/2026" in str(error.value)
    assert services.tick()["quotes_expired"] == 1
    assert quote.status is Q.EXPIRED and outbox()[-1].subject.startswith("Votre devis a expiré")
    assert quoting.comparison(request)[0].acceptable is False
    quoting.revise(quote, world.owners["local"], quote_data(valid_days=30))
    assert quote.status is Q.SUBMITTED and quote.expired_at is None
    assert quoting.comparison(request)[0].acceptable is True
    quoting.accept(quote, world.buyer_a)
    assert quote.status is Q.ACCEPTED


def test_accept_awards_the_request_and_tells_the_others(world, db, outbox):
    request = open_request(world, vendor_ids=[world.local.id, world.lyon.id, world.lyon_sector.id])
    chosen = quoting.submit(request, world.local, world.owners["local"], quote_data())
    other = quoting.submit(request, world.lyon, world.owners["lyon"], quote_data())
    declined = quoting.decline(request, world.lyon_sector, world.owners["lyon_sector"], "Trop loin.")
    before = len(outbox())
    order = quoting.accept(chosen, world.buyer_a)
    assert chosen.status is Q.ACCEPTED and chosen.vendor_order is order
    assert other.status is Q.NOT_SELECTED and declined.status is Q.DECLINED
    assert request.status is RequestStatus.AWARDED and request.awarded_at is not None
    assert _actions(other)[-1] == ("not_selected", "submitted", "not_selected")
    mails = {m.to_address: m.subject for m in outbox()[before:]}
    assert set(mails) == {"contact@les-cuisines-partagees.example", "contact@comptoir-lyonnais.example"}
    for action in (lambda: quoting.accept(other, world.buyer_a),
                   lambda: quoting.revise(other, world.owners["lyon"], quote_data()),
                   lambda: quoting.submit(request, world.lyon_sector, world.owners["lyon_sector"], quote_data())):
        with pytest.raises(QuoteError):
            action()


def test_accept_is_refused_to_other_buyers_and_for_suspended_structures(world, db):
    from marketplace.vendors.models import VendorStatus

    request = open_request(world)
    quote = quoting.submit(request, world.local, world.owners["local"], quote_data())
    with pytest.raises(QuoteError):
        quoting.accept(quote, world.buyer_b)
    world.local.status = VendorStatus.SUSPENDED
    with pytest.raises(QuoteError) as error:
        quoting.accept(quote, world.buyer_a)
    assert "n'est plus agréée" in str(error.value)
    with pytest.raises(QuoteError):  # nor may it revise its quote
        quoting.revise(quote, world.owners["local"], quote_data(lead=3))
    assert quote.status is Q.SUBMITTED and request.status is RequestStatus.OPEN
    assert len(quote.revisions) == 1
