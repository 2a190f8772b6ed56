"""Private files of the dossier and structure logos.

A file's type is decided by its content (magic bytes, Pillow's verification
of images, the ``%PDF-`` header), never by its name or the browser's claim.
Files live under UPLOAD_DIR (outside static/) under random names; the
original name is kept for display only.
"""
from __future__ import annotations

import hashlib
import io
import secrets
import shutil
import unicodedata
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _
from PIL import Image, UnidentifiedImageError

from marketplace.core.audit import record_event
from marketplace.core.clock import now_utc
from marketplace.core.unit_of_work import after_commit
from marketplace.core.uploads import (
    ACTIVE_CONTENT_MESSAGE,
    UNSAFE_FILENAME_MESSAGE,
    has_active_content,
    is_safe_filename,
)
from marketplace.extensions import db
from marketplace.vendors.models import Application, ApplicationDocument, DocumentKind, Vendor
from marketplace.vendors.workflow import WorkflowError

MAX_DOCUMENT_BYTES = 5 * 1024 * 1024
MAX_LOGO_BYTES = 1 * 1024 * 1024
MAX_IMAGE_PIXELS = 40_000_000

PDF = ("application/pdf", "pdf")
PNG = ("image/png", "png")
JPEG = ("image/jpeg", "jpg")
EXTENSIONS = {"application/pdf": "pdf", "image/png": "png", "image/jpeg": "jpg"}


class DocumentError(WorkflowError):
    """A refused file (type, size, content), with a French message."""


# ---------------------------------------------------------------- sniffing


def _image_type(data: bytes) -> tuple[str, str] | None:
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        expected, result = "PNG", PNG
    elif data.startswith(b"\xff\xd8\xff"):
        expected, result = "JPEG", JPEG
    else:
        return None
    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.format != expected:
                return None
            width, height = image.size
            if width * height > MAX_IMAGE_PIXELS:
                return None
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        return None
    return result


def sniff(data: bytes) -> tuple[str, str] | None:
    """(content type, extension) of a PDF, PNG or JPEG file, judged by its bytes; else None."""
    if data.startswith(b"%PDF-"):
        return PDF
    return _image_type(data)


def read_upload(file_storage, limit: int) -> bytes:
    if not is_safe_filename(getattr(file_storage, "filename", None)):
        raise DocumentError(UNSAFE_FILENAME_MESSAGE)
    stream = getattr(file_storage, "stream", file_storage)
    data = stream.read(limit + 1)
    if len(data) > limit:
        raise DocumentError(
            _("Le fichier dépasse la taille maximale de %(size)s Mo.", size=limit // (1024 * 1024))
        )
    if not data:
        raise DocumentError(_("Le fichier est vide."))
    return data


def safe_display_name(filename: str | None, default: str = "document") -> str:
    """The last path component, without control characters: for display and download only."""
    name = (filename or "").replace("\\", "/").split("/")[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip().lstrip(".")
    return name[:200] or default


# ---------------------------------------------------------------- storage


def upload_dir(kind: str) -> Path:
    path = Path(current_app.config["UPLOAD_DIR"]) / kind
    path.mkdir(parents=True, exist_ok=True)
    return path


def random_storage_name(ext: str) -> str:
    return f"{secrets.token_hex(20)}.{ext}"


def document_path(document: ApplicationDocument) -> Path:
    return upload_dir("documents") / Path(document.storage_name).name


def logo_file(vendor: Vendor) -> Path | None:
    if not vendor.logo_path:
        return None
    path = upload_dir("logos") / Path(vendor.logo_path).name
    return path if path.is_file() else None


def remove_after_commit(path: Path) -> None:
    after_commit(db.session(), lambda: path.unlink(missing_ok=True))


# ---------------------------------------------------------------- dossier documents


def add_document(application: Application, actor, kind: DocumentKind, file_storage) -> ApplicationDocument:
    from marketplace.vendors.services import _editable

    _editable(application, actor)
    if file_storage is None or not getattr(file_storage, "filename", None):
        raise DocumentError(_("Choisissez un fichier à envoyer."))
    data = read_upload(file_storage, MAX_DOCUMENT_BYTES)
    sniffed = sniff(data)
    if sniffed is None:
        raise DocumentError(
            _("Ce fichier n'est pas un PDF, un JPEG ou un PNG valide (son contenu a été vérifié, pas seulement son nom).")
        )
    if has_active_content(data):
        raise DocumentError(ACTIVE_CONTENT_MESSAGE)
    content_type, ext = sniffed
    storage_name = random_storage_name(ext)
    path = upload_dir("documents") / storage_name
    path.write_bytes(data)
    document = ApplicationDocument(
        application_id=application.id,
        kind=kind,
        original_name=safe_display_name(file_storage.filename, f"document.{ext}"),
        storage_name=storage_name,
        content_type=content_type,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        uploaded_by_id=getattr(actor, "id", None),
        uploaded_at=now_utc(),
    )
    application.documents.append(document)
    db.session.flush()
    record_event(
        actor, application, "add_document", None, None,
        {"document_id": document.id, "kind": kind.value, "name": document.original_name},
    )
    db.session.flush()
    return document


def delete_document(document: ApplicationDocument, actor) -> None:
    from marketplace.vendors.services import _editable

    application = document.application
    _editable(application, actor)
    path = document_path(document)
    record_event(
        actor, application, "delete_document", None, None,
        {"document_id": document.id, "kind": document.kind.value, "name": document.original_name},
    )
    application.documents.remove(document)
    db.session.delete(document)
    db.session.flush()
    remove_after_commit(path)


def copy_documents(source: Application, target: Application, actor) -> list[ApplicationDocument]:
    """Copy the files of a previous application into a new draft (each under a new name)."""
    copies = []
    for document in source.documents:
        src = document_path(document)
        if not src.is_file():
            continue
        ext = EXTENSIONS.get(document.content_type, "bin")
        storage_name = random_storage_name(ext)
        shutil.copyfile(src, upload_dir("documents") / storage_name)
        copy = ApplicationDocument(
            application_id=target.id,
            kind=document.kind,
            original_name=document.original_name,
            storage_name=storage_name,
            content_type=document.content_type,
            size=document.size,
            sha256=document.sha256,
            uploaded_by_id=document.uploaded_by_id,
            uploaded_at=document.uploaded_at,
        )
        target.documents.append(copy)
        copies.append(copy)
    db.session.flush()
    return copies


# ---------------------------------------------------------------- logos


def store_logo(vendor: Vendor, file_storage) -> str:
    data = read_upload(file_storage, MAX_LOGO_BYTES)
    sniffed = _image_type(data)
    if sniffed is None:
        raise DocumentError(_("Le logo doit être une image PNG ou JPEG valide."))
    if has_active_content(data):
        raise DocumentError(ACTIVE_CONTENT_MESSAGE)
    storage_name = random_storage_name(sniffed[1])
    (upload_dir("logos") / storage_name).write_bytes(data)
    old = logo_file(vendor)
    vendor.logo_path = storage_name
    if old is not None:
        remove_after_commit(old)
    return storage_name


def remove_logo(vendor: Vendor) -> None:
    old = logo_file(vendor)
    vendor.logo_path = None
    if old is not None:
        remove_after_commit(old)


def logo_content_type(vendor: Vendor) -> str:
    return "image/png" if (vendor.logo_path or "").endswith(".png") else "image/jpeg"
