"""The vendor's payouts page and Stripe Connect onboarding through HTTP."""
from __future__ import annotations

import requests
import sqlalchemy as sa

from marketplace.payments.models import Transfer, TransferStatus
from marketplace.vendors.models import MemberRole
from tests.factories import (
    TransferFactory,
    UserFactory,
    VendorMembershipFactory,
    VendorOrderFactory,
)


def _owner():
    membership = VendorMembershipFactory(role=MemberRole.OWNER)
    return membership.user, membership.vendor


def test_payouts_page_shows_state_and_empty_history(client, db, login_as, stripe_simulator):
    user, vendor = _owner()
    login_as(user)
    page = client.get(f"/espace-fournisseur/{vendor.id}/versements")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Non configuré" in html and "Configurer mes versements avec Stripe" in html
    assert "Aucun versement pour le moment" in html
    dashboard = client.get("/espace-fournisseur").get_data(as_text=True)
    assert f"/espace-fournisseur/{vendor.id}/versements" in dashboard


def test_payouts_page_lists_pending_transfers(client, db, login_as, stripe_simulator):
    user, vendor = _owner()
    vendor_order = VendorOrderFactory(vendor_id=vendor.id, total_cents=2000, commission_cents=100)
    TransferFactory(vendor_order_id=vendor_order.id, amount_cents=1900)
    login_as(user)
    html = client.get(f"/espace-fournisseur/{vendor.id}/versements").get_data(as_text=True)
    assert "19,00" in html and "En attente de votre compte de versement" in html


def test_other_structures_and_anonymous_are_kept_out(client, db, login_as, stripe_simulator):
    _user, vendor = _owner()
    outsider, _other = _owner()
    db.session.commit()
    login_as(outsider)
    assert client.get(f"/espace-fournisseur/{vendor.id}/versements").status_code == 404
    assert client.post(f"/espace-fournisseur/{vendor.id}/versements/stripe").status_code == 404
    consumer = UserFactory()
    db.session.commit()
    login_as(consumer)
    assert client.get(f"/espace-fournisseur/{vendor.id}/versements").status_code == 403
    login_as(None)
    assert client.get(f"/espace-fournisseur/{vendor.id}/versements").status_code == 302


def test_staff_sees_but_cannot_connect_the_bank_account(client, db, login_as, stripe_simulator):
    _owner_user, vendor = _owner()
    staff = VendorMembershipFactory(vendor=vendor, role=MemberRole.STAFF).user
    db.session.commit()
    login_as(staff)
    html = client.get(f"/espace-fournisseur/{vendor.id}/versements").get_data(as_text=True)
    assert "Seul le ou la responsable" in html
    assert client.post(f"/espace-fournisseur/{vendor.id}/versements/stripe").status_code == 403
    assert vendor.stripe_account_id is None


def test_onboarding_round_trip(client, db, login_as, stripe_simulator, deliver_webhooks):
    user, vendor = _owner()
    vendor_order = VendorOrderFactory(vendor_id=vendor.id, total_cents=2000, commission_cents=100)
    from marketplace.shop.models import VendorOrderStatus

    vendor_order.status = VendorOrderStatus.COMPLETED
    from marketplace.payments import services

    services.transfer_for(vendor_order)  # waits: no account yet
    db.session.commit()
    login_as(user)

    start = client.post(f"/espace-fournisseur/{vendor.id}/versements/stripe")
    assert start.status_code == 303
    link = start.headers["Location"]
    assert link.startswith(stripe_simulator.url + "/connect/onboarding/")
    db.session.refresh(vendor)
    account_id = vendor.stripe_account_id
    assert account_id.startswith("acct_")

    # an expired or used link sends the vendor to the refresh URL, which makes a new link
    requests.post(link, data={"action": "later"}, timeout=5, allow_redirects=False)
    refresh = requests.get(link, timeout=5, allow_redirects=False).headers["Location"]
    assert refresh == f"http://localhost/espace-fournisseur/{vendor.id}/versements/stripe/relancer"
    again = client.get(refresh)
    assert again.status_code == 303 and again.headers["Location"] != link

    done = requests.post(again.headers["Location"], data={"action": "complete"}, timeout=5, allow_redirects=False)
    back = client.get(done.headers["Location"], follow_redirects=True)
    assert "Votre compte de versement est actif" in back.get_data(as_text=True)
    db.session.refresh(vendor)
    assert vendor.payouts_enabled and vendor.stripe_account_id == account_id
    assert db.session.scalar(sa.select(Transfer)).status == TransferStatus.PAID
    # the account.updated webhook arriving afterwards changes nothing more
    assert [r.json["outcome"] for r in deliver_webhooks("account.updated")] == ["payouts enabled"]
    assert len(stripe_simulator.state.transfers) == 1


def test_onboarding_with_stripe_down_shows_a_message(client, db, login_as, stripe_simulator):
    user, vendor = _owner()
    db.session.commit()
    login_as(user)
    stripe_simulator.state.set_mode("error")
    answer = client.post(f"/espace-fournisseur/{vendor.id}/versements/stripe", follow_redirects=True)
    assert answer.status_code == 200
    assert "momentanément indisponible" in answer.get_data(as_text=True)
    db.session.refresh(vendor)
    assert vendor.stripe_account_id is None


def test_onboarding_requires_csrf(client, csrf_app, db, login_as, stripe_simulator):
    user, vendor = _owner()
    db.session.commit()
    login_as(user)
    assert client.post(f"/espace-fournisseur/{vendor.id}/versements/stripe").status_code == 400
    db.session.refresh(vendor)
    assert vendor.stripe_account_id is None


def test_webhook_endpoint_needs_no_csrf_token(client, csrf_app, db, stripe_simulator):
    event = {"id": "evt_csrf", "object": "event", "type": "customer.created", "data": {"object": {}}}
    body, signature = stripe_simulator.signed(event)
    answer = client.post("/webhooks/stripe", data=body, headers={"Stripe-Signature": signature},
                         content_type="application/json")
    assert answer.status_code == 200
