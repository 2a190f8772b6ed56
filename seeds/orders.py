"""Demo orders in every state, placed through the shop's own services.

Each order carries a Checkout Session id ``cs_demo_NNNN``; once they exist,
a second run leaves everything as it is. The orders are dated over the past
ten months with the clock set to each moment, so that stock, invoices,
credit notes, transfers and the vendors' sales dashboards stay consistent.

The payment provider is not called: seed data cannot rely on it being up.
The rows it would have produced (payment, refund, paid transfer) are written
with ``*_demo_*`` ids. Demo vendors have no payouts account, so their
transfers wait; one structure (``PAYOUTS_VENDOR``) is shown with payouts
enabled and its transfers made.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import sqlalchemy as sa

from marketplace.accounts.models import User
from marketplace.catalogue.models import Channels, Offer, OfferKind, OfferStatus
from marketplace.core.audit import record_event
from marketplace.extensions import db
from marketplace.payments.models import Payment, PaymentStatus, Refund, Transfer, TransferStatus
from marketplace.shop import cart as carts
from marketplace.shop import checkout as checkouts
from marketplace.shop import orders
from marketplace.shop.errors import ShopError
from marketplace.shop.models import Fulfilment, OrderGroup, VendorOrder
from marketplace.vendors.models import Vendor, VendorStatus
from seeds.accounts import CONSUMERS
from seeds.base import SeedContext
from seeds.vetting import clock_at as _clock_at

FEATURED_VENDOR = "le-panier-des-cimes"  # the demo vendor owner's structure: many orders
PAYOUTS_VENDOR = "comptoir-des-deux-hemispheres"  # shown with payouts enabled

CITIES = {
    "38000": "Grenoble",
    "38400": "Saint-Martin-d'Hères",
    "69003": "Lyon",
    "63000": "Clermont-Ferrand",
    "74000": "Annecy",
}
STREETS = ("rue des Alpes", "avenue Jean-Jaurès", "place Saint-Bruno", "rue Moncey", "chemin des Vignes",
           "rue du Vieux-Temple", "cours Berriat")

# What happens to a vendor part after payment.
COMPLETED = "completed"
REFUNDED_BY_VENDOR = "refunded_by_vendor"
REFUNDED_BY_CONSUMER = "refunded_by_consumer"
REFUNDED_AFTER_COMPLETION = "refunded_after_completion"
PAID = "paid"
PREPARING = "preparing"
READY = "ready"  # ready for pickup, or shipped when delivered
# What happens to the whole checkout.
PENDING = "pending"
EXPIRED = "expired"
FAILED = "failed"

# Older orders: mostly completed, some cancelled by either side or never paid.
PAST_CYCLE = (COMPLETED, COMPLETED, REFUNDED_BY_VENDOR, COMPLETED, EXPIRED, COMPLETED,
              COMPLETED, REFUNDED_BY_CONSUMER, COMPLETED, FAILED, COMPLETED, COMPLETED)
PAST_ORDERS = 46
# The last days: orders still being fulfilled, and checkouts being paid right now.
RECENT = (
    (5, READY), (4, READY), (4, PREPARING), (3, READY), (3, PAID), (2, PREPARING),
    (2, READY), (1, PAID), (1, PREPARING), (0, PAID), (0, PENDING), (0, PENDING),
)
REFUND_REASONS = (
    "Rupture de stock : la récolte a été plus faible que prévu.",
    "Produit abîmé lors de la préparation, nous préférons ne pas vous l'envoyer.",
    "Fermeture exceptionnelle de l'atelier cette semaine.",
)


@contextmanager
def clock_at(moment: dt.datetime) -> Iterator[None]:
    """Run the enclosed code at ``moment``; rows are flushed before the clock is given back,
    so that their defaults (creation dates of e-mails…) are read at ``moment``."""
    with _clock_at(moment):
        yield
        db.session.flush()


@dataclass
class Plan:
    index: int
    moment: dt.datetime
    outcome: str


def _plans(ctx: SeedContext) -> list[Plan]:
    plans = []
    for i in range(PAST_ORDERS):
        rng = ctx.rng("order-date", i)
        days = 300 - (i * 290) // PAST_ORDERS - rng.randrange(3)  # about one a week, oldest first
        moment = ctx.days_ago(days, hour=8 + rng.randrange(11), minute=rng.randrange(60))
        outcome = PAST_CYCLE[i % len(PAST_CYCLE)]
        if i == 5:
            outcome = REFUNDED_AFTER_COMPLETION
        plans.append(Plan(i, moment, outcome))
    for j, (days, outcome) in enumerate(RECENT):
        rng = ctx.rng("order-date", PAST_ORDERS + j)
        if days == 0 and outcome == PENDING:  # on the payment page right now
            moment = ctx.now - dt.timedelta(minutes=8 + (11 * j) % 20)
        elif days == 0:
            moment = ctx.now - dt.timedelta(hours=2 + j % 3)
        else:
            moment = ctx.days_ago(days, hour=8 + rng.randrange(10), minute=rng.randrange(60))
            moment = min(moment, ctx.now - dt.timedelta(hours=days * 20))
        plans.append(Plan(PAST_ORDERS + j, moment, outcome))
    return plans


def _session_id(index: int) -> str:
    return f"cs_demo_{index:04d}"


# ---------------------------------------------------------------- choices


def _catalogue(ctx: SeedContext) -> dict[Vendor, list[Offer]]:
    """Products sold online by the approved demo vendors, in a stable order."""
    offers = ctx.session.scalars(
        sa.select(Offer)
        .join(Vendor, Vendor.id == Offer.vendor_id)
        .where(
            Offer.status == OfferStatus.PUBLISHED,
            Offer.kind == OfferKind.PRODUCT,
            Offer.channels.in_((Channels.B2C, Channels.BOTH)),
            Vendor.status == VendorStatus.APPROVED,
        )
        .order_by(Vendor.slug, Offer.slug)
    ).all()
    by_vendor: dict[Vendor, list[Offer]] = {}
    for offer in offers:
        if offer.pickup or offer.delivery:
            by_vendor.setdefault(offer.vendor, []).append(offer)
    return by_vendor


def _pick_vendors(rng: random.Random, plan: Plan, catalogue: dict[Vendor, list[Offer]]) -> list[Vendor]:
    eligible = sorted(
        (v for v in catalogue if v.approved_at is None or v.approved_at <= plan.moment - dt.timedelta(days=1)),
        key=lambda v: v.slug,
    )
    if not eligible:
        return []
    featured = [v for v in eligible if v.slug == FEATURED_VENDOR]
    others = [v for v in eligible if v.slug != FEATURED_VENDOR]
    payouts = [v for v in others if v.slug == PAYOUTS_VENDOR]
    if plan.outcome == REFUNDED_AFTER_COMPLETION and payouts:
        first = payouts[0]
    elif featured and plan.index % 2 == 0:
        first = featured[0]
    elif plan.index % 5 == 1 and payouts:
        first = payouts[0]
    else:
        first = rng.choice(others or featured)
    chosen = [first]
    rest = [v for v in eligible if v is not first]
    if rest and rng.random() < 0.35:
        chosen.append(rng.choice(rest))
    return chosen


def _fill_cart(rng: random.Random, cart, consumer: User, vendors, catalogue, plan: Plan) -> list[Vendor]:
    carts.clear(cart)
    filled = []
    for vendor in vendors:
        offers = [o for o in catalogue[vendor] if o.stock is None or o.stock >= 6]
        if not offers:
            continue
        added = False
        for offer in rng.sample(offers, k=min(len(offers), 1 + (rng.random() < 0.4))):
            quantity = 1 if offer.price_cents > 5000 else rng.choice((1, 1, 2, 3))
            try:
                carts.add_to_cart(cart, offer.id, quantity, user=consumer)
            except ShopError:
                continue
            added = True
        if not added:
            continue
        filled.append(vendor)
        options = carts.fulfilment_options([line.offer for line in cart.lines if line.offer.vendor_id == vendor.id])
        if options:
            # Parts to be "ready" alternate between pickup and delivery, so both states appear.
            prefer = Fulfilment.DELIVERY if plan.index % 2 else Fulfilment.PICKUP
            choice = prefer if prefer in options else rng.choice(options)
            carts.set_fulfilment(cart, vendor.id, choice.value)
    return filled


def _details(rng: random.Random, consumer: User, vendors: list[Vendor]) -> checkouts.CheckoutDetails:
    postal_code = consumer.postal_code or "38000"
    return checkouts.CheckoutDetails(
        contact_name=consumer.display_name,
        contact_email=consumer.email,
        contact_phone=f"06 65 71 {rng.randrange(100):02d} {rng.randrange(100):02d}",
        address_line=f"{rng.randrange(1, 60)} {rng.choice(STREETS)}",
        postal_code=postal_code,
        city=CITIES.get(postal_code, "Grenoble"),
    )


# ---------------------------------------------------------------- one order


def _pay(group: OrderGroup, plan: Plan) -> None:
    with clock_at(plan.moment + dt.timedelta(minutes=3)):
        orders.mark_paid(group, group.total_cents)


def _record_refund(vendor_order: VendorOrder, moment: dt.datetime, reversal_id: str | None = None) -> None:
    """What payments.refund_vendor_order records once the provider has refunded the part."""
    with clock_at(moment):
        amount = vendor_order.total_cents - vendor_order.refunded_cents
        db.session.add(Refund(vendor_order_id=vendor_order.id, stripe_refund_id=f"re_demo_{vendor_order.id:05d}",
                              amount_cents=amount, reversal_id=reversal_id, status="succeeded", created_at=moment))
        db.session.flush()
        orders.refunded(vendor_order, amount)


def _mark_transfer_paid(vendor_order: VendorOrder, account_id: str, moment: dt.datetime) -> None:
    transfer = db.session.scalar(sa.select(Transfer).where(Transfer.vendor_order_id == vendor_order.id))
    if transfer is None or transfer.status is not TransferStatus.PENDING:
        return
    with clock_at(moment):
        transfer.status = TransferStatus.PAID
        transfer.stripe_transfer_id = f"tr_demo_{vendor_order.id:05d}"
        transfer.destination_account_id = account_id
        transfer.transferred_at = moment
        record_event(None, transfer, "transfer.paid", TransferStatus.PENDING, TransferStatus.PAID,
                     data={"stripe_transfer_id": transfer.stripe_transfer_id, "amount_cents": transfer.amount_cents})
        db.session.flush()


def _fulfil(vendor_order: VendorOrder, outcome: str, plan: Plan, rng: random.Random, account_id: str | None) -> None:
    t = plan.moment
    if outcome == PAID:
        return
    if outcome == REFUNDED_BY_CONSUMER:
        with clock_at(t + dt.timedelta(hours=2)):
            orders.cancel_by_consumer(vendor_order)
        _record_refund(vendor_order, t + dt.timedelta(hours=2, minutes=1))
        return
    if outcome == REFUNDED_BY_VENDOR and rng.random() < 0.5:
        with clock_at(t + dt.timedelta(hours=20)):
            orders.cancel_by_vendor(vendor_order, rng.choice(REFUND_REASONS))
        _record_refund(vendor_order, t + dt.timedelta(hours=20, minutes=1))
        return
    with clock_at(t + dt.timedelta(hours=18)):
        orders.mark_preparing(vendor_order)
    if outcome == PREPARING:
        return
    if outcome == REFUNDED_BY_VENDOR:
        with clock_at(t + dt.timedelta(days=1, hours=3)):
            orders.cancel_by_vendor(vendor_order, rng.choice(REFUND_REASONS))
        _record_refund(vendor_order, t + dt.timedelta(days=1, hours=3, minutes=1))
        return
    with clock_at(t + dt.timedelta(days=1, hours=2)):
        if vendor_order.fulfilment is Fulfilment.DELIVERY:
            orders.mark_shipped(vendor_order)
        else:
            orders.mark_ready(vendor_order)
    if outcome == READY:
        return
    completed_at = t + dt.timedelta(days=2 + rng.randrange(3), hours=1)
    with clock_at(completed_at):
        orders.complete(vendor_order)
    if account_id is not None:
        _mark_transfer_paid(vendor_order, account_id, completed_at + dt.timedelta(minutes=1))
    if outcome == REFUNDED_AFTER_COMPLETION:
        # The consumer returned the goods: the refund reverses the vendor's transfer.
        moment = completed_at + dt.timedelta(days=2)
        transfer = db.session.scalar(sa.select(Transfer).where(Transfer.vendor_order_id == vendor_order.id))
        reversal_id = None
        if transfer is not None:
            reversal_id = f"trr_demo_{vendor_order.id:05d}" if transfer.status is TransferStatus.PAID else None
            with clock_at(moment):
                before = transfer.status
                transfer.status = TransferStatus.REVERSED
                transfer.reversed_at = moment
                record_event(None, transfer, "transfer.reversed", before, TransferStatus.REVERSED,
                             data={"reversal_id": reversal_id})
        _record_refund(vendor_order, moment, reversal_id)


def _place(ctx: SeedContext, plan: Plan, consumers: list[User], catalogue, account_ids: dict[int, str]) -> bool:
    rng = ctx.rng("order", plan.index)
    eligible = [c for c in consumers if c.created_at is None or c.created_at <= plan.moment - dt.timedelta(days=1)]
    if not eligible:
        return False
    consumer = rng.choice(eligible)
    vendors = _pick_vendors(rng, plan, catalogue)
    if not vendors:
        return False
    savepoint = db.session.begin_nested()
    try:
        with clock_at(plan.moment):
            cart = carts.cart_for_user(consumer, create=True)
            vendors = _fill_cart(rng, cart, consumer, vendors, catalogue, plan)
            if not vendors:
                savepoint.rollback()
                return False
            group = checkouts.create_order(consumer, cart, _details(rng, consumer, vendors))
            group.checkout_session_id = _session_id(plan.index)
            carts.clear(cart)
        payment = Payment(
            order_group_id=group.id,
            checkout_session_id=group.checkout_session_id,
            amount_cents=group.total_cents,
            status=PaymentStatus.OPEN,
            expires_at=group.expires_at,
            created_at=plan.moment,
            updated_at=plan.moment,
        )
        if plan.outcome == PENDING:
            pass
        elif plan.outcome == EXPIRED:
            with clock_at(group.expires_at + dt.timedelta(minutes=1)):
                orders.expire_checkout(group)
            payment.status = PaymentStatus.EXPIRED
        elif plan.outcome == FAILED:
            with clock_at(plan.moment + dt.timedelta(minutes=4)):
                orders.payment_failed(group)
            payment.status = PaymentStatus.FAILED
        else:
            _pay(group, plan)
            for position, vendor_order in enumerate(group.vendor_orders):
                # In a two-vendor order, the second part is fulfilled normally.
                outcome = plan.outcome
                if position > 0 and outcome in (REFUNDED_BY_CONSUMER, REFUNDED_AFTER_COMPLETION):
                    outcome = COMPLETED
                _fulfil(vendor_order, outcome, plan, ctx.rng("part", plan.index, position),
                        account_ids.get(vendor_order.vendor_id))
            payment.status = PaymentStatus.SUCCEEDED
            payment.payment_intent_id = f"pi_demo_{plan.index:04d}"
            payment.amount_received_cents = group.total_cents
            payment.paid_at = group.paid_at
        # Written last: the refunds above were recorded as the provider would have made them.
        db.session.add(payment)
        db.session.flush()
    except ShopError:
        savepoint.rollback()
        return False
    savepoint.commit()
    ctx.created["OrderGroup"] += 1
    ctx.created["VendorOrder"] += len(group.vendor_orders)
    return True


# ---------------------------------------------------------------- the step


def seed_orders(ctx: SeedContext) -> None:
    """Orders of the demo consumers in every state, over the past ten months."""
    # The step runs once: dates are relative to the day of the first run, so a later run
    # would plan other moments. Any demo order means it already ran.
    if ctx.session.scalar(
        sa.select(OrderGroup.id).where(OrderGroup.checkout_session_id.like("cs_demo_%")).limit(1)
    ) is not None:
        return
    plans = _plans(ctx)
    consumers = list(
        ctx.session.scalars(sa.select(User).where(User.email.in_([c[0] for c in CONSUMERS])).order_by(User.email))
    )
    catalogue = _catalogue(ctx)
    if not consumers or not catalogue:
        return
    payouts_vendor = next((v for v in catalogue if v.slug == PAYOUTS_VENDOR and not v.stripe_account_id), None)
    account_ids = {payouts_vendor.id: f"acct_demo_{payouts_vendor.slug}"[:64]} if payouts_vendor else {}
    for plan in sorted(plans, key=lambda p: p.moment):
        _place(ctx, plan, consumers, catalogue, account_ids)
    if payouts_vendor is not None:
        # Its account was validated with Stripe: its transfers are made at completion.
        payouts_vendor.stripe_account_id = account_ids[payouts_vendor.id]
        payouts_vendor.payouts_enabled = True
    ctx.session.flush()
