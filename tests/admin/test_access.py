"""Every back-office screen is for administrators only, objects existing or not."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from marketplace.core.audit import AuditEvent
from tests.factories import (
    BuyerMembershipFactory,
    CommitteeMandateFactory,
    OutboxMessageFactory,
    UserFactory,
    VendorMembershipFactory,
)


@pytest.fixture
def world(db):
    buyer = BuyerMembershipFactory()
    vendor = VendorMembershipFactory()
    mandate = CommitteeMandateFactory()
    message = OutboxMessageFactory()
    consumer = UserFactory()
    db.session.commit()
    return {
        "user": buyer.user_id,
        "buyer_membership": buyer.id,
        "organisation": buyer.organisation_id,
        "vendor_membership": vendor.id,
        "mandate": mandate.id,
        "mandate_user": mandate.user_id,
        "message": message.id,
        "roles": {
            "consumer": consumer,
            "vendor": vendor.user,
            "buyer": buyer.user,
            "committee": mandate.user,
        },
    }


def _requests(w):
    u, o = w["user"], w["organisation"]
    return [
        ("GET", "/admin/"),
        ("GET", "/admin/utilisateurs"),
        ("GET", f"/admin/utilisateurs/{u}"),
        ("POST", f"/admin/utilisateurs/{u}/administrateur"),
        ("GET", f"/admin/utilisateurs/{u}/administrateur/retirer"),
        ("POST", f"/admin/utilisateurs/{u}/administrateur/retirer"),
        ("GET", f"/admin/utilisateurs/{u}/mandats/nouveau"),
        ("POST", f"/admin/utilisateurs/{u}/mandats/nouveau"),
        ("GET", f"/admin/utilisateurs/{w['mandate_user']}/mandats/{w['mandate']}/terminer"),
        ("POST", f"/admin/utilisateurs/{w['mandate_user']}/mandats/{w['mandate']}/terminer"),
        ("GET", f"/admin/utilisateurs/{u}/acheteurs/ajouter"),
        ("POST", f"/admin/utilisateurs/{u}/acheteurs/ajouter"),
        ("GET", f"/admin/adhesions-acheteurs/{w['buyer_membership']}/retirer"),
        ("POST", f"/admin/adhesions-acheteurs/{w['buyer_membership']}/retirer"),
        ("GET", f"/admin/adhesions-fournisseurs/{w['vendor_membership']}/retirer"),
        ("POST", f"/admin/adhesions-fournisseurs/{w['vendor_membership']}/retirer"),
        ("GET", "/admin/organisations"),
        ("GET", "/admin/organisations/nouvelle"),
        ("POST", "/admin/organisations/nouvelle"),
        ("GET", f"/admin/organisations/{o}"),
        ("GET", f"/admin/organisations/{o}/modifier"),
        ("POST", f"/admin/organisations/{o}/modifier"),
        ("POST", f"/admin/organisations/{o}/membres"),
        ("GET", "/admin/boite-mail"),
        ("GET", f"/admin/boite-mail/{w['message']}"),
        ("GET", "/admin/journal"),
    ]


def _count_events(db):
    return db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent))


def test_the_list_covers_every_admin_endpoint(app, world):
    rules = {
        (method, rule.rule)
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("admin.")
        for method in rule.methods & {"GET", "POST"}
    }
    assert len(_requests(world)) == len(rules)


def test_anonymous_visitors_are_sent_to_the_login_page(db, client, world):
    before = _count_events(db)
    for method, url in _requests(world):
        response = client.open(url, method=method)
        assert response.status_code == 302, (method, url)
        assert "/compte/connexion" in response.headers["Location"], (method, url)
    assert _count_events(db) == before


@pytest.mark.parametrize("role", ["consumer", "vendor", "buyer", "committee"])
def test_other_roles_are_refused(db, login_as, world, role):
    client = login_as(world["roles"][role])
    before = _count_events(db)
    for method, url in _requests(world):
        response = client.open(url, method=method)
        assert response.status_code == 403, (role, method, url)
    assert _count_events(db) == before


def test_administrators_reach_every_screen(db, as_admin, world):
    for method, url in _requests(world):
        if method == "GET":
            assert as_admin.get(url).status_code == 200, url
