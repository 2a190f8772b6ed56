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
