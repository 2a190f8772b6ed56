"""The field() macro: accessible attributes only when they apply, never "None"."""
from __future__ import annotations

import re

from flask import render_template_string

from marketplace.main.forms import ContactForm

FIELD_TAG = r'<(?:input|select|textarea)[^>]*\bid="{id}"[^>]*>'


def _tag(html: str, field_id: str) -> str:
    match = re.search(FIELD_TAG.format(id=field_id), html)
    assert match, f"no field {field_id}"
    return match.group(0)


def test_a_form_without_errors_has_no_none_attribute(client):
    html = client.get("/contact").text
    assert "=\"None\"" not in html
    tag = _tag(html, "name")
    assert "aria-invalid" not in tag and "aria-describedby" not in tag


def test_a_form_with_errors_has_no_none_attribute(client):
    response = client.post("/contact", data={"name": "", "email": "pas-une-adresse", "subject": "", "message": "court"})
    assert response.status_code == 200
    html = response.text
    assert "=\"None\"" not in html
    for field_id in ("name", "email", "subject", "message"):
        tag = _tag(html, field_id)
        assert 'aria-invalid="true"' in tag, field_id
        described = re.search(r'aria-describedby="([^"]+)"', tag)
        assert described and f"{field_id}-error" in described.group(1).split(), field_id


def test_checkboxes_with_and_without_errors_have_no_none_attribute(client):
    assert "=\"None\"" not in client.get("/compte/inscription").text
    html = client.post("/compte/inscription", data={"email": "x@exemple.fr"}).text
    assert "=\"None\"" not in html
    assert 'aria-invalid="true"' in _tag(html, "accept_terms")


def test_help_text_is_described_alone_then_with_the_error(app):
    template = '{% from "_macros/forms.html" import field %}{{ field(form.name, help="Votre prénom suffit.") }}'
    with app.test_request_context():
        html = render_template_string(template, form=ContactForm(formdata=None))
        assert "=\"None\"" not in html
        tag = _tag(html, "name")
        assert 'aria-describedby="name-help"' in tag and "aria-invalid" not in tag

    with app.test_request_context(method="POST", data={"name": ""}):
        form = ContactForm()
        form.validate()
        html = render_template_string(template, form=form)
        assert "=\"None\"" not in html
        tag = _tag(html, "name")
        assert 'aria-describedby="name-help name-error"' in tag and 'aria-invalid="true"' in tag
