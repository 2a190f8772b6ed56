"""Account deletion (anonymisation) and the personal data export."""
from __future__ import annotations

import datetime as dt
import json

import sqlalchemy as sa

from marketplace.accounts import services
from marketplace.accounts.models import BuyerMembership, CommitteeMandate, User
from marketplace.core.audit import AuditEvent, record_event
from marketplace.core.clock import freeze
from marketplace.vendors.models import MemberRole, VendorMembership
from tests.accounts.helpers import text
from tests.factories import (
    PASSWORD,
    BuyerMembershipFactory,
    CommitteeMandateFactory,
    UserFactory,
    VendorFactory,
    VendorMembershipFactory,
)


def _count(db, model, **where):
    stmt = sa.select(sa.func.count()).select_from(model)
    for name, value in where.items():
        stmt = stmt.where(getattr(model, name) == value)
    return db.session.scalar(stmt)


def test_deletion_page_asks_for_confirmation(client, user, login_as):
    login_as(user)
    page = text(client.get("/compte/suppression"))
    assert "La suppression est définitive." in page
    assert "Supprimer définitivement mon compte" in page
    assert 'type="password"' in page


def test_deletion_anonymises_and_keeps_the_row_and_the_audit_trail(client, db, user, login_as, outbox):
    freeze(dt.datetime(2026, 9, 15, 10, 0, tzinfo=dt.UTC))
    user.phone, user.postal_code = "0600000000", "69001"
    BuyerMembershipFactory(user=user)
    mandate = CommitteeMandateFactory(user=user)
    CommitteeMandateFactory(
        user=user, starts_on=dt.date(2026, 10, 1), ends_on=dt.date(2027, 10, 1)
    )  # not started yet
    vendor = VendorFactory()
    VendorMembershipFactory(vendor=vendor, role=MemberRole.OWNER)
    VendorMembershipFactory(vendor=vendor, user=user, role=MemberRole.STAFF)
    record_event(user, vendor, "vendor.updated")
    db.session.flush()
    user_id = user.id
    events_before = _count(db, AuditEvent, actor_id=user_id)

    login_as(user)
    response = client.post("/compte/suppression", data={"password": PASSWORD})
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/")

    row = db.session.get(User, user_id)
    assert row.email == f"deleted-{user_id}@invalid.local"
    assert row.display_name == "Compte supprimé"
    assert (row.phone, row.postal_code, row.password_hash) == (None, None, None)
    assert row.deleted_at == dt.datetime(2026, 9, 15, 10, 0, tzinfo=dt.UTC)
    assert _count(db, BuyerMembership, user_id=user_id) == 0
    assert _count(db, VendorMembership, user_id=user_id) == 0
    assert _count(db, CommitteeMandate, user_id=user_id) == 1
    assert mandate.ends_on == dt.date(2026, 9, 14)
    assert _count(db, VendorMembership, vendor_id=vendor.id) == 1  # the other owner stays

    assert _count(db, AuditEvent, actor_id=user_id) == events_before + 1
    last = db.session.scalars(sa.select(AuditEvent).order_by(AuditEvent.id.desc())).first()
    assert (last.action, last.before, last.after, last.subject_id) == ("account.deleted", "active", "deleted", user_id)

    farewell = outbox("camille@exemple.fr")[-1]
    assert farewell.subject == "Votre compte a été supprimé"
    assert "Votre compte a été supprimé" in text(client.get("/"))
    assert client.get("/compte/").status_code == 302


def test_deletion_needs_the_password(client, user, login_as):
    login_as(user)
    response = client.post("/compte/suppression", data={"password": "pas le bon"})
    assert response.status_code == 200
    assert "Mot de passe incorrect." in text(response)
    assert user.deleted_at is None
    assert user.email == "camille@exemple.fr"


def test_sole_owner_of_a_structure_cannot_delete(client, db, user, login_as):
    vendor = VendorFactory(name="La Ressourcerie du Coin")
    VendorMembershipFactory(vendor=vendor, user=user, role=MemberRole.OWNER)
    VendorMembershipFactory(vendor=vendor, role=MemberRole.STAFF)
    login_as(user)

    page = text(client.get("/compte/suppression"))
    assert "Vous êtes le seul propriétaire des structures suivantes" in page
    assert "La Ressourcerie du Coin" in page

    response = client.post("/compte/suppression", data={"password": PASSWORD})
    assert response.status_code == 200
    assert "Vous êtes le seul propriétaire de « La Ressourcerie du Coin »" in text(response)
    assert user.deleted_at is None
    assert _count(db, VendorMembership, user_id=user.id) == 1

    VendorMembershipFactory(vendor=vendor, role=MemberRole.OWNER)
    response = client.post("/compte/suppression", data={"password": PASSWORD})
    assert response.status_code == 302
    assert user.deleted_at is not None


def test_export_downloads_the_users_own_data(client, db, user, login_as, outbox):
    freeze(dt.datetime(2026, 2, 1, 9, 0, tzinfo=dt.UTC))
    organisation = BuyerMembershipFactory(user=user, job_title="Acheteuse").organisation
    CommitteeMandateFactory(user=user, organisation_name="Réseau ESS 38", is_chair=True)
    vendor = VendorFactory(name="Épicerie Solidaire")
    VendorMembershipFactory(vendor=vendor, user=user, role=MemberRole.OWNER)
    someone_else = UserFactory()
    record_event(someone_else, someone_else, "account.login")
    login_as(user)
    client.post("/compte/", data={"display_name": "Camille", "locale": "fr"})
    client.post("/compte/mot-de-passe-oublie", data={"email": user.email})
    client.post("/compte/mot-de-passe-oublie", data={"email": someone_else.email})

    response = client.get("/compte/mes-donnees")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.headers["Content-Disposition"] == 'attachment; filename="marche-solidaire-mes-donnees.json"'
    data = json.loads(response.get_data(as_text=True))

    assert data["profile"]["email"] == "camille@exemple.fr"
    assert data["profile"]["display_name"] == "Camille"
    assert data["profile"]["created_at"] == user.created_at.isoformat()
    assert data["vendor_memberships"] == [
        {"vendor": "Épicerie Solidaire", "vendor_siret": vendor.siret, "role": "owner", "since": "2026-02-01T09:00:00+00:00"}
    ]
    assert data["buyer_memberships"][0]["organisation"] == organisation.name
    assert data["buyer_memberships"][0]["kind"] == "commune"
    assert data["buyer_memberships"][0]["job_title"] == "Acheteuse"
    assert data["committee_mandates"][0]["organisation"] == "Réseau ESS 38"
    assert data["committee_mandates"][0]["is_chair"] is True
    assert [e["action"] for e in data["audit_events"]] == ["account.profile_updated"]
    assert [m["subject"] for m in data["emails"]] == ["Réinitialisation de votre mot de passe"]
    assert "/compte/mot-de-passe/nouveau/" in data["emails"][0]["body"]


def test_export_sections_can_be_added_by_other_domains(client, user, login_as, monkeypatch):
    monkeypatch.setattr(services, "_EXPORT_SECTIONS", dict(services._EXPORT_SECTIONS))
    services.register_export_section(
        "orders", lambda u: [{"number": "CMD-1", "placed_at": dt.datetime(2026, 1, 5, tzinfo=dt.UTC), "user": u.id}]
    )

    @services.register_export_section("quotes")
    def _quotes(u):
        return []

    assert services.export_section_names()[-2:] == ["orders", "quotes"]
    login_as(user)
    data = client.get("/compte/mes-donnees").get_json()
    assert data["orders"] == [{"number": "CMD-1", "placed_at": "2026-01-05T00:00:00+00:00", "user": user.id}]
    assert data["quotes"] == []


def test_export_requires_login(client):
    response = client.get("/compte/mes-donnees")
    assert response.status_code == 302
