"""Professional orders (bons de commande): vendor orders paid on invoice by bank transfer.

A professional order comes from a buyer organisation's accepted quote
(``marketplace.procurement.quotes``). It is a ``VendorOrder`` without order
group and without card payment, so that the vendor's order screens, its
fulfilment transitions, the invoice numbering and the sales dashboard serve
it unchanged:

- it enters at ``paid``, shown "confirmée, à préparer" (nothing is paid yet),
  to be delivered or performed at the place named in the request: preparing →
  shipped → completed, or cancelled by the vendor with a reason;
- its invoice is issued at completion, numbered in the vendor's gapless
  sequence shared with shop invoices; it states the payment by bank transfer
  within the organisation's payment term (30 days by default, configurable
  per organisation; public buyers never pay by card) and the due date (issue
  date + term);
- the vendor records the buyer's transfer when it arrives (``record_payment``):
  the order then counts as a sale in the dashboard, which counts paid orders;
- no payment provider is ever called for it: no checkout, no transfer to the
  vendor, no refund.

Commission rule: the platform commission is frozen on the order when the quote
is accepted (``PLATFORM_COMMISSION_BP`` of the total including VAT, as for card
orders). The money goes straight from the buyer to the vendor, so it cannot be
withheld: the platform invoices it to the vendor separately, on its periodic
commission statement. Order pages and the dashboard show it as for card orders,
so that the vendor's net is comparable across channels.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l

from marketplace.core.audit import record_event
from marketplace.core.clock import now_utc
from marketplace.core.money import gross_from_net
from marketplace.core.outbox import email_user
from marketplace.core.pagination import paginate
from marketplace.core.urls import external_url
from marketplace.extensions import db
from marketplace.shop import invoices, pricing
from marketplace.shop.errors import OrderError
from marketplace.shop.models import (
    Fulfilment,
    OrderLine,
    PaymentMethod,
    VendorOrder,
    VendorOrderStatus,
)

PARIS = ZoneInfo("Europe/Paris")
V = VendorOrderStatus

# Shop e-mails to a consumer → their wording for a buyer organisation.
BUYER_TEMPLATES = {
    "consumer_status": "pro_status",
    "consumer_cancelled_by_vendor": "pro_cancelled_by_vendor",
}


@dataclass(frozen=True)
class ProLine:
    """A line of a professional order, priced excluding VAT.

    ``gross_cents`` is the line's share of the VAT-inclusive total of its rate
    (VAT is computed per rate on the sum of the lines, as on the quote).
    """

    title: str
    unit: str | None
    quantity: int
    unit_net_cents: int
    net_cents: int
    vat_rate_bp: int
    gross_cents: int


def create_invoice_order(
    *,
    vendor,
    organisation,
    ordered_by,
    lines: list[ProLine],
    delivery_place: str,
    buyer_reference: str,
    actor=None,
) -> VendorOrder:
    """The professional order of an accepted quote, confirmed at once, to be paid on invoice."""
    if not lines:
        raise OrderError(_l("Un bon de commande doit comporter au moins une ligne."))
    total = sum(line.gross_cents for line in lines)
    net = sum(line.net_cents for line in lines)
    commission_bp = int(current_app.config["PLATFORM_COMMISSION_BP"])
    vendor_order = VendorOrder(
        order_group_id=None,
        vendor_id=vendor.id,
        vendor=vendor,
        status=V.PAID,
        fulfilment=Fulfilment.DELIVERY,
        delivery_fee_cents=0,
        subtotal_cents=total,
        total_cents=total,
        vat_cents=total - net,
        commission_bp=commission_bp,
        commission_cents=pricing.commission(total, commission_bp),
        payment_method=PaymentMethod.INVOICE,
        buyer_organisation_id=organisation.id,
        buyer_organisation=organisation,
        ordered_by=ordered_by,
        buyer_reference=buyer_reference[:60],
        delivery_place=(delivery_place or "")[:300],
        payment_term_days=organisation.payment_term_days,
    )
    for line in lines:
        vendor_order.lines.append(
            OrderLine(
                offer_id=None,
                title=line.title[:200],
                unit=(line.unit or "")[:20] or None,
                unit_price_cents=gross_from_net(line.unit_net_cents, line.vat_rate_bp),
                vat_rate_bp=line.vat_rate_bp,
                quantity=line.quantity,
                total_cents=line.gross_cents,
                delivered=True,
                unit_net_cents=line.unit_net_cents,
                net_cents=line.net_cents,
            )
        )
    db.session.add(vendor_order)
    db.session.flush()
    record_event(
        actor,
        vendor_order,
        "confirmed_on_invoice",
        None,
        V.PAID,
        {
            "buyer_organisation_id": organisation.id,
            "buyer_reference": vendor_order.buyer_reference,
            "total_cents": total,
            "payment_term_days": vendor_order.payment_term_days,
        },
    )
    return vendor_order


def due_date(issued_at: dt.datetime, term_days: int) -> dt.date:
    """The payment due date: the invoice's issue day (Paris) plus the payment term."""
    return issued_at.astimezone(PARIS).date() + dt.timedelta(days=int(term_days))


def invoice_on_completion(vendor_order: VendorOrder, actor=None):
    """Delivered or performed: the invoice is issued, due within the organisation's term."""
    invoice = invoices.issue_invoice(vendor_order)
    term = vendor_order.payment_term_days
    if term is None:
        term = vendor_order.buyer_organisation.payment_term_days
        vendor_order.payment_term_days = term
    vendor_order.payment_due_on = due_date(invoice.issued_at, term)
    record_event(
        actor,
        vendor_order,
        "invoiced",
        None,
        None,
        {"invoice": invoice.number, "payment_due_on": vendor_order.payment_due_on.isoformat(), "term_days": term},
    )
    email_buyer(
        vendor_order,
        _l("Facture n° %(number)s de %(vendor)s", number=invoice.number, vendor=vendor_order.vendor.name),
        "pro_invoice",
        invoice=invoice,
    )
    return invoice


def record_payment(vendor_order: VendorOrder, actor=None) -> VendorOrder:
    """The vendor received the buyer's bank transfer for the invoice of a completed order."""
    if not vendor_order.is_invoice_order:
        raise OrderError(_l("Cette commande a été payée par carte : il n'y a pas de virement à enregistrer."))
    if vendor_order.paid_at is not None:
        raise OrderError(_l("Le paiement de cette facture est déjà enregistré."))
    if vendor_order.status is not V.COMPLETED or vendor_order.invoice is None:
        raise OrderError(_l("La facture est émise à la fin de la commande : terminez-la d'abord."))
    vendor_order.paid_at = now_utc()
    record_event(
        actor,
        vendor_order,
        "invoice_paid",
        None,
        None,
        {"invoice": vendor_order.invoice.number, "amount_cents": vendor_order.total_cents},
    )
    email_buyer(
        vendor_order,
        _l("Paiement reçu par %(vendor)s", vendor=vendor_order.vendor.name),
        "pro_payment_received",
        invoice=vendor_order.invoice,
    )
    db.session.flush()
    return vendor_order


# ---------------------------------------------------------------- buyer side


def buyer_recipients(vendor_order: VendorOrder) -> list:
    """Who hears about a professional order: the buyer who ordered, else every member."""
    ordered_by = vendor_order.ordered_by
    if ordered_by is not None and ordered_by.deleted_at is None:
        return [ordered_by]
    organisation = vendor_order.buyer_organisation
    return [m.user for m in organisation.memberships if m.user is not None and m.user.deleted_at is None]


def email_buyer(vendor_order: VendorOrder, subject, template: str, **context) -> None:
    template = BUYER_TEMPLATES.get(template, template)
    order_url = external_url("shop.pro_order", vendor_order_id=vendor_order.id)
    for user in buyer_recipients(vendor_order):
        email_user(
            user,
            subject,
            f"shop/{template}",
            vendor_order=vendor_order,
            organisation=vendor_order.buyer_organisation,
            order_url=order_url,
            **context,
        )


def buyer_identity(vendor_order: VendorOrder) -> dict:
    """The buyer as printed on the invoice: the organisation, its SIRET and address."""
    organisation = vendor_order.buyer_organisation
    town = " ".join(p for p in [organisation.postal_code, organisation.commune] if p)
    return {
        "name": organisation.name,
        "siret": organisation.siret,
        "address": ", ".join(p for p in [organisation.address, town] if p),
        "email": getattr(vendor_order.ordered_by, "email", None) or "",
        "reference": vendor_order.buyer_reference,
    }


def pro_orders_of(organisation_ids: list[int], page: int = 1, per_page: int = 20):
    """The professional orders of these organisations, newest first."""
    stmt = (
        sa.select(VendorOrder)
        .where(
            VendorOrder.payment_method == PaymentMethod.INVOICE,
            VendorOrder.buyer_organisation_id.in_(organisation_ids or [-1]),
        )
        .order_by(VendorOrder.created_at.desc(), VendorOrder.id.desc())
    )
    return paginate(db.session, stmt, page=page, per_page=per_page)
