"""Sign-up as a consumer and e-mail verification."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from marketplace.accounts.models import User
from marketplace.core.audit import AuditEvent, events_for
from marketplace.core.clock import advance, freeze
from tests.accounts.helpers import text
from tests.factories import UserFactory

GOOD = {
    "email": "  Alix.Durand@Exemple.FR ",
    "display_name": "Alix Durand",
    "password": "une phrase assez longue",
    "password_confirm": "une phrase assez longue",
    "accept_terms": "y",
}


def _signup(client, **changes):
    data = {**GOOD, **changes}
    return client.post("/compte/inscription", data={k: v for k, v in data.items() if v is not None})


def _users(db):
    return list(db.session.scalars(sa.select(User)))


def test_signup_page_renders_the_form(client):
    response = client.get("/compte/inscription")
    assert response.status_code == 200
    for label in ("Adresse e-mail", "Nom affiché", "Mot de passe", "Confirmez le mot de passe",
                  "J'accepte les conditions d'utilisation"):
        assert label in text(response)


def test_signup_creates_a_lowercased_account_logs_in_and_sends_a_link(client, db, outbox):
    response = _signup(client)
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/compte/")

    user = db.session.scalar(sa.select(User).where(User.email == "alix.durand@exemple.fr"))
    assert user is not None
    assert user.display_name == "Alix Durand"
    assert user.verified_at is None
    assert user.password_hash and "une phrase" not in user.password_hash
    assert [e.action for e in events_for(user)] == ["account.signup"]
    assert events_for(user)[0].data == {"terms_accepted": True}

    messages = outbox("alix.durand@exemple.fr")
    assert len(messages) == 1
    assert messages[0].subject == "Confirmez votre adresse e-mail"
    assert messages[0].links[0].startswith("http")
    assert "/compte/verifier/" in messages[0].links[0]

    page = client.get("/compte/")
    assert page.status_code == 200
    assert "Confirmez votre adresse e-mail" in text(page)
    assert "Renvoyer le lien de confirmation" in text(page)


def test_signup_refuses_an_existing_address_whatever_its_case(client, db):
    UserFactory(email="alix.durand@exemple.fr")
    response = _signup(client, email="ALIX.DURAND@exemple.fr")
    assert response.status_code == 200
    assert "Un compte existe déjà avec cette adresse e-mail." in text(response)
    assert len(_users(db)) == 1


def test_signup_validation_messages_are_french_and_nothing_is_written(client, db, outbox):
    cases = [
        ({"email": "pas-une-adresse"}, "Cette adresse e-mail n'est pas valide."),
        ({"email": ""}, "Indiquez votre adresse e-mail."),
        ({"display_name": ""}, "Indiquez le nom affiché."),
        ({"password": "court", "password_confirm": "court"}, "Le mot de passe doit contenir entre 10 et"),
        ({"password_confirm": "autre chose encore"}, "Les deux mots de passe ne sont pas identiques."),
        ({"accept_terms": None}, "Vous devez accepter les conditions d'utilisation."),
        (
            {"password": "alix.durand@exemple.fr", "password_confirm": "alix.durand@exemple.fr"},
            "Le mot de passe ne doit pas être votre adresse e-mail.",
        ),
    ]
    for changes, message in cases:
        response = _signup(client, **changes)
        assert response.status_code == 200, changes
        assert message in text(response), changes
        assert "Le formulaire contient des erreurs" in text(response)
    assert _users(db) == []
    assert outbox() == []


def test_signed_in_user_is_sent_away_from_the_signup_page(client, user, login_as):
    login_as(user)
    response = client.get("/compte/inscription")
    assert response.status_code == 302


def test_verification_link_confirms_the_address(client, db, last_link):
    freeze(dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC))
    _signup(client)
    user = db.session.scalar(sa.select(User).where(User.email == "alix.durand@exemple.fr"))

    advance(dt.timedelta(hours=1))
    response = client.get(last_link(user.email))
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/compte/")
    assert user.verified_at == dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.UTC)
    assert [e.action for e in events_for(user)] == ["account.signup", "account.email_verified"]

    page = client.get("/compte/")
    assert "Merci, votre adresse e-mail est confirmée." in text(page)
    assert "Renvoyer le lien de confirmation" not in text(page)

    # Opening it again changes nothing and writes no second event.
    client.get(last_link(user.email))
    assert len(events_for(user)) == 2


def test_verification_link_works_when_signed_out(client, db, last_link):
    _signup(client)
    client.post("/compte/deconnexion")
    user = db.session.scalar(sa.select(User).where(User.email == "alix.durand@exemple.fr"))
    response = client.get(last_link(user.email))
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/compte/connexion")
    assert user.is_verified


def test_expired_verification_link_offers_to_resend(client, db, outbox, last_link):
    freeze(dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC))
    _signup(client)
    user = db.session.scalar(sa.select(User).where(User.email == "alix.durand@exemple.fr"))
    link = last_link(user.email)

    advance(dt.timedelta(days=2, seconds=1))  # EMAIL_TOKEN_MAX_AGE is two days
    response = client.get(link)
    assert response.status_code == 400
    assert "Lien invalide ou expiré" in text(response)
    assert "Recevoir un nouveau lien" in text(response)
    assert user.verified_at is None

    response = client.post("/compte/verification")
    assert response.status_code == 302
    assert len(outbox(user.email)) == 2
    new_link = last_link(user.email)
    assert new_link != link
    assert client.get(new_link).status_code == 302
    assert user.is_verified


def test_link_just_within_its_validity_still_works(client, db, last_link):
    freeze(dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC))
    _signup(client)
    user = db.session.scalar(sa.select(User).where(User.email == "alix.durand@exemple.fr"))
    advance(dt.timedelta(days=2) - dt.timedelta(seconds=5))
    assert client.get(last_link(user.email)).status_code == 302
    assert user.is_verified


def test_tampered_verification_link_is_refused(client, db, last_link):
    _signup(client)
    user = db.session.scalar(sa.select(User).where(User.email == "alix.durand@exemple.fr"))
    link = last_link(user.email)
    tampered = link[:-3] + ("aaa" if not link.endswith("aaa") else "bbb")
    response = client.get(tampered)
    assert response.status_code == 400
    assert "Ce lien de confirmation n'est plus valable" in text(response)
    assert client.get("/compte/verifier/n-importe-quoi").status_code == 400
    assert user.verified_at is None


def test_anonymous_resend_answers_the_same_for_unknown_addresses(client, db, outbox):
    unverified = UserFactory(unverified=True, email="lou@exemple.fr")
    page = client.get("/compte/verifier/abimé")
    assert 'name="email"' in text(page)

    first = client.post("/compte/verification", data={"email": "LOU@exemple.fr"}, follow_redirects=True)
    second = client.post("/compte/verification", data={"email": "inconnu@exemple.fr"}, follow_redirects=True)
    message = "Si un compte non confirmé existe pour cette adresse"
    assert message in text(first) and message in text(second)
    assert len(outbox(unverified.email)) == 1
    assert outbox("inconnu@exemple.fr") == []


def test_resend_for_a_verified_user_sends_nothing(client, user, login_as, outbox):
    login_as(user)
    response = client.post("/compte/verification", follow_redirects=True)
    assert "Votre adresse e-mail est déjà confirmée." in text(response)
    assert outbox() == []


def test_signup_respects_a_local_next_and_ignores_an_external_one(client, db):
    response = client.post("/compte/inscription", data={**GOOD, "next": "/compte/professionnels"})
    assert response.headers["Location"].endswith("/compte/professionnels")
    client.post("/compte/deconnexion")
    response = client.post(
        "/compte/inscription", data={**GOOD, "email": "autre@exemple.fr", "next": "https://evil.example/"}
    )
    assert response.headers["Location"].endswith("/compte/")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)) == 2
