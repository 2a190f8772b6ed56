"""Shop fixtures: two approved vendors with offers, a consumer, and helpers."""
from __future__ import annotations

from dataclasses import dataclass

import pytest

from marketplace.shop import cart as carts
from marketplace.shop import checkout as checkouts
from tests.factories import OfferFactory, UserFactory, VendorMembershipFactory


@dataclass
class World:
    consumer: object
    owner_a: object
    owner_b: object
    vendor_a: object
    vendor_b: object
    jam: object  # vendor A, 6.50 € at 5.5 %, stock 10, pickup + delivery 5.90 €
    honey: object  # vendor A, 12.00 € at 5.5 %, stock 3, pickup + delivery 7.50 €
    soap: object  # vendor B, 4.80 € at 20 %, unlimited stock, pickup only


@pytest.fixture
def world(db):
    owner_a = VendorMembershipFactory(vendor__name="Les Confitures de Belledonne").user
    owner_b = VendorMembershipFactory(vendor__name="Savonnerie du Vercors").user
    vendor_a = owner_a.vendor_memberships[0].vendor
    vendor_b = owner_b.vendor_memberships[0].vendor
    jam = OfferFactory(vendor=vendor_a, title="Confiture de myrtilles", price_cents=650, vat_rate_bp=550,
                       stock=10, delivery=True, delivery_fee_cents=590)
    honey = OfferFactory(vendor=vendor_a, title="Miel de montagne 500 g", price_cents=1200, vat_rate_bp=550,
                         stock=3, delivery=True, delivery_fee_cents=750)
    soap = OfferFactory(vendor=vendor_b, title="Savon au lait d'ânesse", price_cents=480, vat_rate_bp=2000,
                        stock=None, delivery=False, delivery_fee_cents=0)
    consumer = UserFactory(display_name="Camille Martin", email="camille@exemple.fr")
    db.session.commit()  # views roll back on refusals: the fixture's rows must survive them
    return World(consumer, owner_a, owner_b, vendor_a, vendor_b, jam, honey, soap)


def details(**overrides) -> checkouts.CheckoutDetails:
    values = dict(
        contact_name="Camille Martin",
        contact_email="camille@exemple.fr",
        address_line="3 place du Marché",
        postal_code="38000",
        city="Grenoble",
    )
    values.update(overrides)
    return checkouts.CheckoutDetails(**values)


def fill_cart(user, *items):
    """``items``: (offer, quantity) pairs."""
    cart = carts.cart_for_user(user, create=True)
    for offer, quantity in items:
        carts.add_to_cart(cart, offer.id, quantity, user=user)
    return cart


def place_order(user, *items, **detail_overrides):
    cart = fill_cart(user, *items)
    fulfilment = detail_overrides.pop("fulfilment", {})
    return checkouts.create_order(user, cart, details(fulfilment=fulfilment, **detail_overrides))
