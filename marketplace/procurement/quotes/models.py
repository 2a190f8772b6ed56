"""Quote requests (demandes de devis), the vendors' quotes with their revisions,
attachments, and one message thread per request and vendor."""
from __future__ import annotations

import datetime as dt
import enum
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.core.clock import now_utc
from marketplace.core.db import Base, TimestampMixin, str_enum

if TYPE_CHECKING:
    from marketplace.accounts.models import BuyerOrganisation, User
    from marketplace.catalogue.models import Category
    from marketplace.vendors.models import Vendor


class RequestStatus(enum.Enum):
    """draft → open → closed (deadline passed) → awarded | expired; cancelled from draft, open, closed."""

    DRAFT = "draft"
    OPEN = "open"
    CLOSED = "closed"
    AWARDED = "awarded"
    CANCELLED = "cancelled"
    EXPIRED = "expired"

    @property
    def label(self) -> str:
        return str(REQUEST_STATUS_LABELS[self])

    @property
    def is_decided(self) -> bool:
        return self in {RequestStatus.AWARDED, RequestStatus.CANCELLED, RequestStatus.EXPIRED}


REQUEST_STATUS_LABELS = {
    RequestStatus.DRAFT: _l("Brouillon"),
    RequestStatus.OPEN: _l("Ouverte"),
    RequestStatus.CLOSED: _l("Clôturée, à décider"),
    RequestStatus.AWARDED: _l("Attribuée"),
    RequestStatus.CANCELLED: _l("Annulée"),
    RequestStatus.EXPIRED: _l("Expirée sans décision"),
}


class RecipientMode(enum.Enum):
    CHOSEN = "chosen"  # the structures the buyer picked
    MATCHING = "matching"  # every approved structure matching the need and the territory

    @property
    def label(self) -> str:
        return str(RECIPIENT_MODE_LABELS[self])


RECIPIENT_MODE_LABELS = {
    RecipientMode.CHOSEN: _l("Structures choisies"),
    RecipientMode.MATCHING: _l("Toutes les structures correspondantes"),
}


class QuoteStatus(enum.Enum):
    """submitted ⇄ (revisions) → accepted | not_selected | withdrawn | expired; declined instead of a quote."""

    SUBMITTED = "submitted"
    DECLINED = "declined"
    ACCEPTED = "accepted"
    NOT_SELECTED = "not_selected"
    WITHDRAWN = "withdrawn"
    EXPIRED = "expired"

    @property
    def label(self) -> str:
        return str(QUOTE_STATUS_LABELS[self])


QUOTE_STATUS_LABELS = {
    QuoteStatus.SUBMITTED: _l("Envoyé"),
    QuoteStatus.DECLINED: _l("Décliné"),
    QuoteStatus.ACCEPTED: _l("Accepté"),
    QuoteStatus.NOT_SELECTED: _l("Non retenu"),
    QuoteStatus.WITHDRAWN: _l("Retiré"),
    QuoteStatus.EXPIRED: _l("Expiré"),
}


class QuoteRequest(TimestampMixin, Base):
    """A buyer organisation's need, sent to chosen structures or to every matching one."""

    __tablename__ = "quote_request"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("buyer_organisation.id", ondelete="RESTRICT"), index=True
    )
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    title: Mapped[str] = mapped_column(sa.String(200))
    need: Mapped[str] = mapped_column(sa.Text)
    category_id: Mapped[int] = mapped_column(sa.ForeignKey("category.id", ondelete="RESTRICT"), index=True)
    quantity: Mapped[int | None]
    unit: Mapped[str | None] = mapped_column(sa.String(20))
    delivery_commune: Mapped[str] = mapped_column(sa.String(120))
    delivery_departement_code: Mapped[str] = mapped_column(sa.String(3), index=True)
    accept_national: Mapped[bool] = mapped_column(default=False)
    wished_date: Mapped[dt.date | None] = mapped_column(sa.Date)
    budget_cents: Mapped[int | None]  # excluding VAT
    response_deadline: Mapped[dt.datetime] = mapped_column(index=True)
    recipient_mode: Mapped[RecipientMode] = mapped_column(str_enum(RecipientMode), default=RecipientMode.CHOSEN)
    status: Mapped[RequestStatus] = mapped_column(str_enum(RequestStatus), default=RequestStatus.DRAFT, index=True)
    notified_count: Mapped[int] = mapped_column(default=0)
    published_at: Mapped[dt.datetime | None]
    closed_at: Mapped[dt.datetime | None]
    awarded_at: Mapped[dt.datetime | None]
    cancelled_at: Mapped[dt.datetime | None]
    expired_at: Mapped[dt.datetime | None]
    cancel_reason: Mapped[str | None] = mapped_column(sa.Text)

    organisation: Mapped[BuyerOrganisation] = relationship()
    created_by: Mapped[User | None] = relationship()
    category: Mapped[Category] = relationship()
    recipients: Mapped[list[QuoteRecipient]] = relationship(
        back_populates="request", cascade="all, delete-orphan", order_by="QuoteRecipient.rank"
    )
    quotes: Mapped[list[Quote]] = relationship(back_populates="request", order_by="Quote.id")
    attachments: Mapped[list[QuoteAttachment]] = relationship(
        back_populates="request", cascade="all, delete-orphan", order_by="QuoteAttachment.id",
        foreign_keys="QuoteAttachment.request_id",
    )

    @property
    def reference(self) -> str:
        return f"DD-{self.id or 0:06d}"

    def deadline_passed(self, now: dt.datetime | None = None) -> bool:
        return (now or now_utc()) >= self.response_deadline

    def accepts_quotes(self, now: dt.datetime | None = None) -> bool:
        """Open and before its response deadline."""
        return self.status is RequestStatus.OPEN and not self.deadline_passed(now)

    @property
    def shown_status(self) -> RequestStatus:
        """The status as it stands now, even before the deadline job has closed the request."""
        if self.status is RequestStatus.OPEN and self.deadline_passed():
            return RequestStatus.CLOSED
        return self.status

    def __repr__(self) -> str:
        return f"<QuoteRequest {self.id} {self.status.value}>"


class QuoteRecipient(Base):
    """A structure the request was addressed to: picked by the buyer or matched (and notified)."""

    __tablename__ = "quote_recipient"
    __table_args__ = (sa.UniqueConstraint("request_id", "vendor_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(sa.ForeignKey("quote_request.id", ondelete="CASCADE"), index=True)
    vendor_id: Mapped[int] = mapped_column(sa.ForeignKey("vendor.id", ondelete="CASCADE"), index=True)
    chosen: Mapped[bool] = mapped_column(default=True)
    rank: Mapped[int] = mapped_column(default=0)
    notified_at: Mapped[dt.datetime | None]

    request: Mapped[QuoteRequest] = relationship(back_populates="recipients")
    vendor: Mapped[Vendor] = relationship()


class Quote(TimestampMixin, Base):
    """One structure's answer to a request: its revisions, or its refusal."""

    __tablename__ = "quote"
    __table_args__ = (sa.UniqueConstraint("request_id", "vendor_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(sa.ForeignKey("quote_request.id", ondelete="CASCADE"), index=True)
    vendor_id: Mapped[int] = mapped_column(sa.ForeignKey("vendor.id", ondelete="RESTRICT"), index=True)
    status: Mapped[QuoteStatus] = mapped_column(str_enum(QuoteStatus), index=True)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    submitted_at: Mapped[dt.datetime | None]
    revised_at: Mapped[dt.datetime | None]
    decided_at: Mapped[dt.datetime | None]
    withdrawn_at: Mapped[dt.datetime | None]
    expired_at: Mapped[dt.datetime | None]
    decline_reason: Mapped[str | None] = mapped_column(sa.Text)
    vendor_order_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("vendor_order.id", ondelete="SET NULL"), unique=True
    )

    request: Mapped[QuoteRequest] = relationship(back_populates="quotes")
    vendor: Mapped[Vendor] = relationship()
    revisions: Mapped[list[QuoteRevision]] = relationship(
        back_populates="quote", cascade="all, delete-orphan", order_by="QuoteRevision.number"
    )
    vendor_order = relationship("VendorOrder")

    @property
    def current(self) -> QuoteRevision | None:
        """The latest revision: the one the buyer sees and may accept."""
        return self.revisions[-1] if self.revisions else None

    @property
    def is_revised(self) -> bool:
        return len(self.revisions) > 1

    @property
    def reference(self) -> str:
        return f"DV-{self.request_id or 0:06d}-{self.id or 0}"

    def __repr__(self) -> str:
        return f"<Quote {self.id} vendor={self.vendor_id} {self.status.value}>"


class QuoteRevision(Base):
    """A version of a quote, kept as sent: lines HT with their VAT rate, validity, lead time."""

    __tablename__ = "quote_revision"
    __table_args__ = (sa.UniqueConstraint("quote_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    quote_id: Mapped[int] = mapped_column(sa.ForeignKey("quote.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(default=1)
    valid_until: Mapped[dt.date] = mapped_column(sa.Date)
    lead_time_days: Mapped[int]
    comment: Mapped[str | None] = mapped_column(sa.Text)
    net_cents: Mapped[int]
    vat_cents: Mapped[int]
    total_cents: Mapped[int]
    # rate_bp (string) → {"net": cents, "vat": cents, "gross": cents}
    vat_breakdown: Mapped[dict[str, Any]] = mapped_column(JSON)
    attachment_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("quote_attachment.id", ondelete="SET NULL")
    )
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(default=now_utc)

    quote: Mapped[Quote] = relationship(back_populates="revisions")
    lines: Mapped[list[QuoteLine]] = relationship(
        back_populates="revision", cascade="all, delete-orphan", order_by="QuoteLine.position"
    )
    attachment: Mapped[QuoteAttachment | None] = relationship(foreign_keys=[attachment_id])


class QuoteLine(Base):
    __tablename__ = "quote_line"

    id: Mapped[int] = mapped_column(primary_key=True)
    revision_id: Mapped[int] = mapped_column(sa.ForeignKey("quote_revision.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    designation: Mapped[str] = mapped_column(sa.String(200))
    quantity: Mapped[int]
    unit: Mapped[str | None] = mapped_column(sa.String(20))
    unit_price_cents: Mapped[int]  # excluding VAT
    vat_rate_bp: Mapped[int]
    net_cents: Mapped[int]

    revision: Mapped[QuoteRevision] = relationship(back_populates="lines")

    # The names of an order line, so that quotes and orders share their line tables.
    @property
    def title(self) -> str:
        return self.designation

    @property
    def unit_net_cents(self) -> int:
        return self.unit_price_cents


class QuoteAttachment(Base):
    """A private file of a request (the buyer's) or of a quote (the vendor's), stored under a random name."""

    __tablename__ = "quote_attachment"
    __table_args__ = (
        sa.CheckConstraint(
            "(request_id IS NULL) <> (quote_id IS NULL)", name="one_owner"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int | None] = mapped_column(sa.ForeignKey("quote_request.id", ondelete="CASCADE"), index=True)
    quote_id: Mapped[int | None] = mapped_column(sa.ForeignKey("quote.id", ondelete="CASCADE"), index=True)
    original_name: Mapped[str] = mapped_column(sa.String(255))
    storage_name: Mapped[str] = mapped_column(sa.String(80), unique=True)
    content_type: Mapped[str] = mapped_column(sa.String(60))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(sa.String(64))
    uploaded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    uploaded_at: Mapped[dt.datetime] = mapped_column(default=now_utc)

    request: Mapped[QuoteRequest | None] = relationship(back_populates="attachments", foreign_keys=[request_id])
    quote: Mapped[Quote | None] = relationship(foreign_keys=[quote_id])


class QuoteMessage(Base):
    """A message of the thread between the buyer organisation and one structure about a request."""

    __tablename__ = "quote_message"
    __table_args__ = (sa.Index("ix_quote_message_thread", "request_id", "vendor_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(sa.ForeignKey("quote_request.id", ondelete="CASCADE"))
    vendor_id: Mapped[int] = mapped_column(sa.ForeignKey("vendor.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    from_buyer: Mapped[bool]
    body: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[dt.datetime] = mapped_column(default=now_utc)

    author: Mapped[User | None] = relationship()
