"""Forms of quote requests and quotes. Amounts travel as French text ("1 250,50")
and are parsed into cents; the totals are always computed by the server."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, MultipleFileField
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    FieldList,
    Form,
    FormField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from marketplace.core.forms import FrenchIntegerField, MultiCheckboxField, choices
from marketplace.core.money import MoneyError, format_rate, parse_amount
from marketplace.procurement.quotes.models import RECIPIENT_MODE_LABELS, RecipientMode
from marketplace.procurement.quotes.pricing import MAX_LINES, VAT_CHOICES_BP

BLANK_LINES = 5


def parse_euros(text: str | None) -> int | None:
    """Cents from "12,50", "1 250 €"; None when blank; ValueError (French) when not an amount."""
    if text is None or not str(text).strip():
        return None
    try:
        cents = parse_amount(str(text))
    except MoneyError:
        raise ValueError(str(_l("Indiquez un montant en euros, par exemple 1 250,50."))) from None
    if cents < 0:
        raise ValueError(str(_l("Le montant ne peut pas être négatif.")))
    return cents


class RequestForm(FlaskForm):
    organisation_id = SelectField(_l("Organisation"), coerce=int, validate_choice=True)
    title = StringField(
        _l("Titre de la demande"),
        validators=[DataRequired(_l("Donnez un titre à la demande.")), Length(max=200)],
    )
    need = TextAreaField(
        _l("Description du besoin"),
        validators=[DataRequired(_l("Décrivez votre besoin.")), Length(max=5000)],
        render_kw={"rows": 7},
    )
    category_id = SelectField(_l("Catégorie"), coerce=int, validate_choice=True)
    quantity = FrenchIntegerField(
        _l("Quantité (facultatif)"),
        validators=[Optional(), NumberRange(min=1, message=_l("Indiquez une quantité d'au moins 1."))],
    )
    unit = StringField(_l("Unité (facultatif)"), validators=[Optional(), Length(max=20)])
    delivery_commune = StringField(
        _l("Commune de livraison ou d'exécution"),
        validators=[DataRequired(_l("Indiquez la commune de livraison ou d'exécution.")), Length(max=120)],
    )
    delivery_departement_code = SelectField(_l("Département"), validate_choice=True)
    accept_national = BooleanField(_l("Accepter les réponses de structures de toute la France"))
    wished_date = DateField(_l("Date souhaitée de livraison ou de début (facultatif)"), validators=[Optional()])
    budget = StringField(_l("Budget indicatif HT en euros (facultatif)"), validators=[Optional(), Length(max=20)])
    response_deadline = DateTimeLocalField(
        _l("Date limite de réponse"),
        format="%Y-%m-%dT%H:%M",
        validators=[InputRequired(_l("Indiquez la date et l'heure limites de réponse."))],
    )
    recipient_mode = RadioField(
        _l("Envoyer la demande à"),
        choices=choices([(m.value, RECIPIENT_MODE_LABELS[m]) for m in RecipientMode]),
        default=RecipientMode.MATCHING.value,
    )
    vendor_ids = MultiCheckboxField(_l("Structures choisies"), coerce=int)
    vendor_query = StringField(_l("Rechercher une structure"), validators=[Optional(), Length(max=200)])
    vendor_departement = SelectField(_l("Département de la structure"), validate_choice=False)
    attachments = MultipleFileField(_l("Pièces jointes (PDF, JPEG ou PNG, 5 Mo au plus chacune)"))
    search_vendors = SubmitField(_l("Rechercher"))
    save_draft = SubmitField(_l("Enregistrer le brouillon"))
    publish = SubmitField(_l("Envoyer la demande"))

    def validate_budget(self, field):
        try:
            parse_euros(field.data)
        except ValueError as error:
            raise ValidationError(str(error)) from None


def vat_choices():
    return choices([(str(rate), format_rate(rate) if rate else _l("0 % (TVA non applicable)"))
                    for rate in VAT_CHOICES_BP])


class QuoteLineForm(Form):
    """One line; a fully blank line is ignored."""

    designation = StringField(_l("Désignation"), validators=[Optional(), Length(max=200)])
    quantity = FrenchIntegerField(
        _l("Quantité"),
        validators=[Optional(), NumberRange(min=1, max=1_000_000, message=_l("Entre 1 et 1 000 000."))],
    )
    unit = StringField(_l("Unité"), validators=[Optional(), Length(max=20)])
    unit_price = StringField(_l("Prix unitaire HT (€)"), validators=[Optional(), Length(max=20)])
    vat_rate = SelectField(_l("TVA"), choices=vat_choices, default="2000", validate_choice=True)

    @property
    def is_blank(self) -> bool:
        return (
            not (self.designation.data or "").strip()
            and self.quantity.data is None
            and not (self.unit_price.data or "").strip()
            and not (self.unit.data or "").strip()
        )

    def validate_unit_price(self, field):
        try:
            parse_euros(field.data)
        except ValueError as error:
            raise ValidationError(str(error)) from None


class QuoteForm(FlaskForm):
    lines = FieldList(FormField(QuoteLineForm), min_entries=BLANK_LINES, max_entries=MAX_LINES)
    valid_until = DateField(_l("Devis valable jusqu'au"), validators=[InputRequired(_l("Indiquez la date de validité."))])
    lead_time_days = FrenchIntegerField(
        _l("Délai de livraison ou d'exécution (jours)"),
        validators=[
            InputRequired(_l("Indiquez le délai, en jours.")),
            NumberRange(min=0, max=730, message=_l("Entre 0 et 730 jours.")),
        ],
    )
    comment = TextAreaField(_l("Commentaire (facultatif)"), validators=[Optional(), Length(max=2000)],
                            render_kw={"rows": 4})
    attachment = FileField(_l("Pièce jointe (PDF, JPEG ou PNG, 5 Mo au plus)"))
    add_lines = SubmitField(_l("Ajouter des lignes"))
    recalculate = SubmitField(_l("Calculer les totaux"))
    send = SubmitField(_l("Envoyer le devis"))


class ReasonForm(FlaskForm):
    """A motive; the service says whether it is required (it is, once a request is published)."""

    reason = TextAreaField(
        _l("Motif"),
        validators=[Optional(), Length(max=1000)],
        render_kw={"rows": 4},
    )


class MessageForm(FlaskForm):
    body = TextAreaField(
        _l("Votre message"),
        validators=[DataRequired(_l("Écrivez votre message.")), Length(max=4000)],
        render_kw={"rows": 4},
    )
