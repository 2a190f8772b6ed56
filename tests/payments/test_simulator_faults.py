"""Fault injection: the simulator fails or hangs for the next N calls or for one endpoint,
and delivers its webhooks several times and out of order."""
from __future__ import annotations

import json
import threading

import pytest
import requests
import stripe
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from marketplace.payments.simulator import SimulatorServer
from marketplace.payments.simulator.faults import Fault, parse_fault
from tests.payments.test_simulator import SESSION, _client


def _faults(sim_url, **data):
    return requests.post(f"{sim_url}/_simulator/faults", json=data, timeout=5)


def test_fault_specs():
    assert parse_fault("error") == Fault("error")
    assert parse_fault("hang:3", hang_seconds=2) == Fault("hang", remaining=3, hang_seconds=2)
    assert parse_fault("error:1@/v1/checkout/sessions") == Fault("error", path="/v1/checkout/sessions", remaining=1)
    assert parse_fault("error@POST /v1/refunds") == Fault("error", method="POST", path="/v1/refunds")
    for bad in ("boom", "error:0", "error:x", "error@v1/refunds", ""):
        with pytest.raises(ValueError):
            parse_fault(bad)


def test_error_for_the_next_calls_to_one_endpoint_only(stripe_simulator):
    client = _client(stripe_simulator.url)
    answer = _faults(stripe_simulator.url, kind="error", count=2, path="/v1/checkout/sessions")
    assert answer.json()["faults"] == [{"kind": "error", "path": "/v1/checkout/sessions", "method": None,
                                        "remaining": 2, "hang_seconds": 30.0}]
    assert client.v1.accounts.create(params={"type": "express"}).id  # another endpoint answers
    for _ in range(2):
        with pytest.raises(stripe.APIError):
            client.v1.checkout.sessions.create(params=SESSION)
    assert client.v1.checkout.sessions.create(params=SESSION).status == "open"  # the third call goes through
    assert requests.get(f"{stripe_simulator.url}/_simulator/faults", timeout=5).json()["faults"] == []
    logged = requests.get(f"{stripe_simulator.url}/_simulator/requests", timeout=5).json()["data"]
    assert [r["fault"] for r in logged] == [None, "error", "error", None]


def test_a_method_filter_and_a_cleared_fault(stripe_simulator):
    client = _client(stripe_simulator.url)
    session = client.v1.checkout.sessions.create(params=SESSION)
    _faults(stripe_simulator.url, spec="error@POST /v1/checkout/sessions")
    assert client.v1.checkout.sessions.retrieve(session.id).id == session.id  # GET unaffected
    with pytest.raises(stripe.APIError):
        client.v1.checkout.sessions.create(params=SESSION)
    requests.delete(f"{stripe_simulator.url}/_simulator/faults", timeout=5)
    assert client.v1.checkout.sessions.create(params=SESSION).id


def test_hang_for_the_next_call_then_normal(stripe_simulator):
    slow = stripe.StripeClient("sk_test_x", base_addresses={"api": stripe_simulator.url},
                               http_client=stripe.RequestsClient(timeout=0.3), max_network_retries=0)
    _faults(stripe_simulator.url, kind="hang", count=1, hang_seconds=5)
    with pytest.raises(stripe.APIConnectionError):
        slow.v1.accounts.create(params={"type": "express"})
    assert slow.v1.accounts.create(params={"type": "express"}).id


def test_bad_fault_requests_are_refused(stripe_simulator):
    for data in ({"kind": "boom"}, {"kind": "error", "count": 0}, {"spec": "error:"}, {"kind": "error", "path": "v1"}):
        assert _faults(stripe_simulator.url, **data).status_code == 400
    assert requests.get(f"{stripe_simulator.url}/_simulator/faults", timeout=5).json()["faults"] == []


def test_faults_given_at_start():
    server = SimulatorServer(faults=["error:1@/v1/accounts"]).start()
    try:
        client = _client(server.url)
        with pytest.raises(stripe.APIError):
            client.v1.accounts.create(params={"type": "express"})
        assert client.v1.accounts.create(params={"type": "express"}).id
    finally:
        server.stop()


def test_the_command_refuses_a_bad_fault(app):
    result = app.test_cli_runner().invoke(args=["stripe-simulator", "--fault", "explode"])
    assert result.exit_code == 2 and "Invalid value for --fault: unknown fault kind 'explode'" in result.output
    result = app.test_cli_runner().invoke(args=["stripe-simulator", "--fault", "error@refunds"])
    assert result.exit_code == 2 and "KIND[:COUNT][@[METHOD ]PATH]" in result.output


# ------------------------------------------------------------------ webhooks


@pytest.fixture
def receiver():
    """An HTTP endpoint recording the event ids posted to it, in order."""
    received: list[str] = []

    @Request.application
    def app(request):
        received.append(json.loads(request.get_data())["id"])
        return Response("{}", content_type="application/json")

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/webhooks/stripe", received
    server.shutdown()
    server.server_close()


def _account_events(client, n):
    return [client.v1.accounts.create(params={"type": "express"}) for _ in range(n)]


def test_webhooks_held_then_delivered_five_times_out_of_order(receiver):
    url, received = receiver
    server = SimulatorServer(webhook_url=url, deliver_async=False).start()
    try:
        control = f"{server.url}/_simulator/webhooks"
        assert requests.post(control, json={"repeat": 5, "hold": True}, timeout=5).json()["repeat"] == 5
        for account in _account_events(_client(server.url), 3):
            requests.post(f"{server.url}/_simulator/accounts/{account.id}/complete", timeout=5)
        assert received == []  # held
        events = [e["id"] for e in server.events()]
        answer = requests.post(f"{control}/release", json={"order": "reverse", "hold": False}, timeout=10).json()
        assert received == answer["events"] == [e for e in reversed(events) for _ in range(5)]
        assert {d["status"] for d in answer["delivered"]} == {200}

        received.clear()
        requests.post(control, json={"hold": True}, timeout=5)
        for account in _account_events(_client(server.url), 3):
            requests.post(f"{server.url}/_simulator/accounts/{account.id}/complete", timeout=5)
        answer = requests.post(f"{control}/release", json={"order": "shuffle", "seed": 7}, timeout=10).json()
        later = [e["id"] for e in server.events()][3:]
        assert sorted(received) == sorted(later * 5) and received != [e for e in later for _ in range(5)]
        assert requests.post(f"{control}/release", json={"order": "sideways"}, timeout=5).status_code == 400
    finally:
        server.stop()


def test_each_webhook_delivered_n_times_from_the_start(receiver):
    url, received = receiver
    server = SimulatorServer(webhook_url=url, deliver_async=False, webhook_repeat=3).start()
    try:
        [account] = _account_events(_client(server.url), 1)
        requests.post(f"{server.url}/_simulator/accounts/{account.id}/complete", timeout=5)
        assert received == [server.events()[0]["id"]] * 3
    finally:
        server.stop()
