"""Forms of the applicant's side: the dossier sections, submission, the team."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    EmailField,
    HiddenField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    Email,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from marketplace.core.forms import FrenchIntegerField, MultiCheckboxField, choices
from marketplace.core.identifiers import clean_siret, is_valid_siret
from marketplace.vendors.models import (
    LEGAL_FORM_LABELS,
    SECTOR_LABELS,
    DocumentKind,
    LegalForm,
    Sector,
)


def _legal_form_choices():
    return choices([("", _l("— Choisir —"))] + [(f.value, LEGAL_FORM_LABELS[f]) for f in LegalForm])


class IdentityForm(FlaskForm):
    name = StringField(
        _l("Nom de la structure"),
        validators=[DataRequired(_l("Indiquez le nom de la structure.")), Length(max=200)],
    )
    legal_name = StringField(_l("Raison sociale"), validators=[Optional(), Length(max=200)])
    siret = StringField(
        _l("Numéro SIRET"),
        validators=[Optional(), Length(max=20, message=_l("Un SIRET compte 14 chiffres."))],
        render_kw={"inputmode": "numeric", "autocomplete": "off"},
    )
    legal_form = SelectField(_l("Statut juridique"), choices=_legal_form_choices, validate_choice=True)
    esus_agrement = RadioField(
        _l("Agrément ESUS (entreprise solidaire d'utilité sociale)"),
        choices=choices([("non", _l("Non")), ("oui", _l("Oui"))]),
        default="non",
    )
    year_founded = FrenchIntegerField(
        _l("Année de création"),
        validators=[Optional(), NumberRange(min=1800, max=2100, message=_l("Indiquez une année plausible."))],
    )
    staff_count = FrenchIntegerField(
        _l("Nombre de salariés"),
        validators=[Optional(), NumberRange(min=0, message=_l("Indiquez un nombre positif ou nul."))],
    )
    insertion_jobs = FrenchIntegerField(
        _l("Dont postes en insertion"),
        validators=[Optional(), NumberRange(min=0, message=_l("Indiquez un nombre positif ou nul."))],
    )

    def validate_siret(self, field):
        if field.data and not is_valid_siret(clean_siret(field.data)):
            raise ValidationError(
                str(_l("Ce numéro SIRET n'est pas valide : vérifiez les 14 chiffres (la clé de contrôle ne correspond pas)."))
            )

    def validate_insertion_jobs(self, field):
        if field.data is not None and self.staff_count.data is not None and field.data > self.staff_count.data:
            raise ValidationError(str(_l("Le nombre de postes en insertion ne peut pas dépasser le nombre de salariés.")))

    @property
    def legal_form_value(self) -> LegalForm | None:
        return LegalForm(self.legal_form.data) if self.legal_form.data else None


class TerritoryForm(FlaskForm):
    address = StringField(_l("Adresse"), validators=[Optional(), Length(max=300)])
    postal_code = StringField(
        _l("Code postal"),
        validators=[Optional(), Length(max=10)],
        render_kw={"inputmode": "numeric", "autocomplete": "postal-code"},
    )
    commune = StringField(_l("Commune"), validators=[Optional(), Length(max=120)])

    def validate_postal_code(self, field):
        from marketplace.vendors.services import territory_problem

        problem = territory_problem(field.data)
        if problem:
            raise ValidationError(problem)


class ActivityForm(FlaskForm):
    sectors = MultiCheckboxField(
        _l("Secteurs d'activité"), choices=choices((s.value, SECTOR_LABELS[s]) for s in Sector)
    )
    description = TextAreaField(
        _l("Présentation de l'activité"),
        validators=[Optional(), Length(max=5000, message=_l("5 000 caractères au plus."))],
        render_kw={"rows": 8},
    )
    website = StringField(_l("Site web"), validators=[Optional(), Length(max=300)], render_kw={"type": "url"})
    email = EmailField(
        _l("E-mail de contact public"),
        validators=[Optional(), Email(_l("Adresse e-mail invalide.")), Length(max=320)],
    )
    phone = StringField(_l("Téléphone"), validators=[Optional(), Length(max=40)])
    logo = FileField(_l("Logo (PNG ou JPEG, 1 Mo au plus)"), render_kw={"accept": "image/png,image/jpeg"})
    remove_logo = BooleanField(_l("Supprimer le logo actuel"))

    @property
    def sector_values(self) -> list[Sector]:
        return [Sector(v) for v in self.sectors.data or []]


def commitments_form(criteria, answers: dict[int, str], formdata=None):
    """A form with one text area per active criterion of the grid."""

    class CommitmentsForm(FlaskForm):
        pass

    for criterion in criteria:
        setattr(
            CommitmentsForm,
            f"criterion_{criterion.id}",
            TextAreaField(
                criterion.label,
                validators=[Optional(), Length(max=5000, message=_l("5 000 caractères au plus."))],
                description=criterion.description,
                render_kw={"rows": 6},
            ),
        )
    form = CommitmentsForm(formdata=formdata) if formdata is not None else CommitmentsForm()
    if formdata is None:
        for criterion in criteria:
            getattr(form, f"criterion_{criterion.id}").data = answers.get(criterion.id, "")
    form.criteria_fields = [(c, getattr(form, f"criterion_{c.id}")) for c in criteria]
    return form


class DocumentForm(FlaskForm):
    kind = SelectField(_l("Type de document"), choices=[])
    file = FileField(_l("Fichier (PDF, JPEG ou PNG, 5 Mo au plus)"), render_kw={"accept": ".pdf,image/png,image/jpeg"})

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind.choices = choices((k.value, k.label) for k in DocumentKind)

    def validate_file(self, field):
        if not getattr(field.data, "filename", None):
            raise ValidationError(str(_l("Choisissez un fichier à envoyer.")))


class CharterForm(FlaskForm):
    charter_id = HiddenField()
    accept = BooleanField(
        _l("J'ai lu la charte et j'engage la structure à la respecter."),
        validators=[InputRequired(_l("Cochez la case pour accepter la charte."))],
    )


class ResubmitForm(FlaskForm):
    answer = TextAreaField(
        _l("Votre réponse au comité"),
        validators=[DataRequired(_l("Écrivez votre réponse au comité.")), Length(max=10000)],
        render_kw={"rows": 6},
    )


class InviteForm(FlaskForm):
    email = EmailField(
        _l("Adresse e-mail de la personne à inviter"),
        validators=[DataRequired(_l("Indiquez une adresse e-mail.")), Email(_l("Adresse e-mail invalide.")), Length(max=320)],
    )
