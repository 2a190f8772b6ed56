"""Configuration: every value can be set from the environment.

``load_config(name)`` builds a plain dict at app-creation time, so tests and
commands that change the environment see their change.
"""
from __future__ import annotations

import os

DEFAULT_SECRET_KEY = "dev-only-secret-change-me"  # noqa: S105 (refused in production)  # nosec B105

# The 12 départements of Auvergne-Rhône-Alpes.
AURA_DEPARTEMENTS = "01,03,07,15,26,38,42,43,63,69,73,74"


def _env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    return default if value is None or value == "" else value


def _bool(name: str, default: bool) -> bool:
    value = _env(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _int(name: str, default: int) -> int:
    value = _env(name)
    return default if value is None else int(value)


def _list(name: str, default: str) -> list[str]:
    return [item.strip() for item in (_env(name, default) or "").split(",") if item.strip()]


def load_config(name: str | None = None) -> dict:
    """Return the settings for ``name`` (development, testing, production)."""
    name = name or _env("MARKETPLACE_ENV", "development")
    if name not in {"development", "testing", "production"}:
        raise ValueError(f"Unknown MARKETPLACE_ENV {name!r}")
    production = name == "production"
    testing = name == "testing"
    cfg = {
        "ENV_NAME": name,
        "TESTING": testing,
        "SECRET_KEY": _env("SECRET_KEY", DEFAULT_SECRET_KEY),
        # None means: a SQLite file in the instance folder (resolved by create_app).
        "DATABASE_URL": _env("DATABASE_URL"),
        "DATABASE_ECHO": _bool("DATABASE_ECHO", False),
        "SEARCH_BACKEND": _env("SEARCH_BACKEND", "whoosh"),
        "SEARCH_INDEX_DIR": _env("SEARCH_INDEX_DIR"),
        "STRIPE_SECRET_KEY": _env("STRIPE_SECRET_KEY", ""),
        "STRIPE_PUBLISHABLE_KEY": _env("STRIPE_PUBLISHABLE_KEY", ""),
        "STRIPE_WEBHOOK_SECRET": _env("STRIPE_WEBHOOK_SECRET", ""),
        "STRIPE_API_BASE": _env("STRIPE_API_BASE"),
        # The local Stripe simulator's SQLite file (None: instance/stripe-simulator.sqlite3).
        "STRIPE_SIMULATOR_STATE": _env("STRIPE_SIMULATOR_STATE"),
        # Outside production only: a file holding a number of seconds added to the clock.
        "CLOCK_OFFSET_FILE": _env("CLOCK_OFFSET_FILE"),
        "STRIPE_TIMEOUT_SECONDS": float(_env("STRIPE_TIMEOUT_SECONDS", "5")),
        "STRIPE_MAX_NETWORK_RETRIES": _int("STRIPE_MAX_NETWORK_RETRIES", 1),
        "PLATFORM_COMMISSION_BP": _int("PLATFORM_COMMISSION_BP", 500),
        "MAIL_SERVER": _env("MAIL_SERVER"),
        "MAIL_PORT": _int("MAIL_PORT", 25),
        "MAIL_USERNAME": _env("MAIL_USERNAME"),
        "MAIL_PASSWORD": _env("MAIL_PASSWORD"),
        "MAIL_USE_TLS": _bool("MAIL_USE_TLS", False),
        "MAIL_USE_SSL": _bool("MAIL_USE_SSL", False),
        "MAIL_DEFAULT_SENDER": _env("MAIL_DEFAULT_SENDER", "Marché Solidaire <ne-pas-repondre@marche-solidaire.example>"),
        "MAIL_MAX_ATTEMPTS": _int("MAIL_MAX_ATTEMPTS", 5),
        "PLATFORM_NAME": _env("PLATFORM_NAME", "Marché Solidaire"),
        "PLATFORM_URL": _env("PLATFORM_URL", "http://127.0.0.1:5000"),
        "CONTACT_EMAIL": _env("CONTACT_EMAIL", "contact@marche-solidaire.example"),
        # Open Contracting ids of the tenders: <prefix>-<tender id>.
        "OCDS_OCID_PREFIX": _env("OCDS_OCID_PREFIX", "ocds-msol01"),
        "ELIGIBLE_DEPARTEMENTS": _list("ELIGIBLE_DEPARTEMENTS", AURA_DEPARTEMENTS),
        "COMMITTEE_QUORUM": _int("COMMITTEE_QUORUM", 3),
        # Quote requests to "all matching structures": how many are notified (best first),
        # and how many days after the response deadline an undecided request expires.
        "QUOTE_MATCH_LIMIT": _int("QUOTE_MATCH_LIMIT", 20),
        "QUOTE_DECISION_DAYS": _int("QUOTE_DECISION_DAYS", 30),
        "APPROVAL_VALIDITY_DAYS": _int("APPROVAL_VALIDITY_DAYS", 365),
        "REAPPLY_DELAY_DAYS": _int("REAPPLY_DELAY_DAYS", 182),
        "CHARTER_RESIGN_DAYS": _int("CHARTER_RESIGN_DAYS", 30),
        "UPLOAD_DIR": _env("UPLOAD_DIR"),
        # Public pages kept for visitors who are not signed in (marketplace.core.page_cache):
        # their age at most (0: not kept), how often each process reads the content version,
        # their directory (None: instance/page-cache) and its size at most.
        "PAGE_CACHE_SECONDS": _int("PAGE_CACHE_SECONDS", 0 if testing else 60),
        "PAGE_CACHE_CHECK_SECONDS": float(_env("PAGE_CACHE_CHECK_SECONDS", "1")),
        "PAGE_CACHE_DIR": _env("PAGE_CACHE_DIR"),
        "PAGE_CACHE_MAX_BYTES": _int("PAGE_CACHE_MAX_BYTES", 256 * 1024 * 1024),
        "MAX_CONTENT_LENGTH": _int("MAX_CONTENT_LENGTH", 16 * 1024 * 1024),
        "EMAIL_TOKEN_MAX_AGE": _int("EMAIL_TOKEN_MAX_AGE", 2 * 24 * 3600),
        "RESET_TOKEN_MAX_AGE": _int("RESET_TOKEN_MAX_AGE", 3600),
        "BABEL_DEFAULT_LOCALE": "fr",
        "BABEL_DEFAULT_TIMEZONE": "Europe/Paris",
        "LANGUAGES": {"fr": "Français", "en": "English"},
        "RATELIMIT_ENABLED": _bool("RATELIMIT_ENABLED", True),
        "RATELIMIT_STORAGE_URI": _env("RATELIMIT_STORAGE_URI", "memory://"),
        "RATELIMIT_HEADERS_ENABLED": True,
        "LOGIN_RATE_LIMIT": _env("LOGIN_RATE_LIMIT", "10 per minute; 50 per hour"),
        "RESET_RATE_LIMIT": _env("RESET_RATE_LIMIT", "5 per minute; 20 per hour"),
        "SIGNUP_RATE_LIMIT": _env("SIGNUP_RATE_LIMIT", "10 per hour"),
        "CONTACT_RATE_LIMIT": _env("CONTACT_RATE_LIMIT", "5 per hour"),
        "WTF_CSRF_ENABLED": _bool("WTF_CSRF_ENABLED", True),
        "WTF_CSRF_TIME_LIMIT": None,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": _bool("SESSION_COOKIE_SECURE", production),
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": _bool("SESSION_COOKIE_SECURE", production),
        "REMEMBER_COOKIE_DURATION": _int("REMEMBER_COOKIE_DAYS", 30) * 24 * 3600,
        # HTTPS: HSTS is sent on secure requests, and on every response when the site's
        # scheme is https (production, behind a TLS-terminating proxy). 0 turns it off.
        "PREFERRED_URL_SCHEME": _env("PREFERRED_URL_SCHEME", "https" if production else "http"),
        "HSTS_MAX_AGE": _int("HSTS_MAX_AGE", 365 * 24 * 3600),
        # Number of proxies in front of the app whose X-Forwarded-For/-Proto to trust.
        "TRUSTED_PROXIES": _int("TRUSTED_PROXIES", 0),
        "SHOW_DEV_MAILBOX": not production,
        "DEMO_PASSWORD": _env("DEMO_PASSWORD", "solidaire2026"),
    }
    if testing:
        cfg.update(
            RATELIMIT_ENABLED=_bool("RATELIMIT_ENABLED", False),
            WTF_CSRF_ENABLED=_bool("WTF_CSRF_ENABLED", False),
            PASSWORD_HASH_FAST=True,
        )
    return cfg


def check_production(cfg: dict) -> None:
    """Refuse to start a production app with development defaults."""
    if cfg["ENV_NAME"] != "production":
        return
    problems = []
    if cfg["SECRET_KEY"] == DEFAULT_SECRET_KEY or len(cfg["SECRET_KEY"]) < 32:
        problems.append("SECRET_KEY must be set to a long random value")
    if not cfg["STRIPE_SECRET_KEY"] or cfg.get("STRIPE_API_BASE"):
        problems.append("STRIPE_SECRET_KEY must be a real key; the Stripe simulator is refused")
    if not cfg["STRIPE_WEBHOOK_SECRET"]:
        problems.append("STRIPE_WEBHOOK_SECRET must be set (Stripe webhook signing secret)")
    if not cfg["DATABASE_URL"]:
        problems.append("DATABASE_URL must be set")
    if cfg.get("CLOCK_OFFSET_FILE"):
        problems.append("CLOCK_OFFSET_FILE shifts the clock and is refused")
    if problems:
        raise RuntimeError("Refusing to start in production: " + "; ".join(problems))
