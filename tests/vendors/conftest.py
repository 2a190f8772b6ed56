"""Helpers for the vetting tests: a grid, a charter, and complete dossiers."""
from __future__ import annotations

import datetime as dt
import io

import pytest
from PIL import Image
from werkzeug.datastructures import FileStorage

from marketplace.committee.models import Criterion
from marketplace.vendors import documents, services
from marketplace.vendors.models import (
    ApplicationAnswer,
    ApplicationKind,
    ApplicationStatus,
    DocumentKind,
    MemberRole,
    Sector,
    VendorStatus,
)
from tests.factories import (
    ApplicationFactory,
    CharterVersionFactory,
    CommitteeMandateFactory,
    UserFactory,
    VendorFactory,
    VendorMembershipFactory,
)

PDF_BYTES = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"


def png_bytes(size=(8, 8), color=(200, 30, 30)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, format="PNG")
    return buffer.getvalue()


def jpeg_bytes(size=(8, 8)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (10, 120, 10)).save(buffer, format="JPEG")
    return buffer.getvalue()


def upload(data: bytes, filename: str, content_type: str = "application/pdf") -> FileStorage:
    return FileStorage(stream=io.BytesIO(data), filename=filename, content_type=content_type)


@pytest.fixture
def criteria(db):
    rows = [
        Criterion(code="utilite", label="Utilité sociale", description="La finalité sociale.", weight=3, position=1),
        Criterion(code="gouvernance", label="Gouvernance", description="Qui décide.", weight=2, position=2),
        Criterion(code="ancien", label="Critère retiré", weight=1, position=3, active=False),
    ]
    db.session.add_all(rows)
    db.session.flush()
    return rows[:2]


@pytest.fixture
def charter(db):
    return CharterVersionFactory(version=1, published_at=dt.datetime(2020, 1, 1, tzinfo=dt.UTC))


@pytest.fixture
def committee(db):
    """Three current members, the first one chairing."""
    since = dt.date(2020, 1, 1)
    return [
        CommitteeMandateFactory(is_chair=True, starts_on=since, ends_on=None).user,
        CommitteeMandateFactory(starts_on=since, ends_on=None).user,
        CommitteeMandateFactory(is_vendor_representative=True, starts_on=since, ends_on=None).user,
    ]


def fill_application(application, owner, criteria, charter):
    """Complete every section of ``application`` (identity etc. come from VendorFactory)."""
    vendor = application.vendor
    vendor.year_founded = 2010
    vendor.staff_count = 12
    vendor.insertion_jobs = 4
    vendor.set_sectors([Sector.ALIMENTATION, Sector.INSERTION])
    existing = {a.criterion_id for a in application.answers}
    for criterion in criteria:
        if criterion.id not in existing:
            application.answers.append(
                ApplicationAnswer(criterion_id=criterion.id, text=f"Notre engagement : {criterion.label}.")
            )
    documents.add_document(application, owner, DocumentKind.STATUTES, upload(PDF_BYTES, "statuts.pdf"))
    documents.add_document(application, owner, DocumentKind.REGISTRATION, upload(png_bytes(), "kbis.png", "image/png"))
    services.sign_charter(vendor, owner)
    return application


@pytest.fixture
def make_dossier(db, criteria, charter):
    """``make_dossier(complete=True, status=DRAFT, ...)`` → (application, owner)."""

    def _make(complete: bool = True, status: ApplicationStatus = ApplicationStatus.DRAFT,
              vendor_status: VendorStatus = VendorStatus.CANDIDATE, kind: ApplicationKind = ApplicationKind.INITIAL,
              **vendor_fields):
        owner = UserFactory()
        if vendor_status == VendorStatus.CANDIDATE:
            vendor = VendorFactory(candidate=True, **vendor_fields)
        else:
            vendor = VendorFactory(status=vendor_status, **vendor_fields)
        VendorMembershipFactory(user=owner, vendor=vendor, role=MemberRole.OWNER)
        application = ApplicationFactory(vendor=vendor, kind=kind, created_by_id=owner.id)
        if complete:
            fill_application(application, owner, criteria, charter)
        application.status = status
        db.session.flush()
        return application, owner

    return _make

