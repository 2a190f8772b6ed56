"""Account forms. Messages are French source text, translated by gettext."""
from __future__ import annotations

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    HiddenField,
    PasswordField,
    SelectField,
    StringField,
    TelField,
)
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional, Regexp

from marketplace.accounts.services import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH
from marketplace.core.forms import choices


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def _email_field(label):
    return EmailField(
        label,
        filters=[_strip],
        validators=[
            DataRequired(_l("Indiquez votre adresse e-mail.")),
            Length(max=320, message=_l("L'adresse e-mail est trop longue.")),
            Email(_l("Cette adresse e-mail n'est pas valide.")),
        ],
        render_kw={"autocomplete": "email"},
    )


def _new_password_field(label):
    return PasswordField(
        label,
        validators=[
            DataRequired(_l("Choisissez un mot de passe.")),
            Length(
                min=MIN_PASSWORD_LENGTH,
                max=MAX_PASSWORD_LENGTH,
                message=_l(
                    "Le mot de passe doit contenir entre %(min)d et %(max)d caractères.",
                    min=MIN_PASSWORD_LENGTH,
                    max=MAX_PASSWORD_LENGTH,
                ),
            ),
        ],
        render_kw={"autocomplete": "new-password", "minlength": MIN_PASSWORD_LENGTH},
    )


def _confirm_field(other: str):
    return PasswordField(
        _l("Confirmez le mot de passe"),
        validators=[
            DataRequired(_l("Saisissez le mot de passe une seconde fois.")),
            EqualTo(other, message=_l("Les deux mots de passe ne sont pas identiques.")),
        ],
        render_kw={"autocomplete": "new-password"},
    )


def _current_password_field(label=_l("Mot de passe actuel")):
    return PasswordField(
        label,
        validators=[DataRequired(_l("Saisissez votre mot de passe actuel."))],
        render_kw={"autocomplete": "current-password"},
    )


class SignupForm(FlaskForm):
    email = _email_field(_l("Adresse e-mail"))
    display_name = StringField(
        _l("Nom affiché"),
        filters=[_strip],
        validators=[
            DataRequired(_l("Indiquez le nom affiché.")),
            Length(max=120, message=_l("Le nom affiché ne doit pas dépasser 120 caractères.")),
        ],
        render_kw={"autocomplete": "name"},
    )
    password = _new_password_field(_l("Mot de passe"))
    password_confirm = _confirm_field("password")
    accept_terms = BooleanField(
        _l("J'accepte les conditions d'utilisation de la plateforme"),
        validators=[DataRequired(_l("Vous devez accepter les conditions d'utilisation."))],
    )
    next = HiddenField()


class LoginForm(FlaskForm):
    email = EmailField(
        _l("Adresse e-mail"),
        filters=[_strip],
        validators=[
            DataRequired(_l("Indiquez votre adresse e-mail.")),
            Length(max=320, message=_l("L'adresse e-mail est trop longue.")),
        ],
        render_kw={"autocomplete": "username"},
    )
    password = PasswordField(
        _l("Mot de passe"),
        validators=[
            DataRequired(_l("Saisissez votre mot de passe.")),
            Length(max=MAX_PASSWORD_LENGTH, message=_l("Le mot de passe est trop long.")),
        ],
        render_kw={"autocomplete": "current-password"},
    )
    remember = BooleanField(_l("Se souvenir de moi"))
    next = HiddenField()


class EmailRequestForm(FlaskForm):
    """One e-mail address: password reset request, new verification link."""

    email = _email_field(_l("Adresse e-mail"))


class ResetPasswordForm(FlaskForm):
    password = _new_password_field(_l("Nouveau mot de passe"))
    password_confirm = _confirm_field("password")


class ProfileForm(FlaskForm):
    display_name = StringField(
        _l("Nom affiché"),
        filters=[_strip],
        validators=[
            DataRequired(_l("Indiquez le nom affiché.")),
            Length(max=120, message=_l("Le nom affiché ne doit pas dépasser 120 caractères.")),
        ],
        render_kw={"autocomplete": "name"},
    )
    phone = TelField(
        _l("Téléphone"),
        filters=[_strip],
        validators=[
            Optional(),
            Regexp(
                r"^\+?[0-9][0-9 .()-]{5,24}$",
                message=_l("Ce numéro de téléphone n'est pas valide (chiffres, espaces, + . - acceptés)."),
            ),
        ],
        render_kw={"autocomplete": "tel"},
    )
    postal_code = StringField(
        _l("Code postal"),
        filters=[lambda v: v.replace(" ", "") if isinstance(v, str) else v],
        validators=[
            Optional(),
            Regexp(r"^\d{5}$", message=_l("Le code postal doit comporter 5 chiffres.")),
        ],
        render_kw={"autocomplete": "postal-code", "inputmode": "numeric", "maxlength": 5},
    )
    locale = SelectField(
        _l("Langue préférée"),
        validators=[DataRequired(_l("Choisissez une langue."))],
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.locale.choices = choices(current_app.config["LANGUAGES"].items())


class ChangeEmailForm(FlaskForm):
    new_email = _email_field(_l("Nouvelle adresse e-mail"))
    current_password = _current_password_field()


class ChangePasswordForm(FlaskForm):
    current_password = _current_password_field()
    new_password = _new_password_field(_l("Nouveau mot de passe"))
    new_password_confirm = _confirm_field("new_password")


class DeleteAccountForm(FlaskForm):
    password = _current_password_field(_l("Mot de passe"))
