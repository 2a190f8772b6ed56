"""Dossier documents: type checked by content, size limit, private storage, who may download."""
from __future__ import annotations

import hashlib
import io
from pathlib import Path

import pytest
import sqlalchemy as sa

from marketplace.vendors.models import (
    ApplicationDocument,
    ApplicationStatus,
    DocumentKind,
    MemberRole,
)
from tests.factories import (
    BuyerMembershipFactory,
    CommitteeMandateFactory,
    UserFactory,
    VendorMembershipFactory,
)
from tests.vendors.conftest import PDF_BYTES, jpeg_bytes, png_bytes

S = ApplicationStatus


@pytest.fixture
def dossier(db, make_dossier, client, login_as):
    application, owner = make_dossier(complete=False)
    db.session.commit()
    login_as(owner)
    return application, owner


def _upload(client, application, data: bytes, filename: str, kind="statutes", content_type=None):
    payload = {"kind": kind, "file": (io.BytesIO(data), filename) if content_type is None else (io.BytesIO(data), filename, content_type)}
    return client.post(
        f"/espace-fournisseur/{application.vendor_id}/dossier/documents", data=payload, content_type="multipart/form-data"
    )


def _docs(db, application):
    return db.session.scalars(
        sa.select(ApplicationDocument).where(ApplicationDocument.application_id == application.id)
    ).all()


@pytest.mark.parametrize(
    "data,filename,content_type",
    [
        (PDF_BYTES, "statuts.pdf", "application/pdf"),
        (png_bytes(), "kbis.png", "image/png"),
        (jpeg_bytes(), "agrement.jpeg", "image/jpeg"),
    ],
)
def test_good_files_are_accepted_and_stored_privately(db, dossier, client, app, data, filename, content_type):
    application, owner = dossier
    response = _upload(client, application, data, filename)
    assert response.status_code == 302
    [document] = _docs(db, application)
    assert document.content_type == content_type
    assert document.original_name == filename
    assert document.size == len(data)
    assert document.sha256 == hashlib.sha256(data).hexdigest()
    assert document.uploaded_by_id == owner.id
    assert filename not in document.storage_name
    stored = Path(app.config["UPLOAD_DIR"]) / "documents" / document.storage_name
    assert stored.read_bytes() == data
    assert "static" not in stored.resolve().parts


@pytest.mark.parametrize(
    "data,filename,content_type",
    [
        (b"Ceci est un simple fichier texte.\n", "statuts.pdf", "application/pdf"),
        (b"<html><script>alert(1)</script></html>", "kbis.png", "image/png"),
        (b"\x89PNG\r\n\x1a\nnot really a png", "faux.png", "image/png"),
        (b"MZ\x90\x00 executable", "agrement.jpg", "image/jpeg"),
    ],
)
def test_files_are_judged_by_content_not_name(db, dossier, client, data, filename, content_type):
    application, _owner = dossier
    response = _upload(client, application, data, filename, content_type=content_type)
    assert response.status_code == 200
    assert "PDF, un JPEG ou un PNG valide" in response.get_data(as_text=True)
    assert _docs(db, application) == []


def test_file_over_5_mb_refused(db, dossier, client):
    application, _owner = dossier
    big = PDF_BYTES + b"0" * (5 * 1024 * 1024)
    response = _upload(client, application, big, "statuts.pdf")
    assert response.status_code == 200
    assert "taille maximale de 5 Mo" in response.get_data(as_text=True)
    assert _docs(db, application) == []


def test_file_of_exactly_5_mb_accepted(db, dossier, client):
    application, _owner = dossier
    data = PDF_BYTES + b"0" * (5 * 1024 * 1024 - len(PDF_BYTES))
    assert _upload(client, application, data, "statuts.pdf").status_code == 302


def test_no_file_chosen(db, dossier, client):
    application, _owner = dossier
    response = client.post(f"/espace-fournisseur/{application.vendor_id}/dossier/documents", data={"kind": "statutes"})
    assert response.status_code == 200
    assert "Choisissez un fichier" in response.get_data(as_text=True)


@pytest.mark.parametrize("filename", ["../../../etc/passwd.pdf", "/var/x/../../statuts.pdf"])
def test_path_traversal_names_are_refused(db, dossier, client, app, filename):
    application, _owner = dossier
    response = _upload(client, application, PDF_BYTES, filename)
    assert response.status_code == 200
    assert "nom du fichier n&#39;est pas valide" in response.get_data(as_text=True)
    assert _docs(db, application) == []


# Backslashes are dropped by the multipart parser: what arrives is a plain (odd) name.
@pytest.mark.parametrize("filename", ["..\\..\\windows\\statuts.pdf", "..pdf"])
def test_odd_but_plain_names_are_stored_safely(db, dossier, client, app, filename):
    application, _owner = dossier
    assert _upload(client, application, PDF_BYTES, filename).status_code == 302
    [document] = _docs(db, application)
    assert "/" not in document.original_name and "\\" not in document.original_name
    assert not document.original_name.startswith(".")
    upload_dir = (Path(app.config["UPLOAD_DIR"]) / "documents").resolve()
    assert (upload_dir / document.storage_name).resolve().parent == upload_dir
    assert ".." not in document.storage_name


def test_delete_with_confirmation(db, dossier, client, app):
    application, _owner = dossier
    _upload(client, application, PDF_BYTES, "statuts.pdf")
    [document] = _docs(db, application)
    stored = Path(app.config["UPLOAD_DIR"]) / "documents" / document.storage_name
    url = f"/espace-fournisseur/{application.vendor_id}/dossier/documents/{document.id}/supprimer"
    page = client.get(url)
    assert page.status_code == 200 and "Oui, supprimer" in page.get_data(as_text=True)
    assert _docs(db, application) != []
    assert client.post(url).status_code == 302
    assert _docs(db, application) == []
    assert not stored.exists()


def test_documents_frozen_after_submission(db, make_dossier, client, login_as, committee):
    application, owner = make_dossier()
    db.session.commit()
    login_as(owner)
    assert client.post(f"/espace-fournisseur/{application.vendor_id}/dossier/deposer").status_code == 302
    document = application.documents[0]
    response = client.post(f"/espace-fournisseur/{application.vendor_id}/dossier/documents/{document.id}/supprimer")
    assert response.status_code == 302
    assert len(_docs(db, application)) == 2
    _upload(client, application, PDF_BYTES, "autre.pdf", kind="other")
    assert len(_docs(db, application)) == 2


# ---------------------------------------------------------------- who may download


@pytest.fixture
def stored_document(db, make_dossier):
    application, owner = make_dossier()
    staff = UserFactory()
    VendorMembershipFactory(user=staff, vendor=application.vendor, role=MemberRole.STAFF)
    db.session.commit()
    document = next(d for d in application.documents if d.kind == DocumentKind.STATUTES)
    return document, owner, staff


def _people(kind, owner, staff):
    if kind == "owner":
        return owner
    if kind == "staff":
        return staff
    if kind == "committee":
        return CommitteeMandateFactory().user
    if kind == "admin":
        return UserFactory(admin=True)
    if kind == "other_vendor":
        return VendorMembershipFactory().user
    if kind == "buyer":
        return BuyerMembershipFactory().user
    if kind == "consumer":
        return UserFactory()
    if kind == "former_committee":
        import datetime as dt

        return CommitteeMandateFactory(starts_on=dt.date(2019, 1, 1), ends_on=dt.date(2020, 1, 1)).user
    return None


@pytest.mark.parametrize("kind", ["owner", "staff", "committee", "admin"])
def test_document_served_to_allowed_people(db, stored_document, client, login_as, kind):
    document, owner, staff = stored_document
    user = _people(kind, owner, staff)
    db.session.commit()
    login_as(user)
    response = client.get(f"/documents/{document.id}")
    assert response.status_code == 200
    assert response.data == PDF_BYTES
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert "statuts.pdf" in response.headers["Content-Disposition"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response.headers["Cache-Control"]


@pytest.mark.parametrize("kind", ["other_vendor", "buyer", "consumer", "former_committee"])
def test_document_refused_to_others(db, stored_document, client, login_as, kind):
    document, owner, staff = stored_document
    user = _people(kind, owner, staff)
    db.session.commit()
    login_as(user)
    response = client.get(f"/documents/{document.id}")
    assert response.status_code == 404
    assert PDF_BYTES not in response.data


def test_document_refused_to_anonymous(db, stored_document, client):
    document, _owner, _staff = stored_document
    response = client.get(f"/documents/{document.id}")
    assert response.status_code == 302
    assert "/compte/connexion" in response.headers["Location"]


def test_document_link_shown_to_owner(db, stored_document, client, login_as):
    document, owner, _staff = stored_document
    login_as(owner)
    page = client.get(f"/espace-fournisseur/{document.application.vendor_id}/dossier").get_data(as_text=True)
    assert f"/documents/{document.id}" in page
