"""Only published offers of approved structures are visible or buyable."""
from __future__ import annotations

import pytest

from marketplace.catalogue import services
from marketplace.catalogue.models import Channels, OfferStatus
from marketplace.catalogue.services import OfferUnavailable
from marketplace.vendors.models import VendorStatus
from tests.factories import OfferFactory, UserFactory, VendorFactory, VendorMembershipFactory


def _visible_ids(db):
    return set(db.session.scalars(services.visible_offers_query().with_only_columns(services.Offer.id)))


def test_visible_offers_are_published_offers_of_approved_vendors(db, tree):
    shown = OfferFactory(category=tree["jams"])
    draft = OfferFactory(category=tree["jams"], draft=True)
    unpublished = OfferFactory(category=tree["jams"], status=OfferStatus.UNPUBLISHED)
    archived = OfferFactory(category=tree["jams"], status=OfferStatus.ARCHIVED)
    candidate = OfferFactory(category=tree["jams"], vendor=VendorFactory(candidate=True))
    expired = OfferFactory(category=tree["jams"], vendor=VendorFactory(status=VendorStatus.EXPIRED))
    ids = _visible_ids(db)
    assert shown.id in ids
    assert not ids & {draft.id, unpublished.id, archived.id, candidate.id, expired.id}


def test_suspending_a_vendor_hides_its_offers_at_once(client, db, tree):
    offer = OfferFactory(category=tree["jams"], title="Miel de sapin")
    db.session.commit()
    assert client.get(services.offer_url(offer)).status_code == 200
    assert "Miel de sapin" in client.get("/catalogue/alimentation").get_data(as_text=True)

    offer.vendor.status = VendorStatus.SUSPENDED
    db.session.commit()

    assert offer.id not in _visible_ids(db)
    assert client.get(services.offer_url(offer)).status_code == 404
    assert "Miel de sapin" not in client.get("/catalogue/alimentation").get_data(as_text=True)
    assert "Miel de sapin" not in client.get("/").get_data(as_text=True)
    with pytest.raises(OfferUnavailable, match="n'est pas en mesure de vendre"):
        services.get_buyable_offer(offer.id)


def test_get_buyable_offer(db, tree):
    offer = OfferFactory(category=tree["jams"], channels=Channels.BOTH)
    assert services.get_buyable_offer(offer.id) is offer
    assert services.get_buyable_offer(str(offer.id)) is offer


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"channels": Channels.B2B}, "sur devis"),
        ({"status": OfferStatus.UNPUBLISHED}, "n'est plus en vente"),
        ({"status": OfferStatus.ARCHIVED}, "n'est plus en vente"),
        ({"draft": True}, "n'est plus en vente"),
    ],
)
def test_get_buyable_offer_refusals(db, tree, overrides, message):
    offer = OfferFactory(category=tree["jams"], **overrides)
    with pytest.raises(OfferUnavailable, match=message):
        services.get_buyable_offer(offer.id)


@pytest.mark.parametrize("bad_id", [999_999, "abc", None])
def test_get_buyable_offer_unknown(db, bad_id):
    with pytest.raises(OfferUnavailable, match="n'existe pas"):
        services.get_buyable_offer(bad_id)


def test_members_preview_their_unpublished_offer_others_get_404(client, db, login_as, tree, vendor, owner):
    offer = OfferFactory(category=tree["jams"], vendor=vendor, draft=True, title="Sirop de sureau")
    stranger = VendorMembershipFactory().user
    db.session.commit()
    url = services.offer_url(offer)
    assert client.get(url).status_code == 404
    login_as(stranger)
    assert client.get(url).status_code == 404
    login_as(owner)
    response = client.get(url)
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Aperçu : cette offre n'est pas visible du public (statut : Brouillon)" in body
    assert "application/ld+json" not in body


def test_offer_url_redirects_to_canonical_slug(client, db, tree):
    offer = OfferFactory(category=tree["jams"])
    db.session.commit()
    response = client.get(f"/offres/{offer.id}-mauvais-titre")
    assert response.status_code == 301
    assert response.headers["Location"].endswith(f"/offres/{offer.id}-{offer.slug}")
    assert client.get(f"/offres/{offer.id}").status_code == 301


def test_is_own_offer(db, tree, vendor, owner):
    from marketplace.catalogue.permissions import is_own_offer

    offer = OfferFactory(category=tree["jams"], vendor=vendor)
    assert is_own_offer(owner, offer)
    assert not is_own_offer(UserFactory(), offer)
