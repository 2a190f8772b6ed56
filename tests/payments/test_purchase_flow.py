"""A whole purchase over HTTP, paid on the simulator's hosted page: one payment,
vendor A completes (transfer), vendor B cancels (refund, no transfer)."""
from __future__ import annotations

from urllib.parse import urlsplit

import requests
import sqlalchemy as sa

from marketplace.payments import services
from marketplace.payments.models import Payment, PaymentStatus, Transfer, TransferStatus
from marketplace.shop.models import CreditNote, OrderGroup, OrderGroupStatus, VendorOrderStatus
from marketplace.vendors.models import MemberRole
from tests.factories import OfferFactory, UserFactory, VendorMembershipFactory
from tests.payments.support import checkout_for_pickup


def _path(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def test_two_vendor_purchase_through_the_hosted_page(client, db, login_as, sim, deliver_webhooks):
    owner_a = VendorMembershipFactory(role=MemberRole.OWNER)
    owner_b = VendorMembershipFactory(role=MemberRole.OWNER)
    vendor_a, vendor_b = owner_a.vendor, owner_b.vendor
    services.start_onboarding(vendor_a, "http://localhost/r", "http://localhost/f")
    sim.complete_account(vendor_a.stripe_account_id)
    offer_a = OfferFactory(vendor=vendor_a, price_cents=1200, stock=5, delivery=False)
    offer_b = OfferFactory(vendor=vendor_b, price_cents=800, stock=3, delivery=False)
    consumer = UserFactory()
    db.session.commit()
    deliver_webhooks("account.updated")

    login_as(consumer)
    hosted = checkout_for_pickup(client, consumer, [(offer_a, 2), (offer_b, 1)])
    assert hosted.startswith(sim.url + "/checkout/cs_test_")

    declined = requests.post(hosted, data={"card": "4000 0000 0000 0002"}, timeout=5, allow_redirects=False)
    assert declined.status_code == 402
    paid = requests.post(hosted, data={"card": "4242 4242 4242 4242"}, timeout=5, allow_redirects=False)
    success = paid.headers["Location"]
    assert [r.status_code for r in deliver_webhooks()] == [200]
    assert client.get(_path(success)).status_code == 200

    group = db.session.scalar(sa.select(OrderGroup))
    assert group.status == OrderGroupStatus.PAID and group.total_cents == 3200
    assert db.session.scalar(sa.select(Payment)).status == PaymentStatus.SUCCEEDED
    vo_a, vo_b = sorted(group.vendor_orders, key=lambda vo: vo.vendor_id != vendor_a.id)

    login_as(owner_a.user)
    for action in ("preparing", "ready", "completed"):
        client.post(f"/espace-fournisseur/{vendor_a.id}/commandes/{vo_a.id}/statut", data={"action": action})
    login_as(owner_b.user)
    client.post(f"/espace-fournisseur/{vendor_b.id}/commandes/{vo_b.id}/annuler",
                data={"reason": "Rupture de stock après une mauvaise récolte."})

    db.session.expire_all()
    assert vo_a.status == VendorOrderStatus.COMPLETED
    assert vo_b.status == VendorOrderStatus.REFUNDED
    assert group.status == OrderGroupStatus.PARTIALLY_REFUNDED
    [transfer] = db.session.scalars(sa.select(Transfer)).all()
    assert (transfer.vendor_order_id, transfer.status, transfer.amount_cents) == (vo_a.id, TransferStatus.PAID, 2280)
    assert [t["amount"] for t in sim.state.transfers.values()] == [2280]
    assert [r["amount"] for r in sim.state.refunds.values()] == [800]
    assert offer_b.stock == 3
    assert db.session.scalar(sa.select(CreditNote)).vendor_order_id == vo_b.id

    login_as(owner_a.user)
    payouts = client.get(f"/espace-fournisseur/{vendor_a.id}/versements").get_data(as_text=True)
    assert "22,80" in payouts and "Versé" in payouts
    login_as(consumer)
    assert client.get(f"/mes-commandes/{group.id}").status_code == 200
