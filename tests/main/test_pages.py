"""Home page and static information pages."""
from __future__ import annotations

import datetime as dt
import re

import pytest

from marketplace.core.clock import freeze, now_utc
from marketplace.vendors.models import SECTOR_LABELS
from seeds.base import DATA_DIR
from seeds.vendors import CHARTER_TITLE
from tests.factories import CharterVersionFactory


@pytest.fixture
def charter_v1(db):
    """The charter as the demo seeds publish it, from seeds/data/charter_v1.txt."""
    return CharterVersionFactory(
        version=1,
        title=CHARTER_TITLE,
        body=(DATA_DIR / "charter_v1.txt").read_text(encoding="utf-8").strip(),
        published_at=dt.datetime(2025, 3, 14, 9, 0, tzinfo=dt.UTC),
    )


def test_home_explains_the_platform_and_its_three_audiences(client, app):
    response = client.get("/")
    assert response.status_code == 200
    html = response.text
    assert "Auvergne-Rhône-Alpes" in html
    assert "comité d&#39;éthique" in html or "comité d'éthique" in html
    with app.test_request_context():
        from flask import url_for

        for endpoint in ("catalogue.index", "vendors.directory", "vendors.become", "accounts.pro_landing", "main.charter"):
            assert f'href="{url_for(endpoint)}"' in html, endpoint
    assert "Devenir fournisseur" in html
    assert "Espace professionnels" in html


def test_home_lists_how_it_works_in_three_steps(client):
    html = client.get("/").text
    steps = re.search(r'<ol class="steps">(.*?)</ol>', html, re.S)
    assert steps, "the how-it-works list is missing"
    assert steps.group(1).count("<li") == 3


def test_home_lists_every_sector_with_a_link_to_its_structures(client):
    html = client.get("/").text
    for sector, label in SECTOR_LABELS.items():
        assert str(label).replace("'", "&#39;") in html
        assert f"/fournisseurs?secteur={sector.value}" in html


def test_layout_has_landmarks_skip_link_and_header_search(client):
    html = client.get("/").text
    assert '<html lang="fr">' in html
    assert 'href="#contenu"' in html and 'id="contenu"' in html
    assert "<header" in html and "<main" in html and "<footer" in html
    assert 'role="search"' in html and 'action="/recherche"' in html
    assert 'for="header-q"' in html


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("/mentions-legales", ["Association Marché Solidaire AURA", "Grenoble", "Hébergeur", "Vos droits", "CNIL"]),
        ("/accessibilite", ["partiellement conforme", "RGAA", "Défenseur des droits", "Voies de recours"]),
    ],
)
def test_static_pages_render_in_the_layout(client, url, expected):
    response = client.get(url)
    assert response.status_code == 200
    html = response.text
    assert "Aller au contenu" in html
    assert html.count("<h1") == 1
    for text in expected:
        assert text in html, text
    assert "{}" not in html  # no broken gettext formatting


def test_home_page_has_no_broken_formatting(client):
    html = client.get("/").text
    assert "{}" not in html
    assert "100 % agréées" in html


def test_charter_shows_the_published_version_from_the_database(client, charter_v1):
    response = client.get("/charte")
    assert response.status_code == 200
    html = response.text
    assert "Aller au contenu" in html
    assert html.count("<h1") == 1
    assert f"<h1>{CHARTER_TITLE}</h1>" in html
    assert f"<title>{CHARTER_TITLE} · " in html
    assert "Version 1, publiée le 14 mars 2025" in html
    assert "<p>Les dix principes</p>" in html
    assert "{}" not in html


def test_charter_has_ten_principles(client, charter_v1):
    html = client.get("/charte").text
    numbers = re.findall(r"<p>(\d+)\. ", html)
    assert numbers == [str(n) for n in range(1, 11)]
    assert "<p>1. Une finalité d&#39;utilité sociale<br>L&#39;activité poursuit" in html


def test_charter_shows_the_latest_version_already_published(client, charter_v1):
    freeze(now_utc())
    CharterVersionFactory(
        version=2,
        title="Charte, deuxième version",
        body="Préambule révisé.\n\nUn seul principe.",
        published_at=now_utc() - dt.timedelta(hours=1),
    )
    CharterVersionFactory(version=3, title="Charte à venir", body="Pas encore.", published_at=now_utc() + dt.timedelta(days=1))
    html = client.get("/charte").text
    assert "Charte, deuxième version" in html and "Version 2, publiée le" in html
    assert "<p>Préambule révisé.</p>" in html
    assert "Les dix principes" not in html
    assert "Charte à venir" not in html and "Pas encore." not in html


def test_charter_without_a_published_version_says_so(client):
    response = client.get("/charte")
    assert response.status_code == 200
    html = response.text
    assert "<h1>Charte de la plateforme</h1>" in html
    assert '<div class="empty-state">' in html
    assert "La charte sera publiée prochainement." in html
    assert 'href="/contact"' in html
    assert "Version" not in html


def test_charter_text_is_marked_french_on_english_pages(client, charter_v1):
    client.post("/langue", data={"locale": "en", "next": "/"})
    html = client.get("/charte").text
    assert '<html lang="en">' in html
    assert f'<h1 lang="fr">{CHARTER_TITLE}</h1>' in html
    assert '<div lang="fr">' in html


def test_legal_notice_points_to_the_account_export_and_deletion(client):
    html = client.get("/mentions-legales").text
    assert 'href="/compte/mes-donnees"' in html
    assert 'href="/compte/suppression"' in html


def test_footer_links_every_information_page(client):
    footer = client.get("/").text.split("<footer", 1)[1]
    for url in (
        "/charte",
        "/mentions-legales",
        "/accessibilite",
        "/contact",
        "/fournisseurs",
        "/devenir-fournisseur",
        "/professionnels",
    ):
        assert f'href="{url}"' in footer


def test_stylesheet_is_served(client):
    response = client.get("/static/css/site.css")
    assert response.status_code == 200
    assert ":focus-visible" in response.text
    response.close()


def test_header_offers_sign_in_and_sign_up_to_visitors(client):
    html = client.get("/").text
    assert 'href="/compte/connexion"' in html
    assert 'href="/compte/inscription"' in html


def test_account_menu_shows_the_spaces_of_the_roles_held(client, login_as):
    from tests.factories import UserFactory, VendorMembershipFactory

    vendor_user = VendorMembershipFactory(user__display_name="Claire Martin").user
    login_as(vendor_user)
    html = client.get("/").text
    assert "Espace fournisseur" in html
    assert "Administration" not in html
    assert "Claire Martin" in html
    assert 'action="/compte/deconnexion"' in html

    login_as(UserFactory(admin=True))
    html = client.get("/").text
    assert "Administration" in html
    assert "Espace fournisseur" not in html
