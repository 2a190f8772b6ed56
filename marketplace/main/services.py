"""Services of the public pages: the contact form."""
from __future__ import annotations

from flask import current_app
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from marketplace.core.outbox import OutboxMessage, queue_email

CONTACT_SUBJECTS = {
    "question": _l("Une question sur la plateforme"),
    "order": _l("Une commande ou un achat"),
    "vendor": _l("Devenir fournisseur"),
    "buyer": _l("Achats professionnels ou publics"),
    "data": _l("Mes données personnelles"),
    "accessibility": _l("Un problème d'accessibilité"),
    "other": _l("Autre"),
}


class ContactError(ValueError):
    """A contact message that cannot be sent as written."""


def send_contact_message(name: str, email: str, subject: str, message: str) -> OutboxMessage:
    """Queue a visitor's message to the platform team (CONTACT_EMAIL)."""
    name = " ".join((name or "").split())  # no line breaks in the e-mail subject
    email = (email or "").strip()
    message = (message or "").strip()
    if subject not in CONTACT_SUBJECTS:
        raise ContactError(str(_l("Choisissez un objet dans la liste.")))
    if not name or not email or not message:
        raise ContactError(str(_l("Tous les champs sont obligatoires.")))
    with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
        subject_label = str(CONTACT_SUBJECTS[subject])
    return queue_email(
        current_app.config["CONTACT_EMAIL"],
        f"[Contact] {subject_label} – {name}"[:300],
        "contact",
        name=name,
        email=email,
        subject_label=subject_label,
        message=message,
    )
