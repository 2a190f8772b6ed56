"""The supplier directory and the catalogue pages read the search index (an empty query), on each backend."""
from __future__ import annotations

import datetime as dt
import re
from html import unescape

from marketplace.catalogue.models import OfferKind
from marketplace.search import service
from marketplace.search.documents import offer_doc_id, vendor_doc_id
from tests.factories import CategoryFactory, OfferFactory


def _structures(html: str) -> list[str]:
    return [unescape(t) for t in re.findall(r'<li class="card vendor-card">.*?<h2><a href="[^"]+">([^<]+)</a>', html, re.S)]


def _offers(html: str) -> list[str]:
    return [unescape(t) for t in re.findall(r'class="offer-card-title"><a href="[^"]+">([^<]+)</a>', html)]


def _option(html: str, select_id: str, value: str) -> str:
    """The text of one option of a select."""
    select = re.search(rf'<select id="{select_id}".*?</select>', html, re.S).group(0)
    return unescape(re.search(rf'<option value="{re.escape(value)}"[^>]*>([^<]*)</option>', select).group(1)).strip()


def _unindex(doc_id: str) -> None:
    service.get_backend().remove([doc_id])


# ---------------------------------------------------------------- the directory


def test_directory_lists_the_indexed_structures_in_alphabetical_order(client, catalogue):
    html = client.get("/fournisseurs").text
    assert _structures(html) == ["Atelier Vélo Pour Tous", "Les Toques Solidaires", "Panier du Vercors"]
    assert "3 structures" in html
    # What the page lists comes from the index: a structure missing from it is not listed.
    _unindex(vendor_doc_id(catalogue["vendors"]["toques"].id))
    html = client.get("/fournisseurs").text
    assert _structures(html) == ["Atelier Vélo Pour Tous", "Panier du Vercors"]
    assert "2 structures" in html


def test_directory_filters_keep_their_parameters_and_show_counts(client, catalogue):
    html = client.get("/fournisseurs?departement=38").text
    assert _structures(html) == ["Atelier Vélo Pour Tous", "Panier du Vercors"]
    # Each choice counts the structures it would list, with the other filters applied.
    assert _option(html, "f-dep", "38") == "Isère (38) – 2 structures"
    assert _option(html, "f-dep", "69") == "Rhône (69) – 1 structure"
    assert _option(html, "f-statut", "association") == "Association (1)"
    assert _option(html, "f-statut", "siae_ei") == "SIAE – Entreprise d'insertion (EI) (0)"

    assert _structures(client.get("/fournisseurs?statut=siae_ei").text) == ["Les Toques Solidaires"]
    html = client.get("/fournisseurs?secteur=alimentation").text
    assert _structures(html) == ["Panier du Vercors"]
    assert _option(html, "f-secteur", "insertion") == "Insertion par l'activité économique (1)"
    html = client.get("/fournisseurs?secteur=culture&departement=38").text
    assert _structures(html) == []
    assert "Aucune structure agréée ne correspond à ces filtres." in unescape(html)


def test_directory_pages(catalogue):
    from marketplace.vendors import public

    listing = public.directory(public.DirectoryFilters(), page=2, per_page=2)
    assert [v.name for v in listing.page.items] == ["Panier du Vercors"]
    assert listing.page.total == 3 and listing.page.pages == 2


# ---------------------------------------------------------------- the catalogue


def test_category_page_lists_the_category_and_its_subcategories(client, catalogue):
    html = client.get("/catalogue/epicerie").text
    assert set(_offers(html)) == {"Confiture de framboises épicées", "Confiture d'abricots", "Miel de montagne"}
    assert "3 offres" in html
    assert re.search(r'Confitures et miels <span class="muted">\(3\)</span>', html)
    _unindex(offer_doc_id(catalogue["offers"]["miel"].id))
    html = client.get("/catalogue/epicerie").text
    assert set(_offers(html)) == {"Confiture de framboises épicées", "Confiture d'abricots"}
    assert re.search(r'Confitures et miels <span class="muted">\(2\)</span>', html)


def test_category_sorts_and_filters(client, catalogue):
    assert _offers(client.get("/catalogue/epicerie?tri=prix-croissant").text) == [
        "Confiture d'abricots", "Confiture de framboises épicées", "Miel de montagne"]
    assert _offers(client.get("/catalogue/epicerie?tri=prix-decroissant").text) == [
        "Miel de montagne", "Confiture de framboises épicées", "Confiture d'abricots"]
    assert _offers(client.get("/catalogue/epicerie?tri=alphabetique").text) == [
        "Confiture d'abricots", "Confiture de framboises épicées", "Miel de montagne"]

    html = client.get("/catalogue/epicerie?label=bio").text
    assert set(_offers(html)) == {"Confiture de framboises épicées", "Miel de montagne"}
    assert _option(html, "f-label", "local") == "Local (2)"  # the label choice counts without the label filter
    assert _option(html, "f-prix", "0-10") == "Moins de 10 € (1)"  # the price choice counts with it
    # The subcategory links keep the filters.
    assert 'href="/catalogue/confitures?label=bio"' in html

    html = client.get("/catalogue/epicerie?prix=0-10").text
    assert set(_offers(html)) == {"Confiture de framboises épicées", "Confiture d'abricots"}
    assert _option(html, "f-prix", "10-25") == "De 10 à 25 € (1)"
    html = client.get("/catalogue/epicerie?prix=100%2B").text
    assert _offers(html) == []
    assert "Aucune offre de cette catégorie ne correspond à ces filtres." in unescape(html)


def test_catalogue_lists_offers_only_with_kind_counts(client, catalogue):
    html = client.get("/catalogue").text
    assert len(_offers(html)) == 6 and "6 offres" in html
    assert "Panier du Vercors</a></h2>" not in html  # structures are not catalogue entries
    assert _option(html, "f-type", "product") == "Produits (4)"
    assert _option(html, "f-type", "service") == "Services (2)"
    html = client.get("/catalogue?type=service&tri=prix-croissant").text
    assert _offers(html) == ["Buffet traiteur pour séminaire", "Révision complète de vélo"]
    assert re.search(r'Traiteur et restauration <span class="muted">\(1\)</span>', html)
    assert "/catalogue/epicerie" not in html  # no service there


def test_catalogue_pages_and_newest_first(client, db, backend_name):
    category = CategoryFactory(name="Savons", slug="savons")
    start = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    for n in range(26):
        OfferFactory(category=category, title=f"Savon n°{n:02d}", published_at=start + dt.timedelta(hours=n),
                     kind=OfferKind.PRODUCT)
    db.session.commit()  # indexed after the commit
    first = client.get("/catalogue/savons").text
    second = client.get("/catalogue/savons?page=2").text
    assert _offers(first)[:2] == ["Savon n°25", "Savon n°24"] and len(_offers(first)) == 24
    assert _offers(second) == ["Savon n°01", "Savon n°00"]
    assert "26 offres" in first and "Page 1 sur 2" in first
