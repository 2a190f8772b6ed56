"""Fixtures of the catalogue tests: a small category tree, a vendor and its owner, images."""
from __future__ import annotations

import io

import pytest
from PIL import Image

from marketplace.vendors.models import MemberRole
from tests.factories import CategoryFactory, UserFactory, VendorFactory, VendorMembershipFactory


def image_bytes(size=(800, 600), fmt="PNG", color=(200, 60, 30), mode="RGB") -> bytes:
    buffer = io.BytesIO()
    Image.new(mode, size, color).save(buffer, format=fmt)
    return buffer.getvalue()


def offer_form(category: int, **overrides) -> dict:
    data = {
        "kind": "product",
        "title": "Confiture d'abricots",
        "category_id": str(category),
        "description": "Abricots du Roussillon.\n\n- pot de 340 g\n- 60 % de fruits",
        "price": "6,50",
        "vat_rate_bp": "550",
        "unit": "piece",
        "stock": "12",
        "channels": "b2c",
        "labels": ["bio", "local"],
        "pickup": "y",
        "pickup_hours": "Samedi de 9 h à 12 h",
        "delivery": "y",
        "delivery_fee": "4,90",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


@pytest.fixture
def tree(db):
    food = CategoryFactory(name="Alimentation", slug="alimentation", position=0)
    jams = CategoryFactory(name="Confitures", slug="confitures", parent=food, position=0)
    drinks = CategoryFactory(name="Boissons", slug="boissons", position=1)
    return {"food": food, "jams": jams, "drinks": drinks}


@pytest.fixture
def owner(db):
    return UserFactory(email="responsable@cooperative.fr")


@pytest.fixture
def vendor(db, owner):
    vendor = VendorFactory(name="Le Panier des Cimes", slug="le-panier-des-cimes")
    VendorMembershipFactory(user=owner, vendor=vendor, role=MemberRole.OWNER)
    return vendor
