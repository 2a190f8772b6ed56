"""The demo's payments in the local Stripe simulator, when payments go to it.

The demo orders are written without calling the payment provider
(``seeds/orders.py``): their payment intents (``pi_demo_*``), refunds,
transfers and the connected account of the structure with payouts enabled
exist only in the database. When payments go to the local simulator (no
``STRIPE_SECRET_KEY``), this step writes into the simulator's store the
objects Stripe would hold for them, through the simulator's own store API, so
that in ``make run`` a vendor can cancel a seeded paid order (refund) or
complete it (transfer).

It mirrors the database: each payment, refund, transfer and connected account
missing from the store is written, none is changed (a refund made since is
already counted on its charge). It runs on every ``flask seed-demo``, so a
deleted simulator file is rebuilt; the simulator need not be running.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from marketplace.payments import services
from marketplace.payments.models import Payment, PaymentStatus, Refund, Transfer, TransferStatus
from marketplace.payments.simulator.state import SimulatorState
from marketplace.shop.models import OrderGroup, VendorOrder
from marketplace.vendors.models import Vendor
from seeds.base import SeedContext

# How each payment looks at Stripe; the others (processing, rejected) are not mirrored.
SESSION_OUTCOMES = {
    PaymentStatus.OPEN: "open",
    PaymentStatus.EXPIRED: "expired",
    PaymentStatus.FAILED: "expired",  # a declined card leaves the session open until it expires
    PaymentStatus.SUCCEEDED: "paid",
    PaymentStatus.REFUNDED: "paid",
}


def _stamp(moment: dt.datetime | None, default: dt.datetime) -> int:
    return int((moment or default).timestamp())


def seed_simulator(ctx: SeedContext) -> None:
    """Write the demo's payments into the simulator's store (only when payments go to it)."""
    config = ctx.config
    if config.get("ENV_NAME") == "production" or not services.uses_simulator(config):
        return
    state = SimulatorState(services.simulator_state_path(config))
    try:
        with state.transaction():
            mirror(ctx, state)
    finally:
        state.close()


def mirror(ctx: SeedContext, state: SimulatorState) -> dict[str, int]:
    """Write the missing objects; returns how many of each kind were written."""
    written = {"checkout.session": 0, "refund": 0, "transfer": 0, "account": 0}
    base_url = services.api_base(ctx.config) or services.SIMULATOR_API_BASE
    platform = str(ctx.config.get("PLATFORM_URL", "")).rstrip("/")
    session = ctx.session

    for vendor in session.scalars(sa.select(Vendor).where(Vendor.stripe_account_id.is_not(None)).order_by(Vendor.id)):
        written["account"] += state.record_account(
            vendor.stripe_account_id, created=_stamp(vendor.approved_at or vendor.created_at, ctx.now),
            payouts_enabled=bool(vendor.payouts_enabled), email=vendor.email, name=vendor.name,
            metadata={"vendor_id": str(vendor.id)},
        )

    payments = session.scalars(sa.select(Payment).order_by(Payment.id)).all()
    intents = {}
    for payment in payments:
        outcome = SESSION_OUTCOMES.get(payment.status)
        if outcome is None or (outcome == "paid" and not payment.payment_intent_id):
            continue
        group = session.get(OrderGroup, payment.order_group_id)
        metadata = {"order_group_id": str(group.id)}
        created = _stamp(payment.created_at, ctx.now)
        if state.record_checkout(
            payment.checkout_session_id, amount=payment.amount_cents, created=created,
            expires_at=_stamp(payment.expires_at, ctx.now), outcome=outcome,
            payment_intent_id=payment.payment_intent_id, base_url=base_url, currency=payment.currency or "eur",
            description=f"Commande {services.order_reference(group)} — Marché Solidaire",
            transfer_group=services.transfer_group_for(group), metadata=metadata,
            customer_email=group.contact_email,
            success_url=f"{platform}/commande/confirmation?session_id={{CHECKOUT_SESSION_ID}}",
            cancel_url=f"{platform}/commande/paiement-abandonne?session_id={{CHECKOUT_SESSION_ID}}",
        ):
            written["checkout.session"] += 1
            if payment.status is PaymentStatus.REFUNDED:  # paid after its order was cancelled: refunded in full
                state.record_refund(f"re_full_{payment.checkout_session_id}", payment_intent_id=payment.payment_intent_id,
                                    amount=payment.amount_cents, created=_stamp(payment.updated_at, ctx.now),
                                    metadata=metadata)
        if outcome == "paid":
            intents[group.id] = payment.payment_intent_id

    refunds = session.execute(
        sa.select(Refund, VendorOrder.order_group_id)
        .join(VendorOrder, VendorOrder.id == Refund.vendor_order_id)
        .where(Refund.stripe_refund_id.is_not(None))
        .order_by(Refund.created_at, Refund.id)
    ).all()
    reversals = {}
    for refund, group_id in refunds:
        if refund.reversal_id:
            reversals[refund.vendor_order_id] = (refund.reversal_id, refund.created_at)
        if group_id in intents:
            written["refund"] += state.record_refund(
                refund.stripe_refund_id, payment_intent_id=intents[group_id], amount=refund.amount_cents,
                created=_stamp(refund.created_at, ctx.now), metadata={"vendor_order_id": str(refund.vendor_order_id)},
            )

    transfers = session.execute(
        sa.select(Transfer, VendorOrder.order_group_id)
        .join(VendorOrder, VendorOrder.id == Transfer.vendor_order_id)
        .where(Transfer.stripe_transfer_id.is_not(None), Transfer.destination_account_id.is_not(None))
        .order_by(Transfer.id)
    ).all()
    for transfer, group_id in transfers:
        reversal_id, reversed_at = reversals.get(transfer.vendor_order_id, (None, None))
        if transfer.status is not TransferStatus.REVERSED:
            reversal_id = None
        written["transfer"] += state.record_transfer(
            transfer.stripe_transfer_id, amount=transfer.amount_cents, destination=transfer.destination_account_id,
            created=_stamp(transfer.transferred_at, ctx.now), transfer_group=f"group-{group_id}",
            metadata={"vendor_order_id": str(transfer.vendor_order_id), "vendor_id": str(transfer.vendor_id)},
            reversal_id=reversal_id, reversed_at=_stamp(reversed_at or transfer.reversed_at, ctx.now),
        )
    return written
