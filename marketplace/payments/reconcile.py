"""Reconciliation with Stripe: a Checkout Session's outcome applied when its webhook did not come.

Stripe stops delivering a webhook after some failed attempts (the platform or its database was
down): nothing would then ever mark the order paid, or release the stock of an expired
checkout. So the checkout's return page, ``flask shop release-expired`` (before it releases
any stock) and ``flask payments reconcile`` (run by cron every few minutes) ask Stripe for the
session and apply what it says through the webhook's own code, ``webhooks.process_event``, as
an event whose id names the session and its state (``reconcile_<session>_<status>_<payment
status>``). The same locks and checks therefore apply: one effect per session whatever arrives
first (the webhook arriving later finds the work done, and the other way round), an amount
that does not match never marks the order paid, a payment for an order cancelled meanwhile is
refunded.

The Stripe calls are made before anything is written and outside any lock: the effect starts
with a fresh transaction, as the webhook's does.
"""
from __future__ import annotations

import datetime as dt
import logging

import sqlalchemy as sa

from marketplace.core.clock import now_utc
from marketplace.extensions import db
from marketplace.payments import services, webhooks
from marketplace.payments.models import Payment, PaymentStatus

log = logging.getLogger(__name__)

# A checkout younger than this is left to its webhook, which normally arrives within seconds.
RECONCILE_AFTER = dt.timedelta(minutes=1)
# Payments whose outcome Stripe may know and we do not.
OUTSTANDING = (PaymentStatus.OPEN, PaymentStatus.PROCESSING)
UNAVAILABLE = "payment service unavailable"
STILL_OPEN = "open"


def event_for(session: dict) -> dict | None:
    """The event Stripe would have sent for the session's current state (None while it is open)."""
    status = session.get("status")
    types = {"complete": "checkout.session.completed", "expired": "checkout.session.expired"}
    if status not in types:
        return None
    event_id = f"reconcile_{session.get('id')}_{status}_{session.get('payment_status')}"
    return {"id": event_id, "object": "event", "type": types[status], "data": {"object": session}}


def fetch(checkout_session_ids, close_if_open: bool = False) -> dict[str, dict | None]:
    """Each session as Stripe has it now; None for one Stripe could not tell (logged). Writes nothing."""
    sessions: dict[str, dict | None] = {}
    for session_id in checkout_session_ids:
        try:
            sessions[session_id] = services.fetch_checkout_session(session_id, close_if_open=close_if_open)
        except services.PaymentUnavailable:
            log.warning("checkout session %s: not reconciled, Stripe did not answer", session_id)
            sessions[session_id] = None
    return sessions


def apply(sessions: dict[str, dict | None]) -> dict[str, str]:
    """Apply each session's outcome as its webhook would; returns the outcome per session id.

    Each one in its own savepoint: a transient failure (Stripe unreachable while refunding)
    leaves that session for the next run and the others applied. The caller commits.
    """
    outcomes = {}
    for session_id, session in sessions.items():
        event = event_for(session) if session is not None else None
        if event is None:
            outcomes[session_id] = UNAVAILABLE if session is None else STILL_OPEN
            continue
        try:
            with db.session.begin_nested():
                outcomes[session_id] = webhooks.process_event(event)
        except services.PaymentUnavailable:
            outcomes[session_id] = UNAVAILABLE
    return outcomes


def settle(checkout_session_ids, close_if_open: bool = False) -> dict[str, str]:
    """Ask Stripe about these sessions, then apply their outcomes; the caller commits.

    The caller's transaction must hold nothing written: it is ended (rolled back) between the
    Stripe calls and the effect, so that the effect starts as a writer on a fresh snapshot.
    """
    sessions = fetch(list(checkout_session_ids), close_if_open=close_if_open)
    db.session.rollback()
    return apply(sessions) if sessions else {}


def outstanding_sessions(order_group_ids) -> dict[int, str]:
    """Order group id → checkout session id, for those of the groups whose payment is outstanding."""
    ids = list(order_group_ids)
    if not ids:
        return {}
    rows = db.session.execute(
        sa.select(Payment.order_group_id, Payment.checkout_session_id)
        .where(Payment.order_group_id.in_(ids), Payment.status.in_(OUTSTANDING))
    ).all()
    return {row.order_group_id: row.checkout_session_id for row in rows}


def settle_groups(order_groups, close_if_open: bool = False) -> dict[int, str]:
    """``settle`` for the order groups whose payment is outstanding; outcome per order group id."""
    sessions = outstanding_sessions(group.id for group in order_groups)
    if not sessions:
        return {}
    outcomes = settle(sessions.values(), close_if_open=close_if_open)
    return {group_id: outcomes[session_id] for group_id, session_id in sessions.items()}


def due(now: dt.datetime | None = None) -> list[tuple[str, bool]]:
    """(checkout session id, expiry passed) of the outstanding payments older than RECONCILE_AFTER."""
    now = now or now_utc()
    rows = db.session.execute(
        sa.select(Payment.checkout_session_id, Payment.expires_at)
        .where(Payment.status.in_(OUTSTANDING), Payment.created_at <= now - RECONCILE_AFTER)
        .order_by(Payment.id)
    ).all()
    return [(row.checkout_session_id, row.expires_at is not None and row.expires_at <= now) for row in rows]


def settle_due_session(session_id: str, expired: bool) -> str:
    """Settle one due session; the caller commits (one transaction per session).

    A session whose expiry has passed is closed at Stripe if still open there, so that the
    expiry releases its stock. Idempotent: run it as often as you like.
    """
    [outcome] = settle([session_id], close_if_open=expired).values()
    return outcome
