"""On PostgreSQL with real commits: the same payment notified many times at once
(same event id, or different ids for the same session) takes effect once."""
from __future__ import annotations

import copy
import os
import threading

import pytest
import sqlalchemy as sa

from marketplace import create_app
from marketplace.core.audit import AuditEvent
from marketplace.core.money import percentage
from marketplace.extensions import db as _db
from marketplace.payments import services
from marketplace.payments.models import StripeEvent
from marketplace.shop.models import Invoice, OrderGroup, OrderGroupStatus
from tests.pgdb import temporary_database

DATABASE_URL = os.environ.get("DATABASE_URL", "")
THREADS = 10

pytestmark = pytest.mark.skipif(
    not DATABASE_URL.startswith("postgresql"), reason="concurrent webhooks are tested on PostgreSQL"
)


@pytest.fixture(scope="module")
def pg_app(tmp_path_factory, _stripe_simulator_server):
    server_url = DATABASE_URL.rsplit("/", 1)[0]
    with temporary_database(server_url, prefix="ms_payments_concurrency") as url:
        instance = tmp_path_factory.mktemp("instance-payments")
        app = create_app({
            "ENV_NAME": "testing",
            "DATABASE_URL": url,
            "UPLOAD_DIR": str(instance / "uploads"),
            "SEARCH_INDEX_DIR": str(instance / "search-index"),
            "SERVER_NAME": "localhost",
            "STRIPE_SECRET_KEY": "",
            "STRIPE_API_BASE": _stripe_simulator_server.url,
            "STRIPE_WEBHOOK_SECRET": "whsec_tests",
            "STRIPE_MAX_NETWORK_RETRIES": 0,
        })
        with app.app_context():
            _db.create_all()
        try:
            yield app
        finally:
            with app.app_context():
                _db.session.remove()
                _db.engine.dispose()


@pytest.fixture(autouse=True)
def _plain_sessions(_stripe_simulator_server):
    _db.session.remove()
    _db.session.configure(bind=None, join_transaction_mode="conditional_savepoint")
    _stripe_simulator_server.state.reset()
    yield
    _db.session.remove()


def _paid_session_event(app, server):
    from tests.factories import (
        OrderGroupFactory,
        OrderLineFactory,
        UserFactory,
        VendorMembershipFactory,
        VendorOrderFactory,
    )

    with app.app_context():
        consumer = UserFactory()
        group = OrderGroupFactory(consumer_id=consumer.id, contact_email=consumer.email)
        for price in (1500, 990):
            vendor = VendorMembershipFactory().vendor
            vendor_order = VendorOrderFactory(order_group=group, vendor_id=vendor.id, subtotal_cents=price,
                                              total_cents=price, commission_bp=500,
                                              commission_cents=percentage(price, 500))
            OrderLineFactory(vendor_order=vendor_order, unit_price_cents=price, quantity=1, total_cents=price)
        group.total_cents = 2490
        _db.session.flush()
        services.create_checkout_session(group, "http://localhost/ok", "http://localhost/ko")
        _db.session.commit()
        group_id, session_id = group.id, group.checkout_session_id
    import requests

    requests.post(f"{server.url}/_simulator/checkout/{session_id}/pay", json={"outcome": "paid"}, timeout=5)
    [event] = server.events("checkout.session.completed")
    return group_id, event


def _deliver_all_at_once(app, server, events):
    barrier = threading.Barrier(len(events))
    results: list = [None] * len(events)

    def runner(i):
        body, signature = server.signed(events[i])
        with app.app_context():
            client = app.test_client()
            barrier.wait()
            try:
                answer = client.post("/webhooks/stripe", data=body, headers={"Stripe-Signature": signature},
                                     content_type="application/json")
                results[i] = (answer.status_code, (answer.json or {}).get("outcome"))
            finally:
                _db.session.remove()

    threads = [threading.Thread(target=runner, args=(i,)) for i in range(len(events))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def _effects(app, group_id):
    with app.app_context():
        group = _db.session.get(OrderGroup, group_id)
        invoices = _db.session.scalar(
            sa.select(sa.func.count()).select_from(Invoice)
            .where(Invoice.vendor_order_id.in_([vo.id for vo in group.vendor_orders]))
        )
        paid_events = _db.session.scalar(
            sa.select(sa.func.count()).select_from(AuditEvent)
            .where(AuditEvent.subject_type == "order_group", AuditEvent.subject_id == group_id,
                   AuditEvent.action == "paid")
        )
        status = group.status
        _db.session.remove()
    return status, invoices, paid_events


def test_same_event_delivered_ten_times_at_once(pg_app, _stripe_simulator_server):
    server = _stripe_simulator_server
    group_id, event = _paid_session_event(pg_app, server)
    results = _deliver_all_at_once(pg_app, server, [event] * THREADS)
    assert all(code == 200 for code, _ in results), results
    assert sorted(outcome for _, outcome in results) == ["duplicate"] * (THREADS - 1) + ["paid"]
    assert _effects(pg_app, group_id) == (OrderGroupStatus.PAID, 2, 1)
    with pg_app.app_context():
        assert _db.session.scalar(sa.select(sa.func.count()).select_from(StripeEvent)
                                  .where(StripeEvent.event_id == event["id"])) == 1
        _db.session.remove()


def test_different_event_ids_for_one_payment_at_once(pg_app, _stripe_simulator_server):
    server = _stripe_simulator_server
    group_id, event = _paid_session_event(pg_app, server)
    events = []
    for i in range(THREADS):
        copy_ = copy.deepcopy(event)
        copy_["id"] = f"{event['id']}-{i}"
        if i % 2:
            copy_["type"] = "checkout.session.async_payment_succeeded"
        events.append(copy_)
    results = _deliver_all_at_once(pg_app, server, events)
    assert all(code == 200 for code, _ in results), results
    assert sorted(outcome for _, outcome in results) == ["already paid"] * (THREADS - 1) + ["paid"]
    assert _effects(pg_app, group_id) == (OrderGroupStatus.PAID, 2, 1)


def _wait_until_blocked(app, timeout=20.0):
    """Until a session of this database waits for a row lock held by another."""
    import time

    deadline = time.monotonic() + timeout
    with app.app_context(), _db.engine.connect() as conn:
        while time.monotonic() < deadline:
            waiting = conn.execute(sa.text(
                "SELECT count(*) FROM pg_stat_activity"
                " WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )).scalar_one()
            if waiting:
                return True
            conn.rollback()
            time.sleep(0.02)
    return False


def test_payment_arriving_while_the_order_is_being_cancelled_is_refunded(pg_app, _stripe_simulator_server):
    from marketplace.payments.models import Payment, PaymentStatus
    from marketplace.shop import orders

    server = _stripe_simulator_server
    group_id, event = _paid_session_event(pg_app, server)
    answer: dict = {}

    def deliver():
        body, signature = server.signed(event)
        with pg_app.app_context():
            try:
                response = pg_app.test_client().post(
                    "/webhooks/stripe", data=body, headers={"Stripe-Signature": signature},
                    content_type="application/json",
                )
                answer["result"] = (response.status_code, (response.json or {}).get("outcome"))
            finally:
                _db.session.remove()

    with pg_app.app_context():
        # The consumer's cancellation is written but not yet committed when the payment arrives.
        orders.abandon_checkout(_db.session.get(OrderGroup, group_id))
        _db.session.flush()
        webhook = threading.Thread(target=deliver)
        webhook.start()
        try:
            assert _wait_until_blocked(pg_app), "the webhook should wait for the cancellation"
        finally:
            _db.session.commit()
            _db.session.remove()
    webhook.join(timeout=60)

    assert answer["result"] == (200, "refunded: order was cancelled")
    assert len(server.state.refunds) == 1
    assert _effects(pg_app, group_id) == (OrderGroupStatus.CANCELLED, 0, 0)
    with pg_app.app_context():
        payment = _db.session.scalar(sa.select(Payment).where(Payment.order_group_id == group_id))
        assert payment.status == PaymentStatus.REFUNDED
        _db.session.remove()
