"""Forms of the vendor space: an offer and its photos."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    HiddenField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, Optional, ValidationError

from marketplace.catalogue.models import (
    CHANNEL_LABELS,
    LABEL_LABELS,
    OFFER_KIND_LABELS,
    UNIT_LABELS,
    VAT_RATES_BP,
    Channels,
    Label,
    OfferKind,
    Unit,
)
from marketplace.catalogue.services import OfferData
from marketplace.core.forms import MultiCheckboxField, choice, choices
from marketplace.core.money import MoneyError, format_rate, parse_amount


class AmountField(StringField):
    """An amount in euros typed as « 12,50 »; ``cents`` holds the parsed value."""

    cents: int | None = None

    def pre_validate(self, form):
        self.cents = None
        raw = (self.data or "").strip()
        if not raw:
            return
        try:
            self.cents = parse_amount(raw)
        except MoneyError:
            raise ValidationError(str(_l("Saisissez un montant en euros, par exemple 12,50."))) from None
        if self.cents < 0:
            raise ValidationError(str(_l("Le montant ne peut pas être négatif.")))


class StockField(StringField):
    """A whole number of units, or empty for an unlimited stock."""

    number: int | None = None

    def pre_validate(self, form):
        self.number = None
        raw = (self.data or "").strip().replace(" ", "")
        if not raw:
            return
        if not raw.isdigit():
            raise ValidationError(str(_l("Saisissez un nombre entier positif, ou laissez vide pour un stock illimité.")))
        self.number = int(raw)


def cents_text(cents: int | None) -> str:
    if cents is None:
        return ""
    return f"{cents // 100},{cents % 100:02d}"


class OfferForm(FlaskForm):
    kind = RadioField(
        _l("Type d'offre"),
        choices=choices((k.value, OFFER_KIND_LABELS[k]) for k in OfferKind),
        default=OfferKind.PRODUCT.value,
        validators=[InputRequired(_l("Choisissez le type d'offre."))],
    )
    title = StringField(
        _l("Titre"),
        validators=[InputRequired(_l("Donnez un titre à l'offre.")), Length(max=160, message=_l("160 caractères au maximum."))],
    )
    category_id = SelectField(
        _l("Catégorie"), coerce=int, validators=[InputRequired(_l("Choisissez une catégorie."))]
    )
    description = TextAreaField(
        _l("Description"),
        validators=[Optional(), Length(max=10_000, message=_l("10 000 caractères au maximum."))],
        render_kw={"rows": 8},
    )
    price = AmountField(_l("Prix TTC (€)"), validators=[InputRequired(_l("Indiquez le prix TTC."))])
    vat_rate_bp = SelectField(_l("Taux de TVA"), coerce=int, choices=[], default=550)
    unit = SelectField(_l("Unité"), choices=choices((u.value, UNIT_LABELS[u]) for u in Unit), default=Unit.PIECE.value)
    stock = StockField(_l("Stock disponible"))
    stock_seen = HiddenField()
    channels = RadioField(
        _l("Canaux de vente"),
        choices=choices((c.value, CHANNEL_LABELS[c]) for c in Channels),
        default=Channels.B2C.value,
        validators=[InputRequired(_l("Choisissez un canal de vente."))],
    )
    labels = MultiCheckboxField(
        _l("Labels et engagements"), choices=choices((lab.value, LABEL_LABELS[lab]) for lab in Label)
    )
    pickup = BooleanField(_l("Retrait sur place, à l'adresse de la structure"), default=True)
    pickup_hours = TextAreaField(
        _l("Jours et horaires de retrait"), validators=[Optional(), Length(max=500)], render_kw={"rows": 2}
    )
    delivery = BooleanField(_l("Livraison"))
    delivery_fee = AmountField(_l("Frais de livraison par commande (€)"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.vat_rate_bp.choices = choices((rate, format_rate(rate)) for rate in VAT_RATES_BP)

    def set_category_choices(self, categories: list[tuple[int, str]]) -> None:
        """The categories offered, as ``(id, label)`` pairs, after a prompt."""
        self.category_id.choices = [choice(0, _l("— Choisir une catégorie —")), *choices(categories)]

    def load(self, offer) -> None:
        """Fill the fields from an existing offer (GET of the edit page)."""
        self.kind.data = offer.kind.value
        self.title.data = offer.title
        self.category_id.data = offer.category_id
        self.description.data = offer.description_text
        self.price.data = cents_text(offer.price_cents)
        self.vat_rate_bp.data = offer.vat_rate_bp
        self.unit.data = offer.unit.value
        self.stock.data = "" if offer.stock is None else str(offer.stock)
        self.stock_seen.data = self.stock.data
        self.channels.data = offer.channels.value
        self.labels.data = [lab.value for lab in offer.labels]
        self.pickup.data = offer.pickup
        self.pickup_hours.data = offer.pickup_hours or ""
        self.delivery.data = offer.delivery
        self.delivery_fee.data = cents_text(offer.delivery_fee_cents) if offer.delivery else ""

    def to_data(self) -> OfferData:
        return OfferData(
            kind=OfferKind(self.kind.data),
            title=self.title.data or "",
            category_id=self.category_id.data or 0,
            description=self.description.data or "",
            price_cents=self.price.cents or 0,
            vat_rate_bp=self.vat_rate_bp.data,
            unit=Unit(self.unit.data),
            stock=self.stock.number,
            stock_unchanged=bool(self.stock_seen.raw_data)
            and (self.stock.data or "").strip() == (self.stock_seen.data or "").strip(),
            channels=Channels(self.channels.data),
            labels=[Label(v) for v in self.labels.data or []],
            pickup=bool(self.pickup.data),
            pickup_hours=self.pickup_hours.data,
            delivery=bool(self.delivery.data),
            delivery_fee_cents=self.delivery_fee.cents or 0,
        )


class ImageForm(FlaskForm):
    image = FileField(_l("Photo (JPEG, PNG ou WebP, 8 Mo au maximum)"))
    alt_text = StringField(
        _l("Description de la photo (pour les personnes malvoyantes)"),
        validators=[Optional(), Length(max=200, message=_l("200 caractères au maximum."))],
    )
