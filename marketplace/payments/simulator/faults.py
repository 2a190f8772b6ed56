"""Fault injection for the Stripe simulator: failing or silent API calls, unruly webhooks.

API faults make ``/v1/…`` calls answer a 500 (``error``) or hold them without
answering (``hang``, the client's timeout fires first), for every call or for
the next N, optionally only for one endpoint (a path prefix, and a method).
The first matching fault applies; one with a count is dropped once used up.

Webhook faults deliver each event several times (``repeat``) and, when events
are held (``hold``) until released, in another order (reversed or shuffled).

Set them with ``flask stripe-simulator --fault error:2@/v1/refunds`` or with
the simulator's control endpoints (``POST /_simulator/faults``,
``POST /_simulator/webhooks``, ``POST /_simulator/webhooks/release``); never
on the application itself.
"""
from __future__ import annotations

import random
import re
import threading
from dataclasses import asdict, dataclass, field
from typing import Any

KINDS = ("error", "hang")
ORDERS = ("received", "reverse", "shuffle")
DEFAULT_HANG_SECONDS = 30.0

SPEC_RE = re.compile(r"^(?P<kind>[a-z]+)(?::(?P<count>\d+))?(?:@(?:(?P<method>[A-Z]+) +)?(?P<path>/\S*))?$")


@dataclass
class Fault:
    kind: str  # error | hang
    path: str | None = None  # a path prefix such as /v1/refunds; None: every API call
    method: str | None = None  # GET, POST…; None: any
    remaining: int | None = None  # None: until cleared
    hang_seconds: float = DEFAULT_HANG_SECONDS

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown fault kind {self.kind!r} (expected one of {', '.join(KINDS)})")
        if self.remaining is not None and self.remaining < 1:
            raise ValueError("a fault count must be at least 1")
        if self.path is not None and not self.path.startswith("/"):
            raise ValueError("a fault path starts with /")
        self.method = self.method.upper() if self.method else None
        self.hang_seconds = float(self.hang_seconds)

    def matches(self, method: str, path: str) -> bool:
        return (self.method is None or self.method == method) and (self.path is None or path.startswith(self.path))


def parse_fault(spec: str, hang_seconds: float | None = None) -> Fault:
    """``KIND[:COUNT][@[METHOD ]PATH]``: ``error``, ``hang:3``, ``error:1@/v1/checkout/sessions``,
    ``error@POST /v1/refunds``."""
    match = SPEC_RE.match(spec.strip())
    if match is None:
        raise ValueError(f"invalid fault {spec!r}: expected KIND[:COUNT][@[METHOD ]PATH]")
    count = match["count"]
    return Fault(
        kind=match["kind"],
        remaining=int(count) if count is not None else None,
        method=match["method"],
        path=match["path"],
        hang_seconds=DEFAULT_HANG_SECONDS if hang_seconds is None else hang_seconds,
    )


class Faults:
    """The API faults in force; ``release`` frees the calls held by a ``hang``."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: list[Fault] = []
        self.release = threading.Event()

    def add(self, fault: Fault) -> Fault:
        with self._lock:
            self._faults.append(fault)
        return fault

    def clear(self) -> None:
        """Remove every fault and answer the calls still held."""
        with self._lock:
            self._faults.clear()
            self.release.set()
            self.release = threading.Event()

    def take(self, method: str, path: str) -> Fault | None:
        """The fault for this call, if any (counting it)."""
        with self._lock:
            for fault in self._faults:
                if fault.matches(method, path):
                    if fault.remaining is not None:
                        fault.remaining -= 1
                        if fault.remaining == 0:
                            self._faults.remove(fault)
                    return fault
        return None

    def describe(self) -> list[dict[str, Any]]:
        with self._lock:
            return [asdict(fault) for fault in self._faults]


@dataclass
class WebhookFaults:
    """How events reach the application: ``repeat`` times each; held until released when ``hold``."""

    repeat: int = 1
    hold: bool = False
    held: list[dict[str, Any]] = field(default_factory=list)

    def configure(self, repeat: int | None = None, hold: bool | None = None) -> None:
        if repeat is not None:
            if int(repeat) < 1:
                raise ValueError("repeat must be at least 1")
            self.repeat = int(repeat)
        if hold is not None:
            self.hold = bool(hold)

    def reset(self) -> None:
        self.repeat, self.hold = 1, False
        self.held.clear()

    def deliveries(self, events: list[dict[str, Any]], order: str = "received", seed: int | None = None) -> list[dict[str, Any]]:
        """Each event ``repeat`` times, in the order asked for (shuffle mixes the copies too)."""
        if order not in ORDERS:
            raise ValueError(f"unknown order {order!r} (expected one of {', '.join(ORDERS)})")
        if order == "reverse":
            events = list(reversed(events))
        batch = [event for event in events for _ in range(self.repeat)]
        if order == "shuffle":
            random.Random(seed).shuffle(batch)  # noqa: S311  (test ordering, not security)  # nosec B311
        return batch

    def take_held(self) -> list[dict[str, Any]]:
        events, self.held[:] = list(self.held), []
        return events
