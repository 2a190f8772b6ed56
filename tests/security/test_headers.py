"""HTTP hardening: security headers, the Content-Security-Policy, HSTS, cookie flags, the
production start-up refusals, and templates free of inline script and style."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from marketplace import create_app
from marketplace.config import DEFAULT_SECRET_KEY, check_production, load_config
from marketplace.core.security import CSP_DIRECTIVES, content_security_policy
from tests.factories import PASSWORD, UserFactory

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "templates"

PAGES = ["/", "/catalogue", "/fournisseurs", "/recherche?q=miel", "/compte/connexion", "/panier", "/page-inexistante"]


def _policy(response) -> dict[str, list[str]]:
    policy = {}
    for directive in response.headers["Content-Security-Policy"].split(";"):
        name, *values = directive.split()
        policy[name] = values
    return policy


@pytest.mark.parametrize("url", PAGES)
def test_every_page_carries_the_security_headers(client, url):
    response = client.get(url)
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    policy = _policy(response)
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["base-uri"] == ["'self'"]
    assert policy["form-action"][0] == "'self'"
    assert policy["img-src"] == ["'self'", "data:"]
    assert not any("unsafe" in value for values in policy.values() for value in values)


def test_error_and_json_answers_carry_them_too(client, csrf_app):
    for response in (client.post("/compte/connexion"), client.get("/recherche/suggestions?q=mi"), client.get("/healthz")):
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]


def test_form_action_allows_the_payment_pages_only(app, client):
    origins = _policy(client.get("/"))["form-action"]
    assert origins[0] == "'self'"
    assert "https://checkout.stripe.com" in origins and "https://connect.stripe.com" in origins
    # in development and tests, the checkout redirects to the local Stripe simulator
    assert "http://127.0.0.1:12111" in origins
    assert all(o == "'self'" or o.startswith(("https://", "http://127.0.0.1:")) for o in origins)


def test_form_action_follows_the_simulator_address(app, stripe_simulator):
    assert stripe_simulator.url.rstrip("/") in content_security_policy(app)


def test_production_policy_names_no_simulator(monkeypatch):
    _production_env(monkeypatch)
    app = create_app()
    with app.app_context():
        policy = content_security_policy(app)
    assert "127.0.0.1" not in policy and "http://" not in policy
    assert set(CSP_DIRECTIVES) <= {d.split()[0] for d in policy.split("; ")}


def test_a_view_keeps_its_stricter_policy(client, db, app):
    """Downloads set ``default-src 'none'; sandbox``: the site-wide policy does not replace it."""
    from tests.security.world import build_world

    world = build_world(db)
    with client.session_transaction() as sess:
        sess["_user_id"] = world.users["owner_a"].get_id()
    response = client.get(f"/documents/{world['document_a']}")
    assert response.status_code == 200
    assert response.headers["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert response.headers["X-Content-Type-Options"] == "nosniff"


# ---------------------------------------------------------------- HSTS


def test_hsts_only_over_https(client):
    assert "Strict-Transport-Security" not in client.get("/").headers
    secure = client.get("/", base_url="https://localhost")
    assert secure.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"


def test_hsts_always_when_the_site_is_https(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "PREFERRED_URL_SCHEME", "https")
    assert "max-age=" in client.get("/").headers["Strict-Transport-Security"]
    monkeypatch.setitem(app.config, "HSTS_MAX_AGE", 0)
    assert "Strict-Transport-Security" not in client.get("/", base_url="https://localhost").headers


def test_trusted_proxy_headers_make_the_request_secure(monkeypatch, tmp_path):
    monkeypatch.setenv("TRUSTED_PROXIES", "1")
    app = create_app({"ENV_NAME": "testing", "DATABASE_URL": f"sqlite:///{tmp_path / 'p.db'}"})
    forwarded = app.test_client().get("/healthz", headers={"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.9"})
    assert "Strict-Transport-Security" in forwarded.headers
    untrusted = create_app({"ENV_NAME": "testing", "DATABASE_URL": f"sqlite:///{tmp_path / 'q.db'}", "TRUSTED_PROXIES": 0})
    plain = untrusted.test_client().get("/healthz", headers={"X-Forwarded-Proto": "https"})
    assert "Strict-Transport-Security" not in plain.headers


# ---------------------------------------------------------------- production settings


def _production_env(monkeypatch, **overrides):
    values = {
        "MARKETPLACE_ENV": "production",
        "SECRET_KEY": "x" * 48,
        "DATABASE_URL": "sqlite:///:memory:",
        "STRIPE_SECRET_KEY": "sk_live_exemple",
        "STRIPE_WEBHOOK_SECRET": "whsec_exemple",
        "STRIPE_API_BASE": "",
        "SESSION_COOKIE_SECURE": "",
        "PREFERRED_URL_SCHEME": "",
    }
    values.update(overrides)
    for name, value in values.items():
        monkeypatch.setenv(name, value)


@pytest.mark.parametrize(
    "overrides, problem",
    [
        ({"SECRET_KEY": ""}, "SECRET_KEY"),
        ({"SECRET_KEY": DEFAULT_SECRET_KEY}, "SECRET_KEY"),
        ({"SECRET_KEY": "court"}, "SECRET_KEY"),
        ({"STRIPE_SECRET_KEY": ""}, "simulator"),
        ({"STRIPE_API_BASE": "http://127.0.0.1:12111"}, "simulator"),
        ({"STRIPE_WEBHOOK_SECRET": ""}, "STRIPE_WEBHOOK_SECRET"),
        ({"DATABASE_URL": ""}, "DATABASE_URL"),
        ({"CLOCK_OFFSET_FILE": "/srv/decalage"}, "CLOCK_OFFSET_FILE"),
    ],
)
def test_production_refuses_to_start_with_development_settings(monkeypatch, overrides, problem):
    _production_env(monkeypatch, **overrides)
    with pytest.raises(RuntimeError, match=problem):
        create_app()


def test_production_starts_with_real_settings_and_secure_cookies(monkeypatch):
    _production_env(monkeypatch)
    config = load_config()
    check_production(config)
    for cookie in ("SESSION", "REMEMBER"):
        assert config[f"{cookie}_COOKIE_SECURE"] is True
        assert config[f"{cookie}_COOKIE_HTTPONLY"] is True
        assert config[f"{cookie}_COOKIE_SAMESITE"] == "Lax"
    assert config["PREFERRED_URL_SCHEME"] == "https"
    assert config["WTF_CSRF_ENABLED"] is True and config["RATELIMIT_ENABLED"] is True


def test_production_cookies_as_sent(monkeypatch, tmp_path):
    """Sign in with "remember me" on a production app: both cookies are Secure, HttpOnly, SameSite=Lax."""
    from marketplace.extensions import db

    _production_env(monkeypatch, DATABASE_URL=f"sqlite:///{tmp_path / 'prod.db'}", RATELIMIT_ENABLED="false")
    app = create_app()
    app.config["WTF_CSRF_ENABLED"] = False
    with app.app_context():
        db.create_all()
        user = UserFactory()
        db.session.commit()
        email = user.email
    client = app.test_client()
    response = client.post("/compte/connexion", data={"email": email, "password": PASSWORD, "remember": "y"},
                           base_url="https://localhost")
    assert response.status_code == 302
    cookies = {c.split("=", 1)[0]: c for c in response.headers.getlist("Set-Cookie")}
    assert {"session", "remember_token"} <= set(cookies)
    for cookie in (cookies["session"], cookies["remember_token"]):
        assert "; Secure" in cookie and "; HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")
    with app.app_context():
        db.drop_all()


# ---------------------------------------------------------------- templates


JINJA = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.S)  # blanked out: Python, not HTML
INLINE = [
    (re.compile(r"\sstyle\s*="), "style attribute"),
    (re.compile(r"<style[\s>]"), "<style> element"),
    (re.compile(r"\son[a-z]+\s*=", re.IGNORECASE), "on* event handler"),
    (re.compile(r"javascript:", re.IGNORECASE), "javascript: URL"),
    (re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*application/ld\+json)[^>]*>"), "inline <script>"),
]


def test_templates_have_no_inline_script_or_style():
    """The policy forbids them: each would be blocked in the browser."""
    found = []
    for path in sorted(TEMPLATES.rglob("*.html")):
        text = JINJA.sub(lambda m: re.sub(r"[^\n]", " ", m.group(0)), path.read_text(encoding="utf-8"))
        for pattern, what in INLINE:
            for match in pattern.finditer(text):
                line = text.count("\n", 0, match.start()) + 1
                found.append(f"{path.relative_to(ROOT)}:{line}: {what}")
    assert not found, "\n".join(found)


def test_scripts_and_styles_are_static_files():
    for path in sorted(TEMPLATES.rglob("*.html")):
        for src in re.findall(r"<script[^>]*\bsrc=\"([^\"]+)\"", path.read_text(encoding="utf-8")):
            assert src.startswith("{{ url_for('static'"), f"{path}: external script {src}"
