"""Form helpers shared by every domain: select options, a list of checkboxes,
confirmation forms, French integer parsing, and a service's refusal shown next
to its field."""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectMultipleField
from wtforms.validators import ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

try:  # WTForms >= 3.3 declares options as SelectChoice
    from wtforms.fields.choices import SelectChoice as _SelectChoice
except ImportError:  # pragma: no cover - older WTForms takes (value, label) pairs
    _SelectChoice = None


def choice(value: Any, label: Any) -> Any:
    """One option of a SelectField, SelectMultipleField or RadioField."""
    if _SelectChoice is None:  # pragma: no cover
        return (value, label)
    return _SelectChoice(value, label)


def choices(pairs: Iterable[tuple[Any, Any]]) -> list:
    """Options built from ``(value, label)`` pairs."""
    return [choice(value, label) for value, label in pairs]


def choice_values(field) -> set[str]:
    """The values a select field offers, as strings."""
    return {str(option[0]) for option in field.iter_choices()}


class MultiCheckboxField(SelectMultipleField):
    """A multiple choice shown as a list of checkboxes; unknown values are refused."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def pre_validate(self, form):
        valid = choice_values(self)
        for value in self.data or []:
            if str(value) not in valid:
                raise ValidationError(str(_l("Choix invalide.")))


class ConfirmForm(FlaskForm):
    """A form with nothing but its CSRF token: a confirmed or one-click action."""


class FrenchIntegerField(IntegerField):
    """An integer field whose parse error is in French."""

    def __init__(self, label=None, validators=None, invalid_message=None, **kwargs):
        super().__init__(label, validators, **kwargs)
        self.invalid_message = invalid_message or _l("Saisissez un nombre entier.")

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            self.data = None
            raise ValueError(str(self.invalid_message)) from None


def attach_error(form, error) -> None:
    """Show a service's refusal next to the field it names, or above the form.

    ``error`` carries a ``message`` and, optionally, the name of a ``field``.
    """
    message = getattr(error, "message", None)
    # A lazy string would be rendered as markup (unescaped): translate it now.
    message = str(error) if message is None else str(message)
    name = getattr(error, "field", None)
    field = form[name] if name and name in form else None
    if field is not None:
        field.errors = [*(field.errors or []), message]
    else:
        form.form_errors.append(message)
