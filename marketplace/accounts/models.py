"""Users, buyer organisations and committee mandates."""
from __future__ import annotations

import datetime as dt
import enum
import secrets

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.core.clock import now_utc
from marketplace.core.db import Base, TimestampMixin, str_enum
from marketplace.core.permissions import Role


class User(TimestampMixin, Base):
    __tablename__ = "user"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(320), unique=True)
    password_hash: Mapped[str | None] = mapped_column(sa.String(255))
    display_name: Mapped[str] = mapped_column(sa.String(120), default="")
    phone: Mapped[str | None] = mapped_column(sa.String(40))
    postal_code: Mapped[str | None] = mapped_column(sa.String(10))
    locale: Mapped[str] = mapped_column(sa.String(8), default="fr")
    is_admin: Mapped[bool] = mapped_column(default=False)
    verified_at: Mapped[dt.datetime | None]
    last_login_at: Mapped[dt.datetime | None]
    deleted_at: Mapped[dt.datetime | None]
    # Changing it invalidates every session and remember-me cookie of the user.
    session_token: Mapped[str] = mapped_column(sa.String(64), default=lambda: secrets.token_hex(16))

    vendor_memberships: Mapped[list[VendorMembership]] = relationship(  # noqa: F821
        back_populates="user", cascade="all, delete-orphan"
    )
    buyer_memberships: Mapped[list[BuyerMembership]] = relationship(
        back_populates="user", cascade="all, delete-orphan"
    )
    committee_mandates: Mapped[list[CommitteeMandate]] = relationship(
        back_populates="user", cascade="all, delete-orphan", order_by="CommitteeMandate.starts_on"
    )

    # Flask-Login
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_active(self) -> bool:
        return self.deleted_at is None

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        return f"{self.id}:{self.session_token}"

    @property
    def is_verified(self) -> bool:
        return self.verified_at is not None

    @property
    def audit_label(self) -> str:
        return f"user#{self.id}"

    @property
    def name(self) -> str:
        return self.display_name or self.email.split("@")[0]

    def current_mandate(self, today: dt.date | None = None) -> CommitteeMandate | None:
        today = today or now_utc().date()
        for mandate in self.committee_mandates:
            if mandate.is_current(today):
                return mandate
        return None

    def compute_roles(self) -> set[Role]:
        roles = {Role.CONSUMER}
        if self.vendor_memberships:
            roles.add(Role.VENDOR)
        if self.buyer_memberships:
            roles.add(Role.BUYER)
        if self.current_mandate() is not None:
            roles.add(Role.COMMITTEE)
        if self.is_admin:
            roles.add(Role.ADMIN)
        return roles

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email}>"


class BuyerKind(enum.Enum):
    COMMUNE = "commune"
    DEPARTEMENT = "departement"
    REGION = "region"
    PUBLIC_BODY = "public_body"
    COMPANY = "company"
    WORKS_COUNCIL = "works_council"
    ASSOCIATION = "association"

    @property
    def label(self) -> str:
        return str(BUYER_KIND_LABELS[self])

    @property
    def is_public(self) -> bool:
        return self in {BuyerKind.COMMUNE, BuyerKind.DEPARTEMENT, BuyerKind.REGION, BuyerKind.PUBLIC_BODY}


BUYER_KIND_LABELS = {
    BuyerKind.COMMUNE: _l("Commune"),
    BuyerKind.DEPARTEMENT: _l("Département"),
    BuyerKind.REGION: _l("Région"),
    BuyerKind.PUBLIC_BODY: _l("Autre organisme public"),
    BuyerKind.COMPANY: _l("Entreprise"),
    BuyerKind.WORKS_COUNCIL: _l("Comité social et économique (CSE)"),
    BuyerKind.ASSOCIATION: _l("Association"),
}


class BuyerOrganisation(TimestampMixin, Base):
    __tablename__ = "buyer_organisation"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    kind: Mapped[BuyerKind] = mapped_column(str_enum(BuyerKind))
    siret: Mapped[str] = mapped_column(sa.String(14), unique=True)
    address: Mapped[str | None] = mapped_column(sa.String(300))
    postal_code: Mapped[str | None] = mapped_column(sa.String(10))
    commune: Mapped[str | None] = mapped_column(sa.String(120))
    departement_code: Mapped[str | None] = mapped_column(sa.String(3))
    payment_term_days: Mapped[int] = mapped_column(default=30)

    memberships: Mapped[list[BuyerMembership]] = relationship(
        back_populates="organisation", cascade="all, delete-orphan"
    )

    def __repr__(self) -> str:
        return f"<BuyerOrganisation {self.id} {self.name}>"


class BuyerMembership(Base):
    __tablename__ = "buyer_membership"
    __table_args__ = (sa.UniqueConstraint("user_id", "organisation_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("buyer_organisation.id", ondelete="CASCADE"), index=True
    )
    job_title: Mapped[str | None] = mapped_column(sa.String(120))
    created_at: Mapped[dt.datetime] = mapped_column(default=now_utc)

    user: Mapped[User] = relationship(back_populates="buyer_memberships")
    organisation: Mapped[BuyerOrganisation] = relationship(back_populates="memberships")


class CommitteeMandate(Base):
    __tablename__ = "committee_mandate"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), index=True)
    organisation_name: Mapped[str] = mapped_column(sa.String(200))
    is_chair: Mapped[bool] = mapped_column(default=False)
    is_vendor_representative: Mapped[bool] = mapped_column(default=False)
    starts_on: Mapped[dt.date] = mapped_column(sa.Date)
    ends_on: Mapped[dt.date | None] = mapped_column(sa.Date)
    created_at: Mapped[dt.datetime] = mapped_column(default=now_utc)

    user: Mapped[User] = relationship(back_populates="committee_mandates")

    def is_current(self, today: dt.date | None = None) -> bool:
        today = today or now_utc().date()
        return self.starts_on <= today and (self.ends_on is None or today <= self.ends_on)

    @classmethod
    def current_on(cls, today: dt.date):
        """SQL condition: the mandate is current on ``today`` (as ``is_current``)."""
        return sa.and_(cls.starts_on <= today, sa.or_(cls.ends_on.is_(None), cls.ends_on >= today))
