"""Search behaviour, the same tests on each backend (PostgreSQL only with DATABASE_URL=postgresql)."""
from __future__ import annotations

import pytest

from marketplace.catalogue import services as cat
from marketplace.search import service
from marketplace.vendors import workflow


def _ids(result) -> set[str]:
    return {hit.id for hit in result.hits}


def _titles(result) -> list[str]:
    return [hit.title for hit in result.hits]


def _no_fallback(monkeypatch):
    def fail(query):
        raise AssertionError(f"fell back to the database for {query.text!r}")

    monkeypatch.setattr(service, "database_search", fail)


@pytest.mark.parametrize(
    "text",
    ["épicées", "epicees", "EPICEE", "épicée", "confitures", "CONFITURE", "framboise", "les framboises"],
)
def test_accents_case_and_plurals_meet(catalogue, monkeypatch, text):
    _no_fallback(monkeypatch)
    result = service.search(text)
    assert "Confiture de framboises épicées" in _titles(result)
    assert not result.used_fuzzy


def test_every_word_counts_and_stop_words_do_not(catalogue, monkeypatch):
    _no_fallback(monkeypatch)
    result = service.search("confiture de framboises bio près de Villard-de-Lans")
    assert _titles(result) == ["Confiture de framboises épicées"]
    assert service.search("confiture vélo").total == 0


def test_vendor_name_commune_legal_form_and_sector_are_searchable(catalogue, monkeypatch):
    _no_fallback(monkeypatch)
    assert "Confiture d'abricots" in _titles(service.search("panier vercors"))
    assert "Panier du Vercors" in _titles(service.search("villard"))
    toques = [hit for hit in service.search("traiteur insertion").hits if hit.kind == "supplier"]
    assert [hit.title for hit in toques] == ["Les Toques Solidaires"]


def test_title_ranks_above_description(catalogue, monkeypatch):
    _no_fallback(monkeypatch)
    titles = _titles(service.search("traiteur"))
    assert titles.index("Buffet traiteur pour séminaire") < titles.index("Les Toques Solidaires")


@pytest.mark.parametrize(("typo", "corrected"), [("confitrue", "confiture"), ("framboisse", "framboises")])
def test_one_typo_is_tolerated_and_said(catalogue, monkeypatch, typo, corrected):
    _no_fallback(monkeypatch)
    result = service.search(typo)
    assert result.used_fuzzy
    assert result.total >= 1
    assert "Confiture de framboises épicées" in _titles(result)
    assert corrected.rstrip("s") in (result.corrected_query or "")


def test_short_words_are_not_fuzzed(catalogue, monkeypatch):
    _no_fallback(monkeypatch)
    result = service.search("mial")  # 4 letters: no typo tolerance, but "did you mean"
    assert result.total == 0
    assert result.corrected_query == "miel"


def test_nothing_found_nothing_proposed(catalogue, monkeypatch):
    _no_fallback(monkeypatch)
    result = service.search("xylophonez")
    assert result.total == 0 and result.hits == []
    assert result.corrected_query is None


def test_only_visible_offers_and_approved_structures(catalogue, monkeypatch):
    _no_fallback(monkeypatch)
    titles = _titles(service.search("", per_page=100))
    assert "Confiture de myrtilles" not in titles  # draft
    assert "Vélo cargo candidat" not in titles and "Vélo Candidat" not in titles
    assert "Vélo pliant suspendu" not in titles and "Vélo Suspendu" not in titles
    assert {"Panier du Vercors", "Les Toques Solidaires", "Atelier Vélo Pour Tous", "Miel de montagne"} <= set(titles)
    assert service.search("", per_page=100).total == 9  # 6 offers + 3 approved structures


def test_facets_count_matches_and_filters_combine(catalogue, monkeypatch):
    _no_fallback(monkeypatch)
    result = service.search("")
    facets = {name: dict(pairs) for name, pairs in result.facets.items()}
    assert facets["kind"] == {"product": 4, "service": 2, "supplier": 3}
    assert facets["labels"] == {"bio": 2, "local": 2, "insertion": 2, "reemploi": 2}
    assert facets["departement"] == {"38": 7, "69": 2}
    assert facets["price_band"] == {"0-10": 2, "10-25": 1, "25-50": 2, "100+": 1}
    assert facets["channel"] == {"b2c": 4, "b2b": 1, "both": 1}

    bio = service.search("", {"labels": ["bio"]})
    assert set(_titles(bio)) == {"Confiture de framboises épicées", "Miel de montagne"}
    bio_facets = {name: dict(pairs) for name, pairs in bio.facets.items()}
    # The label facet ignores its own filter (so one can widen it), the others apply it.
    assert bio_facets["labels"]["local"] == 2
    assert bio_facets["price_band"] == {"0-10": 1, "10-25": 1}

    both = service.search("", {"labels": ["bio", "reemploi"], "kind": ["product"]})
    assert set(_titles(both)) == {"Confiture de framboises épicées", "Miel de montagne", "Vélo de ville reconditionné"}


def test_category_filter_includes_subcategories(catalogue, monkeypatch):
    _no_fallback(monkeypatch)
    result = service.search("", {"category": ["epicerie"]})
    assert set(_titles(result)) == {"Confiture de framboises épicées", "Confiture d'abricots", "Miel de montagne"}


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"departement": ["69"]}, {"Buffet traiteur pour séminaire", "Les Toques Solidaires"}),
        ({"price_band": ["100+"]}, {"Vélo de ville reconditionné"}),
        ({"channel": ["b2b"]}, {"Buffet traiteur pour séminaire"}),
        ({"legal_form": ["siae_aci"], "kind": ["service"]}, {"Révision complète de vélo"}),
        ({"price_band": ["nope"]}, None),
    ],
)
def test_each_filter(catalogue, monkeypatch, filters, expected):
    _no_fallback(monkeypatch)
    result = service.search("", filters, per_page=100)
    if expected is None:  # unknown values are ignored
        assert result.total == 9
    else:
        assert set(_titles(result)) == expected


def test_sorts(catalogue, monkeypatch):
    _no_fallback(monkeypatch)
    asc = service.search("", {"kind": ["product", "service"]}, sort="price_asc").hits
    assert [h.price_cents for h in asc] == sorted(h.price_cents for h in asc)
    desc = service.search("", {"kind": ["product", "service"]}, sort="price_desc").hits
    assert desc[0].title == "Vélo de ville reconditionné"


def test_pagination(catalogue, monkeypatch):
    _no_fallback(monkeypatch)
    first = service.search("", page=1, per_page=4)
    third = service.search("", page=3, per_page=4)
    assert first.total == third.total == 9
    assert len(first.hits) == 4 and len(third.hits) == 1
    assert not _ids(first) & _ids(third)


def test_snippets_are_escaped_and_highlighted(catalogue, monkeypatch):
    _no_fallback(monkeypatch)
    hit = next(h for h in service.search("abricots").hits if h.title == "Confiture d'abricots")
    assert "<mark>Abricots</mark>" in hit.snippet_html
    assert "&lt;b" in hit.snippet_html and "&amp; amour" in hit.snippet_html
    assert "<b" not in hit.snippet_html


def test_suggestions(catalogue, monkeypatch):
    _no_fallback(monkeypatch)
    assert "Confiture de framboises épicées" in service.suggest("confi")
    assert "Confiture de framboises épicées" in service.suggest("confiture de fr")
    assert "Confiture de myrtilles" not in service.suggest("confiture")
    assert service.suggest("c") == []


def test_publishing_archiving_and_suspension_reach_the_index_after_commit(catalogue, db, monkeypatch):
    _no_fallback(monkeypatch)
    draft = catalogue["offers"]["draft"]
    cat.publish_offer(draft, None)
    assert "Confiture de myrtilles" not in _titles(service.search("myrtilles"))  # not committed yet
    db.session.commit()
    assert _titles(service.search("myrtilles")) == ["Confiture de myrtilles"]

    cat.archive_offer(draft, None)
    db.session.commit()
    assert service.search("myrtilles").total == 0

    workflow.suspend(catalogue["vendors"]["cycles"], None, "Contrôle en cours")
    db.session.commit()
    assert "vélo" not in " ".join(_titles(service.search("vélo"))).lower()


def test_edit_reaches_the_index_and_a_rollback_does_not(catalogue, db, monkeypatch):
    _no_fallback(monkeypatch)
    miel = catalogue["offers"]["miel"]
    miel.title = "Miel de lavande"
    cat.offer_changed(miel)
    db.session.rollback()
    assert service.search("lavande").total == 0

    miel = db.session.get(type(miel), miel.id)
    miel.title = "Miel de lavande"
    cat.offer_changed(miel)
    db.session.commit()
    assert _titles(service.search("lavande")) == ["Miel de lavande"]
