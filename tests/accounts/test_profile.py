"""Mon compte: profile, language, e-mail change, password change."""
from __future__ import annotations

import datetime as dt

import pytest

from marketplace.accounts import services
from marketplace.accounts.auth import verify_password
from marketplace.core.audit import events_for
from marketplace.core.clock import advance, freeze
from tests.accounts.helpers import text
from tests.factories import PASSWORD, UserFactory

PROFILE = {"display_name": "Camille M.", "phone": "04 76 00 00 00", "postal_code": "38000", "locale": "fr"}


def test_profile_requires_login(client):
    response = client.get("/compte/")
    assert response.status_code == 302
    assert "/compte/connexion" in response.headers["Location"]


def test_profile_shows_the_account(client, user, login_as):
    login_as(user)
    page = text(client.get("/compte/"))
    assert "Mon compte" in page
    assert "camille@exemple.fr" in page
    assert 'value="Camille Martin"' in page
    assert "Télécharger mes données" in page
    assert "Supprimer mon compte" in page


def test_profile_update_saves_and_records_changed_fields(client, user, login_as):
    login_as(user)
    response = client.post("/compte/", data={**PROFILE, "postal_code": "38 000"})
    assert response.status_code == 302
    assert (user.display_name, user.phone, user.postal_code) == ("Camille M.", "04 76 00 00 00", "38000")
    event = events_for(user)[-1]
    assert event.action == "account.profile_updated"
    assert event.data == {"fields": ["display_name", "phone", "postal_code"]}
    assert "Vos informations ont été enregistrées." in text(client.get("/compte/"))


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"postal_code": "3800"}, "Le code postal doit comporter 5 chiffres."),
        ({"postal_code": "38OOO"}, "Le code postal doit comporter 5 chiffres."),
        ({"display_name": "  "}, "Indiquez le nom affiché."),
        ({"phone": "appelez-moi"}, "Ce numéro de téléphone n'est pas valide"),
        ({"locale": "de"}, "Le formulaire contient des erreurs"),
    ],
)
def test_profile_refuses_bad_input_without_saving(client, user, login_as, changes, message):
    login_as(user)
    response = client.post("/compte/", data={**PROFILE, **changes})
    assert response.status_code == 200
    assert message in text(response)
    assert user.display_name == "Camille Martin"
    assert user.phone is None


def test_language_preference_switches_the_interface(client, user, login_as):
    login_as(user)
    client.post("/compte/", data={**PROFILE, "locale": "en"})
    assert user.locale == "en"
    assert '<html lang="en">' in client.get("/compte/").text


def test_set_locale_service(app, db, user):
    services.set_locale(user, "en")
    assert user.locale == "en"
    services.set_locale(None, "fr")  # a visitor: nothing to record
    with pytest.raises(services.AccountError):
        services.set_locale(user, "xx")
    assert user.locale == "en"


def test_footer_language_switch_records_the_preference(client, user, login_as):
    login_as(user)
    response = client.post("/langue", data={"locale": "en", "next": "/compte/"})
    assert response.status_code == 302
    assert user.locale == "en"


# -- e-mail change ---------------------------------------------------------


def test_email_change_is_confirmed_from_the_new_mailbox(client, user, login_as, outbox, last_link):
    login_as(user)
    response = client.post(
        "/compte/adresse-email", data={"new_email": "Camille.Nouvelle@Exemple.fr", "current_password": PASSWORD}
    )
    assert response.status_code == 302
    assert user.email == "camille@exemple.fr"  # unchanged until confirmed
    message = outbox("camille.nouvelle@exemple.fr")[-1]
    assert message.subject == "Confirmez votre nouvelle adresse e-mail"

    response = client.get(last_link("camille.nouvelle@exemple.fr"))
    assert response.status_code == 302
    assert user.email == "camille.nouvelle@exemple.fr"
    assert user.is_verified
    warning = outbox("camille@exemple.fr")[-1]
    assert warning.subject == "L'adresse e-mail de votre compte a changé"
    assert "camille.nouvelle@exemple.fr" in warning.body
    actions = [e.action for e in events_for(user)]
    assert actions[-2:] == ["account.email_change_requested", "account.email_changed"]
    assert all("exemple.fr" not in str(e.data) for e in events_for(user))

    # The link served once: the account no longer has the old address.
    assert client.get(last_link("camille.nouvelle@exemple.fr")).status_code == 400


def test_email_change_needs_the_current_password(client, user, login_as, outbox):
    login_as(user)
    response = client.post(
        "/compte/adresse-email", data={"new_email": "autre@exemple.fr", "current_password": "pas le bon"}
    )
    assert response.status_code == 200
    assert "Mot de passe actuel incorrect." in text(response)
    assert outbox() == []


def test_email_change_refuses_a_taken_address(client, user, login_as, outbox):
    UserFactory(email="prise@exemple.fr")
    login_as(user)
    response = client.post(
        "/compte/adresse-email", data={"new_email": "PRISE@exemple.fr", "current_password": PASSWORD}
    )
    assert "Un compte existe déjà avec cette adresse e-mail." in text(response)
    response = client.post(
        "/compte/adresse-email", data={"new_email": "camille@exemple.fr", "current_password": PASSWORD}
    )
    assert "C'est déjà l'adresse de votre compte." in text(response)
    assert outbox() == []


def test_email_change_link_expires_and_loses_a_race(client, user, login_as, last_link):
    freeze(dt.datetime(2026, 6, 1, 7, 0, tzinfo=dt.UTC))
    login_as(user)
    client.post("/compte/adresse-email", data={"new_email": "neuve@exemple.fr", "current_password": PASSWORD})
    link = last_link("neuve@exemple.fr")
    advance(dt.timedelta(days=3))
    response = client.get(link)
    assert response.status_code == 400
    assert "Changer d'adresse e-mail" in text(response)
    assert user.email == "camille@exemple.fr"

    client.post("/compte/adresse-email", data={"new_email": "neuve@exemple.fr", "current_password": PASSWORD})
    UserFactory(email="neuve@exemple.fr")  # someone signed up with it meanwhile
    response = client.get(last_link("neuve@exemple.fr"))
    assert response.status_code == 400
    assert user.email == "camille@exemple.fr"


# -- password change -------------------------------------------------------


def test_password_change_keeps_this_session_and_ends_the_others(app, client, user, log_in):
    log_in(user.email, remember=True)
    other_device = app.test_client()
    log_in(user.email, c=other_device)

    response = client.post(
        "/compte/mot-de-passe",
        data={"current_password": PASSWORD, "new_password": "nouvelle phrase secrète", "new_password_confirm": "nouvelle phrase secrète"},
    )
    assert response.status_code == 302
    assert verify_password(user.password_hash, "nouvelle phrase secrète")
    assert events_for(user)[-1].action == "account.password_changed"

    assert client.get("/compte/").status_code == 200
    client.delete_cookie("session")  # the renewed remember-me cookie still works
    assert client.get("/compte/").status_code == 200
    assert other_device.get("/compte/").status_code == 302


def test_password_change_refuses_a_wrong_current_password(client, user, login_as, outbox):
    login_as(user)
    old_hash = user.password_hash
    response = client.post(
        "/compte/mot-de-passe",
        data={"current_password": "faux", "new_password": "nouvelle phrase secrète", "new_password_confirm": "nouvelle phrase secrète"},
    )
    assert response.status_code == 200
    assert "Mot de passe actuel incorrect." in text(response)
    assert user.password_hash == old_hash
    assert outbox() == []
