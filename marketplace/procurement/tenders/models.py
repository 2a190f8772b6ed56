"""Calls for tenders (appels d'offres), their lots, award criteria, documents,
questions and answers, amendments, and the vendors' saved alert searches."""
from __future__ import annotations

import datetime as dt
import enum
from typing import TYPE_CHECKING

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.core.clock import now_utc
from marketplace.core.db import Base, TimestampMixin, str_enum

if TYPE_CHECKING:
    from marketplace.accounts.models import BuyerOrganisation, User
    from marketplace.catalogue.models import Category
    from marketplace.vendors.models import Vendor


class TenderStatus(enum.Enum):
    DRAFT = "draft"
    PUBLISHED = "published"
    CLOSED = "closed"
    UNDER_EVALUATION = "under_evaluation"
    AWARDED = "awarded"
    UNSUCCESSFUL = "unsuccessful"
    CANCELLED = "cancelled"

    @property
    def label(self) -> str:
        return str(TENDER_STATUS_LABELS[self])

    @property
    def is_public(self) -> bool:
        """Visible on the public list and detail pages."""
        return self is not TenderStatus.DRAFT

    @property
    def is_final(self) -> bool:
        return self in {TenderStatus.AWARDED, TenderStatus.UNSUCCESSFUL, TenderStatus.CANCELLED}


TENDER_STATUS_LABELS = {
    TenderStatus.DRAFT: _l("Brouillon"),
    TenderStatus.PUBLISHED: _l("Publié"),
    TenderStatus.CLOSED: _l("Clos"),
    TenderStatus.UNDER_EVALUATION: _l("En cours d'analyse"),
    TenderStatus.AWARDED: _l("Attribué"),
    TenderStatus.UNSUCCESSFUL: _l("Infructueux"),
    TenderStatus.CANCELLED: _l("Annulé"),
}


class Procedure(enum.Enum):
    ADAPTED = "procedure_adaptee"
    OPEN = "appel_offres_ouvert"

    @property
    def label(self) -> str:
        return str(PROCEDURE_LABELS[self])


PROCEDURE_LABELS = {
    Procedure.ADAPTED: _l("Procédure adaptée (MAPA)"),
    Procedure.OPEN: _l("Appel d'offres ouvert"),
}


class Reservation(enum.Enum):
    NONE = "none"
    SIAE = "siae"  # art. L2113-13 du Code de la commande publique
    EA_ESAT = "ea_esat"  # art. L2113-12 du Code de la commande publique

    @property
    def label(self) -> str:
        return str(RESERVATION_LABELS[self])

    @property
    def article(self) -> str | None:
        return RESERVATION_ARTICLES.get(self)

    @property
    def is_reserved(self) -> bool:
        return self is not Reservation.NONE


RESERVATION_LABELS = {
    Reservation.NONE: _l("Non réservé"),
    Reservation.SIAE: _l("Réservé aux structures d'insertion par l'activité économique (SIAE)"),
    Reservation.EA_ESAT: _l("Réservé aux entreprises adaptées et ESAT"),
}

RESERVATION_ARTICLES = {
    Reservation.SIAE: "L2113-13",
    Reservation.EA_ESAT: "L2113-12",
}


class Tender(TimestampMixin, Base):
    """A call for tenders published by a buyer organisation."""

    __tablename__ = "tender"
    __table_args__ = (sa.UniqueConstraint("buyer_organisation_id", "reference"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    buyer_organisation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("buyer_organisation.id", ondelete="RESTRICT"), index=True
    )
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    reference: Mapped[str] = mapped_column(sa.String(60))
    title: Mapped[str] = mapped_column(sa.String(200))
    object: Mapped[str] = mapped_column(sa.Text, default="")
    procedure: Mapped[Procedure] = mapped_column(str_enum(Procedure), default=Procedure.ADAPTED)
    category_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("category.id", ondelete="SET NULL"), index=True
    )
    departement: Mapped[str | None] = mapped_column(sa.String(3), index=True)
    reservation: Mapped[Reservation] = mapped_column(str_enum(Reservation), default=Reservation.NONE)
    social_clause: Mapped[str | None] = mapped_column(sa.Text)
    question_deadline: Mapped[dt.datetime]
    submission_deadline: Mapped[dt.datetime] = mapped_column(index=True)
    status: Mapped[TenderStatus] = mapped_column(
        str_enum(TenderStatus), default=TenderStatus.DRAFT, index=True
    )
    published_at: Mapped[dt.datetime | None] = mapped_column(index=True)
    closed_at: Mapped[dt.datetime | None]
    evaluation_started_at: Mapped[dt.datetime | None]
    cancelled_at: Mapped[dt.datetime | None]
    cancel_reason: Mapped[str | None] = mapped_column(sa.Text)
    decided_at: Mapped[dt.datetime | None]  # awarded or unsuccessful

    buyer_organisation: Mapped[BuyerOrganisation] = relationship()
    created_by: Mapped[User | None] = relationship()
    category: Mapped[Category | None] = relationship()
    lots: Mapped[list[Lot]] = relationship(
        back_populates="tender", cascade="all, delete-orphan", order_by="Lot.number"
    )
    criteria: Mapped[list[AwardCriterion]] = relationship(
        back_populates="tender", cascade="all, delete-orphan", order_by="AwardCriterion.position"
    )
    documents: Mapped[list[TenderDocument]] = relationship(
        back_populates="tender", cascade="all, delete-orphan", order_by="TenderDocument.id"
    )
    questions: Mapped[list[TenderQuestion]] = relationship(
        back_populates="tender", cascade="all, delete-orphan", order_by="TenderQuestion.id"
    )
    amendments: Mapped[list[TenderAmendment]] = relationship(
        back_populates="tender", cascade="all, delete-orphan", order_by="TenderAmendment.number"
    )

    def accepts_bids(self, now: dt.datetime) -> bool:
        return self.status is TenderStatus.PUBLISHED and now < self.submission_deadline

    def accepts_questions(self, now: dt.datetime) -> bool:
        return self.status is TenderStatus.PUBLISHED and now < self.question_deadline

    def deadline_passed(self, now: dt.datetime) -> bool:
        return now >= self.submission_deadline

    @property
    def estimated_amount_cents(self) -> int | None:
        amounts = [lot.estimated_amount_cents for lot in self.lots if lot.estimated_amount_cents is not None]
        return sum(amounts) if amounts else None

    @property
    def is_reserved(self) -> bool:
        """The whole tender or at least one of its lots is reserved."""
        return self.reservation.is_reserved or any(lot.reservation.is_reserved for lot in self.lots)

    @property
    def reservation_articles(self) -> list[str]:
        """The articles of the Code de la commande publique the tender or its lots rely on."""
        reservations = {self.reservation, *(lot.reservation for lot in self.lots)}
        return sorted(r.article for r in reservations if r.article)

    def display_status(self, now: dt.datetime) -> TenderStatus:
        """The status to show: a published tender whose deadline has passed reads as
        closed even before the clock job has stamped it."""
        if self.status is TenderStatus.PUBLISHED and self.deadline_passed(now):
            return TenderStatus.CLOSED
        return self.status

    @property
    def weights_total(self) -> int:
        return sum(c.weight for c in self.criteria)

    def __repr__(self) -> str:
        return f"<Tender {self.id} {self.reference} {self.status.value}>"


class LotStatus(enum.Enum):
    OPEN = "open"
    AWARDED = "awarded"
    UNSUCCESSFUL = "unsuccessful"

    @property
    def label(self) -> str:
        return str(LOT_STATUS_LABELS[self])


LOT_STATUS_LABELS = {
    LotStatus.OPEN: _l("En cours"),
    LotStatus.AWARDED: _l("Attribué"),
    LotStatus.UNSUCCESSFUL: _l("Infructueux"),
}


class Lot(Base):
    __tablename__ = "tender_lot"
    __table_args__ = (sa.UniqueConstraint("tender_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tender_id: Mapped[int] = mapped_column(sa.ForeignKey("tender.id", ondelete="CASCADE"), index=True)
    number: Mapped[int]
    title: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    estimated_amount_cents: Mapped[int | None]
    # A lot may be reserved on its own (the tender's reservation covers every lot).
    reservation: Mapped[Reservation] = mapped_column(str_enum(Reservation), default=Reservation.NONE)
    status: Mapped[LotStatus] = mapped_column(str_enum(LotStatus), default=LotStatus.OPEN)
    decided_at: Mapped[dt.datetime | None]

    tender: Mapped[Tender] = relationship(back_populates="lots")

    @property
    def effective_reservation(self) -> Reservation:
        """The tender's reservation if it has one, else the lot's own."""
        if self.tender is not None and self.tender.reservation.is_reserved:
            return self.tender.reservation
        return self.reservation

    def __repr__(self) -> str:
        return f"<Lot {self.tender_id}/{self.number} {self.title}>"


class CriterionKind(enum.Enum):
    PRICE = "price"
    OTHER = "other"

    @property
    def label(self) -> str:
        return str(CRITERION_KIND_LABELS[self])


CRITERION_KIND_LABELS = {
    CriterionKind.PRICE: _l("Prix"),
    CriterionKind.OTHER: _l("Qualitatif"),
}


class AwardCriterion(Base):
    __tablename__ = "tender_criterion"
    __table_args__ = (sa.CheckConstraint("weight >= 0 AND weight <= 100", name="weight_range"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tender_id: Mapped[int] = mapped_column(sa.ForeignKey("tender.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    name: Mapped[str] = mapped_column(sa.String(160))
    kind: Mapped[CriterionKind] = mapped_column(str_enum(CriterionKind), default=CriterionKind.OTHER)
    weight: Mapped[int]

    tender: Mapped[Tender] = relationship(back_populates="criteria")


class TenderDocument(Base):
    """A consultation document (DCE), stored privately and served through a view."""

    __tablename__ = "tender_document"

    id: Mapped[int] = mapped_column(primary_key=True)
    tender_id: Mapped[int] = mapped_column(sa.ForeignKey("tender.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    original_name: Mapped[str] = mapped_column(sa.String(255))
    storage_name: Mapped[str] = mapped_column(sa.String(80), unique=True)
    content_type: Mapped[str] = mapped_column(sa.String(100))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(sa.String(64))
    uploaded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    uploaded_at: Mapped[dt.datetime] = mapped_column(default=now_utc)
    # Set when the document was added after publication (an amendment).
    amendment_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("tender_amendment.id", ondelete="SET NULL")
    )

    tender: Mapped[Tender] = relationship(back_populates="documents")


class TenderAmendment(Base):
    """A change made to a published tender (deadlines postponed, documents added):
    a numbered version note shown on the tender page and e-mailed to bidders."""

    __tablename__ = "tender_amendment"
    __table_args__ = (sa.UniqueConstraint("tender_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tender_id: Mapped[int] = mapped_column(sa.ForeignKey("tender.id", ondelete="CASCADE"), index=True)
    number: Mapped[int]
    note: Mapped[str] = mapped_column(sa.Text)
    previous_question_deadline: Mapped[dt.datetime | None]
    previous_submission_deadline: Mapped[dt.datetime | None]
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(default=now_utc)

    tender: Mapped[Tender] = relationship(back_populates="amendments")


class TenderQuestion(Base):
    """A vendor's question; the asker is never shown to anyone but the platform's records.
    Answered questions are published to everyone, anonymously."""

    __tablename__ = "tender_question"

    id: Mapped[int] = mapped_column(primary_key=True)
    tender_id: Mapped[int] = mapped_column(sa.ForeignKey("tender.id", ondelete="CASCADE"), index=True)
    asked_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    vendor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("vendor.id", ondelete="SET NULL"))
    body: Mapped[str] = mapped_column(sa.Text)
    asked_at: Mapped[dt.datetime] = mapped_column(default=now_utc)
    answer: Mapped[str | None] = mapped_column(sa.Text)
    answered_at: Mapped[dt.datetime | None]
    answered_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))

    tender: Mapped[Tender] = relationship(back_populates="questions")
    asked_by: Mapped[User | None] = relationship(foreign_keys=[asked_by_id])
    vendor: Mapped[Vendor | None] = relationship()

    @property
    def is_answered(self) -> bool:
        return self.answered_at is not None


class TenderAlert(Base):
    """A vendor member's saved search: an e-mail when a matching tender is published."""

    __tablename__ = "tender_alert"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), index=True)
    vendor_id: Mapped[int] = mapped_column(sa.ForeignKey("vendor.id", ondelete="CASCADE"), index=True)
    category_id: Mapped[int | None] = mapped_column(sa.ForeignKey("category.id", ondelete="CASCADE"))
    departement: Mapped[str | None] = mapped_column(sa.String(3))
    reserved_only: Mapped[bool] = mapped_column(default=False)
    keywords: Mapped[str | None] = mapped_column(sa.String(200))
    created_at: Mapped[dt.datetime] = mapped_column(default=now_utc)

    user: Mapped[User] = relationship()
    vendor: Mapped[Vendor] = relationship()
    category: Mapped[Category | None] = relationship()
