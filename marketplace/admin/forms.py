"""Back-office forms and the labels the back-office screens display."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, EmailField, SelectField, StringField
from wtforms.validators import DataRequired, Email, InputRequired, Length, Optional, ValidationError

from marketplace.accounts.models import BUYER_KIND_LABELS, BuyerKind
from marketplace.admin.services import USER_ROLE_FILTERS
from marketplace.core.forms import FrenchIntegerField, choice, choice_values
from marketplace.core.identifiers import is_valid_siret
from marketplace.core.outbox import OutboxStatus
from marketplace.core.permissions import ROLE_LABELS, Role
from marketplace.core.territories import departement_from_postal_code


def _max(n: int) -> Length:
    return Length(max=n, message=_l("%(max)d caractères au maximum."))


OUTBOX_STATUS_LABELS = {
    OutboxStatus.PENDING: _l("En attente"),
    OutboxStatus.SENT: _l("Envoyé"),
    OutboxStatus.FAILED: _l("Échec"),
}

MANDATE_STATUS_LABELS = {
    "current": _l("En cours"),
    "upcoming": _l("À venir"),
    "over": _l("Terminé"),
}


class FrenchDateField(DateField):
    """A date picker that also accepts dates typed the French way (JJ/MM/AAAA)."""

    def __init__(self, label=None, validators=None, **kwargs):
        kwargs.setdefault("format", ["%Y-%m-%d", "%d/%m/%Y"])
        kwargs.setdefault("invalid_value_message", _l("Date invalide : saisissez-la au format JJ/MM/AAAA."))
        super().__init__(label, validators, **kwargs)


class FilterForm(FlaskForm):
    """A GET form: no CSRF token, read from the query string."""

    class Meta:
        csrf = False


class UserFilterForm(FilterForm):
    q = StringField(_l("Rechercher (e-mail ou nom)"), validators=[Optional(), _max(200)])
    role = SelectField(
        _l("Rôle"),
        choices=[choice("", _l("Tous les rôles"))]
        + [choice(role.value, ROLE_LABELS[role]) for role in USER_ROLE_FILTERS],
        validators=[Optional()],
        validate_choice=False,
    )

    def selected_role(self) -> Role | None:
        try:
            role = Role(self.role.data)
        except ValueError:
            return None
        return role if role in USER_ROLE_FILTERS else None


class MandateForm(FlaskForm):
    organisation_name = StringField(
        _l("Organisation représentée"),
        validators=[DataRequired(_l("Indiquez l'organisation représentée.")), _max(200)],
    )
    starts_on = FrenchDateField(
        _l("Début du mandat"), validators=[InputRequired(_l("Indiquez la date de début."))]
    )
    ends_on = FrenchDateField(_l("Fin du mandat"), validators=[Optional()])
    is_chair = BooleanField(_l("Présidence du comité"))
    is_vendor_representative = BooleanField(_l("Représentant des fournisseurs"))

    def validate_ends_on(self, field):
        if field.data and self.starts_on.data and field.data < self.starts_on.data:
            raise ValidationError(_l("La fin du mandat doit suivre son début."))


class BuyerMembershipForm(FlaskForm):
    organisation_id = SelectField(
        _l("Organisation"),
        coerce=int,
        validators=[DataRequired(_l("Choisissez une organisation."))],
        validate_choice=False,
    )
    job_title = StringField(_l("Fonction"), validators=[Optional(), _max(120)])

    def set_choices(self, choices: list[tuple[int, str]]) -> None:
        self.organisation_id.choices = [choice(0, _l("Choisissez une organisation"))] + [
            choice(value, label) for value, label in choices
        ]


class AddMemberForm(FlaskForm):
    email = EmailField(
        _l("Adresse e-mail du compte"),
        validators=[
            DataRequired(_l("Indiquez l'adresse e-mail.")),
            Email(_l("Adresse e-mail invalide."), check_deliverability=False),
            _max(320),
        ],
    )
    job_title = StringField(_l("Fonction"), validators=[Optional(), _max(120)])


class OrganisationFilterForm(FilterForm):
    q = StringField(_l("Rechercher (nom, commune ou SIRET)"), validators=[Optional(), _max(200)])


class OrganisationForm(FlaskForm):
    name = StringField(
        _l("Nom"), validators=[DataRequired(_l("Indiquez le nom de l'organisation.")), _max(200)]
    )
    kind = SelectField(
        _l("Type"),
        choices=[choice("", _l("Choisissez un type"))]
        + [choice(kind.value, BUYER_KIND_LABELS[kind]) for kind in BuyerKind],
        validators=[DataRequired(_l("Choisissez un type d'organisation."))],
    )
    siret = StringField(_l("SIRET"), validators=[DataRequired(_l("Indiquez le numéro SIRET.")), _max(20)])
    address = StringField(_l("Adresse"), validators=[Optional(), _max(300)])
    postal_code = StringField(
        _l("Code postal"), validators=[DataRequired(_l("Indiquez le code postal.")), _max(10)]
    )
    commune = StringField(_l("Commune"), validators=[Optional(), _max(120)])
    payment_term_days = FrenchIntegerField(
        _l("Délai de paiement (jours)"),
        validators=[Optional()],
        invalid_message=_l("Saisissez un nombre entier de jours."),
    )

    def validate_siret(self, field):
        if not is_valid_siret(field.data or ""):
            raise ValidationError(
                _l(
                    "Ce numéro SIRET n'est pas valide : il compte 14 chiffres et sa clé de contrôle doit être juste."
                )
            )

    def validate_postal_code(self, field):
        if departement_from_postal_code(field.data or "") is None:
            raise ValidationError(_l("Code postal inconnu : saisissez 5 chiffres, par exemple 69001."))

    def selected_kind(self) -> BuyerKind | None:
        try:
            return BuyerKind(self.kind.data)
        except ValueError:
            return None


class OutboxFilterForm(FilterForm):
    to = StringField(_l("Destinataire"), validators=[Optional(), _max(320)])
    status = SelectField(
        _l("Statut"),
        choices=[choice("", _l("Tous les statuts"))]
        + [choice(s.value, OUTBOX_STATUS_LABELS[s]) for s in OutboxStatus],
        validators=[Optional()],
        validate_choice=False,
    )

    def selected_status(self) -> OutboxStatus | None:
        try:
            return OutboxStatus(self.status.data)
        except ValueError:
            return None


class AuditFilterForm(FilterForm):
    subject_type = SelectField(_l("Type d'objet"), validators=[Optional()], validate_choice=False)
    action = StringField(_l("Action"), validators=[Optional(), _max(80)])
    actor = StringField(_l("E-mail de l'auteur"), validators=[Optional(), _max(320)])

    def set_subject_types(self, types: list[str]) -> None:
        self.subject_type.choices = [choice("", _l("Tous les types"))] + [choice(t, t) for t in types]

    def selected_subject_type(self) -> str:
        return self.subject_type.data if self.subject_type.data in choice_values(self.subject_type) else ""
