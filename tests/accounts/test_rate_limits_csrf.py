"""Rate limits on the sensitive forms, and CSRF on the login form."""
from __future__ import annotations

import re

import pytest

from tests.accounts.helpers import text
from tests.conftest import csrf_token_from
from tests.factories import PASSWORD


def test_login_posts_are_rate_limited_with_a_french_page(app, client, user, rate_limited, monkeypatch):
    monkeypatch.setitem(app.config, "LOGIN_RATE_LIMIT", "3 per minute")
    for _ in range(3):
        response = client.post("/compte/connexion", data={"email": user.email, "password": "faux"})
        assert response.status_code == 200
    response = client.post("/compte/connexion", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 429
    page = text(response)
    assert '<html lang="fr">' in page
    assert "Trop de tentatives" in page
    assert client.get("/compte/").status_code == 302  # the right password did not get through
    assert client.get("/compte/connexion").status_code == 200  # only POSTs are limited


def test_rate_limits_are_off_again_after_the_test(client, user):
    for _ in range(12):
        response = client.post("/compte/connexion", data={"email": user.email, "password": "faux"})
    assert response.status_code == 200


@pytest.mark.parametrize(
    "setting, url, data",
    [
        ("SIGNUP_RATE_LIMIT", "/compte/inscription", {"email": "x@exemple.fr"}),
        ("RESET_RATE_LIMIT", "/compte/mot-de-passe-oublie", {"email": "x@exemple.fr"}),
        ("RESET_RATE_LIMIT", "/compte/mot-de-passe/nouveau/jeton", {"password": "x"}),
        ("RESET_RATE_LIMIT", "/compte/verification", {"email": "x@exemple.fr"}),
    ],
)
def test_other_sensitive_posts_are_rate_limited(app, client, rate_limited, monkeypatch, setting, url, data):
    monkeypatch.setitem(app.config, setting, "2 per minute")
    assert client.post(url, data=data).status_code != 429
    assert client.post(url, data=data).status_code != 429
    assert client.post(url, data=data).status_code == 429


def test_login_form_enforces_csrf(csrf_app, client, user):
    response = client.post("/compte/connexion", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 400
    assert "Le formulaire a expiré" in text(response)
    assert client.get("/compte/").status_code == 302

    token = csrf_token_from(client.get("/compte/connexion").text)
    response = client.post(
        "/compte/connexion", data={"email": user.email, "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 302
    assert client.get("/compte/").status_code == 200


def _form(html: str, action: str) -> str:
    match = re.search(rf'<form method="post" action="{re.escape(action)}".*?</form>', html, re.S)
    assert match, f"no form posting to {action}"
    return match.group(0)


def test_every_account_form_carries_a_csrf_token(csrf_app, client, user, login_as):
    for url in ("/compte/inscription", "/compte/mot-de-passe-oublie", "/compte/connexion"):
        assert csrf_token_from(_form(client.get(url).text, url))
    login_as(user)
    for url in ("/compte/", "/compte/adresse-email", "/compte/mot-de-passe", "/compte/suppression"):
        assert csrf_token_from(_form(client.get(url).text, url)), url
    assert client.post("/compte/deconnexion").status_code == 400
    assert client.get("/compte/").status_code == 200
