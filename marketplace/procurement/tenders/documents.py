"""Consultation documents (dossier de consultation des entreprises, DCE).

The type of a file is judged by its content, as for the dossier documents of
the vendors (marketplace.vendors.documents): a ``%PDF-`` header, or a ZIP
archive whose entries say what it is (OpenDocument ``mimetype``, Office Open
XML parts). Files live under UPLOAD_DIR/tenders under random names and are
served only through a view.
"""
from __future__ import annotations

import hashlib
import io
import zipfile
from pathlib import Path

from flask_babel import lazy_gettext as _l

from marketplace.core.audit import record_event
from marketplace.core.clock import now_utc
from marketplace.core.errors import DomainError
from marketplace.core.uploads import ACTIVE_CONTENT_MESSAGE, has_active_content
from marketplace.extensions import db
from marketplace.procurement.tenders.models import Tender, TenderDocument
from marketplace.procurement.tenders.workflow import TenderError
from marketplace.vendors.documents import (
    random_storage_name,
    read_upload,
    remove_after_commit,
    safe_display_name,
    upload_dir,
)

MAX_BYTES = 10 * 1024 * 1024
STORAGE_KIND = "tenders"

PDF = ("application/pdf", "pdf")
ODT = ("application/vnd.oasis.opendocument.text", "odt")
ODS = ("application/vnd.oasis.opendocument.spreadsheet", "ods")
DOCX = ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx")
XLSX = ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx")
ZIP = ("application/zip", "zip")
OPENDOCUMENT = {ODT[0].encode(): ODT, ODS[0].encode(): ODS}

ACCEPTED_LABEL = _l("PDF, ODT, DOCX, XLSX ou ZIP, 10 Mo au maximum")


def sniff(data: bytes) -> tuple[str, str] | None:
    """(content type, extension) of an accepted file, judged by its bytes; else None."""
    if data.startswith(b"%PDF-"):
        return PDF
    if not data.startswith(b"PK\x03\x04"):
        return None
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            if not names:
                return None
            if "mimetype" in names and archive.getinfo("mimetype").file_size < 100:
                kind = OPENDOCUMENT.get(archive.read("mimetype").strip())
                if kind is not None:
                    return kind
            if "[Content_Types].xml" in names:
                if "word/document.xml" in names:
                    return DOCX
                if "xl/workbook.xml" in names:
                    return XLSX
    except (zipfile.BadZipFile, zipfile.LargeZipFile, KeyError, OSError, EOFError):
        return None
    return ZIP


def document_path(document: TenderDocument) -> Path:
    return upload_dir(STORAGE_KIND) / Path(document.storage_name).name


def store(tender: Tender, actor, title: str | None, file_storage, amendment=None) -> TenderDocument:
    """Check and store one file; the caller has checked that the tender may change."""
    if file_storage is None or not getattr(file_storage, "filename", None):
        raise TenderError(_l("Choisissez un fichier à envoyer."), field="file")
    try:
        data = read_upload(file_storage, MAX_BYTES)
    except DomainError as error:
        raise TenderError(error.message, field="file") from None
    sniffed = sniff(data)
    if sniffed is None:
        raise TenderError(
            _l(
                "Ce fichier n'est pas un PDF, un document ODT ou DOCX, un tableur XLSX ou une archive ZIP "
                "valide (son contenu a été vérifié, pas seulement son nom)."
            ),
            field="file",
        )
    if has_active_content(data):
        raise TenderError(ACTIVE_CONTENT_MESSAGE, field="file")
    content_type, ext = sniffed
    storage_name = random_storage_name(ext)
    path = upload_dir(STORAGE_KIND) / storage_name
    path.write_bytes(data)
    original = safe_display_name(file_storage.filename, f"document.{ext}")
    document = TenderDocument(
        title=(title or "").strip()[:200] or original,
        original_name=original,
        storage_name=storage_name,
        content_type=content_type,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        uploaded_by_id=getattr(actor, "id", None),
        uploaded_at=now_utc(),
        amendment_id=getattr(amendment, "id", None),
    )
    tender.documents.append(document)
    db.session.flush()
    record_event(
        actor, tender, "tender.document_added", None, None,
        {"document_id": document.id, "name": document.original_name, "sha256": document.sha256},
    )
    return document


def remove(tender: Tender, actor, document: TenderDocument) -> None:
    """Delete a document of a draft (the caller checks the status)."""
    path = document_path(document)
    record_event(
        actor, tender, "tender.document_removed", None, None,
        {"document_id": document.id, "name": document.original_name},
    )
    tender.documents.remove(document)
    db.session.delete(document)
    db.session.flush()
    remove_after_commit(path)

