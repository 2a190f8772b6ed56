"""Shop forms. Prices never travel in a form: only offer ids and quantities."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField, StringField, TelField, TextAreaField
from wtforms.validators import DataRequired, Email, Length, NumberRange, Optional, Regexp


class AddToCartForm(FlaskForm):
    offer_id = HiddenField(validators=[DataRequired(message=_l("Offre manquante."))])
    quantity = IntegerField(
        _l("Quantité"),
        default=1,
        validators=[
            DataRequired(message=_l("Indiquez une quantité.")),
            NumberRange(min=1, max=99, message=_l("Entre 1 et 99 unités.")),
        ],
    )
    next = HiddenField()


class QuantityForm(FlaskForm):
    quantity = IntegerField(
        _l("Quantité"),
        validators=[
            DataRequired(message=_l("Indiquez une quantité.")),
            NumberRange(min=1, max=99, message=_l("Entre 1 et 99 unités.")),
        ],
    )


class CheckoutForm(FlaskForm):
    contact_name = StringField(
        _l("Nom et prénom"),
        validators=[DataRequired(message=_l("Indiquez votre nom.")), Length(max=120)],
        render_kw={"autocomplete": "name"},
    )
    contact_email = StringField(
        _l("Adresse e-mail"),
        validators=[
            DataRequired(message=_l("Indiquez votre adresse e-mail.")),
            Email(message=_l("Indiquez une adresse e-mail valide."), check_deliverability=False),
            Length(max=320),
        ],
        render_kw={"autocomplete": "email"},
    )
    contact_phone = TelField(
        _l("Téléphone"),
        validators=[
            Optional(),
            Length(max=40),
            Regexp(r"^[0-9+().\s-]{6,40}$", message=_l("Ce numéro de téléphone n'est pas valide.")),
        ],
        render_kw={"autocomplete": "tel"},
    )
    address_line = StringField(
        _l("Adresse (numéro et rue)"),
        validators=[Optional(), Length(max=300)],
        render_kw={"autocomplete": "street-address"},
    )
    postal_code = StringField(
        _l("Code postal"),
        validators=[Optional(), Regexp(r"^\d{5}$", message=_l("Le code postal compte 5 chiffres."))],
        render_kw={"autocomplete": "postal-code", "inputmode": "numeric"},
    )
    city = StringField(
        _l("Commune"), validators=[Optional(), Length(max=120)], render_kw={"autocomplete": "address-level2"}
    )


class VendorCancelForm(FlaskForm):
    reason = TextAreaField(
        _l("Motif de l'annulation (communiqué au client)"),
        validators=[
            DataRequired(message=_l("Indiquez le motif de l'annulation : il sera communiqué au client.")),
            Length(max=1000, message=_l("Le motif ne peut dépasser 1000 caractères.")),
        ],
        render_kw={"rows": 4},
    )
