"""The contact form: validation, the queued e-mail, rate limiting, CSRF."""
from __future__ import annotations

from tests.conftest import csrf_token_from

VALID = {
    "name": "Camille Martin",
    "email": "camille.martin@exemple.fr",
    "subject": "vendor",
    "message": "Bonjour, notre SCOP de maraîchage souhaite rejoindre la plateforme.",
}


def test_contact_form_has_a_label_for_every_input(client):
    response = client.get("/contact")
    assert response.status_code == 200
    html = response.text
    for name in ("name", "email", "subject", "message"):
        assert f'for="{name}"' in html and f'id="{name}"' in html
    assert "Devenir fournisseur" in html  # a subject choice


def test_a_valid_message_is_queued_to_the_contact_address(client, app, outbox):
    response = client.post("/contact", data=VALID)
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/contact/merci")

    messages = outbox()
    assert len(messages) == 1
    message = messages[0]
    assert message.to_address == app.config["CONTACT_EMAIL"]
    assert "Devenir fournisseur" in message.subject
    assert "Camille Martin" in message.subject
    assert "camille.martin@exemple.fr" in message.body
    assert "notre SCOP de maraîchage" in message.body

    page = client.get(response.headers["Location"])
    assert page.status_code == 200
    assert "Votre message a bien été envoyé" in page.text


def test_line_breaks_in_the_name_never_reach_the_subject(client, outbox):
    client.post("/contact", data=dict(VALID, name="Camille\r\nBcc: spam@exemple.fr"))
    (message,) = outbox()
    assert "\n" not in message.subject and "\r" not in message.subject


def test_invalid_message_shows_errors_next_to_fields_and_sends_nothing(client, outbox):
    response = client.post(
        "/contact", data={"name": "", "email": "pas-une-adresse", "subject": "", "message": "court"}
    )
    assert response.status_code == 200
    html = response.text
    assert "Le formulaire contient des erreurs" in html
    assert 'id="name-error"' in html and "Indiquez votre nom." in html
    assert 'id="email-error"' in html and "est pas valide." in html
    assert 'id="subject-error"' in html
    assert 'id="message-error"' in html and "entre 10 et 5 000 caractères" in html
    assert 'value="pas-une-adresse"' in html  # what was typed is kept
    assert outbox() == []


def test_an_unknown_subject_is_refused(client, outbox):
    response = client.post("/contact", data=dict(VALID, subject="spam"))
    assert response.status_code == 200
    assert "Choisissez un objet dans la liste." in response.text
    assert outbox() == []


def test_posting_is_rate_limited(app, client, rate_limited, monkeypatch, outbox):
    monkeypatch.setitem(app.config, "CONTACT_RATE_LIMIT", "2 per hour")
    assert client.post("/contact", data=VALID).status_code == 302
    assert client.post("/contact", data=VALID).status_code == 302
    refused = client.post("/contact", data=VALID)
    assert refused.status_code == 429
    assert "Trop de tentatives" in refused.text
    assert client.get("/contact").status_code == 200  # reading the form is not limited
    assert len(outbox()) == 2


def test_the_default_rate_limit_is_five_per_hour(app):
    assert app.config["CONTACT_RATE_LIMIT"] == "5 per hour"


def test_csrf_token_is_required(csrf_app, client, outbox):
    refused = client.post("/contact", data=VALID)
    assert refused.status_code == 400
    assert "Le formulaire a expiré" in refused.text
    assert outbox() == []

    token = csrf_token_from(client.get("/contact").text)
    accepted = client.post("/contact", data=dict(VALID, csrf_token=token))
    assert accepted.status_code == 302
    assert len(outbox()) == 1
