"""Files joined to quote requests and quotes.

The same rules as the dossier documents: a PDF, JPEG or PNG judged by its
content, at most 5 MB, without active content, stored under UPLOAD_DIR
(outside static/) under a random name, and served only through a view that
checks ``permissions.can_download``.
"""
from __future__ import annotations

import hashlib
import secrets
from pathlib import Path

from flask import current_app
from flask_babel import lazy_gettext as _l

from marketplace.core.clock import now_utc
from marketplace.core.unit_of_work import after_commit
from marketplace.core.uploads import ACTIVE_CONTENT_MESSAGE, has_active_content
from marketplace.extensions import db
from marketplace.procurement.quotes.errors import QuoteError
from marketplace.procurement.quotes.models import QuoteAttachment
from marketplace.vendors import documents

MAX_BYTES = documents.MAX_DOCUMENT_BYTES
MAX_PER_REQUEST = 5


def _dir() -> Path:
    path = Path(current_app.config["UPLOAD_DIR"]) / "quotes"
    path.mkdir(parents=True, exist_ok=True)
    return path


def attachment_path(attachment: QuoteAttachment) -> Path:
    return _dir() / Path(attachment.storage_name).name


def has_file(file_storage) -> bool:
    return file_storage is not None and bool(getattr(file_storage, "filename", None))


def store(file_storage, actor, *, request=None, quote=None) -> QuoteAttachment:
    """Check and keep an uploaded file for a request or a quote (flushes).

    Services call it after every other check, so that a refused action leaves no file behind.
    """
    try:
        data = documents.read_upload(file_storage, MAX_BYTES)
    except documents.DocumentError as error:
        raise QuoteError(error.message, field="attachment") from None
    sniffed = documents.sniff(data)
    if sniffed is None:
        raise QuoteError(
            _l("Ce fichier n'est pas un PDF, un JPEG ou un PNG valide (son contenu a été vérifié, pas seulement son nom)."),
            field="attachment",
        )
    if has_active_content(data):
        raise QuoteError(ACTIVE_CONTENT_MESSAGE, field="attachment")
    content_type, ext = sniffed
    storage_name = f"{secrets.token_hex(20)}.{ext}"
    path = _dir() / storage_name
    path.write_bytes(data)
    attachment = QuoteAttachment(
        request_id=getattr(request, "id", None),
        quote_id=getattr(quote, "id", None),
        original_name=documents.safe_display_name(file_storage.filename, f"piece-jointe.{ext}"),
        storage_name=storage_name,
        content_type=content_type,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        uploaded_by_id=getattr(actor, "id", None),
        uploaded_at=now_utc(),
    )
    db.session.add(attachment)
    db.session.flush()
    return attachment


def remove(attachment: QuoteAttachment) -> None:
    path = attachment_path(attachment)
    db.session.delete(attachment)
    db.session.flush()
    after_commit(db.session(), lambda: path.unlink(missing_ok=True))
