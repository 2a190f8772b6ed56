"""Restarting the simulator loses nothing: an order paid before the restart is
completed (transfer) and cancelled (refund) after it."""
from __future__ import annotations

import requests
import sqlalchemy as sa

from marketplace.payments import services
from marketplace.payments.models import Payment, Refund, Transfer, TransferStatus
from marketplace.shop.models import CreditNote, OrderGroup, OrderGroupStatus, VendorOrderStatus
from marketplace.vendors.models import MemberRole
from tests.factories import OfferFactory, UserFactory, VendorMembershipFactory
from tests.payments.support import checkout_for_pickup


def test_orders_paid_before_a_restart_are_transferred_and_refunded_after_it(client, db, login_as, simulator_file):
    owner_a = VendorMembershipFactory(role=MemberRole.OWNER)
    owner_b = VendorMembershipFactory(role=MemberRole.OWNER)
    vendor_a, vendor_b = owner_a.vendor, owner_b.vendor
    services.start_onboarding(vendor_a, "http://localhost/r", "http://localhost/f")
    requests.post(f"{simulator_file.url}/_simulator/accounts/{vendor_a.stripe_account_id}/complete", timeout=5)
    offer_a = OfferFactory(vendor=vendor_a, price_cents=1500, stock=4, delivery=False)
    offer_b = OfferFactory(vendor=vendor_b, price_cents=900, stock=2, delivery=False)
    consumer = UserFactory()
    db.session.commit()
    assert [a.status_code for a in simulator_file.deliver(client)] == [200]  # account.updated

    login_as(consumer)
    hosted = checkout_for_pickup(client, consumer, [(offer_a, 2), (offer_b, 1)])
    paid = requests.post(hosted, data={"card": "4242 4242 4242 4242"}, timeout=5, allow_redirects=False)
    assert paid.status_code == 303
    assert [a.json["outcome"] for a in simulator_file.deliver(client, since=1)] == ["paid"]
    group = db.session.scalar(sa.select(OrderGroup))
    assert group.status is OrderGroupStatus.PAID

    simulator_file.restart()  # on another port, with the same file

    vo_a, vo_b = sorted(group.vendor_orders, key=lambda vo: vo.vendor_id != vendor_a.id)
    login_as(owner_a.user)
    for action in ("preparing", "ready", "completed"):
        client.post(f"/espace-fournisseur/{vendor_a.id}/commandes/{vo_a.id}/statut", data={"action": action})
    login_as(owner_b.user)
    answer = client.post(f"/espace-fournisseur/{vendor_b.id}/commandes/{vo_b.id}/annuler",
                         data={"reason": "Rupture de stock après une mauvaise récolte."})
    assert answer.status_code == 302

    db.session.expire_all()
    assert (vo_a.status, vo_b.status) == (VendorOrderStatus.COMPLETED, VendorOrderStatus.REFUNDED)
    transfer = db.session.scalar(sa.select(Transfer))
    assert transfer.status is TransferStatus.PAID
    assert simulator_file.server.state.transfers[transfer.stripe_transfer_id]["amount"] == transfer.amount_cents
    payment = db.session.scalar(sa.select(Payment))
    [refund] = db.session.scalars(sa.select(Refund)).all()
    assert simulator_file.server.state.refunds[refund.stripe_refund_id]["payment_intent"] == payment.payment_intent_id
    assert refund.amount_cents == 900
    assert db.session.scalar(sa.select(CreditNote)).vendor_order_id == vo_b.id

    # after another restart, the completed part is refunded too (goods returned): the transfer is reversed first
    simulator_file.restart()
    services.refund_vendor_order(vo_a)
    db.session.commit()
    db.session.expire_all()
    assert vo_a.status is VendorOrderStatus.REFUNDED and transfer.status is TransferStatus.REVERSED
    assert simulator_file.server.state.transfers[transfer.stripe_transfer_id]["reversed"] is True
    charge = simulator_file.server.state.charges.values()[0]
    assert charge["amount_refunded"] == charge["amount"] == group.total_cents
