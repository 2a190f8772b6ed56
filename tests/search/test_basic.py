"""The simple search page over approved structures."""
from __future__ import annotations

import re

import pytest

from marketplace.vendors.models import Sector, VendorStatus
from tests.factories import VendorFactory


def _names(html: str) -> list[str]:
    return re.findall(r'<li class="card vendor-card">\s*<h2 class="h3">([^<]+)</h2>', html)


@pytest.fixture
def vendors(db):
    return {
        "epicerie": VendorFactory(
            name="Panier du Vercors",
            description="Épicerie solidaire : produits locaux et vrac.",
            commune="Villard-de-Lans",
        ),
        "velo": VendorFactory(
            name="Atelier Vélo Pour Tous",
            description="Réparation et vente de vélos reconditionnés.",
            commune="Grenoble",
        ),
        "traiteur": VendorFactory(
            name="Les Toques Solidaires",
            description="Traiteur d'insertion, repas pour vos événements.",
            commune="Lyon",
            departement_code="69",
        ),
        "candidate": VendorFactory(name="Vélo Candidat", commune="Grenoble", candidate=True),
        "suspended": VendorFactory(name="Vélo Suspendu", commune="Grenoble", status=VendorStatus.SUSPENDED),
    }


def test_matches_name_description_and_commune_whatever_the_case(client, vendors):
    assert _names(client.get("/recherche?q=toques").text) == ["Les Toques Solidaires"]
    assert _names(client.get("/recherche?q=RECONDITIONN").text) == ["Atelier Vélo Pour Tous"]
    assert _names(client.get("/recherche?q=lyon").text) == ["Les Toques Solidaires"]
    assert _names(client.get("/recherche?q=GRENOBLE").text) == ["Atelier Vélo Pour Tous"]


def test_accented_capitals_match_lower_case_words(client, vendors):
    assert _names(client.get("/recherche?q=épicerie").text) == ["Panier du Vercors"]


def test_only_approved_structures_are_shown(client, vendors):
    html = client.get("/recherche?q=vélo").text
    assert _names(html) == ["Atelier Vélo Pour Tous"]
    assert "Candidat" not in html and "Suspendu" not in html


def test_every_word_must_match(client, vendors):
    assert _names(client.get("/recherche?q=vélo grenoble").text) == ["Atelier Vélo Pour Tous"]
    assert _names(client.get("/recherche?q=vélo lyon").text) == []


def test_like_wildcards_are_taken_literally(client, vendors):
    assert _names(client.get("/recherche?q=%25").text) == []
    assert _names(client.get("/recherche?q=_").text) == []


def test_an_empty_query_lists_every_approved_structure_alphabetically(client, vendors):
    response = client.get("/recherche")
    assert response.status_code == 200
    assert _names(response.text) == ["Atelier Vélo Pour Tous", "Les Toques Solidaires", "Panier du Vercors"]
    assert "3 structures trouvées" in response.text


def test_no_result_shows_a_helpful_empty_state(client, vendors):
    response = client.get("/recherche?q=chaudronnerie")
    assert response.status_code == 200
    assert "Aucune structure ne correspond à votre recherche" in response.text
    assert 'href="/recherche"' in response.text


def test_no_approved_structure_at_all_says_so(client, db):
    VendorFactory(candidate=True)
    html = client.get("/recherche").text
    assert "est encore agréée" in html


def test_sector_filter(client, vendors, db):
    vendors["velo"].set_sectors([Sector.MOBILITE_DOUCE, Sector.REEMPLOI])
    vendors["traiteur"].set_sectors([Sector.INSERTION])
    db.session.flush()
    assert _names(client.get("/recherche?secteur=reemploi").text) == ["Atelier Vélo Pour Tous"]
    assert _names(client.get("/recherche?secteur=insertion&q=lyon").text) == ["Les Toques Solidaires"]
    assert _names(client.get("/recherche?secteur=insertion&q=grenoble").text) == []
    # an unknown sector is ignored rather than failing
    assert len(_names(client.get("/recherche?secteur=inconnu").text)) == 3


def test_results_are_paginated(client, db):
    for n in range(23):
        VendorFactory(name=f"Ressourcerie {n:02d}")
    first = client.get("/recherche?q=ressourcerie")
    assert len(_names(first.text)) == 20
    assert "Page 1 sur 2" in first.text
    assert 'href="/recherche?q=ressourcerie&amp;page=2"' in first.text
    second = client.get("/recherche?q=ressourcerie&page=2")
    assert _names(second.text) == ["Ressourcerie 20", "Ressourcerie 21", "Ressourcerie 22"]
    assert 'rel="prev"' in second.text


@pytest.mark.parametrize("page", ["abc", "-3", "0", "99999999999999999999999999", "500"])
def test_bad_page_numbers_never_fail(client, vendors, page):
    assert client.get(f"/recherche?q=vélo&page={page}").status_code == 200


def test_a_very_long_query_is_cut_without_failing(client, vendors):
    response = client.get("/recherche?q=" + "vélo " * 500)
    assert response.status_code == 200


def test_the_header_search_box_targets_this_page(client):
    html = client.get("/").text
    assert re.search(r'<form class="header-search" role="search" action="/recherche" method="get">', html)
    assert 'name="q"' in html
