"""HTTP hardening in one place: security headers on every response, the
Content-Security-Policy, HSTS, and the proxy headers to trust.

The policy allows no inline script or style: templates load their scripts and
styles from ``static/`` and carry no ``style=``/``on*=`` attributes. JSON-LD
blocks (``<script type="application/ld+json">``) are data, not scripts: CSP
does not apply to them. Forms post to the site itself; a domain whose form
ends on another origin (the payment page a checkout redirects to) declares
that origin with ``allow_form_action``.

A view may set its own, stricter ``Content-Security-Policy`` (downloads use
``default-src 'none'; sandbox``): it is kept.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from urllib.parse import urlsplit

from flask import Flask, Response, current_app, request

CSP_DIRECTIVES: dict[str, str] = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "font-src": "'self'",
    "connect-src": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
    "base-uri": "'self'",
    "object-src": "'none'",
}

STATIC_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
}

_FORM_ACTION_SOURCES = "security_form_action_sources"


def origin_of(url: str | None) -> str | None:
    """``scheme://host[:port]`` of an absolute http(s) URL, else None."""
    if not url:
        return None
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        return None
    return f"{parts.scheme}://{parts.netloc}"


def allow_form_action(app: Flask, sources: Callable[[dict], Iterable[str | None]]) -> None:
    """Let forms end on other origins: ``sources(config)`` returns them (None entries are ignored).

    Called per response, so a configuration changed at run time (tests) is followed.
    """
    app.extensions.setdefault(_FORM_ACTION_SOURCES, []).append(sources)


def content_security_policy(app: Flask | None = None) -> str:
    app = app or current_app
    directives = dict(CSP_DIRECTIVES)
    extra: list[str] = []
    for sources in app.extensions.get(_FORM_ACTION_SOURCES, []):
        for source in sources(app.config):
            if source and source not in extra:
                extra.append(source)
    if extra:
        directives["form-action"] = " ".join([directives["form-action"], *extra])
    return "; ".join(f"{name} {value}" for name, value in directives.items())


def headers_for(app: Flask, secure: bool) -> dict[str, str]:
    """The security headers of the app's responses (``secure``: the request came over HTTPS)."""
    headers = dict(STATIC_HEADERS)
    headers["Content-Security-Policy"] = content_security_policy(app)
    if app.config.get("HSTS_MAX_AGE") and (secure or app.config.get("PREFERRED_URL_SCHEME") == "https"):
        headers["Strict-Transport-Security"] = f"max-age={int(app.config['HSTS_MAX_AGE'])}; includeSubDomains"
    return headers


def _set_headers(response: Response) -> Response:
    for name, value in headers_for(current_app._get_current_object(), request.is_secure).items():
        response.headers.setdefault(name, value)  # a view's own, stricter policy is kept
    return response


def init_app(app: Flask) -> None:
    trusted = int(app.config.get("TRUSTED_PROXIES") or 0)
    if trusted > 0:
        # Behind a load balancer: the client address (rate limits) and the scheme (HSTS,
        # secure redirects) come from the X-Forwarded-* headers set by that many proxies.
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=trusted, x_proto=trusted)  # type: ignore[method-assign]
    app.after_request(_set_headers)
