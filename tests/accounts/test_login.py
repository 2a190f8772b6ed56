"""Login, remember-me, next= redirects, logout."""
from __future__ import annotations

import datetime as dt

import pytest
from argon2 import PasswordHasher

from marketplace.core.audit import events_for
from marketplace.core.clock import freeze
from marketplace.core.urls import safe_next
from tests.accounts.helpers import text
from tests.factories import PASSWORD, UserFactory

GENERIC = "Adresse e-mail ou mot de passe incorrect."


def test_login_page_has_the_fields(client):
    response = client.get("/compte/connexion")
    assert response.status_code == 200
    page = text(response)
    for label in ("Adresse e-mail", "Mot de passe", "Se souvenir de moi", "Mot de passe oublié ?"):
        assert label in page


def test_login_signs_in_records_the_time_and_an_event(client, user, log_in):
    freeze(dt.datetime(2026, 4, 1, 8, 30, tzinfo=dt.UTC))
    response = log_in("Camille@Exemple.fr")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/")
    assert user.last_login_at == dt.datetime(2026, 4, 1, 8, 30, tzinfo=dt.UTC)
    assert [e.action for e in events_for(user)] == ["account.login"]
    assert client.get("/compte/").status_code == 200


@pytest.mark.parametrize(
    "email, password",
    [
        ("camille@exemple.fr", "mauvais mot de passe"),
        ("personne@exemple.fr", PASSWORD),
    ],
    ids=["wrong-password", "unknown-email"],
)
def test_failed_login_gives_one_generic_message(client, user, log_in, email, password):
    response = log_in(email, password)
    assert response.status_code == 200
    assert GENERIC in text(response)
    assert user.last_login_at is None
    assert events_for(user) == []
    assert client.get("/compte/").status_code == 302


def test_deleted_account_gets_the_same_generic_message(client, db, user, log_in, login_as):
    login_as(user)
    client.post("/compte/suppression", data={"password": PASSWORD})
    response = log_in("camille@exemple.fr")
    assert GENERIC in text(response)
    response = log_in(user.email, PASSWORD)  # the anonymised address
    assert GENERIC in text(response)


def test_empty_form_shows_field_errors(client):
    response = client.post("/compte/connexion", data={})
    page = text(response)
    assert "Indiquez votre adresse e-mail." in page
    assert "Saisissez votre mot de passe." in page


def test_remember_me_sets_a_cookie_that_outlives_the_session(app, client, user, log_in):
    log_in(user.email, remember=True)
    cookie = client.get_cookie("remember_token")
    assert cookie is not None
    assert cookie.expires is not None
    assert cookie.http_only

    client.delete_cookie("session")
    assert client.get("/compte/").status_code == 200


def test_without_remember_me_there_is_no_cookie(client, user, log_in):
    log_in(user.email)
    assert client.get_cookie("remember_token") is None


def test_login_redirects_to_a_local_next(client, user):
    response = client.post(
        "/compte/connexion?next=/compte/mot-de-passe",
        data={"email": user.email, "password": PASSWORD},
    )
    assert response.headers["Location"] == "/compte/mot-de-passe"


def test_the_next_from_a_protected_page_survives_the_form(client, user):
    response = client.get("/compte/mot-de-passe")
    assert response.status_code == 302
    login_page = client.get(response.headers["Location"])
    assert 'name="next" type="hidden" value="/compte/mot-de-passe"' in login_page.text
    response = client.post(
        "/compte/connexion", data={"email": user.email, "password": PASSWORD, "next": "/compte/mot-de-passe"}
    )
    assert response.headers["Location"] == "/compte/mot-de-passe"


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "http://evil.example/compte/",
        "//evil.example/",
        "///evil.example/",
        "/\\evil.example",
        "\\\\evil.example",
        "/\t/evil.example",
        "/\n/evil.example",
        "evil.example",
        "javascript:alert(1)",
        " /compte/",
    ],
)
def test_open_redirects_are_refused(client, user, target):
    response = client.post("/compte/connexion", data={"email": user.email, "password": PASSWORD, "next": target})
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert safe_next(target) is None


def test_safe_next_keeps_paths_and_queries():
    assert safe_next("/recherche?q=miel&page=2") == "/recherche?q=miel&page=2"
    assert safe_next("/compte/") == "/compte/"
    assert safe_next(None) is None


def test_old_password_hashes_are_upgraded_on_login(client, db, log_in):
    old = PasswordHasher(time_cost=1, memory_cost=2048, parallelism=2).hash(PASSWORD)
    user = UserFactory(email="ancien@exemple.fr", password_hash=old)
    log_in(user.email)
    assert user.password_hash != old
    assert "m=1024" in user.password_hash
    client.post("/compte/deconnexion")
    assert log_in(user.email).status_code == 302


def test_logout_is_post_only_and_ends_the_session(client, user, log_in):
    log_in(user.email, remember=True)
    assert client.get("/compte/deconnexion").status_code == 405
    response = client.post("/compte/deconnexion")
    assert response.status_code == 302
    assert client.get_cookie("remember_token") is None
    assert client.get("/compte/").status_code == 302


def test_signed_in_user_visiting_login_goes_on(client, user, login_as):
    login_as(user)
    response = client.get("/compte/connexion?next=/compte/")
    assert response.headers["Location"] == "/compte/"
