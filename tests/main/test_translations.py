"""The English catalogue: complete, well-formed, and actually used by the pages."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from marketplace.extensions import babel
from tests.factories import UserFactory

ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = ROOT / "marketplace" / "translations"
PLACEHOLDER_RE = re.compile(r"%\((\w+)\)[-#0 +]*\d*(?:\.\d+)?[sdifr]")


def _catalogue(locale: str):
    with open(TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po", "rb") as f:
        return read_po(f, locale=locale)


def _forms(value) -> tuple[str, ...]:
    return value if isinstance(value, tuple) else (value,)


def _messages(catalogue):
    return [message for message in catalogue if message.id]


EN = _catalogue("en")
EN_MESSAGES = _messages(EN)


def _placeholders(text: str) -> set[str]:
    return set(PLACEHOLDER_RE.findall(text))


def _label(message) -> str:
    return _forms(message.id)[0][:80]


def test_the_english_catalogue_is_not_empty():
    assert len(EN_MESSAGES) > 500


def test_every_english_message_is_translated_and_not_fuzzy():
    untranslated = [_label(m) for m in EN_MESSAGES if not all(s.strip() for s in _forms(m.string))]
    fuzzy = [_label(m) for m in EN_MESSAGES if m.fuzzy]
    assert untranslated == []
    assert fuzzy == []
    assert not EN.fuzzy


def test_plural_entries_have_both_english_forms():
    plurals = [m for m in EN_MESSAGES if m.pluralizable]
    assert plurals
    assert EN.num_plurals == 2
    for message in plurals:
        singular, plural = message.string
        assert singular.strip() and plural.strip(), _label(message)


def test_placeholders_match_between_french_and_english():
    """Each English form has the placeholders of its French form (singular with singular, plural with
    plural), as `pybabel compile` checks them."""
    mismatched = []
    for message in EN_MESSAGES:
        for source, translated in zip(_forms(message.id), _forms(message.string), strict=True):
            if _placeholders(translated) != _placeholders(source):
                mismatched.append((_label(message), translated))
    assert mismatched == []


def _stray_percent_signs(text: str) -> int:
    return PLACEHOLDER_RE.sub("", text).replace("%%", "").count("%")


def test_no_stray_percent_sign_breaks_formatting():
    # Templates %-format every translated string: a lone "%" where the French
    # text escapes it as "%%" would crash the page.
    broken = []
    for message in EN_MESSAGES:
        sources = _forms(message.id)
        for index, translated in enumerate(_forms(message.string)):
            source = sources[min(index, len(sources) - 1)]
            if ("%%" in source) != ("%%" in translated):
                broken.append(translated)
            elif _stray_percent_signs(translated) and not _stray_percent_signs(source):
                broken.append(translated)
    assert broken == []


def test_the_french_catalogue_has_valid_plural_entries():
    fr = _catalogue("fr")
    assert fr.num_plurals == 2
    for message in _messages(fr):
        assert not message.fuzzy
        if message.pluralizable:
            assert message.string == message.id, _label(message)
        else:
            assert message.string == "", _label(message)


def test_every_string_in_the_code_is_in_the_english_catalogue():
    """Fails when new text was added without `make extract-messages` and an English translation."""
    with open(ROOT / "babel.cfg", encoding="utf-8") as f:
        method_map, options_map = parse_mapping_cfg(f)
    keywords = dict(DEFAULT_KEYWORDS, _l=None, lazy_gettext=None)
    extracted = extract_from_dir(
        str(ROOT),
        method_map,
        options_map,
        keywords=keywords,
        directory_filter=lambda path: not Path(path).name.startswith(".") and Path(path).name != "__pycache__",
    )
    known = {_forms(m.id)[0] for m in EN_MESSAGES}
    found = {(filename, _forms(message)[0]) for filename, _, message, _, _ in extracted}
    assert len(found) > 500
    missing = sorted((filename, msgid) for filename, msgid in found if msgid not in known)
    assert missing == [], "run `make extract-messages` and translate the new strings"


# ---------------------------------------------------------------------------
# Pages and e-mails in English, from the catalogues as they are in the repository


@pytest.fixture
def english_app(make_app, tmp_path):
    """An app whose compiled catalogues are built from the current .po files."""
    for locale in ("fr", "en"):
        target = tmp_path / "translations" / locale / "LC_MESSAGES"
        target.mkdir(parents=True)
        with open(target / "messages.mo", "wb") as f:
            write_mo(f, _catalogue(locale))
    # Flask-Babel caches loaded catalogues process-wide, per locale.
    babel.domain_instance.cache.clear()
    yield make_app(BABEL_TRANSLATION_DIRECTORIES=str(tmp_path / "translations"))
    babel.domain_instance.cache.clear()


@pytest.fixture
def english_client(english_app):
    client = english_app.test_client()
    assert client.post("/langue", data={"locale": "en", "next": "/"}).status_code == 302
    return client


def test_the_home_page_is_in_english_after_switching(english_client):
    html = english_client.get("/").text
    assert '<html lang="en">' in html
    for phrase in (
        "The social and solidarity economy marketplace in Auvergne-Rhône-Alpes",
        "Skip to content",
        "Become a supplier",
        "Professional and public buyers",
        "Our promise: no shop window without commitment",
        "Legal notice",
    ):
        assert phrase in html
    for french in ("Devenir fournisseur", "Aller au contenu", "Mentions légales", "Créer un compte"):
        assert french not in html


def test_the_login_page_is_in_english_after_switching(english_client):
    html = english_client.get("/compte/connexion").text
    for phrase in ("Sign in", "E-mail address", "Password", "Remember me", "Forgotten your password?", "No account yet?"):
        assert phrase in html
    for french in ("Se connecter", "Mot de passe oublié", "Se souvenir de moi"):
        assert french not in html


def test_form_errors_are_in_english(english_client):
    html = english_client.post("/compte/connexion", data={"email": "", "password": ""}).text
    assert "The form contains errors. Correct the fields indicated below." in html
    assert "Le formulaire contient des erreurs" not in html


def test_switching_back_to_french(english_client):
    english_client.post("/langue", data={"locale": "fr", "next": "/"})
    html = english_client.get("/compte/connexion").text
    assert "Mot de passe oublié" in html
    assert "Forgotten your password?" not in html


def test_e_mails_follow_the_language_of_the_account(english_app, outbox):
    user = UserFactory(locale="en", display_name="Ada")
    response = english_app.test_client().post("/compte/mot-de-passe-oublie", data={"email": user.email})
    assert response.status_code == 302
    [message] = outbox(to=user.email)
    assert message.subject == "Resetting your password"
    assert message.body.startswith("Hello Ada,")
    assert "A new password was requested for your" in message.body
    assert "Bonjour" not in message.body
