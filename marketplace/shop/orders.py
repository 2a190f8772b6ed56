"""The order state machines: one function per transition.

Order group (the payment): pending_payment → paid | cancelled;
paid → partially_refunded → refunded.

Vendor order (one vendor's part): pending_payment → paid → preparing →
ready_for_pickup | shipped → completed; paid → cancelled (by the consumer,
before preparation); paid | preparing | ready_for_pickup → cancelled (by the
vendor, with a reason); a cancelled paid part is refunded → refunded.

A professional order (paid on invoice, see ``pro_orders``) enters at paid
("confirmed"), goes through the same fulfilment steps, gets its invoice at
completion and is never refunded nor transferred: no card payment is involved.

Every transition refuses illegal moves with an OrderError, writes an audit
event and queues the e-mail to the party concerned, in the caller's
transaction.
"""
from __future__ import annotations

import logging

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from marketplace.core.audit import record_event
from marketplace.core.clock import now_utc
from marketplace.core.outbox import email_user, queue_email
from marketplace.core.urls import external_url
from marketplace.extensions import db
from marketplace.shop import invoices, reservations
from marketplace.shop.cart import WITH_LINES
from marketplace.shop.errors import OrderError
from marketplace.shop.models import (
    Cart,
    Fulfilment,
    OrderGroup,
    OrderGroupStatus,
    PaymentMethod,
    VendorOrder,
    VendorOrderStatus,
)

log = logging.getLogger(__name__)

G = OrderGroupStatus
V = VendorOrderStatus

VENDOR_CANCELLABLE = {V.PAID, V.PREPARING, V.READY_FOR_PICKUP}
CONSUMER_CANCELLABLE = {V.PAID}
REFUNDABLE = {V.CANCELLED, V.PAID, V.PREPARING, V.READY_FOR_PICKUP, V.SHIPPED, V.COMPLETED}


# ---------------------------------------------------------------- helpers


def _illegal(current) -> OrderError:
    return OrderError(
        _l("Action impossible : cette commande est « %(status)s ».", status=current.label)
    )


def _vendor_recipients(vendor) -> list:
    return [m.user for m in vendor.memberships if m.user is not None and m.user.deleted_at is None]


def _email_vendor(vendor, subject, template: str, **context) -> None:
    if "vendor_order" in context:
        context.setdefault("order_url", _vendor_context(context["vendor_order"])["order_url"])
    recipients = _vendor_recipients(vendor)
    for user in recipients:
        email_user(user, subject, f"shop/{template}", vendor=vendor, **context)
    if not recipients and vendor.email:
        queue_email(vendor.email, subject, f"shop/{template}", vendor=vendor, user=None, **context)


def _vendor_context(vendor_order: VendorOrder) -> dict:
    return {
        "order_url": external_url("shop.vendor_order", vendor_id=vendor_order.vendor_id, vendor_order_id=vendor_order.id)
    }


def _consumer_context(group: OrderGroup) -> dict:
    return {"order_url": external_url("shop.my_order", group_id=group.id)}


def _email_consumer(group: OrderGroup, subject, template: str, **context) -> None:
    context.setdefault("order_url", _consumer_context(group)["order_url"])
    if group.consumer is not None:
        email_user(group.consumer, subject, f"shop/{template}", group=group, **context)
    elif group.contact_email:
        queue_email(group.contact_email, subject, f"shop/{template}", group=group, user=None, **context)


def _email_buyer(vendor_order: VendorOrder, subject, template: str, **context) -> None:
    """The consumer of a checkout's part, or the buyer organisation of a professional order."""
    if vendor_order.order_group is None:
        from marketplace.shop import pro_orders

        pro_orders.email_buyer(vendor_order, subject, template, **context)
        return
    _email_consumer(vendor_order.order_group, subject, template, vendor_order=vendor_order, **context)


def _set_vendor_status(vendor_order: VendorOrder, new: VendorOrderStatus, actor, action: str, data=None) -> None:
    before = vendor_order.status
    vendor_order.status = new
    record_event(actor, vendor_order, action, before, new, data)


def _refresh_group_refund_status(group: OrderGroup) -> None:
    if group.status not in (G.PAID, G.PARTIALLY_REFUNDED, G.REFUNDED):
        return
    before = group.status
    group.refunded_cents = sum(vo.refunded_cents for vo in group.vendor_orders)
    if group.refunded_cents <= 0:
        return
    new = G.REFUNDED if group.refunded_cents >= group.total_cents else G.PARTIALLY_REFUNDED
    if new is not before:
        group.status = new
        record_event(None, group, "refund_recorded", before, new, {"refunded_cents": group.refunded_cents})


# ---------------------------------------------------------------- payment outcome


def mark_paid(order_group: OrderGroup, amount_cents: int, actor=None) -> OrderGroup:
    """The consumer's payment came through: every vendor part becomes paid and gets its invoice.

    Calling it again for a paid group has no effect; a wrong amount or a
    cancelled checkout is refused.
    """
    if order_group.status in (G.PAID, G.PARTIALLY_REFUNDED, G.REFUNDED):
        return order_group
    if order_group.status is not G.PENDING_PAYMENT:
        raise _illegal(order_group.status)
    if int(amount_cents) != order_group.total_cents:
        raise OrderError(
            _l(
                "Le montant payé (%(paid)s centimes) ne correspond pas au total de la commande (%(total)s centimes).",
                paid=amount_cents,
                total=order_group.total_cents,
            )
        )
    now = now_utc()
    reservations.consume(order_group)
    before = order_group.status
    order_group.status = G.PAID
    order_group.paid_at = now
    record_event(actor, order_group, "paid", before, G.PAID, {"amount_cents": amount_cents})
    for vendor_order in order_group.vendor_orders:
        vendor_order.paid_at = now
        _set_vendor_status(vendor_order, V.PAID, actor, "paid")
        invoice = invoices.issue_invoice(vendor_order)
        _email_vendor(
            vendor_order.vendor,
            _l("Nouvelle commande %(ref)s", ref=vendor_order.reference),
            "vendor_new_order",
            vendor_order=vendor_order,
            invoice=invoice,
        )
    _email_consumer(
        order_group, _l("Votre commande %(ref)s est confirmée", ref=order_group.reference), "consumer_paid"
    )
    _clear_bought_lines(order_group)
    db.session.flush()
    return order_group


def _clear_bought_lines(order_group: OrderGroup) -> None:
    if order_group.consumer_id is None:
        return
    cart = db.session.scalar(sa.select(Cart).where(Cart.user_id == order_group.consumer_id).options(WITH_LINES))
    if cart is None:
        return
    bought = {line.offer_id for vo in order_group.vendor_orders for line in vo.lines}
    for line in list(cart.lines):
        if line.offer_id in bought:
            cart.lines.remove(line)


def _cancel_unpaid(order_group: OrderGroup, actor, action: str) -> bool:
    if order_group.status is G.CANCELLED:
        return False
    if order_group.status is not G.PENDING_PAYMENT:
        raise _illegal(order_group.status)
    reservations.release(order_group)
    before = order_group.status
    order_group.status = G.CANCELLED
    order_group.cancelled_at = now_utc()
    record_event(actor, order_group, action, before, G.CANCELLED)
    for vendor_order in order_group.vendor_orders:
        vendor_order.cancelled_at = order_group.cancelled_at
        _set_vendor_status(vendor_order, V.CANCELLED, actor, action)
    db.session.flush()
    return True


def payment_failed(order_group: OrderGroup, actor=None) -> OrderGroup:
    """The payment was declined or failed: the checkout is cancelled and the stock comes back."""
    if _cancel_unpaid(order_group, actor, "payment_failed"):
        _email_consumer(
            order_group,
            _l("Le paiement de votre commande %(ref)s n'a pas abouti", ref=order_group.reference),
            "consumer_payment_failed",
        )
    return order_group


def expire_checkout(order_group: OrderGroup, actor=None) -> OrderGroup:
    """The checkout session expired unpaid: cancelled, stock released (nothing was charged)."""
    _cancel_unpaid(order_group, actor, "checkout_expired")
    return order_group


def payment_unavailable(order_group: OrderGroup, actor=None) -> OrderGroup:
    """The payment page could not be opened: cancelled at once, stock released, cart kept."""
    _cancel_unpaid(order_group, actor, "payment_unavailable")
    return order_group


def abandon_checkout(order_group: OrderGroup, actor=None) -> OrderGroup:
    """The consumer left the payment page: cancelled at once so the stock is free again."""
    _cancel_unpaid(order_group, actor, "checkout_abandoned")
    return order_group


# ---------------------------------------------------------------- fulfilment


def _advance(vendor_order: VendorOrder, actor, new_status, action: str, stamp: str, subject) -> VendorOrder:
    """A fulfilment step: timestamp, status with its audit event, e-mail to the consumer."""
    setattr(vendor_order, stamp, now_utc())
    _set_vendor_status(vendor_order, new_status, actor, action)
    _email_buyer(vendor_order, subject, "consumer_status")
    db.session.flush()
    return vendor_order


def mark_preparing(vendor_order: VendorOrder, actor=None) -> VendorOrder:
    if vendor_order.status is not V.PAID:
        raise _illegal(vendor_order.status)
    return _advance(
        vendor_order, actor, V.PREPARING, "preparing", "preparing_at",
        _l("%(vendor)s prépare votre commande", vendor=vendor_order.vendor.name),
    )


def mark_ready(vendor_order: VendorOrder, actor=None) -> VendorOrder:
    if vendor_order.status is not V.PREPARING:
        raise _illegal(vendor_order.status)
    if vendor_order.fulfilment is not Fulfilment.PICKUP:
        raise OrderError(_l("Cette commande est à livrer : indiquez plutôt qu'elle est expédiée."))
    return _advance(
        vendor_order, actor, V.READY_FOR_PICKUP, "ready_for_pickup", "ready_at",
        _l("Votre commande chez %(vendor)s est prête à retirer", vendor=vendor_order.vendor.name),
    )


def mark_shipped(vendor_order: VendorOrder, actor=None) -> VendorOrder:
    if vendor_order.status is not V.PREPARING:
        raise _illegal(vendor_order.status)
    if vendor_order.fulfilment is not Fulfilment.DELIVERY:
        raise OrderError(_l("Cette commande est à retirer sur place : indiquez plutôt qu'elle est prête."))
    return _advance(
        vendor_order, actor, V.SHIPPED, "shipped", "shipped_at",
        _l("Votre commande chez %(vendor)s est en route", vendor=vendor_order.vendor.name),
    )


def complete(vendor_order: VendorOrder, actor=None) -> VendorOrder:
    """Handed over or delivered: completed, and the vendor's transfer is made (or waits for payouts)."""
    if vendor_order.status not in (V.READY_FOR_PICKUP, V.SHIPPED):
        raise _illegal(vendor_order.status)
    from marketplace.payments import services as payments

    vendor_order.completed_at = now_utc()
    _set_vendor_status(vendor_order, V.COMPLETED, actor, "completed")
    if vendor_order.is_invoice_order:
        # Paid by the buyer's bank transfer, not through the platform: no transfer to make.
        from marketplace.shop import pro_orders

        pro_orders.invoice_on_completion(vendor_order, actor)
        db.session.flush()
        return vendor_order
    try:
        payments.transfer_for(vendor_order)
    except payments.PaymentError as error:
        raise OrderError(
            _l("Le virement vers votre compte n'a pas pu être préparé : réessayez dans un instant.")
        ) from error
    _email_consumer(
        vendor_order.order_group,
        _l("Votre commande chez %(vendor)s est terminée", vendor=vendor_order.vendor.name),
        "consumer_status",
        vendor_order=vendor_order,
    )
    db.session.flush()
    return vendor_order


# ---------------------------------------------------------------- cancellation and refund


def _restore_stock(vendor_order: VendorOrder) -> None:
    lines = [line for line in vendor_order.lines if line.offer_id is not None]
    reservations.lock_offers(line.offer_id for line in lines)
    for line in lines:
        reservations.give_back_stock(line.offer_id, line.quantity)


def _refund(vendor_order: VendorOrder) -> None:
    from marketplace.payments import services as payments

    try:
        payments.refund_vendor_order(vendor_order)
    except payments.PaymentError as error:
        raise OrderError(
            _l("Le remboursement n'a pas pu être effectué pour le moment : rien n'a été annulé, réessayez dans un instant.")
        ) from error


def cancel_by_consumer(vendor_order: VendorOrder, actor=None) -> VendorOrder:
    """The consumer cancels a vendor part before its preparation: refunded, stock restored."""
    if vendor_order.status not in CONSUMER_CANCELLABLE:
        if vendor_order.status in (V.PREPARING, V.READY_FOR_PICKUP, V.SHIPPED):
            raise OrderError(
                _l("%(vendor)s a déjà commencé à préparer cette commande : contactez la structure.",
                   vendor=vendor_order.vendor.name)
            )
        raise _illegal(vendor_order.status)
    vendor_order.cancelled_at = now_utc()
    vendor_order.cancelled_by = "consumer"
    _set_vendor_status(vendor_order, V.CANCELLED, actor, "cancelled_by_consumer")
    _restore_stock(vendor_order)
    db.session.flush()
    _refund(vendor_order)
    _email_vendor(
        vendor_order.vendor,
        _l("Commande %(ref)s annulée par le client", ref=vendor_order.reference),
        "vendor_cancelled_by_consumer",
        vendor_order=vendor_order,
    )
    db.session.flush()
    return vendor_order


def cancel_by_vendor(vendor_order: VendorOrder, reason: str, actor=None) -> VendorOrder:
    """The vendor cannot fulfil its part: cancelled with a reason, refunded, stock restored."""
    reason = (reason or "").strip()
    if not reason:
        raise OrderError(_l("Indiquez le motif de l'annulation : il sera communiqué au client."), field="reason")
    if len(reason) > 1000:
        raise OrderError(_l("Le motif ne peut dépasser 1000 caractères."), field="reason")
    if vendor_order.status not in VENDOR_CANCELLABLE:
        raise _illegal(vendor_order.status)
    vendor_order.cancelled_at = now_utc()
    vendor_order.cancelled_by = "vendor"
    vendor_order.cancel_reason = reason
    _set_vendor_status(vendor_order, V.CANCELLED, actor, "cancelled_by_vendor", {"reason": reason})
    _restore_stock(vendor_order)
    db.session.flush()
    if not vendor_order.is_invoice_order:  # an order on invoice is invoiced at completion: nothing was paid
        _refund(vendor_order)
    _email_buyer(
        vendor_order,
        _l("%(vendor)s a annulé votre commande", vendor=vendor_order.vendor.name),
        "consumer_cancelled_by_vendor",
    )
    db.session.flush()
    return vendor_order


def refunded(vendor_order: VendorOrder, amount_cents: int, actor=None):
    """Record a refund made to the consumer for this vendor part, with its credit note.

    Returns the credit note, or None when the part was already fully refunded.
    """
    amount_cents = int(amount_cents)
    remaining = vendor_order.total_cents - vendor_order.refunded_cents
    if remaining <= 0:
        return None
    if amount_cents <= 0 or amount_cents > remaining:
        raise OrderError(
            _l("Remboursement refusé : il doit être compris entre 1 centime et %(left)s centimes.", left=remaining)
        )
    if vendor_order.status not in REFUNDABLE:
        raise _illegal(vendor_order.status)
    reason = vendor_order.cancel_reason if vendor_order.cancelled_by == "vendor" else None
    if vendor_order.cancelled_by == "consumer":
        reason = str(_l("Annulation à la demande du client"))
    note = invoices.issue_credit_note(vendor_order, amount_cents, reason)
    vendor_order.refunded_cents += amount_cents
    record_event(
        actor,
        vendor_order,
        "refund_recorded",
        vendor_order.status,
        V.REFUNDED if vendor_order.refunded_cents >= vendor_order.total_cents else vendor_order.status,
        {"amount_cents": amount_cents, "credit_note": note.number},
    )
    if vendor_order.refunded_cents >= vendor_order.total_cents:
        vendor_order.status = V.REFUNDED
        vendor_order.refunded_at = now_utc()
    _refresh_group_refund_status(vendor_order.order_group)
    _email_consumer(
        vendor_order.order_group,
        _l("Remboursement de %(vendor)s", vendor=vendor_order.vendor.name),
        "consumer_refunded",
        vendor_order=vendor_order,
        credit_note=note,
        amount_cents=amount_cents,
    )
    db.session.flush()
    return note


# ---------------------------------------------------------------- queries


def order_groups_of(user, page: int = 1, per_page: int = 10):
    from marketplace.core.pagination import paginate

    stmt = (
        sa.select(OrderGroup)
        .where(
            OrderGroup.consumer_id == user.id,
            # checkouts abandoned before any payment are not orders
            sa.or_(OrderGroup.status != G.CANCELLED, OrderGroup.paid_at.is_not(None)),
        )
        .order_by(OrderGroup.created_at.desc(), OrderGroup.id.desc())
        .options(selectinload(OrderGroup.vendor_orders).selectinload(VendorOrder.vendor))
    )
    return paginate(db.session, stmt, page=page, per_page=per_page)


def _orders_of_vendor():
    """The vendor's orders: not the checkouts still waiting for payment, nor those never paid
    (abandoned, expired, declined), which the vendor was never told about."""
    never_paid = sa.and_(VendorOrder.status == V.CANCELLED, VendorOrder.paid_at.is_(None),
                         VendorOrder.payment_method == PaymentMethod.CARD)
    return sa.and_(VendorOrder.status != V.PENDING_PAYMENT, sa.not_(never_paid))


def vendor_orders_of(vendor, status: VendorOrderStatus | None = None, page: int = 1, per_page: int = 20):
    from marketplace.core.pagination import paginate

    stmt = (
        sa.select(VendorOrder)
        .where(VendorOrder.vendor_id == vendor.id, _orders_of_vendor())
        .options(selectinload(VendorOrder.order_group))
    )
    if status is not None:
        stmt = stmt.where(VendorOrder.status == status)
    stmt = stmt.order_by(VendorOrder.created_at.desc(), VendorOrder.id.desc())
    return paginate(db.session, stmt, page=page, per_page=per_page)


def vendor_order_counts(vendor) -> dict[VendorOrderStatus, int]:
    rows = db.session.execute(
        sa.select(VendorOrder.status, sa.func.count())
        .where(VendorOrder.vendor_id == vendor.id, _orders_of_vendor())
        .group_by(VendorOrder.status)
    ).all()
    return {status: count for status, count in rows}
