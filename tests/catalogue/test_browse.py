"""Browsing: home sections, category pages with sort and pagination, offer pages, vendor profiles."""
from __future__ import annotations

import datetime as dt
import html
import json
import re

from marketplace.catalogue.models import Channels, Label, OfferKind, OfferStatus, Unit
from marketplace.core.clock import freeze
from marketplace.vendors.models import LegalForm
from tests.factories import OfferFactory, UserFactory, VendorFactory

NOW = dt.datetime(2026, 4, 1, 10, 0, tzinfo=dt.UTC)


def _titles(body: str) -> list[str]:
    return [html.unescape(t) for t in re.findall(r'class="offer-card-title"><a href="[^"]+">([^<]+)</a>', body)]


def test_category_page_includes_subcategories_and_sorts(client, db, tree):
    OfferFactory(category=tree["jams"], title="Confiture chère", price_cents=900, published_at=NOW - dt.timedelta(days=3))
    OfferFactory(category=tree["food"], title="Farine", price_cents=300, published_at=NOW - dt.timedelta(days=1))
    OfferFactory(category=tree["jams"], title="Abricot", price_cents=600, published_at=NOW - dt.timedelta(days=2))
    OfferFactory(category=tree["drinks"], title="Jus de pomme", price_cents=400)
    db.session.commit()

    assert _titles(client.get("/catalogue/alimentation").get_data(as_text=True)) == ["Farine", "Abricot", "Confiture chère"]
    assert _titles(client.get("/catalogue/alimentation?tri=prix-croissant").get_data(as_text=True)) == ["Farine", "Abricot", "Confiture chère"]
    assert _titles(client.get("/catalogue/alimentation?tri=prix-decroissant").get_data(as_text=True)) == ["Confiture chère", "Abricot", "Farine"]
    assert _titles(client.get("/catalogue/alimentation?tri=alphabetique").get_data(as_text=True)) == ["Abricot", "Confiture chère", "Farine"]
    assert _titles(client.get("/catalogue/confitures").get_data(as_text=True)) == ["Abricot", "Confiture chère"]
    assert client.get("/catalogue/alimentation?tri=n%27importe&page=-4&label=zz&type=zz").status_code == 200
    assert client.get("/catalogue/inconnue").status_code == 404


def test_category_pagination(client, db, tree):
    for n in range(30):
        OfferFactory(category=tree["jams"], title=f"Pot n°{n:02d}", price_cents=100 + n)
    db.session.commit()
    first = client.get("/catalogue/confitures?tri=prix-croissant").get_data(as_text=True)
    second = client.get("/catalogue/confitures?tri=prix-croissant&page=2").get_data(as_text=True)
    assert len(_titles(first)) == 24 and _titles(first)[0] == "Pot n°00"
    assert _titles(second) == [f"Pot n°{n:02d}" for n in range(24, 30)]
    assert "Page 1 sur 2" in first and "tri=prix-croissant" in first and "page=2" in first
    assert "30 offres" in first


def test_label_and_kind_filters(client, db, tree):
    bio = OfferFactory(category=tree["jams"], title="Miel bio")
    bio.set_labels([Label.BIO, Label.LOCAL])
    OfferFactory(category=tree["jams"], title="Miel conventionnel")
    OfferFactory(category=tree["jams"], title="Atelier confiture", kind=OfferKind.SERVICE, unit=Unit.HOUR, stock=None)
    db.session.commit()
    assert _titles(client.get("/catalogue/confitures?label=bio").get_data(as_text=True)) == ["Miel bio"]
    assert _titles(client.get("/catalogue/confitures?type=service").get_data(as_text=True)) == ["Atelier confiture"]
    empty = client.get("/catalogue/confitures?label=handicap").get_data(as_text=True)
    assert "Aucune offre de cette catégorie ne correspond à ces filtres." in html.unescape(empty)


def test_catalogue_index_and_empty_state(client, db, tree):
    body = html.unescape(client.get("/catalogue").get_data(as_text=True))
    assert "Aucune offre n'est encore en ligne" in body
    OfferFactory(category=tree["jams"], title="Miel de forêt")
    db.session.commit()
    body = client.get("/catalogue").get_data(as_text=True)
    assert "Miel de forêt" in body and "Alimentation" in body and "/catalogue/alimentation" in body
    assert "/catalogue/boissons" not in body  # empty categories are not offered


def test_offer_page_shows_vendor_card_and_json_ld(client, db, tree):
    vendor = VendorFactory(name="Les Jardins <Solidaires>", legal_form=LegalForm.SIAE_ACI, approved_at=NOW)
    offer = OfferFactory(
        vendor=vendor, category=tree["jams"], title="Confiture « </script> »", price_cents=650, vat_rate_bp=550,
        unit=Unit.PIECE, stock=4, delivery=True, delivery_fee_cents=590, pickup_hours="Samedi matin",
        description_text="Fraises **bio**.", description_html="<p>Fraises <strong>bio</strong>.</p>",
    )
    offer.set_labels([Label.INSERTION])
    db.session.commit()
    body = client.get(f"/offres/{offer.id}-{offer.slug}").get_data(as_text=True)
    text = html.unescape(body)
    assert "SIAE – Atelier et chantier d'insertion (ACI)" in text
    assert "Agréée le" in text and "1 avril 2026" in text
    assert "6,50\xa0€" in text and "la pièce" in text and "4 disponibles" in text
    assert "dont TVA 5,5\xa0% : 0,34\xa0€" in text
    assert "Samedi matin" in text and "5,90\xa0€ par commande" in text
    assert "<p>Fraises <strong>bio</strong>.</p>" in body
    assert "Insertion" in text

    [raw] = re.findall(r'<script type="application/ld\+json">(.*?)</script>', body, re.S)
    assert "</script>" not in raw
    data = json.loads(raw)
    assert data["@type"] == "Product"
    assert data["name"] == "Confiture « </script> »"
    assert data["offers"]["price"] == "6.50" and data["offers"]["priceCurrency"] == "EUR"
    assert data["offers"]["availability"] == "https://schema.org/InStock"
    assert data["brand"]["name"] == "Les Jardins <Solidaires>"


def test_quote_only_offer_page(client, db, tree):
    offer = OfferFactory(category=tree["jams"], channels=Channels.B2B, kind=OfferKind.SERVICE, unit=Unit.DAY, stock=None)
    db.session.commit()
    body = client.get(f"/offres/{offer.id}-{offer.slug}").get_data(as_text=True)
    assert "proposée sur devis aux professionnels" in html.unescape(body)
    [raw] = re.findall(r'<script type="application/ld\+json">(.*?)</script>', body, re.S)
    assert json.loads(raw)["@type"] == "Service"


def test_home_sections_new_local_and_by_category(client, db, login_as, tree):
    freeze(NOW)
    grenoble = VendorFactory(departement_code="38", commune="Grenoble")
    lyon = VendorFactory(departement_code="69", commune="Lyon")
    OfferFactory(vendor=grenoble, category=tree["jams"], title="Miel de Belledonne", published_at=NOW - dt.timedelta(days=5))
    OfferFactory(vendor=lyon, category=tree["drinks"], title="Café de la Croix-Rousse", published_at=NOW - dt.timedelta(days=1))
    OfferFactory(vendor=lyon, category=tree["drinks"], title="Brouillon caché", draft=True)
    user = UserFactory(postal_code="38100")
    db.session.commit()

    anonymous = html.unescape(client.get("/").get_data(as_text=True))
    assert "Nouveautés" in anonymous
    assert anonymous.index("Café de la Croix-Rousse") < anonymous.index("Miel de Belledonne")
    assert "Brouillon caché" not in anonymous
    assert "Près de chez vous" not in anonymous
    assert "Parcourir par catégorie" in anonymous and "/catalogue/boissons" in anonymous

    login_as(user)
    body = html.unescape(client.get("/").get_data(as_text=True))
    local = body[body.index("Près de chez vous : Isère (38)"):body.index("Parcourir par catégorie")]
    assert "Miel de Belledonne" in local and "Café de la Croix-Rousse" not in local


def test_home_without_offers_keeps_its_presentation(client, db):
    body = client.get("/").get_data(as_text=True)
    assert "new-offers-title" not in body
    assert "for-whom-title" in body


def test_vendor_profile_lists_its_visible_offers(client, db, tree):
    vendor = VendorFactory(slug="miellerie")
    OfferFactory(vendor=vendor, category=tree["jams"], title="Miel de printemps")
    OfferFactory(vendor=vendor, category=tree["jams"], title="Miel en préparation", draft=True)
    OfferFactory(vendor=vendor, category=tree["jams"], title="Miel retiré", status=OfferStatus.UNPUBLISHED)
    OfferFactory(category=tree["jams"], title="Miel d'une autre structure")
    db.session.commit()
    body = html.unescape(client.get("/fournisseurs/miellerie").get_data(as_text=True))
    assert "Ses produits et services" in body and "Miel de printemps" in body
    assert "Miel en préparation" not in body and "Miel retiré" not in body and "autre structure" not in body


def test_vendor_profile_without_offers(client, db):
    VendorFactory(slug="sans-offre")
    db.session.commit()
    body = html.unescape(client.get("/fournisseurs/sans-offre").get_data(as_text=True))
    assert "Cette structure n'a pas encore d'offre en ligne." in body


def test_out_of_stock_and_unlimited(client, db, tree):
    gone = OfferFactory(category=tree["jams"], stock=0)
    unlimited = OfferFactory(category=tree["jams"], stock=None)
    db.session.commit()
    body = html.unescape(client.get(f"/offres/{gone.id}-{gone.slug}").get_data(as_text=True))
    assert "Épuisé" in body and "OutOfStock" in body
    body = html.unescape(client.get(f"/offres/{unlimited.id}-{unlimited.slug}").get_data(as_text=True))
    assert "Disponible" in body and "InStock" in body


def test_members_of_the_vendor_are_not_offered_to_buy_their_own_offer(client, db, login_as, tree, vendor, owner):
    offer = OfferFactory(vendor=vendor, category=tree["jams"])
    db.session.commit()
    login_as(owner)
    body = html.unescape(client.get(f"/offres/{offer.id}-{offer.slug}").get_data(as_text=True))
    assert "vous ne pouvez pas l'acheter vous-même" in body
    assert 'name="offer_id"' not in body
