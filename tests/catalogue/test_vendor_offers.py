"""Vendor staff create, edit, publish, unpublish and archive their offers."""
from __future__ import annotations

import datetime as dt
import html
import re

import pytest
import sqlalchemy as sa

from marketplace.catalogue.models import Channels, Label, Offer, OfferKind, OfferStatus, Unit
from marketplace.core.audit import events_for
from marketplace.core.clock import freeze
from marketplace.vendors.models import MemberRole
from tests.catalogue.conftest import offer_form
from tests.factories import OfferFactory, UserFactory, VendorFactory, VendorMembershipFactory


def _offers(db):
    return list(db.session.scalars(sa.select(Offer).order_by(Offer.id)))


def test_create_offer_as_draft(client, db, login_as, tree, vendor, owner):
    login_as(owner)
    response = client.post(f"/espace-fournisseur/{vendor.id}/offres/nouvelle", data=offer_form(tree["jams"].id))
    [offer] = _offers(db)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/espace-fournisseur/{vendor.id}/offres/{offer.id}/photos")
    assert offer.status is OfferStatus.DRAFT and offer.published_at is None
    assert offer.vendor_id == vendor.id and offer.category_id == tree["jams"].id
    assert offer.kind is OfferKind.PRODUCT and offer.unit is Unit.PIECE
    assert offer.price_cents == 650 and offer.vat_rate_bp == 550
    assert offer.stock == 12 and offer.channels is Channels.B2C
    assert offer.labels == [Label.BIO, Label.LOCAL]
    assert offer.pickup and offer.pickup_hours == "Samedi de 9 h à 12 h"
    assert offer.delivery and offer.delivery_fee_cents == 490
    assert offer.slug == "confiture-d-abricots"
    assert offer.description_html == "<p>Abricots du Roussillon.</p><ul><li>pot de 340 g</li><li>60 % de fruits</li></ul>"
    [event] = events_for(offer)
    assert (event.action, event.after, event.actor_id) == ("offer.created", "draft", owner.id)


def test_new_offer_page_lists_categories(client, db, login_as, tree, vendor, owner):
    login_as(owner)
    body = client.get(f"/espace-fournisseur/{vendor.id}/offres/nouvelle").get_data(as_text=True)
    assert "Alimentation › Confitures" in body
    assert 'for="title"' in body and 'for="price"' in body


@pytest.mark.parametrize(
    "overrides, field_message",
    [
        ({"price": "abc"}, "Saisissez un montant en euros"),
        ({"price": "0"}, "Indiquez un prix supérieur à zéro."),
        ({"price": "12,345"}, "Saisissez un montant en euros"),
        ({"price": ""}, "Indiquez le prix TTC."),
        ({"title": ""}, "Donnez un titre à l'offre."),
        ({"title": "ab"}, "Donnez un titre d'au moins 3 caractères."),
        ({"category_id": "0"}, "Choisissez une catégorie."),
        ({"category_id": "999999"}, "N'est pas un choix valide."),
        ({"vat_rate_bp": "1900"}, "N'est pas un choix valide."),
        ({"stock": "-3"}, "Saisissez un nombre entier positif"),
        ({"stock": "douze"}, "Saisissez un nombre entier positif"),
        ({"pickup": None, "delivery": None}, "doit proposer le retrait sur place, la livraison, ou les deux"),
        ({"pickup_hours": ""}, "Indiquez les jours et horaires de retrait."),
        ({"delivery_fee": "dix"}, "Saisissez un montant en euros"),
        ({"labels": ["bio", "magique"]}, "Choix invalide."),
        ({"kind": "autre"}, "N'est pas un choix valide."),
    ],
)
def test_create_offer_refusals_write_nothing(client, db, login_as, tree, vendor, owner, overrides, field_message):
    db.session.commit()
    login_as(owner)
    response = client.post(
        f"/espace-fournisseur/{vendor.id}/offres/nouvelle", data=offer_form(tree["jams"].id, **overrides)
    )
    body = html.unescape(response.get_data(as_text=True))
    assert response.status_code == 422
    assert "Le formulaire contient des erreurs" in body
    assert field_message in body
    assert _offers(db) == []


def test_service_has_no_stock_and_quote_only_needs_no_fulfilment(client, db, login_as, tree, vendor, owner):
    login_as(owner)
    data = offer_form(
        tree["drinks"].id, kind="service", title="Atelier dégustation", unit="hour", stock="5",
        channels="b2b", pickup=None, delivery=None, pickup_hours="",
    )
    assert client.post(f"/espace-fournisseur/{vendor.id}/offres/nouvelle", data=data).status_code == 302
    [offer] = _offers(db)
    assert offer.kind is OfferKind.SERVICE and offer.stock is None and offer.channels is Channels.B2B


def test_empty_stock_means_unlimited(client, db, login_as, tree, vendor, owner):
    login_as(owner)
    client.post(f"/espace-fournisseur/{vendor.id}/offres/nouvelle", data=offer_form(tree["jams"].id, stock=""))
    [offer] = _offers(db)
    assert offer.stock is None and offer.unlimited_stock


def test_description_is_sanitised(client, db, login_as, tree, vendor, owner):
    login_as(owner)
    text = '<script>alert(1)</script> **Bon** [lien](javascript:alert(1)) [site](https://exemple.fr) <img src=x onerror=alert(1)>'
    client.post(f"/espace-fournisseur/{vendor.id}/offres/nouvelle", data=offer_form(tree["jams"].id, description=text))
    [offer] = _offers(db)
    assert "<script" not in offer.description_html and "<img" not in offer.description_html
    assert "javascript:" not in offer.description_html.replace("[lien](javascript:alert(1))", "")
    assert "<strong>Bon</strong>" in offer.description_html
    assert '<a href="https://exemple.fr" rel="nofollow noopener noreferrer">site</a>' in offer.description_html
    assert offer.description_text == text


def test_edit_offer(client, db, login_as, tree, vendor, owner):
    offer = OfferFactory(vendor=vendor, category=tree["jams"], price_cents=500, stock=3)
    db.session.commit()
    login_as(owner)
    page = client.get(f"/espace-fournisseur/{vendor.id}/offres/{offer.id}").get_data(as_text=True)
    assert 'value="5,00"' in page and 'value="3"' in page
    response = client.post(
        f"/espace-fournisseur/{vendor.id}/offres/{offer.id}",
        data=offer_form(tree["food"].id, title="Confiture extra", price="7,20", stock="40", labels=["equitable"]),
    )
    assert response.status_code == 302
    db.session.refresh(offer)
    assert (offer.title, offer.price_cents, offer.stock, offer.category_id) == ("Confiture extra", 720, 40, tree["food"].id)
    assert offer.labels == [Label.EQUITABLE]
    event = events_for(offer)[-1]
    assert event.action == "offer.updated"
    assert event.data["changes"]["price_cents"] == [500, 720]


def test_publish_unpublish_archive(client, db, login_as, tree, vendor, owner):
    freeze(dt.datetime(2026, 5, 4, 8, 0, tzinfo=dt.UTC))
    offer = OfferFactory(vendor=vendor, category=tree["jams"], draft=True)
    db.session.commit()
    login_as(owner)
    base = f"/espace-fournisseur/{vendor.id}/offres/{offer.id}"

    assert client.post(f"{base}/publier").status_code == 302
    db.session.refresh(offer)
    assert offer.status is OfferStatus.PUBLISHED
    assert offer.published_at.isoformat() == "2026-05-04T08:00:00+00:00"

    client.post(f"{base}/retirer")
    db.session.refresh(offer)
    assert offer.status is OfferStatus.UNPUBLISHED

    confirm = client.get(f"{base}/archiver")
    assert confirm.status_code == 200 and "Archiver définitivement" in confirm.get_data(as_text=True)
    db.session.refresh(offer)
    assert offer.status is OfferStatus.UNPUBLISHED  # GET only asks for confirmation

    client.post(f"{base}/archiver")
    db.session.refresh(offer)
    assert offer.status is OfferStatus.ARCHIVED
    assert [(e.action, e.before, e.after) for e in events_for(offer)] == [
        ("offer.published", "draft", "published"),
        ("offer.unpublished", "published", "unpublished"),
        ("offer.archived", "unpublished", "archived"),
    ]

    # archived is final
    response = client.post(f"{base}/publier", follow_redirects=True)
    assert "Une offre archivée ne peut plus être mise en ligne." in response.get_data(as_text=True)
    response = client.post(base, data=offer_form(tree["jams"].id), follow_redirects=True)
    assert "Une offre archivée ne peut plus être modifiée." in response.get_data(as_text=True)
    db.session.refresh(offer)
    assert offer.status is OfferStatus.ARCHIVED and len(events_for(offer)) == 3


def test_illegal_transitions_are_refused(client, db, login_as, tree, vendor, owner):
    offer = OfferFactory(vendor=vendor, category=tree["jams"], draft=True)
    db.session.commit()
    login_as(owner)
    response = client.post(f"/espace-fournisseur/{vendor.id}/offres/{offer.id}/retirer", follow_redirects=True)
    assert "Seule une offre en ligne peut être retirée de la vente." in response.get_data(as_text=True)
    db.session.refresh(offer)
    assert offer.status is OfferStatus.DRAFT and events_for(offer) == []


def test_a_vendor_not_approved_cannot_publish(client, db, login_as, tree):
    user = UserFactory()
    vendor = VendorFactory(candidate=True)
    VendorMembershipFactory(user=user, vendor=vendor, role=MemberRole.STAFF)
    offer = OfferFactory(vendor=vendor, category=tree["jams"], draft=True)
    db.session.commit()
    login_as(user)
    page = client.get(f"/espace-fournisseur/{vendor.id}/offres").get_data(as_text=True)
    assert "n&#39;est pas agréée actuellement" in page or "n'est pas agréée actuellement" in page
    response = client.post(f"/espace-fournisseur/{vendor.id}/offres/{offer.id}/publier", follow_redirects=True)
    assert "doit être agréée par le comité d&#39;éthique" in response.get_data(as_text=True) or \
        "doit être agréée par le comité d'éthique" in response.get_data(as_text=True)
    db.session.refresh(offer)
    assert offer.status is OfferStatus.DRAFT


def test_other_vendors_offers_are_404(client, db, login_as, tree, vendor, owner):
    other = VendorFactory()
    theirs = OfferFactory(vendor=other, category=tree["jams"], price_cents=999)
    mine = OfferFactory(vendor=vendor, category=tree["jams"])
    db.session.commit()
    login_as(owner)
    assert client.get(f"/espace-fournisseur/{other.id}/offres").status_code == 404
    assert client.get(f"/espace-fournisseur/{other.id}/offres/{theirs.id}").status_code == 404
    # an offer of another vendor through my own vendor's URL
    assert client.get(f"/espace-fournisseur/{vendor.id}/offres/{theirs.id}").status_code == 404
    assert client.post(
        f"/espace-fournisseur/{vendor.id}/offres/{theirs.id}", data=offer_form(tree["jams"].id, price="1")
    ).status_code == 404
    assert client.post(f"/espace-fournisseur/{other.id}/offres/{theirs.id}/retirer").status_code == 404
    assert client.post(f"/espace-fournisseur/{vendor.id}/offres/{theirs.id}/archiver").status_code == 404
    db.session.refresh(theirs)
    assert theirs.price_cents == 999 and theirs.status is OfferStatus.PUBLISHED
    assert client.get(f"/espace-fournisseur/{vendor.id}/offres/{mine.id}").status_code == 200


def test_consumers_get_403_and_anonymous_the_login_page(client, db, login_as, vendor):
    consumer = UserFactory()
    db.session.commit()
    assert "/compte/connexion" in client.get(f"/espace-fournisseur/{vendor.id}/offres").headers["Location"]
    login_as(consumer)
    assert client.get(f"/espace-fournisseur/{vendor.id}/offres").status_code == 403


def test_admin_may_manage_any_vendor_offers(client, db, login_as, tree, vendor):
    offer = OfferFactory(vendor=vendor, category=tree["jams"], draft=True)
    admin = UserFactory(admin=True)
    db.session.commit()
    login_as(admin)
    assert client.post(f"/espace-fournisseur/{vendor.id}/offres/{offer.id}/publier").status_code == 302
    db.session.refresh(offer)
    assert offer.status is OfferStatus.PUBLISHED
    assert events_for(offer)[-1].actor_id == admin.id


def test_vendor_offer_list_and_status_tabs(client, db, login_as, tree, vendor, owner):
    OfferFactory(vendor=vendor, category=tree["jams"], title="Miel en ligne")
    OfferFactory(vendor=vendor, category=tree["jams"], title="Sirop brouillon", draft=True)
    OfferFactory(vendor=vendor, category=tree["jams"], title="Vieux pot archivé", status=OfferStatus.ARCHIVED)
    OfferFactory(category=tree["jams"], title="Offre d'une autre structure")
    db.session.commit()
    login_as(owner)
    body = client.get(f"/espace-fournisseur/{vendor.id}/offres").get_data(as_text=True)
    assert "Miel en ligne" in body and "Sirop brouillon" in body
    assert "Vieux pot archivé" not in body and "autre structure" not in body
    archived = client.get(f"/espace-fournisseur/{vendor.id}/offres?statut=archived").get_data(as_text=True)
    assert "Vieux pot archivé" in archived and "Miel en ligne" not in archived
    assert client.get(f"/espace-fournisseur/{vendor.id}/offres?statut=nimportequoi&page=abc").status_code == 200


def test_empty_state(client, db, login_as, vendor, owner):
    db.session.commit()
    login_as(owner)
    body = client.get(f"/espace-fournisseur/{vendor.id}/offres").get_data(as_text=True)
    assert "Créer ma première offre" in body


def test_dashboard_links_to_offers(client, db, login_as, vendor, owner):
    db.session.commit()
    login_as(owner)
    body = client.get("/espace-fournisseur").get_data(as_text=True)
    assert f"/espace-fournisseur/{vendor.id}/offres" in body


def test_forms_need_a_csrf_token(csrf_app, client, db, login_as, tree, vendor, owner):
    offer = OfferFactory(vendor=vendor, category=tree["jams"], draft=True)
    db.session.commit()
    login_as(owner)
    assert client.post(f"/espace-fournisseur/{vendor.id}/offres/{offer.id}/publier").status_code == 400
    db.session.refresh(offer)
    assert offer.status is OfferStatus.DRAFT


def test_saving_the_form_does_not_bring_back_units_sold_meanwhile(client, db, login_as, tree, vendor, owner):
    offer = OfferFactory(vendor=vendor, category=tree["jams"], stock=12)
    db.session.commit()
    login_as(owner)
    page = client.get(f"/espace-fournisseur/{vendor.id}/offres/{offer.id}").get_data(as_text=True)
    assert re.search(r'<input[^>]*name="stock_seen"[^>]*value="12"', page)
    offer.stock = 9  # three units reserved by buyers while the form is open
    db.session.commit()

    form = offer_form(tree["jams"].id, title="Confiture renommée", stock="12", stock_seen="12")
    client.post(f"/espace-fournisseur/{vendor.id}/offres/{offer.id}", data=form)
    db.session.refresh(offer)
    assert (offer.title, offer.stock) == ("Confiture renommée", 9)

    form = offer_form(tree["jams"].id, stock="40", stock_seen="9")
    client.post(f"/espace-fournisseur/{vendor.id}/offres/{offer.id}", data=form)
    db.session.refresh(offer)
    assert offer.stock == 40
