"""Stripe webhooks: verified, processed at most once, tolerant of any order.

Each event id is inserted into ``stripe_event`` (unique) in the same
transaction as its effect: a duplicate delivery finds the row and does
nothing; a failure rolls both back and Stripe delivers again. Handlers look
at the current state rather than trusting the order of arrival: an expiry
arriving after a payment, or a completion arriving twice under two ids,
changes nothing.

A genuine event that the orders refuse (a payment for an order cancelled
meanwhile) is not an error: it is recorded with its outcome and acknowledged,
after the compensating action (a full refund). Redelivering it could never
succeed. Only a transient failure (Stripe unreachable while refunding) is left
for Stripe to deliver again.
"""
from __future__ import annotations

import logging

import sqlalchemy as sa
import stripe
from flask import current_app
from flask_babel import lazy_gettext as _l

from marketplace.core.audit import record_event
from marketplace.core.clock import now_utc
from marketplace.core.outbox import email_user, queue_email
from marketplace.extensions import db
from marketplace.payments import services
from marketplace.payments.models import Payment, PaymentStatus, StripeEvent
from marketplace.shop.errors import OrderError

log = logging.getLogger(__name__)


class WebhookRejected(Exception):
    """The request is not a genuine Stripe event (bad signature or payload)."""


def handle_webhook(payload: bytes, signature: str | None) -> str:
    """Verify the signature on the raw body, then process the event. Returns the outcome."""
    try:
        event = stripe.Webhook.construct_event(payload, signature, services.webhook_secret())
    except ValueError as exc:
        raise WebhookRejected("invalid payload") from exc
    except stripe.SignatureVerificationError as exc:
        raise WebhookRejected("invalid signature") from exc
    return process_event(event.to_dict())


def process_event(event: dict) -> str:
    """Apply one verified event at most once. The caller commits."""
    event_id, event_type = event.get("id"), event.get("type")
    if not event_id or not event_type:
        raise WebhookRejected("event without id or type")
    # The insert comes first (no read before it): the unique event id is the
    # guard, and on SQLite the transaction starts as a writer.
    row = StripeEvent(event_id=event_id, type=event_type, received_at=now_utc())
    if not db.insert_unique(row):  # already processed, or being processed concurrently
        return "duplicate"
    handler = HANDLERS.get(event_type)
    obj = (event.get("data") or {}).get("object") or {}
    outcome = handler(obj, event) if handler else "ignored"
    row.processed_at = now_utc()
    row.outcome = outcome[:200]
    db.session.flush()
    return outcome


# ----------------------------------------------------------------- checkout


def _payment_and_group(session: dict):
    from marketplace.shop.checkout import order_group_for_session

    session_id = session.get("id") or ""
    # Locked: two events about the same session (under different ids) are applied one after the other.
    payment = services.payment_for_session(session_id, lock=True)
    group = order_group_for_session(session_id)
    if group is None and payment is not None:
        from marketplace.shop.models import OrderGroup

        group = db.session.get(OrderGroup, payment.order_group_id)
    if group is not None:
        # Locked and re-read, so that the orders judge the group's current status.
        db.session.refresh(group, with_for_update=True)
    return payment, group


def _status(obj) -> str:
    return getattr(obj.status, "value", obj.status)


def _session_paid(session: dict, event: dict) -> str:
    from marketplace.shop import orders

    payment, group = _payment_and_group(session)
    if payment is None or group is None:
        log.warning("event %s: unknown checkout session %s", event["id"], session.get("id"))
        return "unknown session"
    amount = session.get("amount_total")
    currency = (session.get("currency") or "").lower()
    if payment.status == PaymentStatus.SUCCEEDED:
        return "already paid"
    payment.payment_intent_id = session.get("payment_intent") or payment.payment_intent_id
    if amount != group.total_cents or amount != payment.amount_cents or currency != services.CURRENCY:
        before = payment.status
        payment.status = PaymentStatus.REJECTED
        payment.amount_received_cents = amount if isinstance(amount, int) else None
        record_event(None, group, "payment.amount_mismatch", before.value, PaymentStatus.REJECTED.value,
                     data={"event_id": event["id"], "received": amount, "currency": currency,
                           "expected": group.total_cents})
        log.error("checkout session %s: amount %s %s does not match order group %s (%s)",
                  session.get("id"), amount, currency, group.id, group.total_cents)
        queue_email(
            current_app.config["CONTACT_EMAIL"],
            _l("Paiement incohérent pour la commande %(ref)s", ref=services.order_reference(group)),
            "payments/admin_amount_mismatch",
            group=group, payment=payment, received=amount, currency=currency, event_id=event["id"],
        )
        return "amount mismatch"
    try:
        with db.session.begin_nested():
            before = payment.status
            payment.status = PaymentStatus.SUCCEEDED
            payment.amount_received_cents = amount
            payment.paid_at = now_utc()
            record_event(None, payment_subject(payment), "payment.succeeded", before.value,
                         PaymentStatus.SUCCEEDED.value, data={"event_id": event["id"], "amount_cents": amount})
            orders.mark_paid(group, amount)
    except OrderError as refusal:
        # The order cannot take the money any more (cancelled, its stock released): give it back.
        return _refund_orphan(payment, group, event, reason=str(refusal))
    return "paid"


def payment_subject(payment: Payment):
    return ("payment", payment.id)


def _refund_orphan(payment: Payment, group, event: dict, reason: str | None = None) -> str:
    """Money arrived for an order already cancelled (stock released): give it back in full."""
    if not payment.payment_intent_id:
        return "cancelled order, nothing to refund"
    refund = services._call(
        "refunds.create",
        services.stripe_client().v1.refunds.create,
        params={"payment_intent": payment.payment_intent_id, "reason": "requested_by_customer",
                "metadata": {"order_group_id": str(group.id)}},
        options={"idempotency_key": f"refund-orphan-{payment.checkout_session_id}"},
    )
    before = payment.status
    payment.status = PaymentStatus.REFUNDED
    record_event(None, payment_subject(payment), "payment.refunded_cancelled_order", before.value,
                 PaymentStatus.REFUNDED.value,
                 data={"event_id": event["id"], "stripe_refund_id": refund.id, "order_status": _status(group),
                       "reason": reason})
    subject = _l("Remboursement de votre paiement pour la commande %(ref)s", ref=services.order_reference(group))
    context = {"group": group, "amount_cents": payment.amount_cents}
    if getattr(group, "consumer", None) is not None:
        email_user(group.consumer, subject, "payments/consumer_late_payment_refunded", **context)
    elif getattr(group, "contact_email", None):
        queue_email(group.contact_email, subject, "payments/consumer_late_payment_refunded", user=None, **context)
    return "refunded: order was cancelled"


def on_session_completed(session: dict, event: dict) -> str:
    if session.get("payment_status") in ("paid", "no_payment_required"):
        return _session_paid(session, event)
    payment, _group = _payment_and_group(session)
    if payment is None:
        return "unknown session"
    if payment.status == PaymentStatus.OPEN:
        payment.status = PaymentStatus.PROCESSING
        payment.payment_intent_id = session.get("payment_intent") or payment.payment_intent_id
        record_event(None, payment_subject(payment), "payment.processing", PaymentStatus.OPEN.value,
                     PaymentStatus.PROCESSING.value, data={"event_id": event["id"]})
    return "awaiting asynchronous payment"


def on_async_succeeded(session: dict, event: dict) -> str:
    return _session_paid(session, event)


def on_async_failed(session: dict, event: dict) -> str:
    from marketplace.shop import orders

    payment, group = _payment_and_group(session)
    if payment is None or group is None:
        return "unknown session"
    if payment.status in (PaymentStatus.SUCCEEDED, PaymentStatus.FAILED):
        return "no change"
    before = payment.status
    payment.status = PaymentStatus.FAILED
    record_event(None, payment_subject(payment), "payment.failed", before.value, PaymentStatus.FAILED.value,
                 data={"event_id": event["id"]})
    if _status(group) == "pending_payment":
        orders.payment_failed(group)
    return "failed"


def on_session_expired(session: dict, event: dict) -> str:
    from marketplace.shop import orders

    payment, group = _payment_and_group(session)
    if payment is None or group is None:
        return "unknown session"
    if payment.status != PaymentStatus.OPEN:
        return "no change"
    payment.status = PaymentStatus.EXPIRED
    record_event(None, payment_subject(payment), "payment.expired", PaymentStatus.OPEN.value,
                 PaymentStatus.EXPIRED.value, data={"event_id": event["id"]})
    if _status(group) == "pending_payment":
        orders.expire_checkout(group)
    return "expired"


# ------------------------------------------------------------ refunds, accounts


def on_charge_refunded(charge: dict, event: dict) -> str:
    """Refunds are recorded when we make them; this reconciles and logs the charge's total."""
    payment = None
    if charge.get("payment_intent"):
        payment = db.session.scalar(sa.select(Payment).where(Payment.payment_intent_id == charge["payment_intent"]))
    if payment is None:
        return "unknown charge"
    record_event(None, payment_subject(payment), "payment.charge_refunded",
                 data={"event_id": event["id"], "amount_refunded": charge.get("amount_refunded"),
                       "refunded": charge.get("refunded")})
    return "recorded"


def on_account_updated(account: dict, event: dict) -> str:
    from marketplace.vendors.models import Vendor

    vendor = db.session.scalar(sa.select(Vendor).where(Vendor.stripe_account_id == account.get("id")))
    if vendor is None:
        return "unknown account"
    services.update_payouts(vendor, bool(account.get("payouts_enabled")))
    return "payouts enabled" if vendor.payouts_enabled else "payouts disabled"


HANDLERS = {
    "checkout.session.completed": on_session_completed,
    "checkout.session.async_payment_succeeded": on_async_succeeded,
    "checkout.session.async_payment_failed": on_async_failed,
    "checkout.session.expired": on_session_expired,
    "charge.refunded": on_charge_refunded,
    "account.updated": on_account_updated,
}
