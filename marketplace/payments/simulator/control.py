"""The simulator's control endpoints (tests and demos): faults, webhook delivery, shortcuts.

They live beside the Stripe API on the simulator, never on the application.
``sim`` carries the simulator's own operations (``get``, ``deliver_all``,
``expire_due``, ``pay_session``, ``settle_async``, ``complete_onboarding``).
"""
from __future__ import annotations

from flask import abort, jsonify, request

from marketplace.payments.simulator.faults import Fault, parse_fault
from marketplace.payments.simulator.objects import public


def register_control(app, state, sim) -> None:
    def control_data() -> dict:
        return request.get_json(silent=True) or request.form.to_dict()

    @app.post("/_simulator/mode")
    def control_mode():
        """``{"mode": "normal" | "error" | "hang", "hang_seconds": 30}``: every API call fails (or none)."""
        data = control_data()
        try:
            state.set_mode(data.get("mode", "normal"), data.get("hang_seconds"))
        except (TypeError, ValueError):
            abort(400)
        return jsonify(faults=state.faults.describe())

    @app.route("/_simulator/faults", methods=["GET", "POST", "DELETE"])
    def control_faults():
        """POST ``{"kind": "error" | "hang", "count": N, "path": "/v1/refunds", "method": "POST",
        "hang_seconds": 30}`` (or ``{"spec": "error:2@/v1/refunds"}``) adds a fault; DELETE clears them."""
        if request.method == "DELETE":
            state.faults.clear()
        elif request.method == "POST":
            data = control_data()
            try:
                if data.get("spec"):
                    fault = parse_fault(data["spec"], data.get("hang_seconds"))
                else:
                    count = data.get("count")
                    fault = Fault(kind=data.get("kind", "error"), path=data.get("path") or None,
                                  method=data.get("method") or None,
                                  remaining=int(count) if count not in (None, "") else None,
                                  hang_seconds=data.get("hang_seconds") or 30)
            except (TypeError, ValueError) as exc:
                return jsonify(error={"type": "invalid_request_error", "message": str(exc)}), 400
            state.faults.add(fault)
        return jsonify(faults=state.faults.describe())

    @app.post("/_simulator/webhooks")
    def control_webhooks():
        """``{"repeat": 5, "hold": true}``: deliver each event 5 times; keep events until released."""
        data = control_data()
        try:
            with state.lock:
                state.webhooks.configure(repeat=data.get("repeat"), hold=data.get("hold"))
        except (TypeError, ValueError) as exc:
            return jsonify(error={"type": "invalid_request_error", "message": str(exc)}), 400
        return jsonify(repeat=state.webhooks.repeat, hold=state.webhooks.hold, held=len(state.webhooks.held))

    @app.post("/_simulator/webhooks/release")
    def control_release():
        """Deliver the held events now, ``repeat`` times each, in the ``order`` asked for
        (received, reverse, shuffle with an optional ``seed``); answers once delivered."""
        data = control_data()
        with state.lock:
            try:
                batch = state.webhooks.deliveries(state.webhooks.held, data.get("order", "received"), data.get("seed"))
            except ValueError as exc:
                return jsonify(error={"type": "invalid_request_error", "message": str(exc)}), 400
            state.webhooks.take_held()
            if data.get("hold") is not None:
                state.webhooks.configure(hold=data["hold"])
        delivered = sim.deliver_all(batch) if app.config["WEBHOOK_URL"] else []
        return jsonify(events=[event["id"] for event in batch], delivered=delivered)

    @app.post("/_simulator/expire-due")
    def control_expire_due():
        return jsonify(expired=sim.expire_due())

    @app.post("/_simulator/reset")
    def control_reset():
        state.reset()
        return jsonify(ok=True)

    @app.get("/_simulator/events")
    def control_events():
        return jsonify(data=state.events)

    @app.get("/_simulator/requests")
    def control_requests():
        with state.lock:
            return jsonify(data=list(state.requests))

    @app.post("/_simulator/checkout/<session_id>/pay")
    def control_pay(session_id):
        data = request.get_json(silent=True) or {}
        with state.transaction():
            session = sim.get(state.sessions, session_id, "checkout.session")
            return jsonify(public(sim.pay_session(session, data.get("outcome", "paid"))))

    @app.post("/_simulator/checkout/<session_id>/async")
    def control_async(session_id):
        data = request.get_json(silent=True) or {}
        with state.transaction():
            session = sim.get(state.sessions, session_id, "checkout.session")
            return jsonify(public(sim.settle_async(session, bool(data.get("succeeded", True)))))

    @app.post("/_simulator/accounts/<account_id>/complete")
    def control_complete_account(account_id):
        with state.transaction():
            account = sim.get(state.accounts, account_id, "account")
            sim.complete_onboarding(account)
            return jsonify(account)
