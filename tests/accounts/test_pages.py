"""Every account page renders, for visitors and signed-in users, in both languages."""
from __future__ import annotations

import pytest

from tests.accounts.helpers import text

VISITOR_PAGES = {
    "/compte/connexion": "Se connecter",
    "/compte/inscription": "Créer un compte",
    "/compte/mot-de-passe-oublie": "Mot de passe oublié",
    "/compte/verification": "Recevoir un nouveau lien de confirmation",
    "/professionnels": "Professionnels et acheteurs publics",
}
MEMBER_PAGES = {
    "/compte/": "Mes informations",
    "/compte/adresse-email": "Nouvelle adresse e-mail",
    "/compte/mot-de-passe": "Nouveau mot de passe",
    "/compte/suppression": "Supprimer définitivement mon compte",
    "/compte/verification": "Votre adresse e-mail est déjà confirmée.",
}


@pytest.mark.parametrize("url, heading", VISITOR_PAGES.items())
def test_visitor_pages(client, url, heading):
    response = client.get(url)
    assert response.status_code == 200
    assert heading in text(response)


@pytest.mark.parametrize("url, heading", MEMBER_PAGES.items())
def test_member_pages(client, user, login_as, url, heading):
    login_as(user)
    response = client.get(url)
    assert response.status_code == 200
    assert heading in text(response)


@pytest.mark.parametrize("url", [*VISITOR_PAGES, *MEMBER_PAGES, "/compte/verifier/abime"])
def test_pages_render_in_english_too(client, user, login_as, url):
    user.locale = "en"
    login_as(user if url in MEMBER_PAGES else None)
    with client.session_transaction() as sess:
        sess["locale"] = "en"
    response = client.get(url)
    assert response.status_code in (200, 400)
    assert '<html lang="en">' in response.text


def test_unverified_member_sees_the_resend_page_and_notice(client, db, login_as):
    from tests.factories import UserFactory

    login_as(UserFactory(unverified=True, email="lou@exemple.fr"))
    page = text(client.get("/compte/verification"))
    assert "Le lien sera envoyé à lou@exemple.fr." in page
    expired = text(client.get("/compte/verifier/abime"))
    assert "Demandez un nouveau lien de confirmation : il sera envoyé à lou@exemple.fr." in expired
