"""State of the Stripe simulator: its objects (in a ``SimulatorStore``), faults and logs.

The objects, idempotent answers and events live in the store: a SQLite file
that survives restarts, or memory. The request log, the webhook deliveries
and the faults in force belong to the running process.

``record_*`` is the store API for data made outside the API, such as the demo
orders of ``flask seed-demo``: each writes the objects the API would have
made, unless they exist, and emits no event.
"""
from __future__ import annotations

import json
import secrets
import time
from collections import deque
from pathlib import Path
from typing import Any

from marketplace.payments.simulator import objects
from marketplace.payments.simulator.faults import DEFAULT_HANG_SECONDS, Fault, Faults, WebhookFaults
from marketplace.payments.simulator.store import SimulatorStore

LOG_SIZE = 5000


def new_id(prefix: str) -> str:
    return f"{prefix}_sim{secrets.token_hex(10)}"


class SimulatorState:
    def __init__(self, path: str | Path | None = None) -> None:
        self.store = SimulatorStore(path)
        self.lock = self.store.lock
        self.sessions = self.store.collection("checkout.session")
        self.payment_intents = self.store.collection("payment_intent")
        self.charges = self.store.collection("charge")
        self.refunds = self.store.collection("refund")
        self.transfers = self.store.collection("transfer")
        self.accounts = self.store.collection("account")
        self.account_links = self.store.collection("account_link")
        self.faults = Faults()
        self.webhooks = WebhookFaults()
        # the latest calls and webhook deliveries, for tests and demos
        self.deliveries: deque[dict[str, Any]] = deque(maxlen=LOG_SIZE)
        self.requests: deque[dict[str, Any]] = deque(maxlen=LOG_SIZE)

    @property
    def path(self) -> str:
        return self.store.path

    def transaction(self):
        return self.store.transaction()

    def reset(self) -> None:
        """Forget every object, event, fault and log."""
        with self.lock:
            self.store.clear()
            self.faults.clear()
            self.webhooks.reset()
            self.deliveries.clear()
            self.requests.clear()

    def close(self) -> None:
        self.faults.clear()
        self.store.close()

    # -------------------------------------------------- faults (shortcuts)

    def set_mode(self, mode: str, hang_seconds: float | None = None) -> None:
        """``normal`` clears every fault; ``error`` / ``hang`` fail every API call until then."""
        if mode not in {"normal", "error", "hang"}:
            raise ValueError(mode)
        self.faults.clear()
        if mode != "normal":
            self.faults.add(Fault(mode, hang_seconds=DEFAULT_HANG_SECONDS if hang_seconds is None else hang_seconds))

    # ------------------------------------------------------------ events

    @property
    def events(self) -> list[dict[str, Any]]:
        return self.store.events()

    def new_event(self, type_: str, obj: dict[str, Any], account: str | None = None) -> dict[str, Any]:
        event = {
            "id": new_id("evt"),
            "object": "event",
            "api_version": "2024-06-20",
            "created": int(time.time()),
            "type": type_,
            "livemode": False,
            "pending_webhooks": 1,
            "request": {"id": None, "idempotency_key": None},
            "data": {"object": json.loads(json.dumps(obj))},
        }
        if account:
            event["account"] = account
        self.store.add_event(event)
        return event

    # -------------------------------------------------------- store API

    def record_checkout(
        self, session_id: str, *, amount: int, created: int, expires_at: int, outcome: str = "open",
        payment_intent_id: str | None = None, base_url: str = "", currency: str = "eur",
        description: str = "", transfer_group: str | None = None, metadata: dict | None = None,
        customer_email: str | None = None, success_url: str = "", cancel_url: str | None = None,
    ) -> bool:
        """A Checkout Session still ``open``, ``expired``, or ``paid`` (then with its
        succeeded payment intent and charge). False when it exists already."""
        if outcome not in {"open", "expired", "paid"}:
            raise ValueError(outcome)
        session = objects.checkout_session(
            session_id, amount_total=amount, currency=currency,
            lines=[{"description": description, "quantity": 1, "amount_total": amount, "unit_amount": amount}],
            url=f"{base_url.rstrip('/')}/checkout/{session_id}", created=created, expires_at=expires_at,
            success_url=success_url, cancel_url=cancel_url, metadata=metadata, customer_email=customer_email,
            client_reference_id=(metadata or {}).get("order_group_id"), transfer_group=transfer_group,
            pi_metadata=metadata,
        )
        with self.transaction():
            if session_id in self.sessions:
                return False
            if outcome == "expired":
                session["status"] = "expired"
            elif outcome == "paid":
                if not payment_intent_id:
                    raise ValueError("a paid session needs its payment intent id")
                charge_id = "ch_" + payment_intent_id.removeprefix("pi_")
                self.payment_intents.add(objects.payment_intent(
                    payment_intent_id, amount=amount, currency=session["currency"], charge_id=charge_id,
                    transfer_group=transfer_group, metadata=metadata, paid=True, created=created))
                self.charges.add(objects.charge(charge_id, amount=amount, currency=session["currency"],
                                                pi_id=payment_intent_id, transfer_group=transfer_group, paid=True,
                                                created=created))
                session.update(status="complete", payment_status="paid", payment_intent=payment_intent_id)
            self.sessions.save(session)
        return True

    def record_refund(self, refund_id: str, *, payment_intent_id: str, amount: int, created: int,
                      metadata: dict | None = None) -> bool:
        """A refund of a recorded payment (its charge counts it). False when it exists already."""
        with self.transaction():
            if refund_id in self.refunds:
                return False
            intent = self.payment_intents[payment_intent_id]
            charge = self.charges[intent["latest_charge"]]
            self.refunds.save(objects.refund(refund_id, amount=amount, charge_obj=charge, metadata=metadata,
                                             reason="requested_by_customer", created=created))
            objects.apply_refund(charge, amount)
            self.charges.save(charge)
        return True

    def record_transfer(self, transfer_id: str, *, amount: int, destination: str, created: int,
                        transfer_group: str | None = None, metadata: dict | None = None,
                        reversal_id: str | None = None, reversed_at: int | None = None) -> bool:
        """A transfer to a connected account, reversed in full when ``reversal_id`` is given."""
        transfer = objects.transfer(transfer_id, amount=amount, currency="eur", destination=destination,
                                    transfer_group=transfer_group, metadata=metadata, created=created)
        if reversal_id:
            objects.apply_reversal(transfer, objects.reversal(reversal_id, transfer_obj=transfer, amount=amount,
                                                              metadata=metadata, created=reversed_at or created))
        with self.transaction():
            return self.transfers.add(transfer)

    def record_account(self, account_id: str, *, created: int, payouts_enabled: bool, email: str | None = None,
                       name: str | None = None, metadata: dict | None = None) -> bool:
        """A connected Express account, onboarded when ``payouts_enabled``."""
        account = objects.express_account(account_id, created=created, email=email,
                                          business_profile={"name": name} if name else None, metadata=metadata)
        if payouts_enabled:
            objects.complete_onboarding(account)
        with self.transaction():
            return self.accounts.add(account)
