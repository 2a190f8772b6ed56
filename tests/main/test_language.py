"""The language switch in the footer."""
from __future__ import annotations

import pytest

from tests.factories import UserFactory


def test_switching_to_english_changes_the_whole_page(client):
    response = client.post("/langue", data={"locale": "en", "next": "/charte"})
    assert response.status_code == 302
    assert response.headers["Location"] == "/charte"
    with client.session_transaction() as sess:
        assert sess["locale"] == "en"
    html = client.get("/charte").text
    assert '<html lang="en">' in html
    assert '<option value="en" lang="en" selected>' in html

    client.post("/langue", data={"locale": "fr", "next": "/"})
    assert '<html lang="fr">' in client.get("/").text


def test_the_choice_is_saved_on_the_account_of_a_signed_in_user(client, login_as, db):
    user = UserFactory(locale="fr")
    login_as(user)
    response = client.post("/langue", data={"locale": "en", "next": "/"})
    assert response.status_code == 302
    db.session.expire_all()
    assert user.locale == "en"


@pytest.mark.parametrize("locale", ["de", "", "fr_FR", "../en"])
def test_unknown_languages_are_refused(client, locale):
    response = client.post("/langue", data={"locale": locale, "next": "/"})
    assert response.status_code == 400
    with client.session_transaction() as sess:
        assert "locale" not in sess


@pytest.mark.parametrize(
    "target",
    [
        "https://pirate.example/",
        "//pirate.example/",
        "/\\pirate.example",
        "\\\\pirate.example",
        "javascript:alert(1)",
        "http:/pirate.example",
        "",
    ],
)
def test_next_must_stay_on_the_site(client, target):
    response = client.post("/langue", data={"locale": "en", "next": target})
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_next_keeps_the_query_string(client):
    response = client.post("/langue", data={"locale": "en", "next": "/recherche?q=pain&page=2"})
    assert response.headers["Location"] == "/recherche?q=pain&page=2"


def test_the_language_form_is_protected_by_csrf(csrf_app, client):
    from tests.conftest import csrf_token_from

    assert client.post("/langue", data={"locale": "en"}).status_code == 400
    token = csrf_token_from(client.get("/").text)
    assert client.post("/langue", data={"locale": "en", "csrf_token": token}).status_code == 302
