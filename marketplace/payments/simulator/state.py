"""In-memory state of the Stripe simulator: objects, idempotency cache, events.

The simulator is a development and test stand-in for api.stripe.com: one
process, its state lives in memory and vanishes when it stops.
"""
from __future__ import annotations

import json
import secrets
import threading
import time
from typing import Any


def new_id(prefix: str) -> str:
    return f"{prefix}_sim{secrets.token_hex(10)}"


class SimulatorState:
    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.release = threading.Event()  # set to free requests held by the "hang" mode
        self.reset()

    def reset(self) -> None:
        with getattr(self, "lock", threading.RLock()):
            self.sessions: dict[str, dict[str, Any]] = {}
            self.payment_intents: dict[str, dict[str, Any]] = {}
            self.charges: dict[str, dict[str, Any]] = {}
            self.refunds: dict[str, dict[str, Any]] = {}
            self.transfers: dict[str, dict[str, Any]] = {}
            self.accounts: dict[str, dict[str, Any]] = {}
            self.account_links: dict[str, dict[str, Any]] = {}
            self.idempotency: dict[str, tuple[str, int, dict[str, Any]]] = {}
            self.events: list[dict[str, Any]] = []
            self.deliveries: list[dict[str, Any]] = []
            self.requests: list[dict[str, Any]] = []
            self.mode = "normal"  # normal | error | hang
            self.hang_seconds = 30.0
            if hasattr(self, "release"):
                self.release.set()
                self.release = threading.Event()

    def set_mode(self, mode: str, hang_seconds: float | None = None) -> None:
        if mode not in {"normal", "error", "hang"}:
            raise ValueError(mode)
        with self.lock:
            if self.mode == "hang" and mode != "hang":
                self.release.set()
                self.release = threading.Event()
            self.mode = mode
            if hang_seconds is not None:
                self.hang_seconds = float(hang_seconds)

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
        with self.lock:
            self.events.append(event)
        return event
