"""Password reset by e-mail."""
from __future__ import annotations

import datetime as dt

from marketplace.accounts.auth import verify_password
from marketplace.core.audit import events_for
from marketplace.core.clock import advance, freeze
from tests.accounts.helpers import text
from tests.factories import PASSWORD, UserFactory

NEW = "un tout nouveau mot de passe"
SAME_ANSWER = "Si un compte existe pour cette adresse"


def _request(client, email):
    return client.post("/compte/mot-de-passe-oublie", data={"email": email}, follow_redirects=True)


def _choose(client, link, password=NEW, confirm=None):
    return client.post(link, data={"password": password, "password_confirm": confirm or password})


def test_request_answers_the_same_whether_the_address_exists_or_not(client, user, outbox):
    known = _request(client, "CAMILLE@exemple.fr")
    unknown = _request(client, "personne@exemple.fr")
    assert SAME_ANSWER in text(known)
    assert SAME_ANSWER in text(unknown)
    assert known.status_code == unknown.status_code == 200
    assert [m.to_address for m in outbox()] == ["camille@exemple.fr"]
    assert outbox()[0].subject == "Réinitialisation de votre mot de passe"


def test_reset_sets_the_new_password_and_ends_every_session(app, client, user, log_in, last_link):
    other_device = app.test_client()
    log_in(user.email, remember=True, c=other_device)
    assert other_device.get("/compte/").status_code == 200
    old_token = user.session_token

    _request(client, user.email)
    link = last_link(user.email)
    form = client.get(link)
    assert form.status_code == 200
    assert "Choisir un nouveau mot de passe" in text(form)

    response = _choose(client, link)
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/compte/connexion")
    assert verify_password(user.password_hash, NEW)
    assert user.session_token != old_token
    assert "account.password_reset" in [e.action for e in events_for(user)]
    assert "Votre mot de passe a été modifié" in text(client.get("/compte/connexion"))

    # The other device is signed out, even through its remember-me cookie.
    assert other_device.get("/compte/").status_code == 302
    other_device.delete_cookie("session")
    assert other_device.get("/compte/").status_code == 302

    assert log_in(user.email, PASSWORD).status_code == 200
    assert log_in(user.email, NEW).status_code == 302


def test_reset_link_is_single_use(client, user, last_link):
    _request(client, user.email)
    link = last_link(user.email)
    assert _choose(client, link).status_code == 302
    again = client.get(link)
    assert again.status_code == 400
    assert "Ce lien de réinitialisation n'est plus valable" in text(again)
    assert "Demander un nouveau lien" in text(again)
    second = _choose(client, link, password="encore un autre mot de passe")
    assert second.status_code == 400
    assert verify_password(user.password_hash, NEW)


def test_an_older_link_dies_when_the_password_changes(client, user, last_link):
    _request(client, user.email)
    first = last_link(user.email)
    _request(client, user.email)
    second = last_link(user.email)
    assert _choose(client, second).status_code == 302
    assert client.get(first).status_code == 400


def test_reset_link_expires(client, user, last_link):
    freeze(dt.datetime(2026, 5, 4, 12, 0, tzinfo=dt.UTC))
    _request(client, user.email)
    link = last_link(user.email)
    advance(dt.timedelta(minutes=59))
    assert client.get(link).status_code == 200
    advance(dt.timedelta(minutes=2))  # RESET_TOKEN_MAX_AGE is one hour
    assert client.get(link).status_code == 400
    assert _choose(client, link).status_code == 400
    assert verify_password(user.password_hash, PASSWORD)


def test_tampered_reset_link_is_refused(client, user, last_link):
    _request(client, user.email)
    link = last_link(user.email)
    head, _, token = link.rpartition("/")
    payload, _, signature = token.partition(".")
    forged = f"{head}/{payload[:-2]}xx.{signature}"
    assert client.get(forged).status_code == 400
    assert _choose(client, forged).status_code == 400
    assert verify_password(user.password_hash, PASSWORD)


def test_new_password_is_validated(client, user, last_link):
    _request(client, user.email)
    link = last_link(user.email)
    page = text(_choose(client, link, password="court"))
    assert "Le mot de passe doit contenir entre 10 et" in page
    page = text(_choose(client, link, confirm="pas le même mot de passe"))
    assert "Les deux mots de passe ne sont pas identiques." in page
    page = text(_choose(client, link, password="camille@exemple.fr"))
    assert "Le mot de passe ne doit pas être votre adresse e-mail." in page
    assert verify_password(user.password_hash, PASSWORD)
    assert _choose(client, link).status_code == 302  # still usable after the refusals


def test_reset_proves_the_mailbox_of_an_unverified_account(client, db, last_link):
    user = UserFactory(unverified=True, email="lou@exemple.fr")
    _request(client, user.email)
    _choose(client, last_link(user.email))
    assert user.is_verified


def test_deleted_accounts_get_no_reset_mail(client, user, login_as, outbox):
    login_as(user)
    client.post("/compte/suppression", data={"password": PASSWORD})
    before = len(outbox())
    _request(client, "camille@exemple.fr")
    _request(client, user.email)
    assert len(outbox()) == before
