"""Uploads, through the real forms: a file of the wrong type, a polyglot (a valid header followed
by HTML, JavaScript or PHP), an oversize file, a path in the file name are refused with a clear
message and nothing is written; an accepted file is served as a download or under a safe
type, with ``nosniff``. One line of ``UPLOADS`` per upload field."""
from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.security.html import form_posting_to
from tests.security.world import PDF_BYTES, jpeg_bytes, png_bytes

GIF = b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"
HTML = b"<!doctype html><html><body><script>alert(document.cookie)</script></body></html>"


@dataclass(frozen=True)
class Upload:
    name: str
    page: str  # the form's page (and action), formatted with the world's ids
    field: str
    good: bytes
    good_name: str
    per_file_limit: int
    limit_message: str
    type_message: str
    accepts: tuple[bytes, ...]  # headers of the accepted types


UPLOADS = [
    Upload("dossier document", "/espace-fournisseur/{vendor_a}/dossier/documents", "file", PDF_BYTES, "statuts.pdf",
           5 * 1024 * 1024, "taille maximale de 5 Mo", "PDF, un JPEG ou un PNG valide", (b"%PDF", b"\xff\xd8", b"\x89PNG")),
    Upload("structure logo", "/espace-fournisseur/{vendor_a}/dossier/activite", "logo", png_bytes(), "logo.png",
           1 * 1024 * 1024, "taille maximale de 1 Mo", "image PNG ou JPEG valide", (b"\xff\xd8", b"\x89PNG")),
    Upload("offer photo", "/espace-fournisseur/{vendor_a}/offres/{draft_a}/photos", "image", jpeg_bytes(), "photo.jpg",
           8 * 1024 * 1024, "taille maximale de 8 Mo", "photo JPEG, PNG ou WebP valide", (b"\xff\xd8", b"\x89PNG")),
]

WRONG_TYPES = [
    ("a text file named .pdf", b"Ceci est un simple fichier texte.\n", "statuts.pdf"),
    ("an HTML page named .png", HTML, "logo.png"),
    ("a GIF", GIF, "image.gif"),
    ("an SVG with a script", b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>', "image.svg"),
    ("a Windows executable named .jpg", b"MZ\x90\x00\x03\x00\x00\x00 executable", "photo.jpg"),
]
POLYGLOTS = [
    ("JPEG + HTML", jpeg_bytes() + b"<html><script>alert(1)</script></html>", "photo.jpg"),
    ("PNG + SVG handler", png_bytes() + b'<svg onload="alert(1)">', "image.png"),
    ("JPEG + PHP", jpeg_bytes() + b"<?php system($_GET['c']); ?>", "photo.jpg"),
    ("GIF header + PHP", GIF + b"<?php echo 1; ?>", "photo.gif"),
    ("PDF + HTML", PDF_BYTES + b"<html><body><script>alert(1)</script></body></html>", "statuts.pdf"),
    ("PDF with JavaScript", PDF_BYTES.replace(b"<< /Type /Catalog >>", b"<< /Type /Catalog /OpenAction << /S /JavaScript /JS (app.alert(1)) >> >>"), "statuts.pdf"),
]
BAD_NAMES = ["../../etc/passwd", "../../../tmp/statuts.pdf", "/etc/passwd", "statuts\x00.pdf.php", "C:\\statuts.pdf",
             "statuts\u202efdp.exe"]
ALL_FILE_CASES = [(u, "wrong type: " + what, data, name) for u in UPLOADS for what, data, name in WRONG_TYPES] + [
    (u, "polyglot: " + what, data, name) for u in UPLOADS for what, data, name in POLYGLOTS
]


def _files(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()} if root.exists() else set()


@pytest.fixture
def uploader(app, db, world, sign_in):
    """``uploader(upload, data, filename)`` posts the upload's form as vendor A's owner."""
    client = sign_in("owner_a")

    def _post(upload: Upload, data: bytes, filename: str):
        url = upload.page.format(**world.ids)
        form = form_posting_to(client.get(url).text, url)
        fields = form.data()
        fields[upload.field] = (io.BytesIO(data), filename)
        return client.post(url, data=fields, content_type="multipart/form-data")

    return _post


def _stored_rows(db) -> int:
    from marketplace.catalogue.models import OfferImage
    from marketplace.vendors.models import ApplicationDocument, Vendor

    return (db.session.scalar(sa.select(sa.func.count()).select_from(ApplicationDocument))
            + db.session.scalar(sa.select(sa.func.count()).select_from(OfferImage))
            + db.session.scalar(sa.select(sa.func.count()).select_from(Vendor).where(Vendor.logo_path.is_not(None))))


def _refused(app, db, uploader, upload, data, filename, message):
    root = Path(app.config["UPLOAD_DIR"])
    files_before, rows_before = _files(root.parent), _stored_rows(db)
    response = uploader(upload, data, filename)
    assert response.status_code in (200, 400, 422), response.status_code
    assert message in response.text.replace("&#39;", "'"), f"{upload.name}: no clear message"
    assert _files(root.parent) == files_before, "a file was written"
    assert _stored_rows(db) == rows_before


@pytest.mark.parametrize("upload", UPLOADS, ids=lambda u: u.name)
def test_a_good_file_is_accepted_and_served_safely(app, db, client, world, uploader, upload):
    root = Path(app.config["UPLOAD_DIR"])
    before = _files(root)
    response = uploader(upload, upload.good, upload.good_name)
    assert response.status_code == 302, response.text[:2000]
    written = _files(root) - before
    assert written and all(upload.good_name not in name for name in written)
    served = _serve_latest(db, client, world, upload)
    assert served.status_code == 200
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    content_type = served.headers["Content-Type"]
    attachment = served.headers.get("Content-Disposition", "").startswith("attachment")
    assert attachment or content_type in ("image/png", "image/jpeg")
    assert "html" not in content_type and "svg" not in content_type


def _serve_latest(db, client, world, upload: Upload):
    from marketplace.catalogue.models import OfferImage
    from marketplace.vendors.models import ApplicationDocument, Vendor

    if upload.field == "file":
        document = db.session.scalar(sa.select(ApplicationDocument).order_by(ApplicationDocument.id.desc()))
        return client.get(f"/documents/{document.id}")
    if upload.field == "logo":
        vendor = db.session.get(Vendor, world["vendor_a"])
        return client.get(f"/fournisseurs/{vendor.slug}/logo")
    image = db.session.scalar(sa.select(OfferImage).order_by(OfferImage.id.desc()))
    return client.get(f"/catalogue/photos/{image.storage_name}")


@pytest.mark.parametrize("upload, what, data, filename", ALL_FILE_CASES,
                         ids=[f"{u.name}: {what}" for u, what, _d, _n in ALL_FILE_CASES])
def test_wrong_types_and_polyglots_are_refused(app, db, uploader, upload, what, data, filename):
    # a polyglot of an accepted type passes the type check, and is refused for the code it carries
    message = "contient du code" if data.startswith(upload.accepts) else upload.type_message
    _refused(app, db, uploader, upload, data, filename, message)


@pytest.mark.parametrize("upload", UPLOADS, ids=lambda u: u.name)
@pytest.mark.parametrize("filename", BAD_NAMES, ids=repr)
def test_path_and_control_characters_in_names_are_refused(app, db, uploader, upload, filename):
    _refused(app, db, uploader, upload, upload.good, filename, "nom du fichier n'est pas valide")


@pytest.mark.parametrize("upload", UPLOADS, ids=lambda u: u.name)
def test_files_over_the_field_limit_are_refused(app, db, uploader, upload):
    big = upload.good + b"\0" * (upload.per_file_limit + 1 - len(upload.good))
    _refused(app, db, uploader, upload, big, upload.good_name, upload.limit_message)


@pytest.mark.parametrize("upload", UPLOADS, ids=lambda u: u.name)
def test_requests_over_max_content_length_get_the_413_page(app, db, uploader, upload, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 64 * 1024)
    root = Path(app.config["UPLOAD_DIR"])
    before = _files(root.parent)
    response = uploader(upload, upload.good + b"\0" * (128 * 1024), upload.good_name)
    assert response.status_code == 413
    assert "Fichier trop volumineux" in response.text
    assert '<html lang="fr">' in response.text
    assert _files(root.parent) == before


def test_the_default_request_limit_is_above_every_field_limit(app):
    assert app.config["MAX_CONTENT_LENGTH"] >= max(u.per_file_limit for u in UPLOADS) + 64 * 1024
