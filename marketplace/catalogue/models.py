"""The shared catalogue: categories, offers (products and services), labels, images."""
from __future__ import annotations

import datetime as dt
import enum
from typing import TYPE_CHECKING

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.core.db import Base, TimestampMixin, str_enum

if TYPE_CHECKING:
    from marketplace.vendors.models import Vendor


class Category(Base):
    __tablename__ = "category"

    id: Mapped[int] = mapped_column(primary_key=True)
    parent_id: Mapped[int | None] = mapped_column(sa.ForeignKey("category.id", ondelete="RESTRICT"), index=True)
    slug: Mapped[str] = mapped_column(sa.String(120), unique=True)
    name: Mapped[str] = mapped_column(sa.String(160))
    position: Mapped[int] = mapped_column(default=0)

    parent: Mapped[Category | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[Category]] = relationship(
        back_populates="parent", order_by="Category.position"
    )

    def __repr__(self) -> str:
        return f"<Category {self.slug}>"


class OfferKind(enum.Enum):
    PRODUCT = "product"
    SERVICE = "service"

    @property
    def label(self) -> str:
        return str(OFFER_KIND_LABELS[self])


OFFER_KIND_LABELS = {OfferKind.PRODUCT: _l("Produit"), OfferKind.SERVICE: _l("Service")}


class Unit(enum.Enum):
    PIECE = "piece"
    KG = "kg"
    LITRE = "litre"
    HOUR = "hour"
    DAY = "day"
    FLAT = "flat"

    @property
    def label(self) -> str:
        return str(UNIT_LABELS[self])

    @property
    def per(self) -> str:
        return str(UNIT_PER_LABELS[self])


UNIT_LABELS = {
    Unit.PIECE: _l("pièce"),
    Unit.KG: _l("kg"),
    Unit.LITRE: _l("litre"),
    Unit.HOUR: _l("heure"),
    Unit.DAY: _l("jour"),
    Unit.FLAT: _l("forfait"),
}

UNIT_PER_LABELS = {
    Unit.PIECE: _l("la pièce"),
    Unit.KG: _l("le kg"),
    Unit.LITRE: _l("le litre"),
    Unit.HOUR: _l("l'heure"),
    Unit.DAY: _l("la journée"),
    Unit.FLAT: _l("le forfait"),
}


class Channels(enum.Enum):
    B2C = "b2c"
    B2B = "b2b"
    BOTH = "both"

    @property
    def label(self) -> str:
        return str(CHANNEL_LABELS[self])

    @property
    def sold_online(self) -> bool:
        return self in {Channels.B2C, Channels.BOTH}

    @property
    def quote_only(self) -> bool:
        return self is Channels.B2B


CHANNEL_LABELS = {
    Channels.B2C: _l("Vente en ligne aux particuliers"),
    Channels.B2B: _l("Sur devis pour les professionnels"),
    Channels.BOTH: _l("En ligne et sur devis"),
}


class OfferStatus(enum.Enum):
    DRAFT = "draft"
    PUBLISHED = "published"
    UNPUBLISHED = "unpublished"
    ARCHIVED = "archived"

    @property
    def label(self) -> str:
        return str(OFFER_STATUS_LABELS[self])


OFFER_STATUS_LABELS = {
    OfferStatus.DRAFT: _l("Brouillon"),
    OfferStatus.PUBLISHED: _l("En ligne"),
    OfferStatus.UNPUBLISHED: _l("Hors ligne"),
    OfferStatus.ARCHIVED: _l("Archivée"),
}


class Label(enum.Enum):
    BIO = "bio"
    EQUITABLE = "equitable"
    LOCAL = "local"
    REEMPLOI = "reemploi"
    FAIT_MAIN = "fait_main"
    INSERTION = "insertion"
    HANDICAP = "handicap"

    @property
    def label(self) -> str:
        return str(LABEL_LABELS[self])


LABEL_LABELS = {
    Label.BIO: _l("Agriculture biologique"),
    Label.EQUITABLE: _l("Commerce équitable"),
    Label.LOCAL: _l("Local"),
    Label.REEMPLOI: _l("Réemploi"),
    Label.FAIT_MAIN: _l("Fait main"),
    Label.INSERTION: _l("Insertion"),
    Label.HANDICAP: _l("Handicap (EA/ESAT)"),
}

VAT_RATES_BP = (2000, 1000, 550, 210)


class Offer(TimestampMixin, Base):
    __tablename__ = "offer"
    __table_args__ = (
        sa.UniqueConstraint("vendor_id", "slug"),
        sa.CheckConstraint("price_cents >= 0", name="price_positive"),
        sa.CheckConstraint("stock IS NULL OR stock >= 0", name="stock_positive"),
        sa.Index("ix_offer_status_published_at", "status", "published_at"),
        # Counts per category and category pages read this index only, not the wide rows.
        sa.Index("ix_offer_status_category_id", "status", "category_id", "vendor_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    vendor_id: Mapped[int] = mapped_column(sa.ForeignKey("vendor.id", ondelete="CASCADE"), index=True)
    category_id: Mapped[int] = mapped_column(sa.ForeignKey("category.id", ondelete="RESTRICT"), index=True)
    kind: Mapped[OfferKind] = mapped_column(str_enum(OfferKind), default=OfferKind.PRODUCT)
    title: Mapped[str] = mapped_column(sa.String(160))
    slug: Mapped[str] = mapped_column(sa.String(180))
    description_text: Mapped[str] = mapped_column(sa.Text, default="")
    description_html: Mapped[str] = mapped_column(sa.Text, default="")
    price_cents: Mapped[int]
    vat_rate_bp: Mapped[int] = mapped_column(default=2000)
    unit: Mapped[Unit] = mapped_column(str_enum(Unit), default=Unit.PIECE)
    stock: Mapped[int | None]
    channels: Mapped[Channels] = mapped_column(str_enum(Channels), default=Channels.B2C)
    pickup: Mapped[bool] = mapped_column(default=True)
    pickup_hours: Mapped[str | None] = mapped_column(sa.Text)
    delivery: Mapped[bool] = mapped_column(default=False)
    delivery_fee_cents: Mapped[int] = mapped_column(default=0)
    status: Mapped[OfferStatus] = mapped_column(str_enum(OfferStatus), default=OfferStatus.DRAFT, index=True)
    published_at: Mapped[dt.datetime | None]

    vendor: Mapped[Vendor] = relationship(lazy="selectin")
    category: Mapped[Category] = relationship(lazy="selectin")
    label_rows: Mapped[list[OfferLabel]] = relationship(
        back_populates="offer", cascade="all, delete-orphan", lazy="selectin"
    )
    images: Mapped[list[OfferImage]] = relationship(
        back_populates="offer", cascade="all, delete-orphan", lazy="selectin", order_by="OfferImage.position"
    )

    @property
    def labels(self) -> list[Label]:
        return sorted((row.label for row in self.label_rows), key=lambda lab: list(Label).index(lab))

    def set_labels(self, labels: list[Label]) -> None:
        wanted = list(dict.fromkeys(labels))
        self.label_rows = [row for row in self.label_rows if row.label in wanted]
        have = {row.label for row in self.label_rows}
        self.label_rows.extend(OfferLabel(label=lab) for lab in wanted if lab not in have)

    @property
    def description(self) -> str:
        return self.description_html

    @property
    def main_image(self) -> OfferImage | None:
        return self.images[0] if self.images else None

    @property
    def unlimited_stock(self) -> bool:
        return self.stock is None

    @property
    def in_stock(self) -> bool:
        return self.stock is None or self.stock > 0

    @property
    def price_excl_vat_cents(self) -> int:
        from marketplace.core.money import vat_from_gross

        return vat_from_gross(self.price_cents, self.vat_rate_bp)[0]

    def __repr__(self) -> str:
        return f"<Offer {self.id} {self.title}>"


class OfferLabel(Base):
    __tablename__ = "offer_label"

    offer_id: Mapped[int] = mapped_column(sa.ForeignKey("offer.id", ondelete="CASCADE"), primary_key=True)
    label: Mapped[Label] = mapped_column(str_enum(Label), primary_key=True)

    offer: Mapped[Offer] = relationship(back_populates="label_rows")


class OfferImage(Base):
    __tablename__ = "offer_image"

    id: Mapped[int] = mapped_column(primary_key=True)
    offer_id: Mapped[int] = mapped_column(sa.ForeignKey("offer.id", ondelete="CASCADE"), index=True)
    storage_name: Mapped[str] = mapped_column(sa.String(120), unique=True)
    thumb_name: Mapped[str] = mapped_column(sa.String(120), unique=True)
    width: Mapped[int]
    height: Mapped[int]
    position: Mapped[int] = mapped_column(default=0)
    alt_text: Mapped[str | None] = mapped_column(sa.String(200))

    offer: Mapped[Offer] = relationship(back_populates="images")
