"""The simulator speaks Stripe's protocol to stripe-python, over plain HTTP."""
from __future__ import annotations

import time

import pytest
import requests
import stripe

from marketplace.payments.simulator import CARD_DECLINED, CARD_SUCCESS, create_simulator_app
from marketplace.payments.simulator.app import parse_form


def _client(url, key="sk_test_x"):
    return stripe.StripeClient(key, base_addresses={"api": url, "connect": url},
                               http_client=stripe.RequestsClient(timeout=2), max_network_retries=0)


SESSION = {
    "mode": "payment",
    "currency": "eur",
    "success_url": "http://boutique.test/merci?session_id={CHECKOUT_SESSION_ID}",
    "cancel_url": "http://boutique.test/panier",
    "line_items": [
        {"quantity": 2, "price_data": {"currency": "eur", "unit_amount": 450, "product_data": {"name": "Confiture"}}},
        {"quantity": 1, "price_data": {"currency": "eur", "unit_amount": 590, "product_data": {"name": "Livraison"}}},
    ],
    "payment_intent_data": {"transfer_group": "group-7"},
    "metadata": {"order_group_id": "7"},
}


def test_parse_form_decodes_stripe_brackets():
    parsed = parse_form([("line_items[0][price_data][unit_amount]", "450"), ("line_items[1][quantity]", "2"),
                         ("metadata[order]", "7"), ("mode", "payment")])
    assert parsed == {"line_items": [{"price_data": {"unit_amount": "450"}}, {"quantity": "2"}],
                      "metadata": {"order": "7"}, "mode": "payment"}


def test_checkout_session_shapes_and_idempotency(stripe_simulator):
    client = _client(stripe_simulator.url)
    session = client.v1.checkout.sessions.create(params=SESSION, options={"idempotency_key": "k-1"})
    assert session.object == "checkout.session"
    assert session.id.startswith("cs_test_")
    assert session.amount_total == 2 * 450 + 590
    assert session.status == "open" and session.payment_status == "unpaid"
    assert session.url.startswith(stripe_simulator.url + "/checkout/")
    again = client.v1.checkout.sessions.create(params=SESSION, options={"idempotency_key": "k-1"})
    assert again.id == session.id
    with pytest.raises(stripe.IdempotencyError):
        client.v1.checkout.sessions.create(params={**SESSION, "currency": "usd"}, options={"idempotency_key": "k-1"})
    assert client.v1.checkout.sessions.retrieve(session.id).id == session.id


def test_unknown_object_and_missing_key_are_stripe_errors(stripe_simulator):
    with pytest.raises(stripe.InvalidRequestError) as info:
        _client(stripe_simulator.url).v1.checkout.sessions.retrieve("cs_test_nope")
    assert info.value.code == "resource_missing"
    answer = requests.get(f"{stripe_simulator.url}/v1/accounts/acct_x", timeout=5)
    assert answer.status_code == 401 and answer.json()["error"]["type"] == "invalid_request_error"


def test_hosted_page_pays_with_4242_and_declines_0002(stripe_simulator):
    client = _client(stripe_simulator.url)
    session = client.v1.checkout.sessions.create(params=SESSION)
    page = requests.get(session.url, timeout=5)
    assert page.status_code == 200 and "Payer" in page.text and "14,90" in page.text

    declined = requests.post(session.url, data={"card": "4000 0000 0000 0002"}, timeout=5, allow_redirects=False)
    assert declined.status_code == 402 and "refusée" in declined.text
    assert client.v1.checkout.sessions.retrieve(session.id).status == "open"
    assert stripe_simulator.events() == []

    paid = requests.post(session.url, data={"card": "4242 4242 4242 4242"}, timeout=5, allow_redirects=False)
    assert paid.status_code == 303
    assert paid.headers["Location"] == f"http://boutique.test/merci?session_id={session.id}"
    session = client.v1.checkout.sessions.retrieve(session.id)
    assert (session.status, session.payment_status) == ("complete", "paid")
    intent = client.v1.payment_intents.retrieve(session.payment_intent)
    assert (intent.status, intent.amount_received, intent.transfer_group) == ("succeeded", 1490, "group-7")
    [event] = stripe_simulator.events()
    assert event["type"] == "checkout.session.completed" and event["data"]["object"]["id"] == session.id
    assert CARD_SUCCESS == "4242424242424242" and CARD_DECLINED == "4000000000000002"


def test_transfers_need_payouts_and_reverse(stripe_simulator):
    client = _client(stripe_simulator.url)
    account = client.v1.accounts.create(params={"type": "express", "country": "FR"})
    assert account.payouts_enabled is False
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.transfers.create(params={"amount": 500, "currency": "eur", "destination": account.id})
    link = client.v1.account_links.create(params={"account": account.id, "refresh_url": "http://x/r",
                                                  "return_url": "http://x/ok", "type": "account_onboarding"})
    done = requests.post(link.url, data={"action": "complete"}, timeout=5, allow_redirects=False)
    assert done.headers["Location"] == "http://x/ok"
    assert requests.get(link.url, timeout=5, allow_redirects=False).headers["Location"] == "http://x/r"
    assert client.v1.accounts.retrieve(account.id).payouts_enabled is True
    transfer = client.v1.transfers.create(params={"amount": 500, "currency": "eur", "destination": account.id},
                                          options={"idempotency_key": "transfer-vo-1"})
    reversal = client.v1.transfers.reversals.create(transfer.id, params={"amount": 500})
    assert reversal.object == "transfer_reversal" and reversal.transfer == transfer.id
    assert client.v1.transfers.retrieve(transfer.id).reversed is True
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.transfers.reversals.create(transfer.id, params={"amount": 1})


def test_failure_modes(stripe_simulator):
    client = _client(stripe_simulator.url)
    stripe_simulator.state.set_mode("error")
    with pytest.raises(stripe.APIError):
        client.v1.accounts.create(params={"type": "express"})
    stripe_simulator.state.set_mode("hang", 10)
    slow = stripe.StripeClient("sk_test_x", base_addresses={"api": stripe_simulator.url},
                               http_client=stripe.RequestsClient(timeout=0.2), max_network_retries=0)
    with pytest.raises(stripe.APIConnectionError):
        slow.v1.accounts.create(params={"type": "express"})
    stripe_simulator.state.set_mode("normal")
    assert client.v1.accounts.create(params={"type": "express"}).id.startswith("acct_")


def test_refuses_production(monkeypatch, app):
    monkeypatch.setenv("MARKETPLACE_ENV", "production")
    with pytest.raises(RuntimeError):
        create_simulator_app()
    app.config["ENV_NAME"] = "production"
    try:
        result = app.test_cli_runner().invoke(args=["stripe-simulator"])
    finally:
        app.config["ENV_NAME"] = "testing"
    assert result.exit_code != 0 and "production" in result.output


def test_sessions_past_their_expiry_are_expired_with_a_webhook(stripe_simulator):
    client = _client(stripe_simulator.url)
    due = client.v1.checkout.sessions.create(params={**SESSION, "expires_at": int(time.time()) - 1})
    later = client.v1.checkout.sessions.create(params={**SESSION, "expires_at": int(time.time()) + 1800})
    answer = requests.post(f"{stripe_simulator.url}/_simulator/expire-due", timeout=5).json()
    assert answer["expired"] == [due.id]
    assert [e["data"]["object"]["id"] for e in stripe_simulator.events("checkout.session.expired")] == [due.id]
    assert client.v1.checkout.sessions.retrieve(later.id).status == "open"
    assert requests.get(due.url, timeout=5).status_code == 410
