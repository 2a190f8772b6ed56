"""A structure's public data reaches the index after the commit; removed documents leave the vocabulary.

Each test runs on each backend (PostgreSQL only with DATABASE_URL=postgresql).
"""
from __future__ import annotations

import re
from html import unescape

import pytest

from marketplace.catalogue import services as cat
from marketplace.search import service
from marketplace.vendors import workflow
from marketplace.vendors.models import Sector
from tests.factories import VendorMembershipFactory


def _titles(result) -> list[str]:
    return [hit.title for hit in result.hits]


def _structures(html: str) -> list[str]:
    return [unescape(t) for t in re.findall(r'<li class="card vendor-card">.*?<h2><a href="[^"]+">([^<]+)</a>', html, re.S)]


@pytest.fixture
def owner_in_renewal(catalogue, client, login_as, db):
    """The owner of the approved "Atelier Vélo Pour Tous", signed in, with a renewal dossier open."""
    vendor = catalogue["vendors"]["cycles"]
    owner = VendorMembershipFactory(vendor=vendor).user
    db.session.commit()
    login_as(owner)
    assert client.post(f"/espace-fournisseur/{vendor.id}/renouvellement").status_code == 302
    return vendor


def test_renaming_a_structure_reindexes_it_and_its_offers(client, owner_in_renewal, db):
    vendor = owner_in_renewal
    data = {"name": "Cyclofficine du Drac", "legal_name": vendor.legal_name or "", "siret": vendor.siret or "",
            "legal_form": "siae_aci", "esus_agrement": "non", "year_founded": "", "staff_count": "",
            "insertion_jobs": ""}
    assert client.post(f"/espace-fournisseur/{vendor.id}/dossier/identite", data=data).status_code == 302

    found = service.search("cyclofficine")
    assert {hit.title for hit in found.hits} == {
        "Cyclofficine du Drac", "Révision complète de vélo", "Vélo de ville reconditionné"}
    assert {hit.vendor_name for hit in found.hits} == {"Cyclofficine du Drac"}
    assert "Atelier Vélo Pour Tous" not in _titles(service.search("atelier"))
    assert "Cyclofficine du Drac" in _structures(client.get("/fournisseurs").text)


def test_commune_and_departement_changes_reach_filters(client, owner_in_renewal):
    vendor = owner_in_renewal
    data = {"address": "3 quai Perrache", "postal_code": "69002", "commune": "Lyon"}
    assert client.post(f"/espace-fournisseur/{vendor.id}/dossier/territoire", data=data).status_code == 302

    in_lyon = service.search("", {"departement": ["69"]}, per_page=50)
    assert {"Atelier Vélo Pour Tous", "Révision complète de vélo", "Vélo de ville reconditionné"} <= set(_titles(in_lyon))
    assert "Atelier Vélo Pour Tous" in _structures(client.get("/fournisseurs?departement=69").text)
    assert "Atelier Vélo Pour Tous" not in _structures(client.get("/fournisseurs?departement=38").text)


def test_sectors_and_description_changes_are_searchable(client, owner_in_renewal):
    vendor = owner_in_renewal
    data = {"sectors": ["reemploi", "mobilite_douce"], "description": "Ressourcerie du cycle et ateliers de réparation."}
    assert client.post(f"/espace-fournisseur/{vendor.id}/dossier/activite", data=data).status_code == 302

    assert "Atelier Vélo Pour Tous" in _titles(service.search("ressourcerie"))
    assert _structures(client.get("/fournisseurs?secteur=mobilite_douce").text) == ["Atelier Vélo Pour Tous"]
    offers = service.search("", {"sector": ["reemploi"], "kind": ["product", "service"]})
    assert set(_titles(offers)) == {"Révision complète de vélo", "Vélo de ville reconditionné"}


def test_removing_a_sector_alone_reaches_the_directory(client, owner_in_renewal, db):
    vendor = owner_in_renewal
    vendor.set_sectors([Sector.MOBILITE_DOUCE, Sector.REEMPLOI])
    db.session.commit()
    assert _structures(client.get("/fournisseurs?secteur=reemploi").text) == ["Atelier Vélo Pour Tous"]
    data = {"sectors": ["mobilite_douce"], "description": vendor.description or ""}
    assert client.post(f"/espace-fournisseur/{vendor.id}/dossier/activite", data=data).status_code == 302
    assert _structures(client.get("/fournisseurs?secteur=reemploi").text) == []
    assert _structures(client.get("/fournisseurs?secteur=mobilite_douce").text) == ["Atelier Vélo Pour Tous"]


def test_nothing_is_indexed_before_the_commit_nor_after_a_rollback(catalogue, db):
    vendor = catalogue["vendors"]["toques"]
    vendor.name = "Les Toques Renommées"
    db.session.flush()
    assert service.search("renommees").total == 0
    db.session.rollback()
    assert service.search("renommees").total == 0
    assert "Les Toques Solidaires" in _titles(service.search("toques"))


def test_reinstating_a_structure_lists_it_and_its_offers_again(catalogue, db):
    assert service.search("suspendu").total == 0
    workflow.reinstate(catalogue["vendors"]["suspended"], None)
    db.session.commit()
    assert set(_titles(service.search("suspendu"))) == {"Vélo Suspendu", "Vélo pliant suspendu"}


# ---------------------------------------------------------------- the vocabulary


def test_words_of_archived_offers_are_no_longer_proposed(catalogue, db):
    abricot = catalogue["offers"]["abricot"]
    typo = service.search("abricost")
    assert typo.corrected_query and "abricot" in typo.corrected_query
    assert "Confiture d'abricots" in _titles(typo)

    cat.archive_offer(abricot, None)
    db.session.commit()
    typo = service.search("abricost")
    assert typo.total == 0
    assert typo.corrected_query is None
    assert service.suggest("abric") == []


def test_words_of_unpublished_offers_come_back_when_republished(catalogue, db):
    miel = catalogue["offers"]["miel"]
    cat.unpublish_offer(miel, None)
    db.session.commit()
    assert service.search("montagen").corrected_query is None
    cat.publish_offer(miel, None)
    db.session.commit()
    assert service.search("montagen").corrected_query == "montagne"


def test_words_of_suspended_structures_are_no_longer_proposed(catalogue, db):
    assert service.search("toqeus").corrected_query == "toques"
    workflow.suspend(catalogue["vendors"]["toques"], None, "Contrôle en cours")
    db.session.commit()
    result = service.search("toqeus")
    assert result.total == 0 and result.corrected_query is None
