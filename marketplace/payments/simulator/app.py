"""A local Stripe-compatible API: exactly the endpoints Marché Solidaire uses.

Requests are form-encoded like Stripe's (``a[b][0][c]=…``), answers are
Stripe's JSON shapes, errors follow ``{"error": {"type", "message", …}}`` and
``Idempotency-Key`` replays the first answer. It also serves the hosted pages
(checkout, Connect onboarding) and delivers signed webhooks.

Endpoints:
    POST /v1/checkout/sessions, GET /v1/checkout/sessions/<id>,
    POST /v1/checkout/sessions/<id>/expire
    GET  /v1/payment_intents/<id>
    POST /v1/refunds
    POST /v1/transfers, GET /v1/transfers/<id>, POST /v1/transfers/<id>/reversals
    POST /v1/accounts, GET /v1/accounts/<id>
    POST /v1/account_links
Hosted pages: /checkout/<session id>, /connect/onboarding/<link id>.
Control (tests and demos): /_simulator/mode, /_simulator/reset, /_simulator/events,
/_simulator/requests, /_simulator/checkout/<id>/pay, /_simulator/checkout/<id>/async.
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
from typing import Any

import requests
from flask import Flask, Response, abort, jsonify, redirect, request

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


def create_simulator_app(
    webhook_url: str | None = None,
    webhook_secret: str = "whsec_simulateur_local",  # noqa: S107  (development secret)
    public_url: str | None = None,
    deliver_async: bool = True,
) -> Flask:
    """Build the simulator. ``webhook_url`` None keeps events for /_simulator/events only."""
    refuse_production()
    app = Flask(__name__)
    state = SimulatorState()
    app.extensions["stripe_simulator"] = state
    app.config.update(
        WEBHOOK_URL=webhook_url, WEBHOOK_SECRET=webhook_secret, PUBLIC_URL=public_url, DELIVER_ASYNC=deliver_async
    )

    def base_url() -> str:
        return (app.config["PUBLIC_URL"] or request.host_url).rstrip("/")

    # ------------------------------------------------------------------ plumbing

    def emit(type_: str, obj: dict, account: str | None = None) -> dict:
        event = state.new_event(type_, obj, account)
        url = app.config["WEBHOOK_URL"]
        if url:
            if app.config["DELIVER_ASYNC"]:
                threading.Thread(target=deliver, args=(event, url), daemon=True).start()
            else:
                deliver(event, url)
        return event

    def deliver(event: dict, url: str, attempts: int = 5) -> None:
        payload = json.dumps(event)
        for attempt in range(attempts):
            headers = {"Content-Type": "application/json", "Stripe-Signature": _sign(payload, app.config["WEBHOOK_SECRET"])}
            try:
                answer = requests.post(url, data=payload.encode(), headers=headers, timeout=10)
                state.deliveries.append({"event": event["id"], "status": answer.status_code})
                if answer.status_code < 300:
                    return
            except requests.RequestException as exc:
                state.deliveries.append({"event": event["id"], "error": str(exc)})
            time.sleep(min(2**attempt, 10))
        log.warning("webhook %s %s not delivered to %s", event["type"], event["id"], url)

    @app.errorhandler(SimulatorError)
    def _error(exc: SimulatorError):
        return exc.response()

    @app.before_request
    def _gate():
        if not request.path.startswith("/v1/"):
            return None
        with state.lock:
            state.requests.append({"method": request.method, "path": request.path,
                                   "idempotency_key": request.headers.get("Idempotency-Key")})
            mode, hang, release = state.mode, state.hang_seconds, state.release
        if mode == "error":
            return SimulatorError(500, "api_error", "Simulated internal error.").response()
        if mode == "hang":
            release.wait(hang)
            return SimulatorError(500, "api_error", "Simulated timeout.").response()
        auth = request.headers.get("Authorization", "")
        if not auth.startswith("Bearer sk_"):
            return SimulatorError(401, "invalid_request_error", "Invalid API Key provided.").response()
        return None

    def idempotent(handler):
        """Replay the first successful answer for the same Idempotency-Key."""

        def wrapped(*args, **kwargs):
            key = request.headers.get("Idempotency-Key")
            fingerprint = request.method + request.path + json.dumps(sorted(request.form.items(multi=True)))
            if key and request.method == "POST":
                with state.lock:
                    cached = state.idempotency.get(key)
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
            with state.lock:
                body = handler(*args, **kwargs)
                if key and request.method == "POST":
                    state.idempotency[key] = (fingerprint, 200, body)
            return jsonify(body)

        wrapped.__name__ = handler.__name__
        return wrapped

    def params() -> dict[str, Any]:
        return parse_form(request.form.items(multi=True))

    def get(collection: dict, object_id: str, kind: str) -> dict:
        obj = collection.get(object_id)
        if obj is None:
            raise SimulatorError(404, "invalid_request_error", f"No such {kind}: '{object_id}'",
                                 code="resource_missing", param="id")
        return obj

    # ------------------------------------------------------------ checkout

    @app.post("/v1/checkout/sessions")
    @idempotent
    def create_session():
        p = params()
        for name in ("success_url",):
            if not p.get(name):
                raise SimulatorError(400, "invalid_request_error", f"Missing required param: {name}.", param=name)
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
        expires_at = _int(p, "expires_at", required=False) or now + 24 * 3600
        pi_data = p.get("payment_intent_data") or {}
        session = {
            "id": session_id,
            "object": "checkout.session",
            "amount_subtotal": total,
            "amount_total": total,
            "currency": (currency or "eur").lower(),
            "client_reference_id": p.get("client_reference_id"),
            "customer_email": p.get("customer_email"),
            "created": now,
            "expires_at": expires_at,
            "livemode": False,
            "metadata": p.get("metadata") or {},
            "mode": "payment",
            "payment_intent": None,
            "payment_status": "unpaid",
            "status": "open",
            "success_url": p["success_url"],
            "cancel_url": p.get("cancel_url"),
            "url": f"{base_url()}/checkout/{session_id}",
            "_line_items": lines,
            "_transfer_group": pi_data.get("transfer_group"),
            "_pi_metadata": pi_data.get("metadata") or {},
        }
        state.sessions[session_id] = session
        return public(session)

    @app.get("/v1/checkout/sessions/<session_id>")
    def retrieve_session(session_id):
        with state.lock:
            return jsonify(public(get(state.sessions, session_id, "checkout.session")))

    @app.post("/v1/checkout/sessions/<session_id>/expire")
    @idempotent
    def expire_session(session_id):
        session = get(state.sessions, session_id, "checkout.session")
        if session["status"] != "open":
            raise SimulatorError(400, "invalid_request_error",
                                 f"Only Checkout Sessions with a status in [\"open\"] can be expired. This Checkout Session has a status of \"{session['status']}\".")
        session["status"] = "expired"
        emit("checkout.session.expired", public(session))
        return public(session)

    def public(obj: dict) -> dict:
        return {k: v for k, v in obj.items() if not k.startswith("_")}

    def pay_session(session: dict, outcome: str) -> dict:
        """outcome: paid | declined | async_pending. Returns the session."""
        if session["status"] != "open" or session["expires_at"] < int(time.time()):
            raise SimulatorError(400, "invalid_request_error", "Cette session de paiement n'est plus ouverte.")
        if outcome == "declined":
            return session
        pi_id, charge_id = new_id("pi"), new_id("ch")
        paid = outcome == "paid"
        intent = {
            "id": pi_id,
            "object": "payment_intent",
            "amount": session["amount_total"],
            "amount_received": session["amount_total"] if paid else 0,
            "currency": session["currency"],
            "status": "succeeded" if paid else "processing",
            "latest_charge": charge_id,
            "transfer_group": session["_transfer_group"],
            "metadata": session["_pi_metadata"],
            "created": int(time.time()),
            "livemode": False,
        }
        state.payment_intents[pi_id] = intent
        state.charges[charge_id] = {
            "id": charge_id,
            "object": "charge",
            "amount": session["amount_total"],
            "amount_captured": session["amount_total"] if paid else 0,
            "amount_refunded": 0,
            "refunded": False,
            "currency": session["currency"],
            "payment_intent": pi_id,
            "transfer_group": session["_transfer_group"],
            "paid": paid,
            "status": "succeeded" if paid else "pending",
            "created": int(time.time()),
        }
        session.update(status="complete", payment_intent=pi_id, payment_status="paid" if paid else "unpaid")
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
            emit("checkout.session.async_payment_succeeded", public(session))
        else:
            intent.update(status="requires_payment_method")
            charge.update(status="failed")
            emit("checkout.session.async_payment_failed", public(session))
        return session

    # ------------------------------------------------------ payment intents

    @app.get("/v1/payment_intents/<pi_id>")
    def retrieve_payment_intent(pi_id):
        with state.lock:
            return jsonify(get(state.payment_intents, pi_id, "payment_intent"))

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
        refund = {
            "id": new_id("re"),
            "object": "refund",
            "amount": amount,
            "charge": charge["id"],
            "currency": charge["currency"],
            "payment_intent": pi_id,
            "metadata": p.get("metadata") or {},
            "reason": p.get("reason"),
            "status": "succeeded",
            "created": int(time.time()),
        }
        state.refunds[refund["id"]] = refund
        charge["amount_refunded"] += amount
        charge["refunded"] = charge["amount_refunded"] >= charge["amount"]
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
        transfer = {
            "id": new_id("tr"),
            "object": "transfer",
            "amount": amount,
            "amount_reversed": 0,
            "currency": (p.get("currency") or "eur").lower(),
            "destination": destination,
            "transfer_group": p.get("transfer_group"),
            "metadata": p.get("metadata") or {},
            "reversed": False,
            "reversals": {"object": "list", "data": [], "has_more": False, "url": ""},
            "created": int(time.time()),
            "livemode": False,
        }
        transfer["reversals"]["url"] = f"/v1/transfers/{transfer['id']}/reversals"
        state.transfers[transfer["id"]] = transfer
        return transfer

    @app.get("/v1/transfers/<transfer_id>")
    def retrieve_transfer(transfer_id):
        with state.lock:
            return jsonify(get(state.transfers, transfer_id, "transfer"))

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
        reversal = {
            "id": new_id("trr"),
            "object": "transfer_reversal",
            "amount": amount,
            "currency": transfer["currency"],
            "transfer": transfer_id,
            "metadata": p.get("metadata") or {},
            "created": int(time.time()),
        }
        transfer["amount_reversed"] += amount
        transfer["reversed"] = transfer["amount_reversed"] >= transfer["amount"]
        transfer["reversals"]["data"].append(reversal)
        return reversal

    # -------------------------------------------------------------- accounts

    @app.post("/v1/accounts")
    @idempotent
    def create_account():
        p = params()
        if p.get("type") not in ("express", None):
            raise SimulatorError(400, "invalid_request_error", "Only Express accounts are simulated.", param="type")
        account = {
            "id": new_id("acct"),
            "object": "account",
            "type": "express",
            "country": p.get("country") or "FR",
            "email": p.get("email"),
            "business_type": p.get("business_type"),
            "business_profile": p.get("business_profile") or {},
            "metadata": p.get("metadata") or {},
            "capabilities": {"transfers": "inactive"},
            "charges_enabled": False,
            "payouts_enabled": False,
            "details_submitted": False,
            "requirements": {"currently_due": ["external_account", "tos_acceptance.date"], "disabled_reason": "requirements.past_due"},
            "created": int(time.time()),
        }
        state.accounts[account["id"]] = account
        return account

    @app.get("/v1/accounts/<account_id>")
    def retrieve_account(account_id):
        with state.lock:
            return jsonify(get(state.accounts, account_id, "account"))

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
        account.update(details_submitted=True, charges_enabled=True, payouts_enabled=True,
                       capabilities={"transfers": "active"},
                       requirements={"currently_due": [], "disabled_reason": None})
        emit("account.updated", account, account=account["id"])

    # ---------------------------------------------------------- hosted pages

    @app.route("/checkout/<session_id>", methods=["GET", "POST"])
    def hosted_checkout(session_id):
        with state.lock:
            session = state.sessions.get(session_id)
            if session is None:
                abort(404)
            error = None
            if session["status"] != "open" or session["expires_at"] < int(time.time()):
                return _page("Session expirée", "<p>Cette session de paiement n'est plus valable.</p>"
                             + (f'<p><a href="{html.escape(session["cancel_url"] or "")}">Retour à la boutique</a></p>'
                                if session.get("cancel_url") else ""), status=410)
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
            return _page("Paiement", _checkout_html(session, error), status=402 if error else 200)

    @app.route("/connect/onboarding/<link_id>", methods=["GET", "POST"])
    def hosted_onboarding(link_id):
        with state.lock:
            link = state.account_links.get(link_id)
            if link is None:
                abort(404)
            if link["used"] or link["expires_at"] < int(time.time()):
                return redirect(link["refresh_url"], 303)
            account = state.accounts[link["account"]]
            if request.method == "POST":
                link["used"] = True
                if request.form.get("action") == "complete":
                    complete_onboarding(account)
                return redirect(link["return_url"], 303)
            body = (
                f"<p>Compte connecté <code>{html.escape(account['id'])}</code>"
                f"{' — ' + html.escape(account['email']) if account.get('email') else ''}.</p>"
                "<p>Dans Stripe, la structure renseignerait ici son identité, son représentant légal et son IBAN.</p>"
                '<form method="post"><button name="action" value="complete">Valider les informations (simulation)</button> '
                '<button name="action" value="later" class="secondary">Terminer plus tard</button></form>'
            )
            return _page("Inscription Stripe Connect", body)

    # --------------------------------------------------------------- control

    @app.post("/_simulator/mode")
    def control_mode():
        data = request.get_json(silent=True) or request.form
        try:
            state.set_mode(data.get("mode", "normal"), data.get("hang_seconds"))
        except ValueError:
            abort(400)
        return jsonify(mode=state.mode, hang_seconds=state.hang_seconds)

    def expire_due() -> list[str]:
        """Expire the open sessions whose expires_at has passed, as Stripe does."""
        now = int(time.time())
        expired = []
        with state.lock:
            for session in state.sessions.values():
                if session["status"] == "open" and session["expires_at"] <= now:
                    session["status"] = "expired"
                    emit("checkout.session.expired", public(session))
                    expired.append(session["id"])
        return expired

    app.extensions["stripe_simulator_expire_due"] = expire_due

    @app.post("/_simulator/expire-due")
    def control_expire_due():
        return jsonify(expired=expire_due())

    @app.post("/_simulator/reset")
    def control_reset():
        state.reset()
        return jsonify(ok=True)

    @app.get("/_simulator/events")
    def control_events():
        with state.lock:
            return jsonify(data=list(state.events))

    @app.get("/_simulator/requests")
    def control_requests():
        with state.lock:
            return jsonify(data=list(state.requests))

    @app.post("/_simulator/checkout/<session_id>/pay")
    def control_pay(session_id):
        data = request.get_json(silent=True) or {}
        with state.lock:
            session = get(state.sessions, session_id, "checkout.session")
            return jsonify(public(pay_session(session, data.get("outcome", "paid"))))

    @app.post("/_simulator/checkout/<session_id>/async")
    def control_async(session_id):
        data = request.get_json(silent=True) or {}
        with state.lock:
            session = get(state.sessions, session_id, "checkout.session")
            return jsonify(public(settle_async(session, bool(data.get("succeeded", True)))))

    @app.post("/_simulator/accounts/<account_id>/complete")
    def control_complete_account(account_id):
        with state.lock:
            account = get(state.accounts, account_id, "account")
            complete_onboarding(account)
            return jsonify(account)

    @app.get("/")
    def index():
        return jsonify(name="Stripe simulator (Marché Solidaire)", webhook_url=app.config["WEBHOOK_URL"])

    return app


def _checkout_html(session: dict, error: str | None) -> str:
    def euros(cents: int) -> str:
        return f"{cents / 100:,.2f} €".replace(",", " ").replace(".", ",")

    rows = "".join(
        f"<tr><td>{html.escape(line['description'])}</td><td class=num>× {line['quantity']}</td>"
        f"<td class=num>{euros(line['amount_total'])}</td></tr>"
        for line in session["_line_items"]
    )
    cancel = (
        f'<p><a href="{html.escape(session["cancel_url"])}">← Annuler et revenir à la boutique</a></p>'
        if session.get("cancel_url") else ""
    )
    err = f'<p class="error" role="alert" id="card-error">{html.escape(error)}</p>' if error else ""
    return f"""
<p class="muted">Environnement de test — aucun paiement réel n'est effectué.</p>
<table><tbody>{rows}</tbody>
<tfoot><tr><th colspan=2>Total</th><th class=num>{euros(session['amount_total'])}</th></tr></tfoot></table>
{f'<p class="muted">Reçu envoyé à {html.escape(session["customer_email"])}</p>' if session.get("customer_email") else ""}
<form method="post" novalidate>
  <label for="card">Numéro de carte</label>
  <input id="card" name="card" inputmode="numeric" autocomplete="cc-number" placeholder="4242 4242 4242 4242"
         {'aria-invalid="true" aria-describedby="card-error"' if error else ''} required>
  {err}
  <div class="row">
    <div><label for="exp">Expiration</label><input id="exp" name="exp" placeholder="MM / AA" value="12 / 34"></div>
    <div><label for="cvc">CVC</label><input id="cvc" name="cvc" placeholder="123" value="123"></div>
  </div>
  <button type="submit">Payer {euros(session['amount_total'])}</button>
</form>
<p class="muted small">Cartes de test : 4242 4242 4242 4242 (paiement accepté), 4000 0000 0000 0002 (carte refusée),
4000 0000 0000 9995 (paiement différé).</p>
{cancel}"""


def _page(title: str, body: str, status: int = 200) -> Response:
    page = f"""<!doctype html><html lang="fr"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>{html.escape(title)} · Stripe (simulateur)</title>
<style>
body{{font-family:system-ui,sans-serif;background:#f6f9fc;color:#1a1f36;margin:0}}
main{{max-width:440px;margin:2rem auto;background:#fff;padding:1.5rem 1.75rem;border-radius:10px;box-shadow:0 2px 12px #0002}}
h1{{font-size:1.3rem;margin-top:0}} .badge{{background:#635bff;color:#fff;border-radius:4px;padding:.1rem .4rem;font-size:.75rem}}
table{{width:100%;border-collapse:collapse;margin:1rem 0}} td,th{{padding:.4rem 0;border-bottom:1px solid #e3e8ee;text-align:left}}
.num{{text-align:right;white-space:nowrap}} label{{display:block;font-weight:600;margin:.8rem 0 .3rem}}
input{{width:100%;box-sizing:border-box;padding:.6rem;border:1px solid #c1c9d2;border-radius:6px;font-size:1rem}}
.row{{display:flex;gap:1rem}} .row>div{{flex:1}}
button{{margin-top:1.2rem;width:100%;padding:.75rem;border:0;border-radius:6px;background:#635bff;color:#fff;font-size:1rem;cursor:pointer}}
button.secondary{{background:#e3e8ee;color:#1a1f36}} button:focus,input:focus,a:focus{{outline:3px solid #9e9aff;outline-offset:2px}}
.error{{color:#c0123c;font-weight:600}} .muted{{color:#5c6b7a}} .small{{font-size:.85rem}}
</style></head><body><main><h1>{html.escape(title)} <span class="badge">TEST</span></h1>{body}</main></body></html>"""
    return Response(page, status=status, mimetype="text/html")
