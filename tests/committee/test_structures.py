"""The committee's structures page: suspension and reinstatement."""
from __future__ import annotations

from marketplace.core.audit import events_for
from marketplace.vendors.models import VendorStatus
from tests.committee.conftest import approved_vendor, owner_of
from tests.factories import UserFactory, VendorFactory


def test_the_page_lists_approved_suspended_and_expired_structures(db, client, login_as, members):
    approved_vendor(name="Structure Agréée")
    suspended = approved_vendor(name="Structure Suspendue")
    suspended.status = VendorStatus.SUSPENDED
    expired = approved_vendor(name="Structure Expirée")
    expired.status = VendorStatus.EXPIRED
    VendorFactory(candidate=True, name="Structure Candidate")
    login_as(members[0])

    page = client.get("/comite/structures")
    assert page.status_code == 200
    for name in ("Structure Agréée", "Structure Suspendue", "Structure Expirée"):
        assert name in page.text
    assert "Structure Candidate" not in page.text
    only_suspended = client.get("/comite/structures?statut=suspended")
    assert "Structure Suspendue" in only_suspended.text and "Structure Agréée" not in only_suspended.text
    assert client.get("/comite/structures?statut=n%27importe").status_code == 200


def test_suspension_needs_a_reason_then_is_applied_notified_and_audited(db, client, login_as, members, outbox):
    vendor = approved_vendor(name="Épicerie du Coin")
    login_as(members[0])
    confirm = client.get(f"/comite/structures/{vendor.id}/suspendre")
    assert confirm.status_code == 200
    assert "disparaissent du catalogue" in confirm.text

    empty = client.post(f"/comite/structures/{vendor.id}/suspendre", data={"reason": "  "})
    assert empty.status_code == 400
    assert "Le motif de la suspension est obligatoire." in empty.text
    assert vendor.status == VendorStatus.APPROVED

    done = client.post(
        f"/comite/structures/{vendor.id}/suspendre", data={"reason": "Produits non conformes à la charte."}
    )
    assert done.status_code == 302
    assert vendor.status == VendorStatus.SUSPENDED
    assert vendor.suspended_reason == "Produits non conformes à la charte."
    event = [e for e in events_for(vendor) if e.action == "suspend"][-1]
    assert event.actor_id == members[0].id and (event.before, event.after) == ("approved", "suspended")
    assert any("Produits non conformes à la charte." in m.body for m in outbox(owner_of(vendor).email))
    listing = client.get("/comite/structures?statut=suspended")
    assert "Produits non conformes à la charte." in listing.text


def test_reinstatement_brings_the_structure_back(db, client, login_as, members, outbox):
    vendor = approved_vendor()
    login_as(members[0])
    client.post(f"/comite/structures/{vendor.id}/suspendre", data={"reason": "Contrôle en cours."})
    assert client.get(f"/comite/structures/{vendor.id}/retablir").status_code == 200
    response = client.post(f"/comite/structures/{vendor.id}/retablir", data={"note": "Contrôle satisfaisant."})
    assert response.status_code == 302
    assert vendor.status == VendorStatus.APPROVED and vendor.suspended_reason is None
    assert [e.action for e in events_for(vendor)][-2:] == ["suspend", "reinstate"]


def test_only_an_approved_structure_can_be_suspended(db, client, login_as, members):
    expired = approved_vendor()
    expired.status = VendorStatus.EXPIRED
    candidate = VendorFactory(candidate=True)
    login_as(members[0])
    response = client.post(f"/comite/structures/{expired.id}/suspendre", data={"reason": "Test"})
    assert response.status_code == 302
    assert expired.status == VendorStatus.EXPIRED
    assert client.post(f"/comite/structures/{expired.id}/retablir", data={}).status_code == 302
    assert expired.status == VendorStatus.EXPIRED
    assert client.get(f"/comite/structures/{candidate.id}/suspendre").status_code == 404


def test_admins_see_the_structures_but_do_not_suspend(db, client, login_as):
    vendor = approved_vendor(name="Vue Par Admin")
    login_as(UserFactory(admin=True))
    page = client.get("/comite/structures")
    assert "Vue Par Admin" in page.text
    assert f"/comite/structures/{vendor.id}/suspendre" not in page.text
    assert client.post(f"/comite/structures/{vendor.id}/suspendre", data={"reason": "x"}).status_code == 403
    assert vendor.status == VendorStatus.APPROVED
