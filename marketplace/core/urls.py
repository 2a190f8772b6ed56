"""Links that leave the request: absolute URLs for e-mails, and safe redirects."""
from __future__ import annotations

from typing import Any, overload
from urllib.parse import urlsplit

from flask import current_app


def external_url(endpoint: str, **values: Any) -> str:
    """An absolute link for an e-mail, on the platform's public address.

    Built from PLATFORM_URL rather than from the request's Host header, so
    that a forged header can never send a link to another site, and so that
    CLI jobs (reminders, seeds) build the same links as the web.
    """
    base = urlsplit(current_app.config["PLATFORM_URL"])
    adapter = current_app.url_map.bind(
        base.netloc, script_name=base.path or "/", url_scheme=base.scheme or "https"
    )
    return adapter.build(endpoint, values, force_external=True)


@overload
def safe_next(target: str | None) -> str | None: ...


@overload
def safe_next(target: str | None, default: str) -> str: ...


def safe_next(target: str | None, default: str | None = None) -> str | None:
    """``target`` if it is a path on this site, else ``default`` (no open redirect).

    Refuses absolute and scheme-relative URLs (``//host``), backslashes
    (``/\\host`` is read as ``//host`` by browsers), control characters and
    whitespace (browsers drop tabs and newlines), and anything not starting
    with a single ``/``.
    """
    if not target or not isinstance(target, str) or len(target) > 2000:
        return default
    if not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    if any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in target):
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return default
    return target
