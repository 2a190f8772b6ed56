"""The search page and the suggestions endpoint, through HTTP; index failures never give a 500."""
from __future__ import annotations

import re
import shutil
from html import unescape

import pytest

from marketplace.search import service
from marketplace.search.backends.whoosh_backend import WhooshBackend


def _titles(html: str) -> list[str]:
    return [unescape(t) for t in re.findall(r'<li class="card search-hit[^"]*">\s*<h3 class="h3"><a href="[^"]+">([^<]+)</a>', html)]


def _facet(html: str, param: str) -> dict[str, int]:
    """value -> count of the checkboxes of a facet."""
    found = re.findall(
        rf'name="{param}" value="([^"]+)"[^>]*>\s*<label[^>]*>[^<]*<span class="muted">\((\d+)\)</span>', html
    )
    return {value: int(count) for value, count in found}


def test_page_shows_hits_snippets_facets_and_tabs(client, catalogue):
    response = client.get("/recherche?q=confitures")
    assert response.status_code == 200
    html = response.text
    # The honey is found through its category, "Confitures et miels", ranked after the titles.
    assert _titles(html) == ["Confiture de framboises épicées", "Confiture d'abricots", "Miel de montagne"] or _titles(
        html
    ) == ["Confiture d'abricots", "Confiture de framboises épicées", "Miel de montagne"]
    assert "Résultats pour « confitures »" in html
    assert "3 résultats" in html
    assert _facet(html, "label") == {"local": 2, "bio": 2}
    assert _facet(html, "prix") == {"0-10": 2, "10-25": 1}
    assert re.search(r'aria-current="page">Tout <span class="badge">3</span>', html)
    html = client.get("/recherche?q=piment").text
    assert '<p class="search-snippet">' in html and "<mark>piment</mark>" in html


def test_filters_and_tabs_through_the_query_string(client, catalogue):
    html = client.get("/recherche?q=&label=insertion&type=service").text
    assert set(_titles(html)) == {"Buffet traiteur pour séminaire", "Révision complète de vélo"}
    html = client.get("/recherche?q=v%C3%A9lo&type=supplier").text
    assert _titles(html) == ["Atelier Vélo Pour Tous"]
    html = client.get("/recherche?categorie=epicerie&tri=prix-decroissant").text
    assert _titles(html) == ["Miel de montagne", "Confiture de framboises épicées", "Confiture d'abricots"]


def test_typo_is_announced(client, catalogue):
    html = client.get("/recherche?q=confitrue").text
    assert "Aucun résultat exact pour « confitrue »" in html
    assert "Résultats pour « confiture »" in html
    assert "Confiture de framboises épicées" in _titles(html)


def test_did_you_mean_and_empty_state(client, catalogue):
    html = client.get("/recherche?q=mial").text
    assert _titles(html) == []
    assert "Vouliez-vous dire" in html and "?q=miel" in html
    html = client.get("/recherche?q=xylophonez").text
    assert "Aucun résultat ne correspond à votre recherche" in html


def test_hidden_offers_and_structures_never_appear(client, catalogue):
    html = client.get("/recherche?q=v%C3%A9lo").text
    assert "candidat" not in html.lower() and "suspendu" not in html.lower()
    assert "Vélo de ville reconditionné" in _titles(html)


@pytest.mark.parametrize(
    "query",
    [
        "page=abc", "page=-3", "page=99999999999999999999", "tri=n%27importe", "prix=1000000", "q=" + "a" * 5000,
        "q=%22%27%3C%3E%26*()[]:~^", "q=AND OR NOT", "label=%00", "categorie=inconnue", "q=*",
    ],
)
def test_bad_input_never_gives_a_500(client, catalogue, query):
    assert client.get(f"/recherche?{query}").status_code == 200


def test_page_beyond_the_last(client, catalogue):
    html = client.get("/recherche?q=confiture&page=7").text
    assert "Cette page de résultats n&#39;existe pas" in html or "Cette page de résultats n'existe pas" in html


def test_suggestions_endpoint(client, catalogue):
    response = client.get("/recherche/suggestions?q=miel")
    assert response.status_code == 200
    assert response.json == {"suggestions": ["Miel de montagne"]}
    assert client.get("/recherche/suggestions?q=m").json == {"suggestions": []}
    assert client.get("/recherche/suggestions").json == {"suggestions": []}
    assert client.get("/recherche/suggestions?q=%22%3C*").status_code == 200


def test_header_search_reaches_the_page(client, catalogue):
    home = client.get("/").text
    assert 'action="/recherche"' in home
    assert "Miel de montagne" in _titles(client.get("/recherche?q=miels").text)


# ------------------------------------------------------------ Whoosh index failures


def test_missing_index_is_rebuilt_automatically(client, whoosh_catalogue, caplog):
    shutil.rmtree(whoosh_catalogue_dir(client))
    html = client.get("/recherche?q=confiture").text
    assert "Confiture de framboises épicées" in _titles(html)
    assert "mode simplifié" not in html
    assert WhooshBackend(whoosh_catalogue_dir(client)).healthy()
    assert "rebuilding" in caplog.text


def test_corrupted_index_is_rebuilt_automatically(client, whoosh_catalogue):
    directory = whoosh_catalogue_dir(client)
    for path in directory.iterdir():
        path.write_bytes(b"\x00garbage")
    app_backend = service.get_backend()
    app_backend._ix = None
    html = client.get("/recherche?q=abricots").text
    assert _titles(html) == ["Confiture d'abricots"]
    assert "mode simplifié" not in html


def test_unusable_index_falls_back_to_the_database(app, client, whoosh_catalogue, tmp_path, monkeypatch, caplog):
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("")
    monkeypatch.setitem(app.config, "SEARCH_INDEX_DIR", str(blocker / "index"))
    html = client.get("/recherche?q=Confiture").text
    assert set(_titles(html)) == {"Confiture de framboises épicées", "Confiture d'abricots"}
    assert "mode simplifié" in html
    assert "Confiture de myrtilles" not in html
    assert _facet(html, "label") == {"local": 2, "bio": 1}
    assert "falls back to a database query" in caplog.text
    assert client.get("/recherche/suggestions?q=conf").json == {"suggestions": []}
    assert client.get("/recherche?q=v%C3%A9lo&label=reemploi").status_code == 200


def test_busy_index_journals_updates_and_replays_them(app, db, whoosh_catalogue, monkeypatch):
    from marketplace.catalogue import services as cat
    from marketplace.search.backends import whoosh_backend

    backend = service.get_backend()
    monkeypatch.setattr(whoosh_backend, "LOCK_TIMEOUT", 0.1)
    lock = backend._open().lock("WRITELOCK")
    assert lock.acquire()
    try:
        miel = whoosh_catalogue["offers"]["miel"]
        miel.title = "Miel de lavande"
        cat.offer_changed(miel)
        db.session.commit()  # the index is busy: the commit still succeeds
        assert backend.pending() == 1
    finally:
        lock.release()
    assert service.search("lavande").total == 0
    abricot = whoosh_catalogue["offers"]["abricot"]
    cat.archive_offer(abricot, None)
    db.session.commit()
    assert backend.pending() == 0
    assert [h.title for h in service.search("lavande").hits] == ["Miel de lavande"]
    assert service.search("abricots").total == 0


def test_reindex_command(app, db, whoosh_catalogue):
    shutil.rmtree(app.config["SEARCH_INDEX_DIR"])
    result = app.test_cli_runner().invoke(args=["search", "reindex"])
    assert result.exit_code == 0, result.output
    assert "9 documents indexés (whoosh)" in result.output
    assert service.search("miel").total >= 1


def whoosh_catalogue_dir(client):
    from pathlib import Path

    return Path(client.application.config["SEARCH_INDEX_DIR"])
