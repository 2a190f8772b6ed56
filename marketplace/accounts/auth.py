"""Password hashing, Flask-Login wiring and signed e-mail tokens."""
from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, SignatureExpired, TimestampSigner, URLSafeTimedSerializer
from sqlalchemy.orm import joinedload

from marketplace.extensions import db, login_manager

_FAST_HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
_HASHER = PasswordHasher()  # argon2id with the library's current recommended parameters
# A fixed hash to verify against when the e-mail is unknown (constant-time login).
_DUMMY_HASH: dict[bool, str] = {}


def _hasher() -> PasswordHasher:
    return _FAST_HASHER if current_app.config.get("PASSWORD_HASH_FAST") else _HASHER


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    hasher = _hasher()
    if not password_hash:
        fast = bool(current_app.config.get("PASSWORD_HASH_FAST"))
        if fast not in _DUMMY_HASH:
            _DUMMY_HASH[fast] = hasher.hash("not-a-password")
        password_hash = _DUMMY_HASH[fast]
        try:
            hasher.verify(password_hash, password)
        except (VerificationError, InvalidHashError):
            pass
        return False
    try:
        return hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def password_needs_rehash(password_hash: str) -> bool:
    try:
        return _hasher().check_needs_rehash(password_hash)
    except InvalidHashError:
        return True


class _ClockSigner(TimestampSigner):
    """Signs with the app clock, so that token expiry follows a moved clock."""

    def get_timestamp(self) -> int:
        from marketplace.core.clock import now_utc

        return int(now_utc().timestamp())


def _serializer(salt: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=salt, signer=_ClockSigner)


def make_token(purpose: str, payload: dict) -> str:
    return _serializer(purpose).dumps(payload)


def read_token(purpose: str, token: str, max_age: int) -> dict | None:
    """The payload of a valid, unexpired token, or None.

    Token age is checked against the app clock so that tests can move it.
    """
    from marketplace.core.clock import now_utc

    serializer = _serializer(purpose)
    try:
        payload, signed_at = serializer.loads(token, return_timestamp=True)
    except (BadSignature, SignatureExpired):
        return None
    if (now_utc() - signed_at).total_seconds() > max_age:
        return None
    return payload


def init_login(app) -> None:
    login_manager.login_view = "accounts.login"
    login_manager.login_message = _l("Connectez-vous pour accéder à cette page.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"

    @login_manager.user_loader
    def _load_user(user_id: str):
        from marketplace.accounts.models import User

        try:
            raw_id, token = user_id.split(":", 1)
            # What the roles are computed from comes in the same statement (one row per
            # membership or mandate; a user has few).
            user = db.session.get(User, int(raw_id), options=[
                joinedload(User.vendor_memberships), joinedload(User.buyer_memberships),
                joinedload(User.committee_mandates),
            ])
        except (ValueError, TypeError):
            return None
        if user is None or user.deleted_at is not None or user.session_token != token:
            return None
        return user
