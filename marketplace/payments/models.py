"""Payments: one Stripe payment per order group, one transfer per vendor order,
refunds, and the webhook events already processed."""
from __future__ import annotations

import datetime as dt
import enum

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column

from marketplace.core.clock import now_utc
from marketplace.core.db import Base, TimestampMixin, str_enum


class PaymentStatus(enum.Enum):
    OPEN = "open"  # Checkout Session created, consumer on the hosted page
    PROCESSING = "processing"  # completed, asynchronous payment method still settling
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    EXPIRED = "expired"
    REJECTED = "rejected"  # amount did not match the order: never marked paid
    REFUNDED = "refunded"  # paid after the order was cancelled: refunded in full at once

    @property
    def label(self) -> str:
        return str(PAYMENT_STATUS_LABELS[self])


PAYMENT_STATUS_LABELS = {
    PaymentStatus.OPEN: _l("En attente de paiement"),
    PaymentStatus.PROCESSING: _l("Paiement en cours de validation"),
    PaymentStatus.SUCCEEDED: _l("Payé"),
    PaymentStatus.FAILED: _l("Paiement refusé"),
    PaymentStatus.EXPIRED: _l("Session de paiement expirée"),
    PaymentStatus.REJECTED: _l("Montant incohérent"),
    PaymentStatus.REFUNDED: _l("Remboursé"),
}


class Payment(TimestampMixin, Base):
    """The consumer's single payment for an order group (separate charges and transfers)."""

    __tablename__ = "payment"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_group_id: Mapped[int] = mapped_column(
        sa.ForeignKey("order_group.id", ondelete="CASCADE"), unique=True
    )
    checkout_session_id: Mapped[str] = mapped_column(sa.String(255), unique=True)
    payment_intent_id: Mapped[str | None] = mapped_column(sa.String(255), index=True)
    amount_cents: Mapped[int]
    amount_received_cents: Mapped[int | None]
    currency: Mapped[str] = mapped_column(sa.String(3), default="eur")
    status: Mapped[PaymentStatus] = mapped_column(
        str_enum(PaymentStatus), default=PaymentStatus.OPEN, index=True
    )
    checkout_url: Mapped[str | None] = mapped_column(sa.Text)
    expires_at: Mapped[dt.datetime | None]
    paid_at: Mapped[dt.datetime | None]


class TransferStatus(enum.Enum):
    PENDING = "pending"  # waiting for the vendor's payouts to be enabled
    PAID = "paid"
    REVERSED = "reversed"

    @property
    def label(self) -> str:
        return str(TRANSFER_STATUS_LABELS[self])


TRANSFER_STATUS_LABELS = {
    TransferStatus.PENDING: _l("En attente"),
    TransferStatus.PAID: _l("Versé"),
    TransferStatus.REVERSED: _l("Annulé (remboursé)"),
}


class Transfer(TimestampMixin, Base):
    """The vendor's share of a vendor order (total minus commission)."""

    __tablename__ = "transfer"

    id: Mapped[int] = mapped_column(primary_key=True)
    vendor_order_id: Mapped[int] = mapped_column(
        sa.ForeignKey("vendor_order.id", ondelete="CASCADE"), unique=True
    )
    vendor_id: Mapped[int] = mapped_column(sa.ForeignKey("vendor.id", ondelete="CASCADE"), index=True)
    stripe_transfer_id: Mapped[str | None] = mapped_column(sa.String(255), unique=True)
    destination_account_id: Mapped[str | None] = mapped_column(sa.String(64))
    amount_cents: Mapped[int]
    status: Mapped[TransferStatus] = mapped_column(
        str_enum(TransferStatus), default=TransferStatus.PENDING, index=True
    )
    idempotency_key: Mapped[str] = mapped_column(sa.String(120), unique=True)
    last_error: Mapped[str | None] = mapped_column(sa.Text)
    transferred_at: Mapped[dt.datetime | None]
    reversed_at: Mapped[dt.datetime | None]


class Refund(Base):
    """A refund of one vendor part to the consumer, with the reversal of its transfer."""

    __tablename__ = "refund"

    id: Mapped[int] = mapped_column(primary_key=True)
    vendor_order_id: Mapped[int] = mapped_column(
        sa.ForeignKey("vendor_order.id", ondelete="CASCADE"), unique=True
    )
    stripe_refund_id: Mapped[str | None] = mapped_column(sa.String(255), unique=True)
    amount_cents: Mapped[int]
    reversal_id: Mapped[str | None] = mapped_column(sa.String(255))
    status: Mapped[str] = mapped_column(sa.String(30), default="succeeded")
    created_at: Mapped[dt.datetime] = mapped_column(default=now_utc)


class StripeEvent(Base):
    """A webhook event already processed: inserted in the same transaction as its effect."""

    __tablename__ = "stripe_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[str] = mapped_column(sa.String(255), unique=True)
    type: Mapped[str] = mapped_column(sa.String(100), index=True)
    received_at: Mapped[dt.datetime] = mapped_column(default=now_utc)
    processed_at: Mapped[dt.datetime | None]
    outcome: Mapped[str | None] = mapped_column(sa.String(200))
