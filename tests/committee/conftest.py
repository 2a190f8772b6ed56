"""Fixtures of the committee tests: a grid, a sitting committee, submitted dossiers."""
from __future__ import annotations

import datetime as dt
import secrets

import pytest

from marketplace.committee.models import Opinion
from marketplace.core.clock import now_utc
from marketplace.vendors.models import (
    ApplicationAnswer,
    ApplicationDocument,
    ApplicationKind,
    ApplicationStatus,
    DocumentKind,
    MemberRole,
    Sector,
    VendorStatus,
)
from tests.factories import (
    ApplicationFactory,
    CharterSignatureFactory,
    CharterVersionFactory,
    CommitteeMandateFactory,
    CriterionFactory,
    VendorFactory,
    VendorMembershipFactory,
)


@pytest.fixture
def login_as(login_as, db):
    """Sign in after committing the test's setup, so that a request that rolls back
    (an error page) does not undo it."""

    def _login(user):
        db.session.commit()
        return login_as(user)

    return _login


@pytest.fixture
def grid(db):
    """Three active criteria weighted 1, 2 and 3."""
    return [
        CriterionFactory(label="Utilité sociale", weight=1, position=1),
        CriterionFactory(label="Gouvernance démocratique", weight=2, position=2),
        CriterionFactory(label="Ancrage territorial", weight=3, position=3),
    ]


@pytest.fixture
def chair(db):
    return CommitteeMandateFactory(is_chair=True, organisation_name="Chambre régionale de l'ESS").user


@pytest.fixture
def members(db):
    """Four ordinary committee members (not the chair)."""
    return [CommitteeMandateFactory().user for _ in range(4)]


@pytest.fixture
def make_dossier(db, grid):
    """``make_dossier(status=..., kind=..., vendor=..., submitted_days_ago=...)``: a dossier with answers."""

    def _make(
        status: ApplicationStatus = ApplicationStatus.SUBMITTED,
        kind: ApplicationKind = ApplicationKind.INITIAL,
        vendor=None,
        submitted_days_ago: int = 1,
        name: str | None = None,
        complete: bool = False,
    ):
        if vendor is None:
            extra = {"name": name} if name else {}
            vendor = VendorFactory(candidate=True, year_founded=2012, staff_count=14, insertion_jobs=6, **extra)
            vendor.set_sectors([Sector.ALIMENTATION, Sector.INSERTION])
            VendorMembershipFactory(vendor=vendor, role=MemberRole.OWNER)
        application = ApplicationFactory(
            vendor=vendor,
            kind=kind,
            status=status,
            submitted_at=None
            if status == ApplicationStatus.DRAFT
            else now_utc() - dt.timedelta(days=submitted_days_ago),
        )
        for criterion in grid:
            application.answers.append(
                ApplicationAnswer(criterion_id=criterion.id, text=f"Notre réponse sur {criterion.label.lower()}.")
            )
        if complete:
            for kind in (DocumentKind.STATUTES, DocumentKind.REGISTRATION):
                application.documents.append(
                    ApplicationDocument(
                        kind=kind,
                        original_name=f"{kind.value}.pdf",
                        storage_name=secrets.token_hex(16),
                        content_type="application/pdf",
                        size=2048,
                        sha256="0" * 64,
                    )
                )
            charter = current_charter_or_new()
            CharterSignatureFactory(vendor_id=vendor.id, charter_version=charter)
        db.session.flush()
        return application

    return _make


def current_charter_or_new():
    from marketplace.vendors.services import current_charter

    return current_charter() or CharterVersionFactory()


def owner_of(vendor):
    return next(m.user for m in vendor.memberships if m.role == MemberRole.OWNER)


def review_data(criteria, scores, opinion: Opinion | str = Opinion.FAVORABLE, comment: str = "", notes=None) -> dict:
    """Form data of the review form: ``scores`` in the grid's order."""
    data = {"opinion": getattr(opinion, "value", opinion), "comment": comment}
    for criterion, score in zip(criteria, scores, strict=True):
        if score is not None:
            data[f"score_{criterion.id}"] = str(score)
        data[f"note_{criterion.id}"] = (notes or {}).get(criterion.id, "")
    return data


@pytest.fixture
def post_review(client, login_as, grid):
    """``post_review(member, application, scores=(2, 2, 2), opinion=..., comment=...)`` over HTTP."""

    def _post(member, application, scores=(2, 2, 2), opinion=Opinion.FAVORABLE, comment="Dossier convaincant."):
        login_as(member)
        return client.post(
            f"/comite/dossiers/{application.id}/avis", data=review_data(grid, scores, opinion, comment)
        )

    return _post


def approved_vendor(expires_in_days: int = 365, **kwargs):
    vendor = VendorFactory(
        status=VendorStatus.APPROVED,
        approved_at=now_utc() - dt.timedelta(days=365 - expires_in_days),
        approval_expires_at=now_utc() + dt.timedelta(days=expires_in_days),
        **kwargs,
    )
    VendorMembershipFactory(vendor=vendor, role=MemberRole.OWNER)
    return vendor

