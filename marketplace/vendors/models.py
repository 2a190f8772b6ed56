"""Vendor structures (fournisseurs) and their members."""
from __future__ import annotations

import datetime as dt
import enum

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.accounts.models import User
from marketplace.core.clock import now_utc
from marketplace.core.db import Base, TimestampMixin, str_enum


class LegalForm(enum.Enum):
    ASSOCIATION = "association"
    SCOP = "scop"
    SCIC = "scic"
    CAE = "cae"
    COOPERATIVE = "cooperative"
    MUTUELLE = "mutuelle"
    FONDATION = "fondation"
    SIAE_EI = "siae_ei"
    SIAE_ACI = "siae_aci"
    SIAE_ETTI = "siae_etti"
    SIAE_AI = "siae_ai"
    EA = "ea"
    ESAT = "esat"
    ESUS = "esus"
    OTHER = "other"

    @property
    def label(self) -> str:
        return str(LEGAL_FORM_LABELS[self])

    @property
    def is_siae(self) -> bool:
        return self.value.startswith("siae_")

    @property
    def is_disability(self) -> bool:
        return self in {LegalForm.EA, LegalForm.ESAT}


LEGAL_FORM_LABELS = {
    LegalForm.ASSOCIATION: _l("Association"),
    LegalForm.SCOP: _l("SCOP"),
    LegalForm.SCIC: _l("SCIC"),
    LegalForm.CAE: _l("Coopérative d'activité et d'emploi (CAE)"),
    LegalForm.COOPERATIVE: _l("Coopérative"),
    LegalForm.MUTUELLE: _l("Mutuelle"),
    LegalForm.FONDATION: _l("Fondation"),
    LegalForm.SIAE_EI: _l("SIAE – Entreprise d'insertion (EI)"),
    LegalForm.SIAE_ACI: _l("SIAE – Atelier et chantier d'insertion (ACI)"),
    LegalForm.SIAE_ETTI: _l("SIAE – Entreprise de travail temporaire d'insertion (ETTI)"),
    LegalForm.SIAE_AI: _l("SIAE – Association intermédiaire (AI)"),
    LegalForm.EA: _l("Entreprise adaptée (EA)"),
    LegalForm.ESAT: _l("ESAT"),
    LegalForm.ESUS: _l("Entreprise ESUS"),
    LegalForm.OTHER: _l("Autre"),
}


class Sector(enum.Enum):
    ALIMENTATION = "alimentation"
    COMMERCE_EQUITABLE = "commerce_equitable"
    AGRICULTURE_BIO_LOCALE = "agriculture_bio_locale"
    INSERTION = "insertion"
    ECO_PRODUITS = "eco_produits"
    REEMPLOI = "reemploi"
    ENERGIE = "energie"
    ECO_CONSTRUCTION = "eco_construction"
    MOBILITE_DOUCE = "mobilite_douce"
    VOYAGE_SOLIDAIRE = "voyage_solidaire"
    SERVICES_ENTREPRISES = "services_entreprises"
    CULTURE = "culture"

    @property
    def label(self) -> str:
        return str(SECTOR_LABELS[self])


SECTOR_LABELS = {
    Sector.ALIMENTATION: _l("Alimentation"),
    Sector.COMMERCE_EQUITABLE: _l("Commerce équitable"),
    Sector.AGRICULTURE_BIO_LOCALE: _l("Agriculture biologique et locale"),
    Sector.INSERTION: _l("Insertion par l'activité économique"),
    Sector.ECO_PRODUITS: _l("Éco-produits"),
    Sector.REEMPLOI: _l("Réemploi"),
    Sector.ENERGIE: _l("Énergie"),
    Sector.ECO_CONSTRUCTION: _l("Éco-construction"),
    Sector.MOBILITE_DOUCE: _l("Mobilité douce"),
    Sector.VOYAGE_SOLIDAIRE: _l("Voyage solidaire"),
    Sector.SERVICES_ENTREPRISES: _l("Services aux entreprises"),
    Sector.CULTURE: _l("Culture"),
}


class VendorStatus(enum.Enum):
    """Public standing of a structure; the dossier has its own state machine."""

    CANDIDATE = "candidate"  # not (yet) approved
    APPROVED = "approved"
    SUSPENDED = "suspended"
    EXPIRED = "expired"
    REJECTED = "rejected"

    @property
    def label(self) -> str:
        return str(VENDOR_STATUS_LABELS[self])


VENDOR_STATUS_LABELS = {
    VendorStatus.CANDIDATE: _l("Candidate"),
    VendorStatus.APPROVED: _l("Agréée"),
    VendorStatus.SUSPENDED: _l("Suspendue"),
    VendorStatus.EXPIRED: _l("Agrément expiré"),
    VendorStatus.REJECTED: _l("Refusée"),
}


class Vendor(TimestampMixin, Base):
    __tablename__ = "vendor"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(140), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    legal_name: Mapped[str | None] = mapped_column(sa.String(200))
    siret: Mapped[str | None] = mapped_column(sa.String(14), unique=True)
    legal_form: Mapped[LegalForm | None] = mapped_column(str_enum(LegalForm))
    esus_agrement: Mapped[bool] = mapped_column(default=False)
    year_founded: Mapped[int | None]
    staff_count: Mapped[int | None]
    insertion_jobs: Mapped[int | None]
    address: Mapped[str | None] = mapped_column(sa.String(300))
    postal_code: Mapped[str | None] = mapped_column(sa.String(10))
    commune: Mapped[str | None] = mapped_column(sa.String(120))
    departement_code: Mapped[str | None] = mapped_column(sa.String(3), index=True)
    region_code: Mapped[str | None] = mapped_column(sa.String(3))
    description: Mapped[str | None] = mapped_column(sa.Text)
    website: Mapped[str | None] = mapped_column(sa.String(300))
    email: Mapped[str | None] = mapped_column(sa.String(320))
    phone: Mapped[str | None] = mapped_column(sa.String(40))
    logo_path: Mapped[str | None] = mapped_column(sa.String(200))
    status: Mapped[VendorStatus] = mapped_column(
        str_enum(VendorStatus), default=VendorStatus.CANDIDATE, index=True
    )
    approved_at: Mapped[dt.datetime | None]
    approval_expires_at: Mapped[dt.datetime | None]
    suspended_reason: Mapped[str | None] = mapped_column(sa.Text)
    stripe_account_id: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    payouts_enabled: Mapped[bool] = mapped_column(default=False)

    memberships: Mapped[list[VendorMembership]] = relationship(
        back_populates="vendor", cascade="all, delete-orphan"
    )
    sector_rows: Mapped[list[VendorSector]] = relationship(
        back_populates="vendor", cascade="all, delete-orphan", lazy="selectin"
    )

    @property
    def sectors(self) -> list[Sector]:
        return [row.sector for row in self.sector_rows]

    def set_sectors(self, sectors: list[Sector]) -> None:
        wanted = list(dict.fromkeys(sectors))
        self.sector_rows = [row for row in self.sector_rows if row.sector in wanted]
        have = {row.sector for row in self.sector_rows}
        self.sector_rows.extend(VendorSector(sector=s) for s in wanted if s not in have)

    @property
    def is_public(self) -> bool:
        return self.status == VendorStatus.APPROVED

    def __repr__(self) -> str:
        return f"<Vendor {self.id} {self.name}>"


class VendorSector(Base):
    __tablename__ = "vendor_sector"

    vendor_id: Mapped[int] = mapped_column(sa.ForeignKey("vendor.id", ondelete="CASCADE"), primary_key=True)
    sector: Mapped[Sector] = mapped_column(str_enum(Sector), primary_key=True)

    vendor: Mapped[Vendor] = relationship(back_populates="sector_rows")


class MemberRole(enum.Enum):
    OWNER = "owner"
    STAFF = "staff"

    @property
    def label(self) -> str:
        return str(MEMBER_ROLE_LABELS[self])


MEMBER_ROLE_LABELS = {
    MemberRole.OWNER: _l("Responsable"),
    MemberRole.STAFF: _l("Équipe"),
}


class VendorMembership(Base):
    __tablename__ = "vendor_membership"
    __table_args__ = (sa.UniqueConstraint("user_id", "vendor_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), index=True)
    vendor_id: Mapped[int] = mapped_column(sa.ForeignKey("vendor.id", ondelete="CASCADE"), index=True)
    role: Mapped[MemberRole] = mapped_column(str_enum(MemberRole), default=MemberRole.STAFF)
    created_at: Mapped[dt.datetime] = mapped_column(default=now_utc)

    user: Mapped[User] = relationship(back_populates="vendor_memberships")
    vendor: Mapped[Vendor] = relationship(back_populates="memberships")


class ApplicationStatus(enum.Enum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    IN_REVIEW = "in_review"
    INFO_REQUESTED = "info_requested"
    APPROVED = "approved"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"

    @property
    def label(self) -> str:
        return str(APPLICATION_STATUS_LABELS[self])

    @property
    def is_decided(self) -> bool:
        return self in {ApplicationStatus.APPROVED, ApplicationStatus.REJECTED, ApplicationStatus.WITHDRAWN}


APPLICATION_STATUS_LABELS = {
    ApplicationStatus.DRAFT: _l("Brouillon"),
    ApplicationStatus.SUBMITTED: _l("Déposée"),
    ApplicationStatus.IN_REVIEW: _l("En cours d'examen"),
    ApplicationStatus.INFO_REQUESTED: _l("Informations demandées"),
    ApplicationStatus.APPROVED: _l("Agréée"),
    ApplicationStatus.REJECTED: _l("Refusée"),
    ApplicationStatus.WITHDRAWN: _l("Retirée"),
}


class ApplicationKind(enum.Enum):
    INITIAL = "initial"
    RENEWAL = "renewal"

    @property
    def label(self) -> str:
        return str(APPLICATION_KIND_LABELS[self])


APPLICATION_KIND_LABELS = {
    ApplicationKind.INITIAL: _l("Première candidature"),
    ApplicationKind.RENEWAL: _l("Renouvellement"),
}


class Application(TimestampMixin, Base):
    """One submission round of a structure's dossier (candidature)."""

    __tablename__ = "application"

    id: Mapped[int] = mapped_column(primary_key=True)
    vendor_id: Mapped[int] = mapped_column(sa.ForeignKey("vendor.id", ondelete="CASCADE"), index=True)
    kind: Mapped[ApplicationKind] = mapped_column(str_enum(ApplicationKind), default=ApplicationKind.INITIAL)
    status: Mapped[ApplicationStatus] = mapped_column(
        str_enum(ApplicationStatus), default=ApplicationStatus.DRAFT, index=True
    )
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    submitted_at: Mapped[dt.datetime | None] = mapped_column(index=True)
    decided_at: Mapped[dt.datetime | None]

    vendor: Mapped[Vendor] = relationship()
    answers: Mapped[list[ApplicationAnswer]] = relationship(
        back_populates="application", cascade="all, delete-orphan"
    )
    documents: Mapped[list[ApplicationDocument]] = relationship(
        back_populates="application", cascade="all, delete-orphan", order_by="ApplicationDocument.id"
    )


class ApplicationAnswer(Base):
    """The applicant's self-assessment for one grid criterion."""

    __tablename__ = "application_answer"
    __table_args__ = (sa.UniqueConstraint("application_id", "criterion_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(sa.ForeignKey("application.id", ondelete="CASCADE"), index=True)
    criterion_id: Mapped[int] = mapped_column(sa.ForeignKey("criterion.id"), index=True)
    text: Mapped[str] = mapped_column(sa.Text, default="")

    application: Mapped[Application] = relationship(back_populates="answers")


class DocumentKind(enum.Enum):
    STATUTES = "statutes"
    REGISTRATION = "registration"
    AGREMENT = "agrement"
    OTHER = "other"

    @property
    def label(self) -> str:
        return str(DOCUMENT_KIND_LABELS[self])


DOCUMENT_KIND_LABELS = {
    DocumentKind.STATUTES: _l("Statuts"),
    DocumentKind.REGISTRATION: _l("Justificatif d'immatriculation"),
    DocumentKind.AGREMENT: _l("Agrément (ESUS, SIAE, EA…)"),
    DocumentKind.OTHER: _l("Autre document"),
}


class ApplicationDocument(Base):
    """A private file of the dossier, stored outside static/ under a random name."""

    __tablename__ = "application_document"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(sa.ForeignKey("application.id", ondelete="CASCADE"), index=True)
    kind: Mapped[DocumentKind] = mapped_column(str_enum(DocumentKind))
    original_name: Mapped[str] = mapped_column(sa.String(255))
    storage_name: Mapped[str] = mapped_column(sa.String(80), unique=True)
    content_type: Mapped[str] = mapped_column(sa.String(60))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(sa.String(64))
    uploaded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    uploaded_at: Mapped[dt.datetime] = mapped_column(default=now_utc)

    application: Mapped[Application] = relationship(back_populates="documents")


class CharterVersion(Base):
    __tablename__ = "charter_version"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(unique=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    body: Mapped[str] = mapped_column(sa.Text)
    published_at: Mapped[dt.datetime] = mapped_column(default=now_utc)
    resign_deadline: Mapped[dt.datetime | None]


class CharterSignature(Base):
    __tablename__ = "charter_signature"
    __table_args__ = (sa.UniqueConstraint("vendor_id", "charter_version_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    vendor_id: Mapped[int] = mapped_column(sa.ForeignKey("vendor.id", ondelete="CASCADE"), index=True)
    charter_version_id: Mapped[int] = mapped_column(sa.ForeignKey("charter_version.id"), index=True)
    signed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    signed_at: Mapped[dt.datetime] = mapped_column(default=now_utc)

    charter_version: Mapped[CharterVersion] = relationship()


class VendorInvitation(Base):
    """An invitation sent by the owner for a person to join the structure as staff."""

    __tablename__ = "vendor_invitation"

    id: Mapped[int] = mapped_column(primary_key=True)
    vendor_id: Mapped[int] = mapped_column(sa.ForeignKey("vendor.id", ondelete="CASCADE"), index=True)
    email: Mapped[str] = mapped_column(sa.String(320))
    token: Mapped[str] = mapped_column(sa.String(64), unique=True)
    invited_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(default=now_utc)
    expires_at: Mapped[dt.datetime]
    accepted_at: Mapped[dt.datetime | None]
    accepted_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))

    vendor: Mapped[Vendor] = relationship()
