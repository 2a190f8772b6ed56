"""The demo catalogue: the category tree and at least 200 realistic offers."""
from __future__ import annotations

import datetime as dt
from collections import Counter

import sqlalchemy as sa

from marketplace.catalogue import markup, services
from marketplace.catalogue.models import (
    VAT_RATES_BP,
    Category,
    Channels,
    Offer,
    OfferKind,
    OfferStatus,
)
from marketplace.core import clock
from marketplace.vendors.models import Vendor, VendorStatus

NOW = dt.datetime(2026, 3, 2, 10, 30, tzinfo=dt.UTC)


def test_seed_demo_loads_the_catalogue(app, db):
    clock.freeze(NOW)
    result = app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output

    roots = {c.slug for c in db.session.scalars(sa.select(Category).where(Category.parent_id.is_(None)))}
    assert {"alimentation", "boissons", "hygiene-beaute", "maison", "textile", "reemploi", "energie", "mobilite",
            "services-entreprises", "traiteur-restauration", "nettoyage", "espaces-verts", "impression",
            "informatique-reconditionnee", "voyages-solidaires"} <= roots

    offers = list(db.session.scalars(sa.select(Offer)))
    assert len(offers) >= 200
    vendors = Counter(o.vendor_id for o in offers)
    approved = set(db.session.scalars(sa.select(Vendor.id).where(Vendor.status == VendorStatus.APPROVED)))
    assert len(vendors) >= 30 and set(vendors) <= approved
    visible = db.session.scalar(sa.select(sa.func.count()).select_from(services.visible_offers_query().subquery()))
    assert visible >= 180
    assert {o.status for o in offers} >= {OfferStatus.PUBLISHED, OfferStatus.DRAFT, OfferStatus.UNPUBLISHED}
    assert {o.kind for o in offers} == {OfferKind.PRODUCT, OfferKind.SERVICE}
    assert {o.channels for o in offers} == set(Channels)
    for offer in offers:
        assert offer.price_cents > 0 and offer.vat_rate_bp in VAT_RATES_BP
        assert offer.description_html == markup.render(offer.description_text)
        if offer.channels.sold_online:
            assert offer.pickup or offer.delivery
            assert not offer.pickup or offer.pickup_hours
        if offer.kind is OfferKind.SERVICE:
            assert offer.stock is None
        assert (offer.status is OfferStatus.DRAFT) == (offer.published_at is None)
    titles = {o.title for o in offers}
    for expected in ("Confiture de myrtilles sauvages", "Café équitable du Pérou en grains",
                     "Vélo de ville reconditionné", "Ordinateur portable reconditionné 14 pouces",
                     "Savon à la lavande saponifié à froid", "Ménage à domicile", "Plateau-repas du jour",
                     "Entretien d'espaces verts (équipe ESAT)", "Séjour solidaire au Sénégal (12 jours)"):
        assert expected in titles
    assert sum(1 for o in offers if o.labels) >= 180

    again = app.test_cli_runner().invoke(args=["seed-demo"])
    assert again.exit_code == 0 and "nothing to create" in again.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Offer)) == len(offers)
