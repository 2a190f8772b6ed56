"""Offer photos: validated by content, resized, thumbnailed, stored under UPLOAD_DIR, served by a route."""
from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest
from PIL import Image

from marketplace.catalogue import images
from marketplace.catalogue.models import OfferImage, OfferStatus
from marketplace.core.audit import events_for
from marketplace.vendors.models import VendorStatus
from tests.catalogue.conftest import image_bytes
from tests.factories import OfferFactory, VendorMembershipFactory


@pytest.fixture
def offer(db, tree, vendor):
    return OfferFactory(vendor=vendor, category=tree["jams"])


def _upload(client, vendor, offer, data: bytes, filename="photo.png", alt="Pot de confiture"):
    return client.post(
        f"/espace-fournisseur/{vendor.id}/offres/{offer.id}/photos",
        data={"image": (io.BytesIO(data), filename), "alt_text": alt},
        content_type="multipart/form-data",
    )


def _folder(app) -> Path:
    return Path(app.config["UPLOAD_DIR"]) / "offers"


def test_upload_resizes_and_makes_a_thumbnail(app, client, db, login_as, vendor, owner, offer):
    db.session.commit()
    login_as(owner)
    response = _upload(client, vendor, offer, image_bytes((3200, 2400), "PNG"))
    assert response.status_code == 302
    db.session.refresh(offer)
    [image] = offer.images
    assert (image.width, image.height) == (1600, 1200)
    assert image.alt_text == "Pot de confiture" and image.position == 0
    large = _folder(app) / image.storage_name
    thumb = _folder(app) / image.thumb_name
    with Image.open(large) as stored:
        assert stored.format == "JPEG" and stored.size == (1600, 1200)
    with Image.open(thumb) as stored:
        assert stored.format == "JPEG" and stored.size == (480, 360)
    assert events_for(offer)[-1].action == "offer.image_added"

    served = client.get(f"/catalogue/photos/{image.thumb_name}")
    assert served.status_code == 200
    assert served.mimetype == "image/jpeg"
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    assert served.data == thumb.read_bytes()
    page = client.get(f"/offres/{offer.id}-{offer.slug}").get_data(as_text=True)
    assert f"/catalogue/photos/{image.storage_name}" in page
    [raw] = re.findall(r'<script type="application/ld\+json">(.*?)</script>', page, re.S)
    assert json.loads(raw)["image"] == [f"http://localhost/catalogue/photos/{image.storage_name}"]


def test_transparent_webp_and_small_jpeg_accepted(client, db, login_as, vendor, owner, offer):
    db.session.commit()
    login_as(owner)
    assert _upload(client, vendor, offer, image_bytes((400, 300), "WEBP", (0, 0, 0, 0), "RGBA"), "a.webp").status_code == 302
    assert _upload(client, vendor, offer, image_bytes((300, 300), "JPEG"), "b.jpg").status_code == 302
    db.session.refresh(offer)
    assert [(i.width, i.height, i.position) for i in offer.images] == [(400, 300, 0), (300, 300, 1)]


@pytest.mark.parametrize(
    "data, filename, message",
    [
        (b"<?php echo 'hello'; ?>", "photo.jpg", "n'est pas une photo JPEG, PNG ou WebP valide"),
        (b"%PDF-1.4\n%%EOF\n", "photo.png", "n'est pas une photo JPEG, PNG ou WebP valide"),
        (image_bytes((400, 300), "GIF"), "photo.gif", "n'est pas une photo JPEG, PNG ou WebP valide"),
        (image_bytes((400, 300), "PNG")[:60], "tronquee.png", "n'est pas une photo JPEG, PNG ou WebP valide"),
        (image_bytes((120, 90), "PNG"), "petite.png", "au moins 200 pixels de côté"),
        (b"", "vide.png", "Le fichier est vide."),
    ],
)
def test_bad_files_are_refused(app, client, db, login_as, vendor, owner, offer, data, filename, message):
    db.session.commit()
    login_as(owner)
    before = set(_folder(app).glob("*")) if _folder(app).exists() else set()
    response = _upload(client, vendor, offer, data, filename)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True).replace("&#39;", "'")
    db.session.refresh(offer)
    assert offer.images == []
    after = set(_folder(app).glob("*")) if _folder(app).exists() else set()
    assert after == before


def test_too_large_file_refused(client, db, login_as, vendor, owner, offer, monkeypatch):
    monkeypatch.setattr(images, "MAX_UPLOAD_BYTES", 1000)
    db.session.commit()
    login_as(owner)
    response = _upload(client, vendor, offer, image_bytes((800, 600), "PNG", (10, 20, 30)) + b"\0" * 2000)
    assert response.status_code == 422
    assert "8 Mo" in response.get_data(as_text=True)


def test_at_most_six_photos(client, db, login_as, vendor, owner, offer):
    for n in range(images.MAX_IMAGES):
        db.session.add(OfferImage(offer=offer, storage_name=f"x{n}.jpg", thumb_name=f"x{n}-t.jpg", width=1, height=1, position=n))
    db.session.commit()
    login_as(owner)
    response = _upload(client, vendor, offer, image_bytes())
    assert response.status_code == 422
    assert "6 photos au maximum" in response.get_data(as_text=True)


def test_main_photo_and_delete_with_confirmation(app, client, db, login_as, vendor, owner, offer):
    db.session.commit()
    login_as(owner)
    _upload(client, vendor, offer, image_bytes(color=(255, 0, 0)))
    _upload(client, vendor, offer, image_bytes(color=(0, 0, 255)))
    db.session.refresh(offer)
    first, second = offer.images
    base = f"/espace-fournisseur/{vendor.id}/offres/{offer.id}/photos"

    assert client.post(f"{base}/{second.id}/principale").status_code == 302
    db.session.refresh(offer)
    assert [img.id for img in offer.images] == [second.id, first.id]

    confirm = client.get(f"{base}/{second.id}/supprimer")
    assert confirm.status_code == 200 and "Cette action est définitive" in confirm.get_data(as_text=True)
    assert (_folder(app) / second.storage_name).exists()

    assert client.post(f"{base}/{second.id}/supprimer").status_code == 302
    db.session.expire_all()
    assert [img.id for img in offer.images] == [first.id]
    assert offer.images[0].position == 0
    assert not (_folder(app) / second.storage_name).exists()
    assert not (_folder(app) / second.thumb_name).exists()
    assert client.get(f"/catalogue/photos/{second.thumb_name}").status_code == 404


def test_photos_of_hidden_offers_are_not_served(app, client, db, login_as, vendor, owner, offer):
    db.session.commit()
    login_as(owner)
    _upload(client, vendor, offer, image_bytes())
    db.session.refresh(offer)
    name = offer.images[0].thumb_name
    login_as(None)
    assert client.get(f"/catalogue/photos/{name}").status_code == 200
    offer.vendor.status = VendorStatus.SUSPENDED
    db.session.commit()
    assert client.get(f"/catalogue/photos/{name}").status_code == 404
    login_as(owner)
    assert client.get(f"/catalogue/photos/{name}").status_code == 200  # members still see their own


@pytest.mark.parametrize("name", ["inconnu.jpg", "..%2F..%2Fsecret", "%2Fetc%2Fpasswd"])
def test_unknown_or_traversal_names_are_404(client, db, name):
    assert client.get(f"/catalogue/photos/{name}").status_code == 404


def test_another_vendor_cannot_touch_photos(client, db, login_as, vendor, owner, offer):
    db.session.add(OfferImage(offer=offer, storage_name="a.jpg", thumb_name="a-t.jpg", width=1, height=1))
    stranger = VendorMembershipFactory().user
    db.session.commit()
    image = offer.images[0]
    login_as(stranger)
    base = f"/espace-fournisseur/{vendor.id}/offres/{offer.id}/photos"
    assert client.get(base).status_code == 404
    assert _upload(client, vendor, offer, image_bytes()).status_code == 404
    assert client.post(f"{base}/{image.id}/supprimer").status_code == 404
    db.session.refresh(offer)
    assert len(offer.images) == 1


def test_archived_offer_photos_cannot_change(client, db, login_as, vendor, owner, offer):
    offer.status = OfferStatus.ARCHIVED
    db.session.commit()
    login_as(owner)
    response = _upload(client, vendor, offer, image_bytes())
    assert response.status_code == 422
    assert "archivée ne peut plus être modifiée" in response.get_data(as_text=True)


def test_posting_without_a_file(client, db, login_as, vendor, owner, offer):
    db.session.commit()
    login_as(owner)
    response = client.post(
        f"/espace-fournisseur/{vendor.id}/offres/{offer.id}/photos", data={"alt_text": "x"},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert "Choisissez une photo à envoyer." in response.get_data(as_text=True)
