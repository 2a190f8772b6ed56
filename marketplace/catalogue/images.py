"""Offer photos: judged by their content, resized, thumbnailed, stored under UPLOAD_DIR.

An upload is accepted only if Pillow recognises a JPEG, PNG or WebP image of
a sensible size; it is re-encoded (which also drops EXIF and any payload
appended to the file) to a JPEG of at most 1600 px and a 480×360 thumbnail,
both under random names in ``UPLOAD_DIR/offers``.
"""
from __future__ import annotations

import io
import secrets
from pathlib import Path

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError
from sqlalchemy import event
from sqlalchemy.orm import Session

from marketplace.catalogue.models import Offer, OfferImage, OfferStatus
from marketplace.catalogue.permissions import can_edit_offer, can_view_offer
from marketplace.catalogue.services import (
    CatalogueError,
    FieldError,
    OfferNotFound,
    TransitionError,
    offer_changed,
)
from marketplace.core.audit import record_event
from marketplace.core.unit_of_work import after_commit
from marketplace.core.uploads import (
    ACTIVE_CONTENT_MESSAGE,
    UNSAFE_FILENAME_MESSAGE,
    has_active_content,
    is_safe_filename,
)
from marketplace.extensions import db

MAX_UPLOAD_BYTES = 8 * 1024 * 1024
MAX_SOURCE_PIXELS = 40_000_000
MIN_SIDE = 200
MAX_SIDE = 1600
THUMB_SIZE = (480, 360)
MAX_IMAGES = 6
ACCEPTED_FORMATS = {"JPEG", "PNG", "WEBP"}
SUBDIR = "offers"


def _dir() -> Path:
    path = Path(current_app.config["UPLOAD_DIR"]) / SUBDIR
    path.mkdir(parents=True, exist_ok=True)
    return path


def image_path(name: str) -> Path | None:
    """The file of a stored image or thumbnail, or None (never outside the folder)."""
    safe = Path(name).name
    if safe != name or not safe:
        return None
    path = _dir() / safe
    return path if path.is_file() else None


def _read(file_storage) -> bytes:
    if file_storage is None or not getattr(file_storage, "filename", None):
        raise FieldError("image", _("Choisissez une photo à envoyer."))
    if not is_safe_filename(file_storage.filename):
        raise FieldError("image", str(UNSAFE_FILENAME_MESSAGE))
    stream = getattr(file_storage, "stream", file_storage)
    data = stream.read(MAX_UPLOAD_BYTES + 1)
    if len(data) > MAX_UPLOAD_BYTES:
        raise FieldError("image", _("La photo dépasse la taille maximale de 8 Mo."))
    if not data:
        raise FieldError("image", _("Le fichier est vide."))
    return data


def _open(data: bytes) -> Image.Image:
    """The decoded image, or FieldError if the bytes are not an accepted picture."""
    refused = FieldError("image", _("Le fichier n'est pas une photo JPEG, PNG ou WebP valide."))
    try:
        with Image.open(io.BytesIO(data)) as probe:
            if probe.format not in ACCEPTED_FORMATS:
                raise refused
            width, height = probe.size
            if width * height > MAX_SOURCE_PIXELS:
                raise FieldError("image", _("La photo est trop grande (40 mégapixels au maximum)."))
            probe.verify()
        image = Image.open(io.BytesIO(data))
        image.load()
    except CatalogueError:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise refused from None
    image = ImageOps.exif_transpose(image)
    if min(image.size) < MIN_SIDE:
        raise FieldError(
            "image", _("La photo est trop petite : au moins %(n)s pixels de côté.", n=MIN_SIDE)
        )
    if image.mode in ("RGBA", "LA", "P"):
        image = image.convert("RGBA")
        background = Image.new("RGB", image.size, (255, 255, 255))
        background.paste(image, mask=image.getchannel("A"))
        image = background
    elif image.mode != "RGB":
        image = image.convert("RGB")
    return image


def _jpeg(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=85, optimize=True, progressive=True)
    return buffer.getvalue()


def process(data: bytes) -> tuple[bytes, bytes, int, int]:
    """(large JPEG, thumbnail JPEG, width, height) from uploaded bytes."""
    image = _open(data)
    large = image.copy()
    large.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
    thumb = ImageOps.fit(image, THUMB_SIZE, Image.Resampling.LANCZOS)
    return _jpeg(large), _jpeg(thumb), large.width, large.height


def _check_editable(offer: Offer, actor) -> None:
    if actor is not None and not can_edit_offer(actor, offer):
        raise OfferNotFound(_("Cette offre n'existe pas."))
    if offer.status is OfferStatus.ARCHIVED:
        raise TransitionError(_("Une offre archivée ne peut plus être modifiée."))


def add_image(offer: Offer, actor, file_storage, alt_text: str | None = None) -> OfferImage:
    """Validate, resize and store a photo of the offer (the first one becomes the main photo)."""
    _check_editable(offer, actor)
    if len(offer.images) >= MAX_IMAGES:
        raise FieldError("image", _("Une offre peut avoir %(n)s photos au maximum.", n=MAX_IMAGES))
    data = _read(file_storage)
    large, thumb, width, height = process(data)
    if has_active_content(data):  # a valid picture followed by markup or script: a polyglot
        raise FieldError("image", str(ACTIVE_CONTENT_MESSAGE))
    token = secrets.token_hex(16)
    storage_name, thumb_name = f"{token}.jpg", f"{token}-vignette.jpg"
    folder = _dir()
    (folder / storage_name).write_bytes(large)
    (folder / thumb_name).write_bytes(thumb)
    position = max((img.position for img in offer.images), default=-1) + 1
    image = OfferImage(
        storage_name=storage_name,
        thumb_name=thumb_name,
        width=width,
        height=height,
        position=position,
        alt_text=(alt_text or "").strip()[:200] or None,
    )
    offer.images.append(image)
    db.session.flush()
    _remove_on_rollback([folder / storage_name, folder / thumb_name])
    record_event(actor, offer, "offer.image_added", data={"image_id": image.id, "width": width, "height": height})
    offer_changed(offer)
    return image


_WRITTEN = "catalogue_written_files"


def _remove_on_rollback(paths: list[Path]) -> None:
    """Files written for a transaction that does not commit are removed."""
    db.session().info.setdefault(_WRITTEN, []).extend(paths)


@event.listens_for(Session, "after_commit")
def _keep_written(session: Session) -> None:
    session.info.pop(_WRITTEN, None)


@event.listens_for(Session, "after_soft_rollback")
def _remove_written(session: Session, previous_transaction) -> None:
    if previous_transaction.parent is None:
        for path in session.info.pop(_WRITTEN, []):
            path.unlink(missing_ok=True)


def managed_image(offer: Offer, image_id: int) -> OfferImage:
    for image in offer.images:
        if image.id == image_id:
            return image
    raise OfferNotFound(_("Cette photo n'existe pas."))


def delete_image(offer: Offer, actor, image: OfferImage) -> None:
    _check_editable(offer, actor)
    if image.offer_id != offer.id:
        raise OfferNotFound(_("Cette photo n'existe pas."))
    names = [image.storage_name, image.thumb_name]
    offer.images.remove(image)
    for position, remaining in enumerate(offer.images):
        remaining.position = position
    db.session.flush()
    record_event(actor, offer, "offer.image_deleted", data={"image_id": image.id})
    folder = _dir()
    after_commit(db.session(), lambda: [(folder / name).unlink(missing_ok=True) for name in names])
    offer_changed(offer)


def make_main_image(offer: Offer, actor, image: OfferImage) -> None:
    """Move a photo first (the one shown on cards)."""
    _check_editable(offer, actor)
    if image.offer_id != offer.id:
        raise OfferNotFound(_("Cette photo n'existe pas."))
    ordered = [image] + [img for img in offer.images if img.id != image.id]
    for position, img in enumerate(ordered):
        img.position = -1 - position  # avoid transient duplicates, then renumber
    db.session.flush()
    for position, img in enumerate(ordered):
        img.position = position
    offer.images.sort(key=lambda img: img.position)
    db.session.flush()
    record_event(actor, offer, "offer.image_main", data={"image_id": image.id})
    offer_changed(offer)


def servable_image(user, name: str) -> Path:
    """The file behind a public image URL, if its offer may be seen by the user."""
    row = db.session.scalar(
        sa.select(OfferImage).where(sa.or_(OfferImage.storage_name == name, OfferImage.thumb_name == name))
    )
    if row is None or not can_view_offer(user, row.offer):
        raise OfferNotFound(_("Cette photo n'existe pas."))
    path = image_path(name)
    if path is None:
        raise OfferNotFound(_("Cette photo n'existe pas."))
    return path
