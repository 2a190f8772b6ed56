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


# ------------------------------------------------------------ the vendor's order page


def _completes_through_http(client, login_as, vendor, vendor_order):
    owner = next(m.user for m in vendor.memberships)
    login_as(owner)
    base = f"/espace-fournisseur/{vendor.id}/commandes/{vendor_order.id}"
    for action in ("preparing", "ready"):
        assert client.post(base + "/statut", data={"action": action}).status_code == 302
    client.post(base + "/statut", data={"action": "completed"})
    return client.get(base).get_data(as_text=True)


def test_completion_says_the_share_is_paid_out(client, db, login_as, sim, connected_vendor, paid_order):
    vendor = connected_vendor()
    [vendor_order] = paid_order([(vendor, [(1000, 2)], 0)]).vendor_orders
    html = _completes_through_http(client, login_as, vendor, vendor_order)
    assert "Commande terminée : votre part de 19,00\u00a0€ vous est versée." in html
    assert "Versé" in html and "badge-transfer-paid" in html


def test_completion_says_the_share_waits_for_the_payouts_account(client, db, login_as, sim, paid_order):
    vendor = VendorMembershipFactory(role=MemberRole.OWNER).vendor
    [vendor_order] = paid_order([(vendor, [(1000, 2)], 0)]).vendor_orders
    html = _completes_through_http(client, login_as, vendor, vendor_order)
    assert ("Votre part de 19,00\u00a0€ vous sera versée dès que votre compte de versement sera actif "
            "(Espace fournisseur → Versements).") in html
    assert "badge-transfer-pending" in html and f"/espace-fournisseur/{vendor.id}/versements" in html
    payouts = client.get(f"/espace-fournisseur/{vendor.id}/versements").get_data(as_text=True)
    assert f"/espace-fournisseur/{vendor.id}/commandes/{vendor_order.id}" in payouts  # each transfer links its order


def test_completion_says_a_refused_transfer_will_be_retried(client, db, login_as, sim, connected_vendor, paid_order):
    vendor = connected_vendor()
    [vendor_order] = paid_order([(vendor, [(1000, 2)], 0)]).vendor_orders
    requests.post(f"{sim.url}/_simulator/faults", json={"spec": "error@POST /v1/transfers"}, timeout=5)
    html = _completes_through_http(client, login_as, vendor, vendor_order)
    assert "Le versement de votre part (19,00\u00a0€) n&#39;a pas pu être fait pour le moment : il sera relancé." in html
    payouts = client.get(f"/espace-fournisseur/{vendor.id}/versements").get_data(as_text=True)
    assert "Stripe n'a pas encore accepté ce virement : il sera relancé." in payouts
    requests.delete(f"{sim.url}/_simulator/faults", timeout=5)
    result = client.application.test_cli_runner().invoke(args=["payments", "retry-transfers"])
    assert "transfers made: 1" in result.output
    db.session.expire_all()
    assert db.session.scalar(sa.select(Transfer)).status is TransferStatus.PAID


def test_a_part_cancelled_and_refunded_leaves_nothing_to_the_vendor(client, db, login_as, sim, paid_order):
    vendor = VendorMembershipFactory(role=MemberRole.OWNER).vendor
    [vendor_order] = paid_order([(vendor, [(1000, 2)], 0)]).vendor_orders
    login_as(next(m.user for m in vendor.memberships))
    base = f"/espace-fournisseur/{vendor.id}/commandes/{vendor_order.id}"
    assert client.post(base + "/annuler", data={"reason": "Rupture de stock."}).status_code == 302
    html = client.get(base).get_data(as_text=True)
    db.session.refresh(vendor_order)
    assert (vendor_order.net_to_vendor_cents, vendor_order.commission_due_cents) == (0, 0)
    assert "− 0,00\u00a0€" in html and "<strong>0,00\u00a0€</strong>" in html
    listing = client.get(f"/espace-fournisseur/{vendor.id}/commandes").get_data(as_text=True)
    assert vendor_order.reference in listing and "20,00\u00a0€" in listing and "0,00\u00a0€" in listing
