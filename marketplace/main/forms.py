"""Forms of the public pages."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, Length, ValidationError

from marketplace.core.forms import choices
from marketplace.main.services import CONTACT_SUBJECTS


def _subject_choices() -> list:
    return choices([("", _l("Choisissez un objet")), *CONTACT_SUBJECTS.items()])


class ContactForm(FlaskForm):
    name = StringField(
        _l("Votre nom"),
        validators=[DataRequired(_l("Indiquez votre nom.")), Length(max=120, message=_l("120 caractères au maximum."))],
        render_kw={"autocomplete": "name"},
    )
    email = EmailField(
        _l("Votre adresse e-mail"),
        validators=[
            DataRequired(_l("Indiquez votre adresse e-mail.")),
            Email(_l("Cette adresse e-mail n'est pas valide."), check_deliverability=False),
            Length(max=320, message=_l("320 caractères au maximum.")),
        ],
        render_kw={"autocomplete": "email"},
    )
    subject = SelectField(
        _l("Objet de votre message"),
        choices=_subject_choices,
        validators=[DataRequired(_l("Choisissez l'objet de votre message."))],
        validate_choice=False,
    )
    message = TextAreaField(
        _l("Votre message"),
        validators=[
            DataRequired(_l("Écrivez votre message.")),
            Length(min=10, max=5000, message=_l("Votre message doit compter entre 10 et 5 000 caractères.")),
        ],
        render_kw={"rows": 8},
    )

    def validate_subject(self, field) -> None:
        if field.data not in CONTACT_SUBJECTS:
            raise ValidationError(_l("Choisissez un objet dans la liste."))
