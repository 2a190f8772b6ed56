"""Checkout: the cart becomes an order group split per vendor, its stock reserved,
then one payment session for the whole cart."""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l

from marketplace.core.audit import record_event
from marketplace.core.clock import now_utc
from marketplace.extensions import db
from marketplace.shop import cart as carts
from marketplace.shop import orders, reservations
from marketplace.shop.errors import CheckoutError, PaymentPageUnavailable
from marketplace.shop.models import (
    Cart,
    Fulfilment,
    OrderGroup,
    OrderGroupStatus,
    OrderLine,
    VendorOrder,
    VendorOrderStatus,
)
from marketplace.shop.pricing import commission

CHECKOUT_MINUTES = 30
# Reservations outlive the payment session a little, so that a payment made at
# the last second is never left without its units.
RESERVATION_GRACE_MINUTES = 5
POSTAL_CODE_RE = re.compile(r"^\d{5}$")
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass
class CheckoutDetails:
    contact_name: str = ""
    contact_email: str = ""
    contact_phone: str = ""
    address_line: str = ""
    postal_code: str = ""
    city: str = ""
    # vendor id → "pickup" | "delivery"
    fulfilment: dict[int, str] = field(default_factory=dict)


def _validate(details: CheckoutDetails, needs_address: bool) -> CheckoutDetails:
    name = (details.contact_name or "").strip()
    email = (details.contact_email or "").strip()
    if not name:
        raise CheckoutError(_l("Indiquez votre nom."), field="contact_name")
    if not EMAIL_RE.match(email):
        raise CheckoutError(_l("Indiquez une adresse e-mail valide."), field="contact_email")
    if needs_address:
        if not (details.address_line or "").strip():
            raise CheckoutError(_l("Indiquez l'adresse de livraison."), field="address_line")
        if not POSTAL_CODE_RE.match((details.postal_code or "").strip()):
            raise CheckoutError(_l("Le code postal compte 5 chiffres."), field="postal_code")
        if not (details.city or "").strip():
            raise CheckoutError(_l("Indiquez la commune."), field="city")
    elif details.postal_code and not POSTAL_CODE_RE.match(details.postal_code.strip()):
        raise CheckoutError(_l("Le code postal compte 5 chiffres."), field="postal_code")
    return details


def checkout_summary(user, cart: Cart | None, fulfilment: dict[int, str] | None = None) -> carts.CartSummary:
    """The cart priced with the fulfilment chosen at checkout (falling back to the cart's choices)."""
    if cart is not None and fulfilment:
        choices = dict(cart.fulfilment_choices or {})
        choices.update({str(k): v for k, v in fulfilment.items()})
        original = cart.fulfilment_choices
        cart.fulfilment_choices = choices
        try:
            return carts.summarize(cart, user)
        finally:
            cart.fulfilment_choices = original
    return carts.summarize(cart, user)


def create_order(user, cart: Cart | None, details: CheckoutDetails) -> OrderGroup:
    """Turn the cart into an order group (pending payment) and reserve its stock, all or nothing.

    Prices, VAT rates and fees are read from the offers now, never from the
    request. Raises CheckoutError (the caller rolls back) on any problem.
    """
    if cart is not None and cart.lines:
        # Lock the offers first (id order): every later write in this transaction may then reference them.
        reservations.lock_offers(line.offer_id for line in cart.lines)
    summary = checkout_summary(user, cart, details.fulfilment)
    if summary.is_empty:
        raise CheckoutError(_l("Votre panier est vide."))
    if summary.has_problems:
        raise CheckoutError(summary.problems[0])
    for part in summary.parts:
        wanted = details.fulfilment.get(part.vendor.id) or details.fulfilment.get(str(part.vendor.id))
        if wanted and wanted != part.fulfilment.value:
            raise CheckoutError(
                _l("Ce mode de remise n'est pas proposé par %(vendor)s pour ces articles.", vendor=part.vendor.name),
                field="fulfilment",
            )
    needs_address = any(part.fulfilment is Fulfilment.DELIVERY for part in summary.parts)
    _validate(details, needs_address)

    now = now_utc()
    commission_bp = int(current_app.config["PLATFORM_COMMISSION_BP"])
    group = OrderGroup(
        consumer_id=user.id,
        contact_name=details.contact_name.strip(),
        contact_email=details.contact_email.strip(),
        contact_phone=(details.contact_phone or "").strip() or None,
        address_line=(details.address_line or "").strip() or None,
        postal_code=(details.postal_code or "").strip() or None,
        city=(details.city or "").strip() or None,
        status=OrderGroupStatus.PENDING_PAYMENT,
        expires_at=now + dt.timedelta(minutes=CHECKOUT_MINUTES),
        created_at=now,
    )
    db.session.add(group)
    items = []
    for part in summary.parts:
        delivered = part.fulfilment is Fulfilment.DELIVERY
        vendor_order = VendorOrder(
            vendor_id=part.vendor.id,
            status=VendorOrderStatus.PENDING_PAYMENT,
            fulfilment=part.fulfilment,
            delivery_fee_cents=part.delivery_fee_cents,
            subtotal_cents=part.subtotal_cents,
            total_cents=part.total_cents,
            vat_cents=part.vat_cents,
            commission_bp=commission_bp,
            commission_cents=commission(part.total_cents, commission_bp),
            created_at=now,
        )
        for item in part.items:
            offer = item.offer
            vendor_order.lines.append(
                OrderLine(
                    offer_id=offer.id,
                    title=offer.title,
                    unit=offer.unit.value if offer.unit else None,
                    unit_price_cents=offer.price_cents,
                    vat_rate_bp=offer.vat_rate_bp,
                    quantity=item.quantity,
                    total_cents=offer.price_cents * item.quantity,
                    delivered=delivered and offer.delivery,
                )
            )
            items.append((offer.id, item.quantity, offer.title))
        group.vendor_orders.append(vendor_order)
    group.total_cents = sum(vo.total_cents for vo in group.vendor_orders)
    db.session.flush()
    reservations.reserve(
        group, items, group.expires_at + dt.timedelta(minutes=RESERVATION_GRACE_MINUTES)
    )
    record_event(
        user,
        group,
        "checkout_started",
        None,
        OrderGroupStatus.PENDING_PAYMENT,
        {"total_cents": group.total_cents, "vendor_orders": [vo.id for vo in group.vendor_orders]},
    )
    db.session.flush()
    return group


def start_checkout(user, cart: Cart | None, details: CheckoutDetails, success_url: str, cancel_url: str) -> tuple[OrderGroup, str]:
    """Create the order, reserve its stock and open the payment page; returns (group, payment URL).

    When the payment provider fails, the order is cancelled and its stock
    released in the same transaction, the cart is kept, and a CheckoutError
    tells the consumer to try again.
    """
    from marketplace.payments import services as payments

    for previous in pending_checkouts(user):
        abandon(user, previous)
    group = create_order(user, cart, details)
    try:
        url = payments.create_checkout_session(group, success_url, cancel_url)
    except payments.PaymentError as error:
        orders.payment_unavailable(group, actor=user)
        message = _l(
            "Le service de paiement ne répond pas pour le moment. Votre panier est intact et rien n'a été débité : "
            "réessayez dans quelques minutes."
        )
        if not isinstance(error, payments.PaymentUnavailable) and getattr(error, "message", None):
            message = error.message
        raise PaymentPageUnavailable(message) from error
    return group, url


def pending_checkouts(user) -> list[OrderGroup]:
    """The user's checkouts still waiting for payment (a new checkout replaces them)."""
    return list(
        db.session.scalars(
            sa.select(OrderGroup).where(
                OrderGroup.consumer_id == user.id, OrderGroup.status == OrderGroupStatus.PENDING_PAYMENT
            )
        )
    )


def order_group_for_session(checkout_session_id: str) -> OrderGroup | None:
    if not checkout_session_id:
        return None
    return db.session.scalar(sa.select(OrderGroup).where(OrderGroup.checkout_session_id == checkout_session_id))


def abandon(user, order_group: OrderGroup) -> OrderGroup:
    """The consumer came back from the payment page without paying.

    The payment session is closed first, so that it can no longer be paid;
    then the order is cancelled and its stock released. If the payment
    service cannot be reached, nothing changes: the session's expiry will
    release the stock. If the session was paid meanwhile (its webhook not
    applied yet: the consumer paid, then came back before it arrived), the
    payment is applied as its webhook would, and the order is paid, not cancelled.
    """
    from marketplace.payments import reconcile
    from marketplace.payments import services as payments

    if order_group.status is not OrderGroupStatus.PENDING_PAYMENT:
        return order_group
    try:
        closed_before = payments.expire_checkout_session(order_group)
    except payments.PaymentError:
        return order_group
    if closed_before:
        reconcile.apply(reconcile.fetch([closed_before]))
        return order_group
    orders.abandon_checkout(order_group, actor=user)
    return order_group
