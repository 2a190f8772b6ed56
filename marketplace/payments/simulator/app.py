"""A local Stripe-compatible API: exactly the endpoints Marché Solidaire uses.

Requests are form-encoded like Stripe's (``a[b][0][c]=…``), answers are
Stripe's JSON shapes, errors follow ``{"error": {"type", "message", …}}`` and
``Idempotency-Key`` replays the first answer. It also serves the hosted pages
(checkout, Connect onboarding) and delivers signed webhooks. Its objects live
in a ``SimulatorStore`` (a SQLite file that survives restarts, or memory).

Endpoints:
    POST /v1/checkout/sessions, GET /v1/checkout/sessions/<id>,
    POST /v1/checkout/sessions/<id>/expire
    GET  /v1/payment_intents/<id>
    POST /v1/refunds
    POST /v1/transfers, GET /v1/transfers/<id>, POST /v1/transfers/<id>/reversals
    POST /v1/accounts, GET /v1/accounts/<id>
    POST /v1/account_links
Hosted pages: /checkout/<session id>, /connect/onboarding/<link id>.
Control (tests and demos, control.py): /_simulator/faults, /_simulator/mode, /_simulator/webhooks,
/_simulator/webhooks/release, /_simulator/reset, /_simulator/events, /_simulator/requests,
/_simulator/expire-due, /_simulator/checkout/<id>/pay, /_simulator/checkout/<id>/async,
/_simulator/accounts/<id>/complete.
"""
from __future__ import annotations

import hashlib
import hmac
import html
import json
import logging
import os
import re
import threading
import time
from collections.abc import Iterable
from types import SimpleNamespace
from typing import Any

import requests
from flask import Flask, abort, g, has_request_context, jsonify, redirect, request

from marketplace.payments.simulator import objects
from marketplace.payments.simulator.control import register_control
from marketplace.payments.simulator.faults import Fault, parse_fault
from marketplace.payments.simulator.objects import public
from marketplace.payments.simulator.pages import checkout_html, onboarding_html, page
from marketplace.payments.simulator.state import SimulatorState, new_id

log = logging.getLogger(__name__)

CARD_SUCCESS = "4242424242424242"
CARD_DECLINED = "4000000000000002"
# Not a Stripe test card: a delayed-notification method (like a SEPA debit)
# whose outcome arrives later through async_payment_succeeded/failed.
CARD_ASYNC = "4000000000009995"

KEY_RE = re.compile(r"[^\[\]]+")


class SimulatorError(Exception):
    def __init__(self, status: int, type_: str, message: str, code: str | None = None, param: str | None = None):
        super().__init__(message)
        self.status, self.type, self.message, self.code, self.param = status, type_, message, code, param

    def response(self):
        error = {"type": self.type, "message": self.message}
        if self.code:
            error["code"] = self.code
        if self.param:
            error["param"] = self.param
        return jsonify(error=error), self.status


def refuse_production() -> None:
    env = os.environ.get("MARKETPLACE_ENV", "")
    if env == "production":
        raise RuntimeError("The Stripe simulator refuses to run in production.")


def parse_form(items) -> dict[str, Any]:
    """Decode Stripe's bracketed form encoding into nested dicts and lists."""
    root: dict[str, Any] = {}
    for key, value in items:
        parts = KEY_RE.findall(key)
        if not parts:
            continue
        node: Any = root
        for i, part in enumerate(parts):
            last = i == len(parts) - 1
            nxt_is_index = not last and parts[i + 1].isdigit()
            if isinstance(node, list):
                index = int(part)
                while len(node) <= index:
                    node.append(None)
                if last:
                    node[index] = value
                else:
                    if node[index] is None:
                        node[index] = [] if nxt_is_index else {}
                    node = node[index]
            else:
                if last:
                    node[part] = value
                else:
                    node = node.setdefault(part, [] if nxt_is_index else {})
    return root


def _int(params: dict, name: str, required: bool = True) -> int | None:
    value = params.get(name)
    if value in (None, ""):
        if required:
            raise SimulatorError(400, "invalid_request_error", f"Missing required param: {name}.", param=name)
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        raise SimulatorError(400, "invalid_request_error", f"Invalid integer: {value}", param=name) from None


def _sign(payload: str, secret: str, timestamp: int | None = None) -> str:
    timestamp = int(time.time()) if timestamp is None else timestamp
    mac = hmac.new(secret.encode(), f"{timestamp}.{payload}".encode(), hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


def create_simulator_app(  # nosec B107 (the simulator's development webhook secret)
    webhook_url: str | None = None,
    webhook_secret: str = "whsec_simulateur_local",  # noqa: S107  (development secret)
    public_url: str | None = None,
    deliver_async: bool = True,
    state_path: str | None = None,
    faults: Iterable[Fault | str] = (),
    webhook_repeat: int = 1,
) -> Flask:
    """Build the simulator.

    ``webhook_url`` None keeps events for /_simulator/events only; ``state_path``
    None keeps the objects in memory; ``faults`` (``Fault`` or specs such as
    ``"error:2@/v1/refunds"``) and ``webhook_repeat`` start it misbehaving.
    """
    refuse_production()
    app = Flask(__name__)
    state = SimulatorState(state_path)
    for fault in faults:
        state.faults.add(parse_fault(fault) if isinstance(fault, str) else fault)
    state.webhooks.configure(repeat=webhook_repeat)
    app.extensions["stripe_simulator"] = state
    app.config.update(
        WEBHOOK_URL=webhook_url, WEBHOOK_SECRET=webhook_secret, PUBLIC_URL=public_url, DELIVER_ASYNC=deliver_async
    )

    def base_url() -> str:
        return (app.config["PUBLIC_URL"] or request.host_url).rstrip("/")

    # ------------------------------------------------------------------ webhooks

    def emit(type_: str, obj: dict, account: str | None = None) -> dict:
        """Record an event; it is sent once the current request has answered."""
        event = state.new_event(type_, obj, account)
        if has_request_context():
            g.setdefault("sim_events", []).append(event)
        else:
            dispatch([event])
        return event

    @app.after_request
    def _send_events(response):
        events = g.pop("sim_events", [])
        if events and response.status_code < 400:
            dispatch(events)
        return response

    def dispatch(events: list[dict]) -> None:
        if not app.config["WEBHOOK_URL"] or not events:
            return
        with state.lock:
            if state.webhooks.hold:
                state.webhooks.held.extend(events)
                return
            batch = state.webhooks.deliveries(events)
        if app.config["DELIVER_ASYNC"]:
            threading.Thread(target=deliver_all, args=(batch,), daemon=True).start()
        else:
            deliver_all(batch)

    def deliver_all(batch: list[dict]) -> list[dict]:
        return [deliver(event, app.config["WEBHOOK_URL"]) for event in batch]

    def deliver(event: dict, url: str, attempts: int = 5) -> dict:
        payload = json.dumps(event)
        record: dict = {"event": event["id"], "type": event["type"]}
        for attempt in range(attempts):
            headers = {"Content-Type": "application/json", "Stripe-Signature": _sign(payload, app.config["WEBHOOK_SECRET"])}
            try:
                answer = requests.post(url, data=payload.encode(), headers=headers, timeout=10)
                record = {"event": event["id"], "type": event["type"], "status": answer.status_code}
                state.deliveries.append(record)
                if answer.status_code < 300:
                    return record
            except requests.RequestException as exc:
                record = {"event": event["id"], "type": event["type"], "error": str(exc)}
                state.deliveries.append(record)
            if attempt < attempts - 1:
                time.sleep(min(2**attempt, 10))
        log.warning("webhook %s %s not delivered to %s", event["type"], event["id"], url)
        return record

    # ------------------------------------------------------------------ plumbing

    @app.errorhandler(SimulatorError)
    def _error(exc: SimulatorError):
        return exc.response()

    @app.before_request
    def _gate():
        if not request.path.startswith("/v1/"):
            return None
        fault = state.faults.take(request.method, request.path)
        with state.lock:
            state.requests.append({"method": request.method, "path": request.path,
                                   "idempotency_key": request.headers.get("Idempotency-Key"),
                                   "fault": fault.kind if fault else None})
        if fault is not None and fault.kind == "error":
            return SimulatorError(500, "api_error", "Simulated internal error.").response()
        if fault is not None and fault.kind == "hang":
            state.faults.release.wait(fault.hang_seconds)
            return SimulatorError(500, "api_error", "Simulated timeout.").response()
        auth = request.headers.get("Authorization", "")
        if not auth.startswith("Bearer sk_"):
            return SimulatorError(401, "invalid_request_error", "Invalid API Key provided.").response()
        return None

    def idempotent(handler):
        """One transaction per call; replay the first successful answer for the same Idempotency-Key."""

        def wrapped(*args, **kwargs):
            key = request.headers.get("Idempotency-Key") if request.method == "POST" else None
            fingerprint = request.method + request.path + json.dumps(sorted(request.form.items(multi=True)))
            with state.transaction():
                cached = state.store.answer_for(key) if key else None
                if cached:
                    if cached[0] != fingerprint:
                        raise SimulatorError(
                            400, "idempotency_error",
                            "Keys for idempotent requests can only be used with the same parameters they were first used with.",
                        )
                    response = jsonify(cached[2])
                    response.status_code = cached[1]
                    response.headers["Idempotent-Replayed"] = "true"
                    return response
                body = handler(*args, **kwargs)
                if key:
                    state.store.remember_answer(key, fingerprint, 200, body)
            return jsonify(body)

        wrapped.__name__ = handler.__name__
        return wrapped

    def params() -> dict[str, Any]:
        return parse_form(request.form.items(multi=True))

    def get(collection, object_id: str, kind: str) -> dict:
        obj = collection.get(object_id)
        if obj is None:
            raise SimulatorError(404, "invalid_request_error", f"No such {kind}: '{object_id}'",
                                 code="resource_missing", param="id")
        return obj

    def retrieve(collection, object_id: str, kind: str):
        return jsonify(public(get(collection, object_id, kind)))

    # ------------------------------------------------------------ checkout

    @app.post("/v1/checkout/sessions")
    @idempotent
    def create_session():
        p = params()
        if not p.get("success_url"):
            raise SimulatorError(400, "invalid_request_error", "Missing required param: success_url.", param="success_url")
        if p.get("mode") != "payment":
            raise SimulatorError(400, "invalid_request_error", "Only mode=payment is simulated.", param="mode")
        items = [item for item in p.get("line_items") or [] if item]
        if not items:
            raise SimulatorError(400, "invalid_request_error", "Missing required param: line_items.", param="line_items")
        total, currency, lines = 0, p.get("currency"), []
        for i, item in enumerate(items):
            price = item.get("price_data") or {}
            unit = _int(price, "unit_amount")
            qty = _int(item, "quantity")
            if unit < 0 or qty <= 0:
                raise SimulatorError(400, "invalid_request_error", "Invalid amount or quantity.", param=f"line_items[{i}]")
            currency = currency or price.get("currency")
            name = (price.get("product_data") or {}).get("name", "")
            lines.append({"description": name, "quantity": qty, "amount_total": unit * qty, "unit_amount": unit})
            total += unit * qty
        session_id = new_id("cs_test")
        now = int(time.time())
        pi_data = p.get("payment_intent_data") or {}
        session = objects.checkout_session(
            session_id, amount_total=total, currency=currency or "eur", lines=lines,
            url=f"{base_url()}/checkout/{session_id}", created=now,
            expires_at=_int(p, "expires_at", required=False) or now + 24 * 3600,
            success_url=p["success_url"], cancel_url=p.get("cancel_url"), metadata=p.get("metadata"),
            client_reference_id=p.get("client_reference_id"), customer_email=p.get("customer_email"),
            transfer_group=pi_data.get("transfer_group"), pi_metadata=pi_data.get("metadata"),
        )
        return public(state.sessions.save(session))

    @app.get("/v1/checkout/sessions/<session_id>")
    def retrieve_session(session_id):
        return retrieve(state.sessions, session_id, "checkout.session")

    @app.post("/v1/checkout/sessions/<session_id>/expire")
    @idempotent
    def expire_session(session_id):
        session = get(state.sessions, session_id, "checkout.session")
        if session["status"] != "open":
            raise SimulatorError(400, "invalid_request_error",
                                 f"Only Checkout Sessions with a status in [\"open\"] can be expired. This Checkout Session has a status of \"{session['status']}\".")
        session["status"] = "expired"
        state.sessions.save(session)
        emit("checkout.session.expired", public(session))
        return public(session)

    def pay_session(session: dict, outcome: str) -> dict:
        """outcome: paid | declined | async_pending. Returns the session."""
        if session["status"] != "open" or session["expires_at"] < int(time.time()):
            raise SimulatorError(400, "invalid_request_error", "Cette session de paiement n'est plus ouverte.")
        if outcome == "declined":
            return session
        pi_id, charge_id = new_id("pi"), new_id("ch")
        paid, now = outcome == "paid", int(time.time())
        state.payment_intents.save(objects.payment_intent(
            pi_id, amount=session["amount_total"], currency=session["currency"], charge_id=charge_id,
            transfer_group=session["_transfer_group"], metadata=session["_pi_metadata"], paid=paid, created=now))
        state.charges.save(objects.charge(charge_id, amount=session["amount_total"], currency=session["currency"],
                                          pi_id=pi_id, transfer_group=session["_transfer_group"], paid=paid,
                                          created=now))
        session.update(status="complete", payment_intent=pi_id, payment_status="paid" if paid else "unpaid")
        state.sessions.save(session)
        emit("checkout.session.completed", public(session))
        return session

    def settle_async(session: dict, succeeded: bool) -> dict:
        intent = get(state.payment_intents, session["payment_intent"] or "", "payment_intent")
        if intent["status"] != "processing":
            raise SimulatorError(400, "invalid_request_error", "This PaymentIntent is not processing.")
        charge = state.charges[intent["latest_charge"]]
        if succeeded:
            intent.update(status="succeeded", amount_received=intent["amount"])
            charge.update(status="succeeded", paid=True, amount_captured=charge["amount"])
            session["payment_status"] = "paid"
        else:
            intent.update(status="requires_payment_method")
            charge.update(status="failed")
        state.payment_intents.save(intent)
        state.charges.save(charge)
        state.sessions.save(session)
        emit("checkout.session.async_payment_succeeded" if succeeded else "checkout.session.async_payment_failed",
             public(session))
        return session

    # ------------------------------------------------------ payment intents

    @app.get("/v1/payment_intents/<pi_id>")
    def retrieve_payment_intent(pi_id):
        return retrieve(state.payment_intents, pi_id, "payment_intent")

    # --------------------------------------------------------------- refunds

    @app.post("/v1/refunds")
    @idempotent
    def create_refund():
        p = params()
        pi_id = p.get("payment_intent")
        intent = get(state.payment_intents, pi_id or "", "payment_intent")
        if intent["status"] != "succeeded":
            raise SimulatorError(400, "invalid_request_error", "This PaymentIntent has not succeeded.")
        charge = state.charges[intent["latest_charge"]]
        amount = _int(p, "amount", required=False)
        remaining = charge["amount"] - charge["amount_refunded"]
        amount = remaining if amount is None else amount
        if amount <= 0 or amount > remaining:
            raise SimulatorError(400, "invalid_request_error",
                                 f"Refund amount ({amount}) is greater than unrefunded amount on charge ({remaining})",
                                 code="amount_too_large", param="amount")
        refund = objects.refund(new_id("re"), amount=amount, charge_obj=charge, metadata=p.get("metadata"),
                                reason=p.get("reason"), created=int(time.time()))
        state.refunds.save(refund)
        objects.apply_refund(charge, amount)
        state.charges.save(charge)
        emit("charge.refunded", charge)
        return refund

    # ------------------------------------------------------------- transfers

    @app.post("/v1/transfers")
    @idempotent
    def create_transfer():
        p = params()
        amount = _int(p, "amount")
        destination = p.get("destination") or ""
        account = get(state.accounts, destination, "account")
        if not account["payouts_enabled"]:
            raise SimulatorError(400, "invalid_request_error",
                                 "Your destination account needs to have at least one of the following capabilities enabled: transfers, crypto_transfers, legacy_payments",
                                 code="insufficient_capabilities_for_transfer", param="destination")
        if amount <= 0:
            raise SimulatorError(400, "invalid_request_error", "Invalid positive integer", param="amount")
        return state.transfers.save(objects.transfer(
            new_id("tr"), amount=amount, currency=p.get("currency") or "eur", destination=destination,
            transfer_group=p.get("transfer_group"), metadata=p.get("metadata"), created=int(time.time())))

    @app.get("/v1/transfers/<transfer_id>")
    def retrieve_transfer(transfer_id):
        return retrieve(state.transfers, transfer_id, "transfer")

    @app.post("/v1/transfers/<transfer_id>/reversals")
    @idempotent
    def create_reversal(transfer_id):
        p = params()
        transfer = get(state.transfers, transfer_id, "transfer")
        remaining = transfer["amount"] - transfer["amount_reversed"]
        amount = _int(p, "amount", required=False)
        amount = remaining if amount is None else amount
        if amount <= 0 or amount > remaining:
            raise SimulatorError(400, "invalid_request_error", "Transfer has already been fully reversed.",
                                 code="transfer_already_reversed" if remaining == 0 else None, param="amount")
        reversal = objects.reversal(new_id("trr"), transfer_obj=transfer, amount=amount, metadata=p.get("metadata"),
                                    created=int(time.time()))
        objects.apply_reversal(transfer, reversal)
        state.transfers.save(transfer)
        return reversal

    # -------------------------------------------------------------- accounts

    @app.post("/v1/accounts")
    @idempotent
    def create_account():
        p = params()
        if p.get("type") not in ("express", None):
            raise SimulatorError(400, "invalid_request_error", "Only Express accounts are simulated.", param="type")
        return state.accounts.save(objects.express_account(
            new_id("acct"), created=int(time.time()), country=p.get("country") or "FR", email=p.get("email"),
            business_type=p.get("business_type"), business_profile=p.get("business_profile"),
            metadata=p.get("metadata")))

    @app.get("/v1/accounts/<account_id>")
    def retrieve_account(account_id):
        return retrieve(state.accounts, account_id, "account")

    @app.post("/v1/account_links")
    @idempotent
    def create_account_link():
        p = params()
        account = get(state.accounts, p.get("account") or "", "account")
        for name in ("refresh_url", "return_url"):
            if not p.get(name):
                raise SimulatorError(400, "invalid_request_error", f"Missing required param: {name}.", param=name)
        link_id = new_id("link")
        now = int(time.time())
        link = {
            "object": "account_link",
            "created": now,
            "expires_at": now + 300,
            "url": f"{base_url()}/connect/onboarding/{link_id}",
        }
        state.account_links[link_id] = {**link, "account": account["id"], "refresh_url": p["refresh_url"],
                                         "return_url": p["return_url"], "used": False}
        return link

    def complete_onboarding(account: dict) -> None:
        objects.complete_onboarding(account)
        state.accounts.save(account)
        emit("account.updated", account, account=account["id"])

    # ---------------------------------------------------------- hosted pages

    @app.route("/checkout/<session_id>", methods=["GET", "POST"])
    def hosted_checkout(session_id):
        with state.transaction():
            session = state.sessions.get(session_id)
            if session is None:
                abort(404)
            error = None
            if session["status"] != "open" or session["expires_at"] < int(time.time()):
                back = session.get("cancel_url") or ""
                return page("Session expirée", "<p>Cette session de paiement n'est plus valable.</p>"
                            + (f'<p><a href="{html.escape(back)}">Retour à la boutique</a></p>' if back else ""),
                            status=410)
            if request.method == "POST":
                card = re.sub(r"\D", "", request.form.get("card", ""))
                if card == CARD_SUCCESS:
                    pay_session(session, "paid")
                elif card == CARD_ASYNC:
                    pay_session(session, "async_pending")
                elif card == CARD_DECLINED:
                    error = "Votre carte a été refusée. Essayez une autre carte."
                else:
                    error = "Le numéro de carte est incorrect."
                if error is None:
                    return redirect(session["success_url"].replace("{CHECKOUT_SESSION_ID}", session_id), 303)
            return page("Paiement", checkout_html(session, error), status=402 if error else 200)

    @app.route("/connect/onboarding/<link_id>", methods=["GET", "POST"])
    def hosted_onboarding(link_id):
        with state.transaction():
            link = state.account_links.get(link_id)
            if link is None:
                abort(404)
            if link["used"] or link["expires_at"] < int(time.time()):
                return redirect(link["refresh_url"], 303)
            account = state.accounts[link["account"]]
            if request.method == "POST":
                link["used"] = True
                state.account_links[link_id] = link
                if request.form.get("action") == "complete":
                    complete_onboarding(account)
                return redirect(link["return_url"], 303)
            return page("Inscription Stripe Connect", onboarding_html(account))

    # ------------------------------------------------------------ expiry

    def expire_due() -> list[str]:
        """Expire the open sessions whose expires_at has passed, as Stripe does."""
        now = int(time.time())
        expired = []
        with state.transaction():
            for session in state.sessions.values():
                if session["status"] == "open" and session["expires_at"] <= now:
                    session["status"] = "expired"
                    state.sessions.save(session)
                    expired.append(session)
        for session in expired:
            emit("checkout.session.expired", public(session))
        return [session["id"] for session in expired]

    app.extensions["stripe_simulator_expire_due"] = expire_due

    # --------------------------------------------------------------- control

    register_control(app, state, SimpleNamespace(
        get=get, deliver_all=deliver_all, expire_due=expire_due, pay_session=pay_session,
        settle_async=settle_async, complete_onboarding=complete_onboarding,
    ))

    @app.get("/")
    def index():
        return jsonify(name="Stripe simulator (Marché Solidaire)", webhook_url=app.config["WEBHOOK_URL"],
                       state=state.path, faults=state.faults.describe())

    return app
