"""The simulator keeps its objects in a SQLite file: they survive a restart, and the
store API writes objects the API then serves like its own."""
from __future__ import annotations

import time

import pytest
import requests
import stripe

from marketplace.payments.simulator import SimulatorServer
from marketplace.payments.simulator.state import SimulatorState
from tests.payments.test_simulator import SESSION, _client


@pytest.fixture
def state_file(tmp_path):
    return str(tmp_path / "stripe-simulator.sqlite3")


@pytest.fixture
def servers():
    """``servers(**options)`` starts a simulator; every one still running is stopped at the end."""
    started = []

    def _start(**options):
        server = SimulatorServer(**options).start()
        started.append(server)
        return server

    yield _start
    for server in started:
        try:
            server.stop()
        except Exception:  # noqa: BLE001, S110  (already stopped by the test)
            pass


def test_objects_and_idempotent_answers_survive_a_restart(servers, state_file):
    first = servers(state_path=state_file)
    client = _client(first.url)
    session = client.v1.checkout.sessions.create(params=SESSION, options={"idempotency_key": "checkout-1"})
    requests.post(session.url, data={"card": "4242 4242 4242 4242"}, timeout=5, allow_redirects=False)
    intent_id = client.v1.checkout.sessions.retrieve(session.id).payment_intent
    account = client.v1.accounts.create(params={"type": "express"})
    requests.post(f"{first.url}/_simulator/accounts/{account.id}/complete", timeout=5)
    transfer = client.v1.transfers.create(params={"amount": 700, "currency": "eur", "destination": account.id},
                                          options={"idempotency_key": "transfer-vo-1"})
    first.stop()

    second = servers(state_path=state_file)
    client = _client(second.url)
    assert client.v1.checkout.sessions.retrieve(session.id).payment_status == "paid"
    assert client.v1.payment_intents.retrieve(intent_id).status == "succeeded"
    assert client.v1.accounts.retrieve(account.id).payouts_enabled is True
    # a call replayed after the restart answers what it answered before, without a second object
    again = client.v1.transfers.create(params={"amount": 700, "currency": "eur", "destination": account.id},
                                       options={"idempotency_key": "transfer-vo-1"})
    assert again.id == transfer.id and len(second.state.transfers) == 1
    # a payment made before the restart can be refunded after it
    refund = client.v1.refunds.create(params={"payment_intent": intent_id, "amount": 900})
    assert refund.status == "succeeded"
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.refunds.create(params={"payment_intent": intent_id, "amount": 1490 - 900 + 1})
    assert [e["type"] for e in second.events()] == ["checkout.session.completed", "account.updated", "charge.refunded"]


def test_memory_state_is_forgotten_when_the_simulator_stops(servers):
    first = servers()
    account = _client(first.url).v1.accounts.create(params={"type": "express"})
    first.stop()
    with pytest.raises(stripe.InvalidRequestError):
        _client(servers().url).v1.accounts.retrieve(account.id)


def test_a_call_that_fails_writes_nothing(servers, state_file):
    server = servers(state_path=state_file)
    client = _client(server.url)
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.checkout.sessions.create(params={**SESSION, "line_items": [
            {"quantity": 1, "price_data": {"currency": "eur", "unit_amount": 100, "product_data": {"name": "A"}}},
            {"quantity": 0, "price_data": {"currency": "eur", "unit_amount": 100, "product_data": {"name": "B"}}},
        ]}, options={"idempotency_key": "bad"})
    assert len(server.state.sessions) == 0 and server.state.store.answer_for("bad") is None


def test_store_api_writes_what_the_api_then_serves(servers, state_file):
    now = int(time.time())
    state = SimulatorState(state_file)
    assert state.record_account("acct_demo_x", created=now, payouts_enabled=True, email="a@b.example", name="X")
    assert state.record_account("acct_demo_new", created=now, payouts_enabled=False)
    assert state.record_checkout("cs_demo_0001", amount=2500, created=now, expires_at=now + 1800, outcome="paid",
                                 payment_intent_id="pi_demo_0001", base_url="http://sim.test",
                                 transfer_group="group-1", metadata={"order_group_id": "1"})
    assert state.record_refund("re_demo_1", payment_intent_id="pi_demo_0001", amount=1000, created=now)
    assert state.record_transfer("tr_demo_1", amount=1400, destination="acct_demo_x", created=now,
                                 reversal_id="trr_demo_1")
    assert state.record_checkout("cs_demo_0002", amount=900, created=now, expires_at=now - 1, outcome="open")
    # recording again changes nothing, and counts nothing twice
    assert not state.record_refund("re_demo_1", payment_intent_id="pi_demo_0001", amount=1000, created=now)
    assert not state.record_checkout("cs_demo_0001", amount=1, created=now, expires_at=now, outcome="paid",
                                     payment_intent_id="pi_demo_0001")
    state.close()

    server = servers(state_path=state_file)
    client = _client(server.url)
    session = client.v1.checkout.sessions.retrieve("cs_demo_0001")
    assert (session.status, session.payment_status, session.payment_intent) == ("complete", "paid", "pi_demo_0001")
    assert session.url == "http://sim.test/checkout/cs_demo_0001"
    intent = client.v1.payment_intents.retrieve("pi_demo_0001")
    assert (intent.status, intent.amount_received, intent.transfer_group) == ("succeeded", 2500, "group-1")
    # 1000 of 2500 already refunded: 1500 left
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.refunds.create(params={"payment_intent": "pi_demo_0001", "amount": 1501})
    assert client.v1.refunds.create(params={"payment_intent": "pi_demo_0001", "amount": 1500}).amount == 1500
    assert client.v1.transfers.create(params={"amount": 300, "currency": "eur", "destination": "acct_demo_x"}).id
    with pytest.raises(stripe.InvalidRequestError):  # payouts not enabled yet
        client.v1.transfers.create(params={"amount": 300, "currency": "eur", "destination": "acct_demo_new"})
    assert client.v1.transfers.retrieve("tr_demo_1").reversed is True
    # recorded objects emit no webhook: the only event is the refund made through the API
    assert [e["type"] for e in server.events()] == ["charge.refunded"]
    # the open session past its expiry is expired like any other
    assert requests.post(f"{server.url}/_simulator/expire-due", timeout=5).json()["expired"] == ["cs_demo_0002"]


def test_the_simulator_file_follows_the_database(app):
    from pathlib import Path

    from marketplace.payments import services

    instance = Path(app.instance_path)
    config = {**app.config, "STRIPE_SIMULATOR_STATE": None}
    with app.app_context():
        default = services.simulator_state_path({**config, "DATABASE_URL": f"sqlite:///{instance / 'marketplace.db'}"})
        first = services.simulator_state_path({**config, "DATABASE_URL": "postgresql+psycopg://db/first"})
        second = services.simulator_state_path({**config, "DATABASE_URL": "postgresql+psycopg://db/second"})
        chosen = services.simulator_state_path({**config, "STRIPE_SIMULATOR_STATE": "/srv/simulateur.sqlite3"})
    assert default == str(instance / "stripe-simulator.sqlite3")
    assert first != second and Path(first).parent == instance and Path(first).name.startswith("stripe-simulator-")
    assert chosen == "/srv/simulateur.sqlite3"
