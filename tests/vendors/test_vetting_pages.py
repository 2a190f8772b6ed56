"""The applicant's pages: submission needs a confirmed e-mail address, the summary shows
every answer, the history shows the charter acceptance; the public profile stays narrow."""
from __future__ import annotations

import html
import re

import pytest
import sqlalchemy as sa

from marketplace.core.audit import AuditEvent
from marketplace.vendors.models import ApplicationStatus, MemberRole, VendorStatus
from tests.committee.conftest import approved_vendor
from tests.factories import CharterVersionFactory, UserFactory, VendorMembershipFactory

S = ApplicationStatus


def _dossier_url(application, action=""):
    return f"/espace-fournisseur/{application.vendor_id}/dossier" + (f"/{action}" if action else "")


def _section(page: str, element_id: str) -> str:
    """The HTML of the <section> labelled by ``element_id``."""
    start = page.index(f'id="{element_id}"')
    return page[start:page.index("</section>", start)]


@pytest.fixture
def unverified_dossier(db, make_dossier, login_as, committee):
    """A complete draft whose owner has not confirmed the e-mail address; the owner is signed in."""
    application, owner = make_dossier()
    owner.verified_at = None
    db.session.commit()
    login_as(owner)
    return application, owner


def test_an_unverified_owner_is_told_before_submitting(client, unverified_dossier):
    application, owner = unverified_dossier
    page = html.unescape(client.get(_dossier_url(application)).text)
    assert "n'est pas encore confirmée" in page and owner.email in page
    assert 'action="/compte/verification"' in page
    # One resend button: the dossier's own notice replaces the site-wide one.
    assert page.count("Renvoyer le lien de confirmation") == 1


def test_submission_is_refused_until_the_email_address_is_verified(client, db, unverified_dossier, outbox, committee):
    application, owner = unverified_dossier

    response = client.post(_dossier_url(application, "deposer"))
    assert response.status_code == 422
    body = html.unescape(response.text)
    assert "Confirmez d'abord votre adresse e-mail" in body
    assert 'href="/compte/verification"' in body
    assert application.status == S.DRAFT and application.submitted_at is None
    assert outbox(to=committee[0].email) == []
    submits = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.subject_id == application.id, AuditEvent.action == "submit")
    ).all()
    assert submits == []

    # The owner asks for a new link, opens it, and can then submit.
    assert client.post("/compte/verification").status_code == 302
    message = outbox(to=owner.email)[-1]
    link = re.search(r"/compte/verifier/\S+", message.body).group(0)
    assert client.get(link).status_code == 302
    assert owner.verified_at is not None

    page = html.unescape(client.get(_dossier_url(application)).text)
    assert "n'est pas encore confirmée" not in page
    assert client.post(_dossier_url(application, "deposer")).status_code == 302
    assert application.status == S.SUBMITTED
    assert outbox(to=committee[0].email)


def test_a_verified_member_may_submit_for_an_owner_who_is_not(client, db, make_dossier, login_as, committee):
    application, owner = make_dossier()
    owner.verified_at = None
    colleague = UserFactory()
    VendorMembershipFactory(user=colleague, vendor=application.vendor, role=MemberRole.STAFF)
    login_as(colleague)
    assert client.post(_dossier_url(application, "deposer")).status_code == 302
    assert application.status == S.SUBMITTED


def test_the_summary_shows_the_public_contact_details(client, db, make_dossier, login_as):
    application, owner = make_dossier(email="contact@ressourcerie.example", phone="04 76 12 34 56")
    login_as(owner)
    content = _section(client.get(_dossier_url(application)).text, "content-title")
    assert "E-mail de contact public" in content and "contact@ressourcerie.example" in content
    assert "Téléphone" in content and "04 76 12 34 56" in content


def test_the_summary_shows_a_dash_for_missing_contact_details(client, db, make_dossier, login_as):
    application, owner = make_dossier(email=None, phone=None)
    login_as(owner)
    content = _section(client.get(_dossier_url(application)).text, "content-title")
    assert re.search(r"E-mail de contact public</dt><dd>—</dd>", content)
    assert re.search(r"Téléphone</dt><dd>—</dd>", content)


def test_the_history_shows_the_charter_acceptance(client, db, make_dossier, login_as, charter):
    application, owner = make_dossier(complete=False)
    db.session.commit()
    login_as(owner)
    assert "Charte acceptée" not in _section(client.get(_dossier_url(application)).text, "history-title")

    response = client.post(_dossier_url(application, "charte"), data={"charter_id": str(charter.id), "accept": "y"})
    assert response.status_code == 302
    history = _section(client.get(_dossier_url(application)).text, "history-title")
    assert re.search(r"— Charte acceptée \(version 1\)</li>", history)


def test_a_charter_acceptance_belongs_to_the_dossier_open_at_the_time(client, db, make_dossier, login_as, charter):
    application, owner = make_dossier(status=S.APPROVED, vendor_status=VendorStatus.APPROVED)
    application.decided_at = application.created_at
    CharterVersionFactory(version=2, published_at=charter.published_at.replace(year=2021))
    db.session.commit()
    login_as(owner)
    # No dossier is open: the new version is accepted for the approved structure only.
    assert client.post(_dossier_url(application, "charte"), data={"accept": "y"}).status_code == 302
    history = _section(client.get(_dossier_url(application)).text, "history-title")
    assert "(version 1)" in history and "(version 2)" not in history


def test_the_committee_history_shows_the_charter_acceptance(client, db, make_dossier, login_as, committee):
    application, owner = make_dossier()
    db.session.commit()
    login_as(owner)
    assert client.post(_dossier_url(application, "deposer")).status_code == 302
    login_as(committee[1])
    page = client.get(f"/comite/dossiers/{application.id}").text
    history = page[page.index('id="historique"'):]
    assert "Structure : Charte acceptée" in history and "version 1" in history


def test_the_public_approval_line_wraps_on_small_screens(client, db):
    vendor = approved_vendor()
    page = client.get(f"/fournisseurs/{vendor.slug}").text
    assert re.search(r'<p class="badge badge-approved badge-wrap">Agréé par le comité', page)
    css = client.get("/static/css/site.css").text
    assert re.search(r"\.badge-wrap[^{]*\{[^}]*white-space: normal", css)
    assert re.search(r"\.dl-grid dt, \.dl-grid dd \{[^}]*overflow-wrap: anywhere", css)
