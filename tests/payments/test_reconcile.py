"""Reconciliation with Stripe when the webhook never arrives: the return page, ``flask payments
reconcile`` and ``flask shop release-expired`` apply the session's outcome once, as the webhook
would, and the webhook arriving late changes nothing."""
from __future__ import annotations

import datetime as dt
import threading
from urllib.parse import urlsplit

import pytest
import requests
import sqlalchemy as sa
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from marketplace.core import clock
from marketplace.payments.models import Payment, PaymentStatus, StripeEvent, Transfer
from marketplace.payments.simulator import SimulatorServer
from marketplace.shop.models import (
    Invoice,
    OrderGroup,
    OrderGroupStatus,
    StockReservation,
    VendorOrderStatus,
)
from tests.factories import OfferFactory, UserFactory, VendorMembershipFactory
from tests.payments.support import checkout_for_pickup

CARD = "4242 4242 4242 4242"


@pytest.fixture
def lost_webhooks(app):
    """A simulator whose webhooks are held, as if every delivery had failed, until ``late()``
    releases them: they then reach a stand-in endpoint and are posted, as signed by the
    simulator, to the application."""
    captured: list[tuple[bytes, str]] = []

    @Request.application
    def endpoint(request):
        captured.append((request.get_data(), request.headers.get("Stripe-Signature", "")))
        return Response('{"received": true}', content_type="application/json")

    receiver = make_server("127.0.0.1", 0, endpoint, threaded=True)
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    server = SimulatorServer(webhook_secret="whsec_tests", deliver_async=False,
                             webhook_url=f"http://127.0.0.1:{receiver.server_port}/webhooks/stripe").start()
    assert requests.post(f"{server.url}/_simulator/webhooks", json={"hold": True}, timeout=5).json()["hold"] is True

    class Lost:
        url = server.url
        state = server.state

        def held(self):
            return requests.post(f"{server.url}/_simulator/webhooks", json={}, timeout=5).json()["held"]

        def late(self, client):
            """Release the held events to the application; returns the outcomes it answered."""
            requests.post(f"{server.url}/_simulator/webhooks/release", json={"hold": False}, timeout=10)
            answers = [client.post("/webhooks/stripe", data=body, headers={"Stripe-Signature": signature},
                                   content_type="application/json") for body, signature in captured]
            captured.clear()
            assert {answer.status_code for answer in answers} == {200}
            return [answer.json["outcome"] for answer in answers]

        def fault(self, spec):
            requests.post(f"{server.url}/_simulator/faults", json={"spec": spec}, timeout=5)

    keys = ("STRIPE_SECRET_KEY", "STRIPE_API_BASE", "STRIPE_WEBHOOK_SECRET", "STRIPE_TIMEOUT_SECONDS",
            "STRIPE_MAX_NETWORK_RETRIES")
    previous = {key: app.config.get(key) for key in keys}
    app.config.update(STRIPE_SECRET_KEY="", STRIPE_API_BASE=server.url, STRIPE_WEBHOOK_SECRET="whsec_tests",
                      STRIPE_TIMEOUT_SECONDS=2, STRIPE_MAX_NETWORK_RETRIES=0)
    yield Lost()
    app.config.update(previous)
    server.stop()
    receiver.shutdown()
    receiver.server_close()


@pytest.fixture
def shop(db):
    """Two vendors with one offer each (stock 3) and a consumer."""
    offer_a = OfferFactory(vendor=VendorMembershipFactory().vendor, price_cents=1200, stock=3, delivery=False)
    offer_b = OfferFactory(vendor=VendorMembershipFactory().vendor, price_cents=800, stock=3, delivery=False)
    consumer = UserFactory()
    db.session.commit()
    return offer_a, offer_b, consumer


def _checkout(client, login_as, shop) -> tuple[str, OrderGroup]:
    offer_a, offer_b, consumer = shop
    login_as(consumer)
    hosted = checkout_for_pickup(client, consumer, [(offer_a, 2), (offer_b, 1)])
    return hosted, _group()


def _pay(hosted: str) -> str:
    """Pay on the hosted page; returns the return page's path."""
    paid = requests.post(hosted, data={"card": CARD}, timeout=5, allow_redirects=False)
    assert paid.status_code == 303
    parts = urlsplit(paid.headers["Location"])
    return f"{parts.path}?{parts.query}"


def _group() -> OrderGroup:
    from marketplace.extensions import db

    db.session.expire_all()
    return db.session.scalar(sa.select(OrderGroup))


def _count(db, model, *where) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


def _stock(db, offer) -> int:
    db.session.expire(offer)
    return offer.stock


def _confirmations(outbox, consumer) -> int:
    return sum("confirmée" in message.subject for message in outbox(consumer.email))


def _reconcile(app) -> str:
    result = app.test_cli_runner().invoke(args=["payments", "reconcile"])
    assert result.exit_code == 0, result.output
    return result.output


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


def test_a_lost_webhook_is_reconciled_once_and_the_late_one_changes_nothing(
        app, client, db, login_as, lost_webhooks, shop, outbox):
    offer_a, offer_b, consumer = shop
    clock.freeze(_now())
    hosted, group = _checkout(client, login_as, shop)
    _pay(hosted)
    assert lost_webhooks.held() == 1  # checkout.session.completed, never delivered
    assert group.status is OrderGroupStatus.PENDING_PAYMENT

    assert "checked: 0" in _reconcile(app)  # younger than a minute: left to its webhook
    clock.advance(dt.timedelta(minutes=2))
    assert "checked: 1 (paid: 1)" in _reconcile(app)

    group = _group()
    assert group.status is OrderGroupStatus.PAID
    assert {vo.status for vo in group.vendor_orders} == {VendorOrderStatus.PAID}
    payment = db.session.scalar(sa.select(Payment))
    assert payment.status is PaymentStatus.SUCCEEDED and payment.amount_received_cents == 3200
    assert payment.payment_intent_id == lost_webhooks.state.sessions[payment.checkout_session_id]["payment_intent"]
    assert _count(db, Invoice) == 2 and _count(db, Transfer) == 0  # as through the webhook
    assert _count(db, StockReservation, StockReservation.consumed_at.is_(None)) == 0
    assert (_stock(db, offer_a), _stock(db, offer_b)) == (1, 2)
    assert _confirmations(outbox, consumer) == 1
    assert sum("Nouvelle commande" in m.subject for m in outbox()) == 2
    [event] = db.session.scalars(sa.select(StripeEvent)).all()
    assert event.event_id.startswith("reconcile_cs_test_") and event.outcome == "paid"

    assert "checked: 0" in _reconcile(app)  # nothing left to ask
    assert lost_webhooks.late(client) == ["already paid"]
    assert _confirmations(outbox, consumer) == 1 and _count(db, Invoice) == 2
    assert (_stock(db, offer_a), _stock(db, offer_b)) == (1, 2)


def test_the_return_page_settles_the_payment_when_the_webhook_is_late(
        client, db, login_as, lost_webhooks, shop, outbox):
    _offer_a, _offer_b, consumer = shop
    hosted, _group_ = _checkout(client, login_as, shop)
    page = client.get(_pay(hosted))
    assert page.status_code == 200
    assert "Paiement confirmé : 32,00" in page.get_data(as_text=True)
    assert _group().status is OrderGroupStatus.PAID
    assert _confirmations(outbox, consumer) == 1

    assert lost_webhooks.late(client) == ["already paid"]
    assert client.get(_pay_path(db)).status_code == 200  # back again: nothing more
    assert _confirmations(outbox, consumer) == 1 and _count(db, Invoice) == 2


def _pay_path(db) -> str:
    return f"/commande/confirmation?session_id={db.session.scalar(sa.select(Payment)).checkout_session_id}"


def test_the_return_page_waits_when_stripe_does_not_answer(client, db, login_as, lost_webhooks, shop):
    hosted, _group_ = _checkout(client, login_as, shop)
    back = _pay(hosted)
    lost_webhooks.fault("error:1@GET /v1/checkout/sessions")
    page = client.get(back)
    assert page.status_code == 200 and "en cours de confirmation" in page.get_data(as_text=True)
    assert _group().status is OrderGroupStatus.PENDING_PAYMENT
    assert "Paiement confirmé" in client.get(back).get_data(as_text=True)  # Stripe is back


def test_an_expired_session_releases_the_stock(app, client, db, login_as, lost_webhooks, shop):
    offer_a, offer_b, _consumer = shop
    clock.freeze(_now() - dt.timedelta(hours=1))
    _hosted, group = _checkout(client, login_as, shop)
    assert (_stock(db, offer_a), _stock(db, offer_b)) == (1, 2)
    clock.freeze(_now())  # its 30 minutes are over; Stripe has not expired it yet

    assert "checked: 1 (expired: 1)" in _reconcile(app)
    session_id = db.session.scalar(sa.select(Payment)).checkout_session_id
    assert lost_webhooks.state.sessions[session_id]["status"] == "expired"  # closed at Stripe
    group = _group()
    assert group.status is OrderGroupStatus.CANCELLED
    assert db.session.scalar(sa.select(Payment)).status is PaymentStatus.EXPIRED
    assert (_stock(db, offer_a), _stock(db, offer_b)) == (3, 3)

    assert "checked: 0" in _reconcile(app)
    assert lost_webhooks.late(client) == ["no change"]
    assert (_stock(db, offer_a), _stock(db, offer_b)) == (3, 3)


def test_an_amount_that_does_not_match_is_never_marked_paid(app, client, db, login_as, lost_webhooks, shop, outbox):
    clock.freeze(_now())
    hosted, group = _checkout(client, login_as, shop)
    _pay(hosted)
    group.total_cents += 100  # the order changed here after the payment page was opened
    db.session.commit()
    clock.advance(dt.timedelta(minutes=2))
    assert "(amount mismatch: 1)" in _reconcile(app)
    assert _group().status is OrderGroupStatus.PENDING_PAYMENT
    assert db.session.scalar(sa.select(Payment)).status is PaymentStatus.REJECTED
    assert "checked: 0" in _reconcile(app)
    assert sum("Paiement incohérent" in m.subject for m in outbox()) == 1


def test_release_expired_marks_paid_a_session_paid_whose_webhook_was_lost(
        app, client, db, login_as, lost_webhooks, shop, outbox):
    offer_a, offer_b, consumer = shop
    clock.freeze(_now())
    hosted, _group_ = _checkout(client, login_as, shop)
    _pay(hosted)
    clock.advance(dt.timedelta(minutes=40))  # reservations expired (30 + 5 minutes)

    result = app.test_cli_runner().invoke(args=["shop", "release-expired"])
    assert result.exit_code == 0 and "released: 0" in result.output
    group = _group()
    assert group.status is OrderGroupStatus.PAID
    assert (_stock(db, offer_a), _stock(db, offer_b)) == (1, 2)
    assert _confirmations(outbox, consumer) == 1
    assert lost_webhooks.late(client) == ["already paid"]
    assert _confirmations(outbox, consumer) == 1


def test_release_expired_closes_an_unpaid_session_and_waits_for_stripe(
        app, client, db, login_as, lost_webhooks, shop):
    offer_a, offer_b, _consumer = shop
    clock.freeze(_now())
    _hosted, _group_ = _checkout(client, login_as, shop)
    clock.advance(dt.timedelta(minutes=40))
    runner = app.test_cli_runner()

    lost_webhooks.fault("error:1@/v1/checkout/sessions")  # Stripe cannot tell: the units are kept
    assert "released: 0" in runner.invoke(args=["shop", "release-expired"]).output
    assert _group().status is OrderGroupStatus.PENDING_PAYMENT
    assert (_stock(db, offer_a), _stock(db, offer_b)) == (1, 2)

    assert "released: 1" in runner.invoke(args=["shop", "release-expired"]).output
    session_id = db.session.scalar(sa.select(Payment)).checkout_session_id
    assert lost_webhooks.state.sessions[session_id]["status"] == "expired"  # can no longer be paid
    assert _group().status is OrderGroupStatus.CANCELLED
    assert (_stock(db, offer_a), _stock(db, offer_b)) == (3, 3)
    assert lost_webhooks.late(client) == ["no change"]


def test_a_new_checkout_after_paying_settles_the_paid_one_instead_of_cancelling_it(
        client, db, login_as, lost_webhooks, shop, outbox):
    """The consumer paid, then went on shopping before the webhook arrived: starting a new checkout
    replaces the pending one only if it is still unpaid; a paid one is applied, never refunded."""
    from marketplace.payments.models import Refund

    offer_a, offer_b, consumer = shop
    offer_c = OfferFactory(vendor=VendorMembershipFactory().vendor, price_cents=500, stock=5, delivery=False)
    db.session.commit()
    hosted, first = _checkout(client, login_as, shop)
    _pay(hosted)  # its webhook is held; the consumer does not come back to the return page
    first_id = first.id

    client.post("/panier/ajouter", data={"offer_id": offer_c.id, "quantity": 1})
    answer = client.post("/commande/validation", data={
        "contact_name": "Camille Martin", "contact_email": consumer.email,
        **{f"fulfilment-{offer.vendor_id}": "pickup" for offer in (offer_a, offer_b, offer_c)},
    })
    assert answer.status_code in (302, 303)

    db.session.expire_all()
    first = db.session.get(OrderGroup, first_id)
    assert first.status is OrderGroupStatus.PAID
    assert _count(db, Refund) == 0
    assert (_stock(db, offer_a), _stock(db, offer_b)) == (1, 2)
    second = db.session.scalar(sa.select(OrderGroup).where(OrderGroup.id != first_id))
    assert second.status is OrderGroupStatus.PENDING_PAYMENT
    assert second.total_cents == 500  # only what was left in the cart: the paid lines are gone
    assert _confirmations(outbox, consumer) == 1
    assert lost_webhooks.late(client) == ["already paid"]
    assert _count(db, Refund) == 0
