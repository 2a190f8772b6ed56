"""Webhooks: signatures checked, each event applied once, any order tolerated."""
from __future__ import annotations

import copy
import time

import pytest
import sqlalchemy as sa

from marketplace.core.audit import AuditEvent, events_for
from marketplace.payments import services
from marketplace.payments.models import Payment, PaymentStatus, StripeEvent
from marketplace.shop.models import Invoice, OrderGroupStatus, VendorOrderStatus

SUCCESS = "http://localhost/commande/merci?session_id={CHECKOUT_SESSION_ID}"
CANCEL = "http://localhost/panier"


def _count(db, model, *where):
    return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


def _post(client, server, event, secret=None, timestamp=None, signature=None, body=None):
    raw, header = server.signed(event, secret=secret, timestamp=timestamp)
    headers = {} if signature is False else {"Stripe-Signature": signature or header}
    return client.post("/webhooks/stripe", data=body if body is not None else raw, headers=headers,
                       content_type="application/json")


@pytest.fixture
def opened(db, make_order, sim):
    """An order group whose Checkout Session is open on the simulator."""
    group = make_order()
    services.create_checkout_session(group, SUCCESS, CANCEL)
    db.session.commit()
    return group


def _completed_event(sim, group, outcome="paid"):
    sim.pay(group.checkout_session_id, outcome)
    [event] = sim.server.events("checkout.session.completed")
    return event


# ------------------------------------------------------------------ signatures


@pytest.mark.parametrize("case", ["missing", "wrong secret", "tampered", "stale", "garbage"])
def test_unsigned_or_forged_events_are_rejected(client, db, opened, sim, case):
    event = _completed_event(sim, opened)
    server = sim.server
    if case == "missing":
        response = _post(client, server, event, signature=False)
    elif case == "wrong secret":
        response = _post(client, server, event, secret="whsec_not_ours")
    elif case == "tampered":
        raw, header = server.signed(event)
        response = _post(client, server, event, signature=header,
                         body=raw.replace(b'"amount_total": ', b'"amount_total": 1'))
    elif case == "stale":
        response = _post(client, server, event, timestamp=int(time.time()) - 3600)
    else:
        response = _post(client, server, event, signature="t=abc,v1=zzz")
    assert response.status_code == 400
    db.session.refresh(opened)
    assert opened.status == OrderGroupStatus.PENDING_PAYMENT
    assert _count(db, StripeEvent) == 0


def test_a_genuine_event_marks_the_group_paid(client, db, opened, sim, deliver_webhooks, outbox):
    sim.pay(opened.checkout_session_id)
    [response] = deliver_webhooks()
    assert response.status_code == 200 and response.json["outcome"] == "paid"
    db.session.refresh(opened)
    assert opened.status == OrderGroupStatus.PAID
    assert {vo.status for vo in opened.vendor_orders} == {VendorOrderStatus.PAID}
    payment = db.session.scalar(sa.select(Payment))
    assert payment.status == PaymentStatus.SUCCEEDED
    assert payment.payment_intent_id == sim.state.sessions[opened.checkout_session_id]["payment_intent"]


# ------------------------------------------------------------------ idempotency


def test_same_event_five_times_has_one_effect(client, db, opened, sim, outbox):
    event = _completed_event(sim, opened)
    consumer_mails_before = len(outbox(opened.contact_email))
    answers = [_post(client, sim.server, event) for _ in range(5)]
    assert [a.status_code for a in answers] == [200] * 5
    assert [a.json["outcome"] for a in answers] == ["paid"] + ["duplicate"] * 4
    db.session.refresh(opened)
    assert opened.status == OrderGroupStatus.PAID
    assert _count(db, StripeEvent, StripeEvent.event_id == event["id"]) == 1
    assert _count(db, Invoice) == len(opened.vendor_orders) == 2
    assert [e.action for e in events_for(opened)].count("paid") == 1
    assert len(outbox(opened.contact_email)) == consumer_mails_before + 1


def test_same_effect_under_new_event_ids_is_applied_once(client, db, opened, sim):
    event = _completed_event(sim, opened)
    for n in range(3):
        again = copy.deepcopy(event)
        again["id"] = f"{event['id']}-retry{n}"
        assert _post(client, sim.server, again).status_code == 200
    assert _post(client, sim.server, event).json["outcome"] == "already paid"
    assert _count(db, Invoice) == 2
    assert _count(db, AuditEvent, AuditEvent.action == "payment.succeeded") == 1


def test_out_of_order_expiry_after_payment_changes_nothing(client, db, opened, sim):
    completed = _completed_event(sim, opened)
    expired = copy.deepcopy(completed)
    expired.update(id="evt_expired_late", type="checkout.session.expired")
    expired["data"]["object"].update(status="expired", payment_status="unpaid")
    for event in [completed, expired, completed, expired, completed]:
        assert _post(client, sim.server, event).status_code == 200
    db.session.refresh(opened)
    assert opened.status == OrderGroupStatus.PAID
    assert _count(db, Invoice) == 2


def test_async_success_before_completion_is_applied_once(client, db, opened, sim):
    sim.pay(opened.checkout_session_id, "async_pending")
    sim.settle(opened.checkout_session_id, succeeded=True)
    completed = sim.server.events("checkout.session.completed")[0]
    succeeded = sim.server.events("checkout.session.async_payment_succeeded")[0]
    for event in [succeeded, completed, succeeded, completed, succeeded]:
        assert _post(client, sim.server, event).status_code == 200
    db.session.refresh(opened)
    assert opened.status == OrderGroupStatus.PAID
    assert _count(db, Invoice) == 2
    assert _count(db, StripeEvent) == 2


def test_async_payment_pending_then_failed_cancels_and_frees_stock(client, db, opened, sim, deliver_webhooks):
    sim.pay(opened.checkout_session_id, "async_pending")
    assert [r.json["outcome"] for r in deliver_webhooks()] == ["awaiting asynchronous payment"]
    db.session.refresh(opened)
    assert opened.status == OrderGroupStatus.PENDING_PAYMENT
    sim.settle(opened.checkout_session_id, succeeded=False)
    assert [r.json["outcome"] for r in deliver_webhooks()] == ["failed"]
    db.session.refresh(opened)
    assert opened.status == OrderGroupStatus.CANCELLED
    assert db.session.scalar(sa.select(Payment)).status == PaymentStatus.FAILED


def test_expired_session_cancels_the_group(client, db, opened, sim, deliver_webhooks):
    services.expire_checkout_session(opened)
    assert [r.json["outcome"] for r in deliver_webhooks()] == ["expired"]
    db.session.refresh(opened)
    assert opened.status == OrderGroupStatus.CANCELLED
    assert db.session.scalar(sa.select(Payment)).status == PaymentStatus.EXPIRED


def test_payment_after_cancellation_is_refunded_in_full(client, db, opened, sim, deliver_webhooks, outbox):
    from marketplace.shop import orders

    orders.abandon_checkout(opened)
    db.session.commit()
    sim.pay(opened.checkout_session_id)
    [response] = deliver_webhooks("checkout.session.completed")
    assert response.json["outcome"] == "refunded: order was cancelled"
    [refund] = sim.state.refunds.values()
    assert refund["amount"] == opened.total_cents
    db.session.refresh(opened)
    assert opened.status == OrderGroupStatus.CANCELLED
    assert db.session.scalar(sa.select(Payment)).status == PaymentStatus.REFUNDED
    [mail] = [m for m in outbox(opened.contact_email) if "Remboursement de votre paiement" in m.subject]
    assert "remboursé l'intégralité" in mail.body


# ------------------------------------------------------------------ amounts


@pytest.mark.parametrize("amount,currency", [(1, "eur"), (None, "eur"), ("same", "usd")])
def test_amount_mismatch_never_marks_paid(app, client, db, opened, sim, outbox, amount, currency):
    event = _completed_event(sim, opened)
    session = event["data"]["object"]
    session["amount_total"] = opened.total_cents if amount == "same" else amount
    session["currency"] = currency
    response = _post(client, sim.server, event)
    assert response.status_code == 200 and response.json["outcome"] == "amount mismatch"
    db.session.refresh(opened)
    assert opened.status == OrderGroupStatus.PENDING_PAYMENT
    assert _count(db, Invoice) == 0
    assert db.session.scalar(sa.select(Payment)).status == PaymentStatus.REJECTED
    assert "payment.amount_mismatch" in [e.action for e in events_for(opened)]
    [alert] = outbox(app.config["CONTACT_EMAIL"])
    assert "n'a PAS été marquée payée" in alert.body and opened.checkout_session_id in alert.body


def test_unknown_event_types_are_acknowledged(client, db, sim):
    event = {"id": "evt_other", "object": "event", "type": "customer.created", "data": {"object": {"id": "cus_1"}}}
    response = _post(client, sim.server, event)
    assert response.status_code == 200 and response.json["outcome"] == "ignored"


# ------------------------------------------------------------------ refused by the orders


def test_a_payment_the_cancelled_order_refuses_is_acknowledged_recorded_and_refunded_once(
    client, db, opened, sim, outbox
):
    from marketplace.shop import orders

    orders.abandon_checkout(opened)
    db.session.commit()
    event = _completed_event(sim, opened)
    answers = [_post(client, sim.server, event) for _ in range(3)]
    assert [a.status_code for a in answers] == [200] * 3
    assert [a.json["outcome"] for a in answers] == ["refunded: order was cancelled"] + ["duplicate"] * 2
    row = db.session.scalar(sa.select(StripeEvent).where(StripeEvent.event_id == event["id"]))
    assert row.processed_at is not None and row.outcome == "refunded: order was cancelled"
    assert len(sim.state.refunds) == 1
    payment = db.session.scalar(sa.select(Payment))
    assert payment.status == PaymentStatus.REFUNDED
    [refunded] = [e for e in events_for(payment) if e.action == "payment.refunded_cancelled_order"]
    assert (refunded.before, refunded.after) == ("open", "refunded")
    assert refunded.data["order_status"] == "cancelled" and "Annulée" in refunded.data["reason"]
    assert "payment.succeeded" not in [e.action for e in events_for(payment)]
    db.session.refresh(opened)
    assert opened.status == OrderGroupStatus.CANCELLED
    assert {vo.status for vo in opened.vendor_orders} == {VendorOrderStatus.CANCELLED}
    assert _count(db, Invoice) == 0
    assert len([m for m in outbox(opened.contact_email) if "Remboursement de votre paiement" in m.subject]) == 1


def test_a_refund_stripe_cannot_make_now_is_left_to_the_next_delivery(client, db, opened, sim):
    from marketplace.shop import orders

    orders.abandon_checkout(opened)
    db.session.commit()
    event = _completed_event(sim, opened)
    sim.mode("error")
    try:
        response = _post(client, sim.server, event)
    finally:
        sim.mode("normal")
    assert response.status_code == 503
    assert _count(db, StripeEvent) == 0
    assert db.session.scalar(sa.select(Payment)).status == PaymentStatus.OPEN
    assert sim.state.refunds == {}

    response = _post(client, sim.server, event)
    assert response.status_code == 200 and response.json["outcome"] == "refunded: order was cancelled"
    assert len(sim.state.refunds) == 1
    assert db.session.scalar(sa.select(Payment)).status == PaymentStatus.REFUNDED


# ------------------------------------------------------------------ a whole day of events, unruly


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_every_event_delivered_five_times_in_any_order_has_one_effect(client, db, make_order, sim, outbox, seed):
    """Payments (immediate and asynchronous), an expiry and a vendor's onboarding: each event
    delivered five times, all shuffled together, as the simulator's webhook faults deliver them."""
    from tests.factories import VendorMembershipFactory

    vendor = VendorMembershipFactory().vendor
    services.start_onboarding(vendor, "http://localhost/retour", "http://localhost/relancer")
    paid = make_order([(vendor, [(1200, 2)], 0)])
    settled = make_order([(None, [(800, 1)], 0)])
    expired = make_order([(None, [(500, 3)], 0)])
    for group in (paid, settled, expired):
        services.create_checkout_session(group, SUCCESS, CANCEL)
    db.session.commit()
    sim.pay(paid.checkout_session_id)
    sim.pay(settled.checkout_session_id, "async_pending")
    sim.settle(settled.checkout_session_id, succeeded=True)
    services.expire_checkout_session(expired)
    sim.complete_account(vendor.stripe_account_id)
    events = sim.server.events()
    assert len(events) == 5

    sim.state.webhooks.configure(repeat=5)
    batch = sim.state.webhooks.deliveries(events, order="shuffle", seed=seed)
    assert len(batch) == 25 and batch != [e for e in events for _ in range(5)]
    answers = [_post(client, sim.server, event) for event in batch]

    assert {a.status_code for a in answers} == {200}
    assert sum(a.json["outcome"] != "duplicate" for a in answers) == len(events)
    assert _count(db, StripeEvent) == len(events)
    for group in (paid, settled, expired):
        db.session.refresh(group)
    assert (paid.status, settled.status, expired.status) == (
        OrderGroupStatus.PAID, OrderGroupStatus.PAID, OrderGroupStatus.CANCELLED)
    assert _count(db, Invoice) == 2
    assert _count(db, AuditEvent, AuditEvent.action == "payment.succeeded") == 2
    assert _count(db, AuditEvent, AuditEvent.action == "payments.payouts_enabled") == 1
    db.session.refresh(vendor)
    assert vendor.payouts_enabled is True
    assert [m.subject for m in outbox(paid.contact_email)] == [f"Votre commande {paid.reference} est confirmée"]
    assert [m.subject for m in outbox(settled.contact_email)] == [f"Votre commande {settled.reference} est confirmée"]
    assert outbox(expired.contact_email) == []
