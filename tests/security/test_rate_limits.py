"""Rate limits: the inventory. Every form open to anonymous visitors that signs in, creates an
account, sends an e-mail or checks a secret is limited per client address; the others are
listed with the reason they need none. (Each limit's own behaviour, message and setting are
tested in tests/accounts/test_rate_limits_csrf.py and tests/main/test_contact.py.)"""
from __future__ import annotations

import pytest

LIMITED = {
    "accounts.login": ("LOGIN_RATE_LIMIT", {"email": "x@exemple.fr", "password": "faux"}),
    "accounts.signup": ("SIGNUP_RATE_LIMIT", {"email": "x@exemple.fr"}),
    "accounts.forgot_password": ("RESET_RATE_LIMIT", {"email": "x@exemple.fr"}),
    "accounts.reset_password": ("RESET_RATE_LIMIT", {"password": "x"}),
    "accounts.resend_verification": ("RESET_RATE_LIMIT", {"email": "x@exemple.fr"}),
    "main.contact": ("CONTACT_RATE_LIMIT", {"email": "x@exemple.fr"}),
}
NOT_LIMITED = {
    "main.set_language": "stores the language in the session only",
    "shop.add": "changes the visitor's own cart only",
    "shop.update_line": "changes the visitor's own cart only",
    "shop.remove_line": "changes the visitor's own cart only",
    "shop.set_fulfilment": "changes the visitor's own cart only",
    "payments.stripe_webhook": "signed by Stripe; Stripe retries, a limit would lose events",
}


def _public_posts(app) -> dict[str, str]:
    found = {}
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        if "POST" in rule.methods and getattr(view, "permission", None) == "public":
            values = {a: 1 if type(rule._converters[a]).__name__ == "IntegerConverter" else "jeton"
                      for a in rule.arguments}
            found[rule.endpoint] = rule.build(values, append_unknown=False)[1]
    return found


def test_every_public_form_is_limited_or_exempt_for_a_reason(app):
    public_posts = set(_public_posts(app))
    assert public_posts - set(LIMITED) - set(NOT_LIMITED) == set(), "public POST endpoints without a rate limit"
    assert set(LIMITED) <= public_posts


@pytest.mark.parametrize("endpoint", sorted(LIMITED))
def test_each_limited_form_answers_429_past_its_limit(app, client, rate_limited, monkeypatch, endpoint):
    setting, data = LIMITED[endpoint]
    monkeypatch.setitem(app.config, setting, "1 per minute")
    url = _public_posts(app)[endpoint]
    assert client.post(url, data=data).status_code != 429
    refused = client.post(url, data=data)
    assert refused.status_code == 429
    assert "Trop de tentatives" in refused.text


def test_production_keeps_the_limits_on_and_shared_storage_is_configurable(monkeypatch):
    from marketplace.config import load_config

    monkeypatch.setenv("RATELIMIT_STORAGE_URI", "redis://127.0.0.1:6379/0")
    config = load_config("production")
    assert config["RATELIMIT_ENABLED"] is True
    assert config["RATELIMIT_STORAGE_URI"] == "redis://127.0.0.1:6379/0"
    for setting, _data in LIMITED.values():
        assert config[setting]
