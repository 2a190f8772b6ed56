"""The PostgreSQL backend on its own: French analysis, ranking, facets, typos."""
from __future__ import annotations

import datetime as dt
import os

import pytest
from markupsafe import Markup

from marketplace.search.backends.base import SearchQuery

pytestmark = pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgresql"),
    reason="the PostgreSQL backend needs DATABASE_URL=postgresql",
)

T0 = dt.datetime(2026, 3, 1, 9, 0, tzinfo=dt.UTC)


def doc(n: int, title: str, **fields) -> dict:
    values = {
        "id": f"offer-{n}",
        "kind": "product",
        "title": title,
        "description": "",
        "category": "Alimentation",
        "category_slug": "alimentation",
        "labels": [],
        "vendor_name": "Structure",
        "vendor_slug": "structure",
        "sectors": [],
        "legal_form": "association",
        "commune": "Grenoble",
        "departement": "38",
        "price_cents": 500,
        "channel": "b2c",
        "published_at": T0 + dt.timedelta(days=n),
        "url": f"/offres/{n}",
    }
    values.update(fields)
    return values


@pytest.fixture
def backend(db):
    from marketplace.search.backends.postgres_backend import PostgresBackend

    backend = PostgresBackend()
    backend.rebuild(
        [
            doc(1, "Sauce tomate épicée", description="Tomates de plein champ & piments <doux>.", labels=["bio"], price_cents=450),
            doc(2, "Confiture de framboises", description="Framboises du Vercors.", labels=["bio", "local"], price_cents=650),
            doc(3, "Panier garni", description="Avec une confiture maison.", departement="69", commune="Lyon", price_cents=3200),
            doc(4, "Vélos reconditionnés", kind="product", category="Mobilité", category_slug="mobilite", price_cents=19000),
            doc(5, "Ménage à domicile", kind="service", category="Nettoyage", category_slug="nettoyage", price_cents=2400, labels=["insertion"]),
            doc(6, "Les Jardins de la Gresse", id="vendor-6", kind="supplier", price_cents=None, category="", category_slug="",
                commune="Vif", legal_form="siae_aci"),
        ]
    )
    return backend


def ids(result) -> list[str]:
    return [hit.id for hit in result.hits]


def test_accents_plurals_and_genders_meet(backend):
    for text in ("epicee", "épicées", "EPICES", "sauces tomates"):
        assert ids(backend.search(SearchQuery(text=text))) == ["offer-1"], text
    assert ids(backend.search(SearchQuery(text="velo"))) == ["offer-4"]
    assert ids(backend.search(SearchQuery(text="menage"))) == ["offer-5"]


def test_stop_words_and_place_words_are_ignored(backend):
    assert ids(backend.search(SearchQuery(text="confiture de framboises près de Grenoble"))) == ["offer-2"]


def test_title_outranks_description(backend):
    assert ids(backend.search(SearchQuery(text="confiture"))) == ["offer-2", "offer-3"]


def test_vendor_fields_commune_and_legal_form_are_searched(backend):
    assert ids(backend.search(SearchQuery(text="Vif"))) == ["vendor-6"]
    assert "vendor-6" in ids(backend.search(SearchQuery(text="chantier d'insertion")))
    assert set(ids(backend.search(SearchQuery(text="agriculture biologique")))) == {"offer-1", "offer-2"}


def test_snippets_are_escaped_and_highlighted(backend):
    hit = backend.search(SearchQuery(text="tomates")).hits[0]
    assert isinstance(hit.snippet_html, Markup)
    assert "<mark>Tomates</mark>" in hit.snippet_html
    assert "&amp;" in hit.snippet_html
    assert "<doux>" not in hit.snippet_html
    assert "piments &lt;doux" in hit.snippet_html


def test_filters_and_facets_of_the_other_filters(backend):
    result = backend.search(SearchQuery(text="", filters={"labels": ["bio"], "departement": ["38"]}))
    assert set(ids(result)) == {"offer-1", "offer-2"}
    assert result.total == 2
    # The label facet ignores the label filter, the département facet ignores the département filter.
    assert dict(result.facets["labels"]) == {"bio": 2, "local": 1, "insertion": 1}
    assert dict(result.facets["departement"]) == {"38": 2}
    assert dict(result.facets["price_band"]) == {"0-10": 2}

    bands = backend.search(SearchQuery(text="", filters={"price_band": ["25-50", "100+"]}))
    assert set(ids(bands)) == {"offer-3", "offer-4"}
    kinds = backend.search(SearchQuery(text="", filters={"kind": ["service", "supplier"]}))
    assert set(ids(kinds)) == {"offer-5", "vendor-6"}


def test_sorts_and_pages(backend):
    by_price = backend.search(SearchQuery(text="", sort="price_asc", filters={"kind": ["product"]}))
    assert ids(by_price) == ["offer-1", "offer-2", "offer-3", "offer-4"]
    newest = backend.search(SearchQuery(text="", sort="newest", per_page=2, page=2))
    assert ids(newest) == ["offer-4", "offer-3"]
    assert newest.total == 6
    assert backend.search(SearchQuery(text="", page=99)).hits == []


def test_typos_need_fuzzy_and_get_a_correction(backend):
    exact = backend.search(SearchQuery(text="framboisse"))
    assert exact.total == 0
    assert exact.corrected_query == "framboises"
    fuzzy = backend.search(SearchQuery(text="framboisse", fuzzy=True))
    assert ids(fuzzy) == ["offer-2"]
    assert fuzzy.used_fuzzy
    # Four letters: no edit allowed.
    assert backend.search(SearchQuery(text="vwlo", fuzzy=True)).total == 0


def test_index_replaces_and_remove_deletes(backend):
    backend.index([doc(2, "Gelée de groseilles")])
    assert backend.search(SearchQuery(text="framboises")).total == 0
    assert ids(backend.search(SearchQuery(text="groseille"))) == ["offer-2"]
    backend.remove(["offer-2", "offer-999"])
    assert backend.search(SearchQuery(text="groseille")).total == 0


def test_suggestions_complete_titles(backend):
    assert backend.suggest("conf") == ["Confiture de framboises"]
    assert backend.suggest("jardins") == ["Les Jardins de la Gresse"]
    assert backend.suggest("c") == []
    assert backend.healthy()


def test_odd_input_never_raises(backend):
    for text in ('"', "-", "or", "!!!", "a & b | c", "'; drop table x; --", "é" * 500):
        backend.search(SearchQuery(text=text))


def _stored_tag_counts(backend) -> set[tuple]:
    import sqlalchemy as sa

    return set(backend.session.execute(sa.text("SELECT scope, tag, documents FROM search.tag_count")).all())


def _recounted(backend) -> set[tuple]:
    """What the tag counts should be, computed again from the stored documents."""
    import sqlalchemy as sa

    from marketplace.search import pg_schema

    with backend.session.begin_nested() as savepoint:
        backend.session.execute(sa.text("DELETE FROM search.tag_count"))
        backend.session.execute(sa.text(pg_schema.FILL_TAG_COUNTS))
        counts = _stored_tag_counts(backend)
        savepoint.rollback()
    return counts


def test_tag_counts_follow_every_write(backend):
    assert ("*", "*", 6) in _stored_tag_counts(backend)
    assert ("category:alimentation", "labels:bio", 2) in _stored_tag_counts(backend)
    backend.index([doc(2, "Gelée de groseilles", labels=["local"], category_slug="mobilite"),
                   doc(7, "Miel de lavande", labels=["bio"])])
    backend.remove(["offer-5", "offer-999"])
    counts = _stored_tag_counts(backend)
    assert counts == _recounted(backend)
    assert ("category:alimentation", "labels:bio", 2) in counts  # offer 1 and the new offer 7
    assert ("category:mobilite", "*", 2) in counts
    assert not any(scope == "kind:service" for scope, _, _ in counts)  # its only document is gone


def _generation(backend) -> int:
    import sqlalchemy as sa

    return backend.session.scalar(sa.text("SELECT generation FROM search.state"))


def test_unchanged_documents_are_not_written_again(backend):
    before = _generation(backend)
    backend.index([doc(1, "Sauce tomate épicée", description="Tomates de plein champ & piments <doux>.",
                       labels=["bio"], price_cents=450)])
    assert _generation(backend) == before  # counts cached for this version stay right
    backend.index([doc(1, "Sauce tomate épicée", labels=["bio"], price_cents=490)])
    assert _generation(backend) == before + 1
    assert _stored_tag_counts(backend) == _recounted(backend)


LISTINGS = [
    {},
    {"kind": ["product", "service"]},
    {"kind": ["product", "service"], "category": ["alimentation"]},
    {"kind": ["product"], "category": ["alimentation", "mobilite"]},
    {"kind": ["product", "service"], "category": ["alimentation"], "labels": ["bio"]},
    {"kind": ["product", "service"], "labels": ["bio", "local"]},
    {"kind": ["product"], "labels": ["bio", "local"]},  # 5 products, 3 "bio" + 2 "local": not every one passes
    {"kind": ["supplier"], "departement": ["38"]},
    {"category": ["alimentation"], "departement": ["38", "69"]},
    {"labels": ["bio", "insertion"], "price_band": ["0-10"]},
]


@pytest.mark.parametrize("filters", LISTINGS)
def test_listing_counts_read_from_tag_counts_are_those_counted(backend, filters):
    """Without words, counts come from search.tag_count when they can: the same as counting the documents."""
    import sqlalchemy as sa

    from marketplace.search.backends.base import FACET_NAMES
    from marketplace.search.backends.postgres_backend import _FILTER_SQL
    from marketplace.search.backends.postgres_rows import tag

    backend.index([doc(7, "Miel", labels=["bio", "local"], departement="69"),
                   doc(8, "Repassage", kind="service", category_slug="nettoyage", labels=["bio"])])
    params = {f"f_{name}": [tag(name, v) for v in values] for name, values in filters.items()}
    session = backend.session
    session.execute(sa.text("SET LOCAL jit = off"))
    counted = backend._count(session, None, {name: _FILTER_SQL[name] for name in filters}, params)
    listed = backend._count_listing(session, "test", params)
    assert listed[0] == counted[0]
    for name in FACET_NAMES:
        assert sorted(listed[2][name]) == sorted(counted[2][name]), name
    assert listed[0] == backend.search(SearchQuery(text="", filters=filters)).total
