"""Accounts: sign-up, login, e-mail verification, password reset, profile,
deletion and personal data export.

Services flush; the caller (view, command, seed) commits once. Nothing here
reads the request, the session or flashes: links in e-mails are built from
PLATFORM_URL, so the same functions serve the web, the CLI and the tests.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import decimal
import enum
import hashlib
import secrets
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from marketplace.accounts.auth import (
    hash_password,
    make_token,
    password_needs_rehash,
    read_token,
    verify_password,
)
from marketplace.accounts.models import BuyerMembership, BuyerOrganisation, User
from marketplace.accounts.permissions import sole_owned_vendors
from marketplace.core.audit import AuditEvent, record_event
from marketplace.core.clock import now_utc
from marketplace.core.errors import DomainError
from marketplace.core.outbox import OutboxMessage, email_user, queue_email
from marketplace.core.urls import external_url
from marketplace.extensions import db

MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 200
DELETED_NAME = "Compte supprimé"

VERIFY_PURPOSE = "verify-email"
CHANGE_EMAIL_PURPOSE = "change-email"
RESET_PURPOSE = "reset-password"


class AccountError(DomainError):
    """A refused account operation, with a French message for the user
    (lazily translated, so services also run outside a request).

    ``field`` names the form field the message belongs to, if any.
    """


class InvalidLinkError(AccountError):
    """An e-mailed link that is expired, tampered with or already used."""


# ---------------------------------------------------------------------------
# Helpers


def normalize_email(email: str | None) -> str:
    return (email or "").strip().lower()


def find_user_by_email(email: str | None) -> User | None:
    """The live (not deleted) account with this address, whatever its case."""
    address = normalize_email(email)
    if not address:
        return None
    return db.session.scalar(
        sa.select(User).where(sa.func.lower(User.email) == address, User.deleted_at.is_(None))
    )


def email_taken(email: str, except_user: User | None = None) -> bool:
    stmt = sa.select(User.id).where(sa.func.lower(User.email) == normalize_email(email))
    if except_user is not None:
        stmt = stmt.where(User.id != except_user.id)
    return db.session.scalar(stmt.limit(1)) is not None


def password_problem(password: str | None, email: str | None) -> str | None:
    """Why ``password`` is refused for the account ``email``, or None."""
    password = password or ""
    if len(password) < MIN_PASSWORD_LENGTH:
        return _l("Le mot de passe doit contenir au moins %(n)s caractères.", n=MIN_PASSWORD_LENGTH)
    if len(password) > MAX_PASSWORD_LENGTH:
        return _l("Le mot de passe ne doit pas dépasser %(n)s caractères.", n=MAX_PASSWORD_LENGTH)
    address = normalize_email(email)
    if address and password.strip().lower() in {address, address.split("@", 1)[0]}:
        return _l("Le mot de passe ne doit pas être votre adresse e-mail.")
    return None


def _check_password(password: str, email: str, field: str = "password") -> None:
    problem = password_problem(password, email)
    if problem:
        raise AccountError(problem, field=field)


def _password_fingerprint(user: User) -> str:
    """Changes whenever the password changes: a reset link then stops working."""
    return hashlib.sha256((user.password_hash or "").encode()).hexdigest()[:24]


def _live_user(user_id: Any) -> User | None:
    try:
        user = db.session.get(User, int(user_id))
    except (TypeError, ValueError):
        return None
    if user is None or user.deleted_at is not None:
        return None
    return user


def _rotate_session_token(user: User) -> None:
    user.session_token = secrets.token_hex(16)


def _hours(seconds: int) -> int:
    return max(1, round(seconds / 3600))


# ---------------------------------------------------------------------------
# Sign-up and e-mail verification


def register_user(
    email: str,
    display_name: str,
    password: str,
    locale: str = "fr",
    accepted_terms: bool = False,
) -> User:
    """Create a consumer account and send the verification e-mail."""
    address = normalize_email(email)
    if not accepted_terms:
        raise AccountError(_l("Vous devez accepter les conditions d'utilisation."), field="accept_terms")
    _check_password(password, address)
    if email_taken(address):
        raise AccountError(_l("Un compte existe déjà avec cette adresse e-mail."), field="email")
    if locale not in current_app.config["LANGUAGES"]:
        locale = current_app.config["BABEL_DEFAULT_LOCALE"]
    user = User(
        email=address,
        display_name=(display_name or "").strip(),
        password_hash=hash_password(password),
        locale=locale,
    )
    if not db.insert_unique(user):  # the same address, signed up a moment ago
        raise AccountError(_l("Un compte existe déjà avec cette adresse e-mail."), field="email")
    record_event(user, user, "account.signup", after="unverified", data={"terms_accepted": True})
    send_verification_email(user)
    return user


def send_verification_email(user: User) -> OutboxMessage | None:
    token = make_token(VERIFY_PURPOSE, {"uid": user.id, "email": user.email})
    return email_user(
        user,
        _l("Confirmez votre adresse e-mail"),
        "account_verify_email",
        link=external_url("accounts.verify_email", token=token),
        hours=_hours(current_app.config["EMAIL_TOKEN_MAX_AGE"]),
    )


def resend_verification(user: User) -> bool:
    """Send a new verification link to a signed-in user; False if already verified."""
    if user.is_verified or user.deleted_at is not None:
        return False
    send_verification_email(user)
    return True


def request_verification_email(email: str) -> None:
    """Resend the link to an unverified account; silent when there is none."""
    user = find_user_by_email(email)
    if user is not None:
        resend_verification(user)


def verify_email(token: str) -> User:
    payload = read_token(VERIFY_PURPOSE, token, current_app.config["EMAIL_TOKEN_MAX_AGE"]) or {}
    user = _live_user(payload.get("uid")) if isinstance(payload, dict) else None
    if user is None or normalize_email(payload.get("email")) != normalize_email(user.email):
        raise InvalidLinkError(
            _l("Ce lien de confirmation n'est plus valable : il a expiré ou il est incomplet.")
        )
    if not user.is_verified:
        user.verified_at = now_utc()
        record_event(user, user, "account.email_verified", before="unverified", after="verified")
        db.session.flush()
    return user


# ---------------------------------------------------------------------------
# Login


def authenticate(email: str, password: str) -> User | None:
    """The user if the credentials are right, else None (same answer for every failure)."""
    user = find_user_by_email(email)
    if not verify_password(user.password_hash if user else None, password or ""):
        return None
    if password_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = now_utc()
    record_event(user, user, "account.login")
    db.session.flush()
    return user


# ---------------------------------------------------------------------------
# Password reset and change


def request_password_reset(email: str) -> None:
    """E-mail a single-use reset link if the account exists; silent otherwise."""
    user = find_user_by_email(email)
    if user is None:
        return
    token = make_token(RESET_PURPOSE, {"uid": user.id, "fp": _password_fingerprint(user)})
    max_age = current_app.config["RESET_TOKEN_MAX_AGE"]
    email_user(
        user,
        _l("Réinitialisation de votre mot de passe"),
        "account_reset_password",
        link=external_url("accounts.reset_password", token=token),
        minutes=max(1, max_age // 60),
    )


def user_for_reset_token(token: str) -> User | None:
    payload = read_token(RESET_PURPOSE, token, current_app.config["RESET_TOKEN_MAX_AGE"])
    if not isinstance(payload, dict):
        return None
    user = _live_user(payload.get("uid"))
    if user is None or payload.get("fp") != _password_fingerprint(user):
        return None
    return user


def check_reset_token(token: str) -> User:
    """The user a reset link is for; InvalidLinkError if it expired or already served."""
    user = user_for_reset_token(token)
    if user is None:
        raise InvalidLinkError(
            _l("Ce lien de réinitialisation n'est plus valable : il a expiré, a déjà servi ou est incomplet.")
        )
    return user


def reset_password(token: str, new_password: str) -> User:
    """Set a new password from a reset link; every session of the user ends."""
    user = check_reset_token(token)
    _check_password(new_password, user.email)
    user.password_hash = hash_password(new_password)
    _rotate_session_token(user)
    record_event(user, user, "account.password_reset")
    if not user.is_verified:  # the link reached the mailbox: the address is proven
        user.verified_at = now_utc()
        record_event(user, user, "account.email_verified", before="unverified", after="verified")
    email_user(user, _l("Votre mot de passe a été modifié"), "account_password_changed")
    db.session.flush()
    return user


def change_password(user: User, current_password: str, new_password: str) -> User:
    """Change the password; the caller signs the current session in again."""
    if not verify_password(user.password_hash, current_password or ""):
        raise AccountError(_l("Mot de passe actuel incorrect."), field="current_password")
    _check_password(new_password, user.email, field="new_password")
    user.password_hash = hash_password(new_password)
    _rotate_session_token(user)
    record_event(user, user, "account.password_changed")
    email_user(user, _l("Votre mot de passe a été modifié"), "account_password_changed")
    db.session.flush()
    return user


# ---------------------------------------------------------------------------
# Profile, language, e-mail change


def update_profile(
    user: User,
    display_name: str,
    phone: str | None,
    postal_code: str | None,
    locale: str,
) -> User:
    if locale not in current_app.config["LANGUAGES"]:
        raise AccountError(_l("Cette langue n'est pas disponible."), field="locale")
    postal_code = (postal_code or "").replace(" ", "") or None
    if postal_code is not None and not (len(postal_code) == 5 and postal_code.isdigit()):
        raise AccountError(_l("Le code postal doit comporter 5 chiffres."), field="postal_code")
    values = {
        "display_name": (display_name or "").strip(),
        "phone": (phone or "").strip() or None,
        "postal_code": postal_code,
        "locale": locale,
    }
    if not values["display_name"]:
        raise AccountError(_l("Indiquez le nom affiché."), field="display_name")
    changed = sorted(name for name, value in values.items() if getattr(user, name) != value)
    for name in changed:
        setattr(user, name, values[name])
    if changed:
        record_event(user, user, "account.profile_updated", data={"fields": changed})
    db.session.flush()
    return user


def set_locale(user, locale: str) -> None:
    """Record the language preference of a signed-in user (no-op for visitors)."""
    if locale not in current_app.config["LANGUAGES"]:
        raise AccountError(_l("Cette langue n'est pas disponible."), field="locale")
    if user is None or not getattr(user, "is_authenticated", False):
        return
    if user.locale != locale:
        user.locale = locale
        db.session.flush()


def request_email_change(user: User, current_password: str, new_email: str) -> str:
    """Send a confirmation link to the new address; the change happens when it is opened."""
    if not verify_password(user.password_hash, current_password or ""):
        raise AccountError(_l("Mot de passe actuel incorrect."), field="current_password")
    address = normalize_email(new_email)
    if address == normalize_email(user.email):
        raise AccountError(_l("C'est déjà l'adresse de votre compte."), field="new_email")
    if email_taken(address, except_user=user):
        raise AccountError(_l("Un compte existe déjà avec cette adresse e-mail."), field="new_email")
    token = make_token(CHANGE_EMAIL_PURPOSE, {"uid": user.id, "from": user.email, "to": address})
    queue_email(
        address,
        _l("Confirmez votre nouvelle adresse e-mail"),
        "account_change_email",
        locale=user.locale,
        user=user,
        link=external_url("accounts.confirm_email_change", token=token),
        hours=_hours(current_app.config["EMAIL_TOKEN_MAX_AGE"]),
    )
    record_event(user, user, "account.email_change_requested")
    db.session.flush()
    return address


def confirm_email_change(token: str) -> User:
    payload = read_token(CHANGE_EMAIL_PURPOSE, token, current_app.config["EMAIL_TOKEN_MAX_AGE"])
    user = _live_user(payload.get("uid")) if isinstance(payload, dict) else None
    if user is None or normalize_email(payload.get("from")) != normalize_email(user.email):
        raise InvalidLinkError(
            _l("Ce lien de confirmation n'est plus valable : il a expiré, a déjà servi ou est incomplet.")
        )
    address = normalize_email(payload.get("to"))
    if email_taken(address, except_user=user):
        raise AccountError(_l("Un compte existe déjà avec cette adresse e-mail."))
    old_address = user.email
    queue_email(
        old_address,
        _l("L'adresse e-mail de votre compte a changé"),
        "account_email_changed",
        locale=user.locale,
        user=user,
        new_email=address,
    )
    user.email = address
    user.verified_at = now_utc()
    record_event(user, user, "account.email_changed")
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError:
        raise AccountError(_l("Un compte existe déjà avec cette adresse e-mail.")) from None
    return user


# ---------------------------------------------------------------------------
# Deletion


def delete_account(user: User, password: str) -> User:
    """Anonymise the account; the row stays so orders and audit events keep pointing to it."""
    if user.deleted_at is not None:
        raise AccountError(_l("Ce compte est déjà supprimé."))
    if not verify_password(user.password_hash, password or ""):
        raise AccountError(_l("Mot de passe incorrect."), field="password")
    owned = sole_owned_vendors(user)
    if owned:
        names = ", ".join(f"« {vendor.name} »" for vendor in owned)
        raise AccountError(
            _l(
                "Vous êtes le seul propriétaire de %(names)s. Désignez un autre propriétaire "
                "ou contactez la plateforme avant de supprimer votre compte.",
                names=names,
            )
        )
    email_user(user, _l("Votre compte a été supprimé"), "account_deleted")
    today = now_utc().date()
    for mandate in list(user.committee_mandates):
        if mandate.starts_on >= today:
            user.committee_mandates.remove(mandate)
        elif mandate.ends_on is None or mandate.ends_on >= today:
            mandate.ends_on = today - dt.timedelta(days=1)
    user.buyer_memberships.clear()
    user.vendor_memberships.clear()
    user.email = f"deleted-{user.id}@invalid.local"
    user.display_name = DELETED_NAME
    user.phone = None
    user.postal_code = None
    user.password_hash = None
    user.deleted_at = now_utc()
    _rotate_session_token(user)
    record_event(user, user, "account.deleted", before="active", after="deleted")
    db.session.flush()
    return user


# ---------------------------------------------------------------------------
# Buyer space


def buyer_organisations_of(user: User) -> list[BuyerOrganisation]:
    return list(
        db.session.scalars(
            sa.select(BuyerOrganisation)
            .join(BuyerMembership, BuyerMembership.organisation_id == BuyerOrganisation.id)
            .where(BuyerMembership.user_id == user.id)
            .order_by(sa.func.lower(BuyerOrganisation.name), BuyerOrganisation.id)
        )
    )


# ---------------------------------------------------------------------------
# Export of one's own data (RGPD, article 20)

ExportSection = Callable[[User], Any]
_EXPORT_SECTIONS: dict[str, ExportSection] = {}


def register_export_section(name: str, fn: ExportSection | None = None):
    """Add a section to the personal data export.

    ``fn(user)`` returns JSON-able data (datetimes, dates, enums and
    dataclasses are converted). Usable as ``register_export_section("orders",
    fn)`` or as a decorator ``@register_export_section("orders")``.
    """

    def _register(section: ExportSection) -> ExportSection:
        _EXPORT_SECTIONS[name] = section
        return section

    return _register(fn) if fn is not None else _register


def export_section_names() -> list[str]:
    return list(_EXPORT_SECTIONS)


def to_jsonable(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, decimal.Decimal):
        return str(value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return to_jsonable(dataclasses.asdict(value))
    if isinstance(value, dict):
        return {str(key): to_jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [to_jsonable(item) for item in value]
    return value


def export_user_data(user: User) -> dict[str, Any]:
    data: dict[str, Any] = {
        "platform": current_app.config["PLATFORM_NAME"],
        "generated_at": now_utc().isoformat(),
    }
    for name, section in _EXPORT_SECTIONS.items():
        data[name] = to_jsonable(section(user))
    return data


@register_export_section("profile")
def _export_profile(user: User) -> dict[str, Any]:
    return {
        "id": user.id,
        "email": user.email,
        "display_name": user.display_name,
        "phone": user.phone,
        "postal_code": user.postal_code,
        "locale": user.locale,
        "verified_at": user.verified_at,
        "created_at": user.created_at,
        "last_login_at": user.last_login_at,
    }


@register_export_section("vendor_memberships")
def _export_vendor_memberships(user: User) -> list[dict[str, Any]]:
    return [
        {"vendor": m.vendor.name, "vendor_siret": m.vendor.siret, "role": m.role, "since": m.created_at}
        for m in user.vendor_memberships
    ]


@register_export_section("buyer_memberships")
def _export_buyer_memberships(user: User) -> list[dict[str, Any]]:
    return [
        {
            "organisation": m.organisation.name,
            "kind": m.organisation.kind,
            "siret": m.organisation.siret,
            "job_title": m.job_title,
            "since": m.created_at,
        }
        for m in user.buyer_memberships
    ]


@register_export_section("committee_mandates")
def _export_committee_mandates(user: User) -> list[dict[str, Any]]:
    return [
        {
            "organisation": m.organisation_name,
            "is_chair": m.is_chair,
            "is_vendor_representative": m.is_vendor_representative,
            "starts_on": m.starts_on,
            "ends_on": m.ends_on,
        }
        for m in user.committee_mandates
    ]


@register_export_section("audit_events")
def _export_audit_events(user: User) -> list[dict[str, Any]]:
    events = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.actor_id == user.id).order_by(AuditEvent.at, AuditEvent.id)
    )
    return [
        {
            "at": e.at,
            "action": e.action,
            "subject_type": e.subject_type,
            "subject_id": e.subject_id,
            "before": e.before,
            "after": e.after,
            "data": e.data,
        }
        for e in events
    ]


@register_export_section("emails")
def _export_emails(user: User) -> list[dict[str, Any]]:
    messages = db.session.scalars(
        sa.select(OutboxMessage)
        .where(sa.func.lower(OutboxMessage.to_address) == normalize_email(user.email))
        .order_by(OutboxMessage.created_at, OutboxMessage.id)
    )
    return [
        {
            "to": m.to_address,
            "subject": m.subject,
            "body": m.body,
            "status": m.status,
            "created_at": m.created_at,
            "sent_at": m.sent_at,
        }
        for m in messages
    ]
