"""Carts, orders split per vendor, stock reservations, invoices and credit notes."""
from __future__ import annotations

import datetime as dt
import enum
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.core.clock import now_utc
from marketplace.core.db import Base, TimestampMixin, str_enum

# ---------------------------------------------------------------- enums


class Fulfilment(enum.Enum):
    PICKUP = "pickup"
    DELIVERY = "delivery"

    @property
    def label(self) -> str:
        return str(FULFILMENT_LABELS[self])


FULFILMENT_LABELS = {
    Fulfilment.PICKUP: _l("Retrait chez le fournisseur"),
    Fulfilment.DELIVERY: _l("Livraison"),
}


class OrderGroupStatus(enum.Enum):
    PENDING_PAYMENT = "pending_payment"
    PAID = "paid"
    CANCELLED = "cancelled"
    PARTIALLY_REFUNDED = "partially_refunded"
    REFUNDED = "refunded"

    @property
    def label(self) -> str:
        return str(ORDER_GROUP_STATUS_LABELS[self])


ORDER_GROUP_STATUS_LABELS = {
    OrderGroupStatus.PENDING_PAYMENT: _l("En attente de paiement"),
    OrderGroupStatus.PAID: _l("Payée"),
    OrderGroupStatus.CANCELLED: _l("Annulée"),
    OrderGroupStatus.PARTIALLY_REFUNDED: _l("Partiellement remboursée"),
    OrderGroupStatus.REFUNDED: _l("Remboursée"),
}


class VendorOrderStatus(enum.Enum):
    PENDING_PAYMENT = "pending_payment"
    PAID = "paid"
    PREPARING = "preparing"
    READY_FOR_PICKUP = "ready_for_pickup"
    SHIPPED = "shipped"
    COMPLETED = "completed"
    CANCELLED = "cancelled"
    REFUNDED = "refunded"

    @property
    def label(self) -> str:
        return str(VENDOR_ORDER_STATUS_LABELS[self])


VENDOR_ORDER_STATUS_LABELS = {
    VendorOrderStatus.PENDING_PAYMENT: _l("En attente de paiement"),
    VendorOrderStatus.PAID: _l("Payée, à préparer"),
    VendorOrderStatus.PREPARING: _l("En préparation"),
    VendorOrderStatus.READY_FOR_PICKUP: _l("Prête à retirer"),
    VendorOrderStatus.SHIPPED: _l("Expédiée"),
    VendorOrderStatus.COMPLETED: _l("Terminée"),
    VendorOrderStatus.CANCELLED: _l("Annulée"),
    VendorOrderStatus.REFUNDED: _l("Remboursée"),
}


class DocumentKind(enum.Enum):
    INVOICE = "invoice"
    CREDIT_NOTE = "credit_note"


class PaymentMethod(enum.Enum):
    """How a vendor order is paid: by card at checkout, or on invoice by bank transfer
    (professional orders born from an accepted quote)."""

    CARD = "card"
    INVOICE = "invoice"

    @property
    def label(self) -> str:
        return str(PAYMENT_METHOD_LABELS[self])


PAYMENT_METHOD_LABELS = {
    PaymentMethod.CARD: _l("Carte bancaire"),
    PaymentMethod.INVOICE: _l("Sur facture, par virement"),
}


def order_reference(order_group_id: int | None, vendor_order_id: int | None) -> str:
    """``C-000042-7`` for a part of a consumer's checkout, ``BC-000007`` for a professional order."""
    if order_group_id is None:
        return f"BC-{vendor_order_id or 0:06d}"
    return f"C-{order_group_id:06d}-{vendor_order_id}"


# ---------------------------------------------------------------- cart


class Cart(TimestampMixin, Base):
    """A signed-in user's cart (user_id) or an anonymous visitor's (token kept in the session)."""

    __tablename__ = "cart"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), unique=True)
    token: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    # vendor id (as a string) → "pickup" | "delivery"
    fulfilment_choices: Mapped[dict[str, Any] | None] = mapped_column(JSON)

    lines: Mapped[list[CartLine]] = relationship(
        back_populates="cart", cascade="all, delete-orphan", order_by="CartLine.id"
    )

    def __repr__(self) -> str:
        return f"<Cart {self.id} user={self.user_id}>"


class CartLine(Base):
    __tablename__ = "cart_line"
    __table_args__ = (sa.UniqueConstraint("cart_id", "offer_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cart_id: Mapped[int] = mapped_column(sa.ForeignKey("cart.id", ondelete="CASCADE"), index=True)
    offer_id: Mapped[int] = mapped_column(sa.ForeignKey("offer.id", ondelete="CASCADE"), index=True)
    quantity: Mapped[int] = mapped_column(default=1)
    added_at: Mapped[dt.datetime] = mapped_column(default=now_utc)

    cart: Mapped[Cart] = relationship(back_populates="lines")
    offer = relationship("Offer", lazy="joined")


# ---------------------------------------------------------------- orders


class OrderGroup(TimestampMixin, Base):
    """One checkout, paid once, split into one vendor order per vendor."""

    __tablename__ = "order_group"

    id: Mapped[int] = mapped_column(primary_key=True)
    consumer_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"), index=True)
    contact_name: Mapped[str] = mapped_column(sa.String(120))
    contact_email: Mapped[str] = mapped_column(sa.String(320))
    contact_phone: Mapped[str | None] = mapped_column(sa.String(40))
    address_line: Mapped[str | None] = mapped_column(sa.String(300))
    postal_code: Mapped[str | None] = mapped_column(sa.String(10))
    city: Mapped[str | None] = mapped_column(sa.String(120))
    status: Mapped[OrderGroupStatus] = mapped_column(
        str_enum(OrderGroupStatus), default=OrderGroupStatus.PENDING_PAYMENT, index=True
    )
    total_cents: Mapped[int] = mapped_column(default=0)
    refunded_cents: Mapped[int] = mapped_column(default=0)
    checkout_session_id: Mapped[str | None] = mapped_column(sa.String(255), unique=True)
    expires_at: Mapped[dt.datetime | None]
    paid_at: Mapped[dt.datetime | None]
    cancelled_at: Mapped[dt.datetime | None]

    consumer = relationship("User")
    vendor_orders: Mapped[list[VendorOrder]] = relationship(
        back_populates="order_group", cascade="all, delete-orphan", order_by="VendorOrder.id"
    )
    reservations: Mapped[list[StockReservation]] = relationship(
        back_populates="order_group", cascade="all, delete-orphan", order_by="StockReservation.id"
    )

    @property
    def reference(self) -> str:
        return f"C-{self.id:06d}"

    @property
    def transfer_group(self) -> str:
        return f"group-{self.id}"

    def __repr__(self) -> str:
        return f"<OrderGroup {self.id} {self.status.value} {self.total_cents}>"


class VendorOrder(TimestampMixin, Base):
    """The part of an order group that one vendor fulfils and invoices.

    A professional order (bon de commande) is a vendor order without an order
    group: it comes from a buyer organisation's accepted quote, is paid on
    invoice by bank transfer (``payment_method`` invoice) and goes through the
    same fulfilment statuses. See ``marketplace.shop.pro_orders``.
    """

    __tablename__ = "vendor_order"
    __table_args__ = (sa.UniqueConstraint("order_group_id", "vendor_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # None for a professional order (no consumer checkout).
    order_group_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("order_group.id", ondelete="CASCADE"), index=True
    )
    vendor_id: Mapped[int] = mapped_column(sa.ForeignKey("vendor.id", ondelete="RESTRICT"), index=True)
    status: Mapped[VendorOrderStatus] = mapped_column(
        str_enum(VendorOrderStatus), default=VendorOrderStatus.PENDING_PAYMENT, index=True
    )
    fulfilment: Mapped[Fulfilment] = mapped_column(str_enum(Fulfilment), default=Fulfilment.PICKUP)
    delivery_fee_cents: Mapped[int] = mapped_column(default=0)
    subtotal_cents: Mapped[int] = mapped_column(default=0)
    total_cents: Mapped[int] = mapped_column(default=0)
    vat_cents: Mapped[int] = mapped_column(default=0)
    commission_bp: Mapped[int] = mapped_column(default=0)
    commission_cents: Mapped[int] = mapped_column(default=0)
    refunded_cents: Mapped[int] = mapped_column(default=0)
    cancel_reason: Mapped[str | None] = mapped_column(sa.Text)
    cancelled_by: Mapped[str | None] = mapped_column(sa.String(20))
    paid_at: Mapped[dt.datetime | None]
    preparing_at: Mapped[dt.datetime | None]
    ready_at: Mapped[dt.datetime | None]
    shipped_at: Mapped[dt.datetime | None]
    completed_at: Mapped[dt.datetime | None]
    cancelled_at: Mapped[dt.datetime | None]
    refunded_at: Mapped[dt.datetime | None]
    payment_method: Mapped[PaymentMethod] = mapped_column(
        str_enum(PaymentMethod), default=PaymentMethod.CARD, server_default=PaymentMethod.CARD.value
    )
    # Professional orders only: the buyer organisation, who ordered, where, and the payment term.
    buyer_organisation_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("buyer_organisation.id", ondelete="RESTRICT"), index=True
    )
    ordered_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    buyer_reference: Mapped[str | None] = mapped_column(sa.String(60))
    delivery_place: Mapped[str | None] = mapped_column(sa.String(300))
    payment_term_days: Mapped[int | None]
    payment_due_on: Mapped[dt.date | None] = mapped_column(sa.Date)

    order_group: Mapped[OrderGroup | None] = relationship(back_populates="vendor_orders")
    vendor = relationship("Vendor")
    buyer_organisation = relationship("BuyerOrganisation")
    ordered_by = relationship("User", foreign_keys=[ordered_by_id])
    lines: Mapped[list[OrderLine]] = relationship(
        back_populates="vendor_order", cascade="all, delete-orphan", order_by="OrderLine.id"
    )
    invoice: Mapped[Invoice | None] = relationship(back_populates="vendor_order", uselist=False)
    credit_notes: Mapped[list[CreditNote]] = relationship(
        back_populates="vendor_order", order_by="CreditNote.id"
    )

    @property
    def reference(self) -> str:
        return order_reference(self.order_group_id, self.id)

    @property
    def commission_due_cents(self) -> int:
        """The commission is due on what the consumer keeps: none on a cancelled or fully refunded order."""
        if self.status is VendorOrderStatus.CANCELLED or self.refunded_cents >= self.total_cents:
            return 0
        return self.commission_cents

    @property
    def net_to_vendor_cents(self) -> int:
        """What the structure receives: the total, less refunds and the commission due."""
        if self.status is VendorOrderStatus.CANCELLED:
            return 0
        return max(self.total_cents - self.refunded_cents - self.commission_due_cents, 0)

    @property
    def is_invoice_order(self) -> bool:
        """A professional order, paid on invoice by bank transfer (no card payment, no transfer)."""
        return self.payment_method is PaymentMethod.INVOICE

    @property
    def status_label(self) -> str:
        """The status as the parties read it: a professional order is confirmed, not paid, at first."""
        if self.is_invoice_order and self.status is VendorOrderStatus.PAID:
            return str(_l("Confirmée, à préparer"))
        return self.status.label

    @property
    def contact_name(self) -> str:
        if self.order_group is not None:
            return self.order_group.contact_name
        names = [getattr(self.buyer_organisation, "name", None), getattr(self.ordered_by, "name", None)]
        return " — ".join(n for n in names if n)

    @property
    def contact_email(self) -> str | None:
        if self.order_group is not None:
            return self.order_group.contact_email
        return getattr(self.ordered_by, "email", None)

    @property
    def contact_phone(self) -> str | None:
        if self.order_group is not None:
            return self.order_group.contact_phone
        return getattr(self.ordered_by, "phone", None)

    @property
    def delivery_address(self) -> str:
        if self.order_group is None:
            return self.delivery_place or ""
        group = self.order_group
        town = " ".join(p for p in [group.postal_code, group.city] if p)
        return ", ".join(p for p in [group.address_line, town] if p)

    def __repr__(self) -> str:
        return f"<VendorOrder {self.id} vendor={self.vendor_id} {self.status.value}>"


class OrderLine(Base):
    """A line as sold: title, unit price and VAT rate copied from the offer at checkout."""

    __tablename__ = "order_line"

    id: Mapped[int] = mapped_column(primary_key=True)
    vendor_order_id: Mapped[int] = mapped_column(sa.ForeignKey("vendor_order.id", ondelete="CASCADE"), index=True)
    offer_id: Mapped[int | None] = mapped_column(sa.ForeignKey("offer.id", ondelete="SET NULL"), index=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    unit: Mapped[str | None] = mapped_column(sa.String(20))
    unit_price_cents: Mapped[int]
    vat_rate_bp: Mapped[int]
    quantity: Mapped[int]
    total_cents: Mapped[int]
    delivered: Mapped[bool] = mapped_column(default=False)
    # Professional orders are priced excluding VAT: unit price and line total HT.
    unit_net_cents: Mapped[int | None]
    net_cents: Mapped[int | None]

    vendor_order: Mapped[VendorOrder] = relationship(back_populates="lines")


class StockReservation(Base):
    """Units taken from an offer's stock while its checkout is open."""

    __tablename__ = "stock_reservation"

    id: Mapped[int] = mapped_column(primary_key=True)
    offer_id: Mapped[int] = mapped_column(sa.ForeignKey("offer.id", ondelete="CASCADE"), index=True)
    order_group_id: Mapped[int] = mapped_column(sa.ForeignKey("order_group.id", ondelete="CASCADE"), index=True)
    quantity: Mapped[int]
    created_at: Mapped[dt.datetime] = mapped_column(default=now_utc)
    expires_at: Mapped[dt.datetime] = mapped_column(index=True)
    released_at: Mapped[dt.datetime | None]
    consumed_at: Mapped[dt.datetime | None]

    order_group: Mapped[OrderGroup] = relationship(back_populates="reservations")

    @property
    def is_open(self) -> bool:
        return self.released_at is None and self.consumed_at is None


# ---------------------------------------------------------------- invoices


class InvoiceSequence(Base):
    """The last number given per vendor, document kind and year; its row is the lock."""

    __tablename__ = "invoice_sequence"

    vendor_id: Mapped[int] = mapped_column(sa.ForeignKey("vendor.id", ondelete="CASCADE"), primary_key=True)
    kind: Mapped[DocumentKind] = mapped_column(str_enum(DocumentKind), primary_key=True)
    year: Mapped[int] = mapped_column(primary_key=True)
    last_number: Mapped[int] = mapped_column(default=0)


class _FiscalDocument:
    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(sa.String(32))
    sequence: Mapped[int]
    year: Mapped[int]
    issued_at: Mapped[dt.datetime] = mapped_column(default=now_utc)
    net_cents: Mapped[int]
    vat_cents: Mapped[int]
    total_cents: Mapped[int]
    # seller and buyer identities as they stood on the day of issue
    seller: Mapped[dict[str, Any]] = mapped_column(JSON)
    buyer: Mapped[dict[str, Any]] = mapped_column(JSON)
    # rate_bp (string) → {"net": cents, "vat": cents, "gross": cents}
    vat_breakdown: Mapped[dict[str, Any]] = mapped_column(JSON)


class Invoice(_FiscalDocument, Base):
    __tablename__ = "invoice"
    __table_args__ = (sa.UniqueConstraint("vendor_id", "number"),)

    vendor_id: Mapped[int] = mapped_column(sa.ForeignKey("vendor.id", ondelete="RESTRICT"), index=True)
    vendor_order_id: Mapped[int] = mapped_column(
        sa.ForeignKey("vendor_order.id", ondelete="RESTRICT"), unique=True
    )

    vendor_order: Mapped[VendorOrder] = relationship(back_populates="invoice")
    vendor = relationship("Vendor")


class CreditNote(_FiscalDocument, Base):
    __tablename__ = "credit_note"
    __table_args__ = (sa.UniqueConstraint("vendor_id", "number"),)

    vendor_id: Mapped[int] = mapped_column(sa.ForeignKey("vendor.id", ondelete="RESTRICT"), index=True)
    vendor_order_id: Mapped[int] = mapped_column(sa.ForeignKey("vendor_order.id", ondelete="RESTRICT"), index=True)
    invoice_id: Mapped[int | None] = mapped_column(sa.ForeignKey("invoice.id", ondelete="RESTRICT"), index=True)
    reason: Mapped[str | None] = mapped_column(sa.Text)

    vendor_order: Mapped[VendorOrder] = relationship(back_populates="credit_notes")
    invoice: Mapped[Invoice | None] = relationship()
    vendor = relationship("Vendor")
