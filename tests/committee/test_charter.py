"""A new charter version: approved structures re-sign within the delay, latecomers are flagged."""
from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from marketplace.committee import services
from marketplace.core import clock
from marketplace.core.clock import now_utc
from marketplace.vendors.models import CharterVersion, MemberRole
from tests.committee.conftest import approved_vendor, owner_of
from tests.factories import (
    CharterSignatureFactory,
    CharterVersionFactory,
    UserFactory,
    VendorFactory,
    VendorMembershipFactory,
)

START = dt.datetime(2026, 4, 1, 8, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _frozen():
    clock.freeze(START)


def _publish(client, title="Charte 2026", body="Nous nous engageons à des prix justes.", confirm=True):
    data = {"title": title, "body": body}
    if confirm:
        data["confirm"] = "y"
    return client.post("/comite/administration/charte", data=data)


def test_publishing_a_version_asks_approved_structures_to_re_sign(db, client, login_as, outbox):
    CharterVersionFactory(version=1)
    signer = approved_vendor(name="Structure Agréée")
    staff = VendorMembershipFactory(vendor=signer, role=MemberRole.STAFF).user
    candidate = VendorFactory(candidate=True)
    candidate_owner = VendorMembershipFactory(vendor=candidate, role=MemberRole.OWNER).user
    login_as(UserFactory(admin=True))

    response = _publish(client)
    assert response.status_code == 302
    charter = db.session.scalars(sa.select(CharterVersion).order_by(CharterVersion.version.desc())).first()
    assert (charter.version, charter.title) == (2, "Charte 2026")
    assert charter.resign_deadline == START + dt.timedelta(days=30)
    [mail] = outbox(owner_of(signer).email)
    assert "Charte 2026" in mail.body and f"/espace-fournisseur/{signer.id}/dossier/charte" in mail.body
    assert outbox(staff.email) == []
    assert outbox(candidate_owner.email) == []
    assert "Charte 2026" in client.get("/comite/administration/charte").text


def test_publishing_needs_a_title_a_body_and_a_confirmation(db, client, login_as):
    login_as(UserFactory(admin=True))
    assert _publish(client, confirm=False).status_code == 400
    assert _publish(client, title=" ").status_code == 400
    assert _publish(client, body="").status_code == 400
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CharterVersion)) == 0


def test_only_admins_publish(db, client, login_as, members):
    login_as(members[0])
    assert _publish(client).status_code == 403
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CharterVersion)) == 0


def test_structures_late_to_re_sign_are_flagged_to_the_committee_once(db, app, client, login_as, chair, members, outbox):
    diligent = approved_vendor(name="Structure Diligente")
    late = approved_vendor(name="Structure Retardataire")
    login_as(UserFactory(admin=True))
    _publish(client)
    charter = db.session.scalars(sa.select(CharterVersion)).one()
    CharterSignatureFactory(vendor_id=diligent.id, charter_version=charter)

    login_as(members[0])
    assert "Charte non re-signée" not in client.get("/comite/structures").text
    with app.test_request_context():
        assert services.run_daily(now_utc()).charter_flags == 0

    clock.advance(dt.timedelta(days=31))
    page = client.get("/comite/structures")
    flagged = page.text.split("Charte non re-signée")[1].split("</section>")[0]
    assert "Structure Retardataire" in flagged and "Structure Diligente" not in flagged

    with app.test_request_context():
        assert services.run_daily(now_utc()).charter_flags == 1
        db.session.commit()
        assert services.run_daily(now_utc()).charter_flags == 0
    for member in (chair, *members):
        mails = [m for m in outbox(member.email) if "re-signé la charte" in m.subject]
        assert len(mails) == 1
        assert "Structure Retardataire" in mails[0].body and "Structure Diligente" not in mails[0].body
    assert late.status.value == "approved"
