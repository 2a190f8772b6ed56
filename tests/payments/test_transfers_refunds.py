"""Transfers at completion (waiting for payouts), refunds with transfer reversal."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from marketplace.core.audit import events_for
from marketplace.payments import services
from marketplace.payments.models import Refund, Transfer, TransferStatus
from marketplace.shop import orders
from marketplace.shop.models import CreditNote, OrderGroupStatus, VendorOrderStatus

SUCCESS = "http://localhost/commande/merci?session_id={CHECKOUT_SESSION_ID}"
CANCEL = "http://localhost/panier"


def _complete(vendor_order):
    orders.mark_preparing(vendor_order)
    orders.mark_ready(vendor_order)
    return orders.complete(vendor_order)


def test_transfer_at_completion_is_total_minus_commission(db, sim, connected_vendor, paid_order):
    vendor = connected_vendor()
    group = paid_order([(vendor, [(1999, 3)], 0)])
    [vendor_order] = group.vendor_orders
    assert db.session.scalar(sa.select(Transfer)) is None  # nothing at payment time
    _complete(vendor_order)

    transfer = db.session.scalar(sa.select(Transfer))
    assert transfer.status == TransferStatus.PAID
    assert transfer.amount_cents == 5997 - 300 == vendor_order.total_cents - vendor_order.commission_cents
    assert transfer.idempotency_key == f"transfer-vo-{vendor_order.id}"
    [sent] = sim.state.transfers.values()
    assert (sent["amount"], sent["destination"]) == (5697, vendor.stripe_account_id)
    assert sent["transfer_group"] == f"group-{group.id}"
    [request] = sim.requests_to("/v1/transfers")
    assert request["idempotency_key"] == f"transfer-vo-{vendor_order.id}"

    assert services.transfers_by_vendor_order([vendor_order.id, 999_999]) == {vendor_order.id: transfer}
    services.transfer_for(vendor_order)  # a second call changes nothing
    assert len(sim.state.transfers) == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Transfer)) == 1


def test_transfers_wait_for_payouts_enabled(client, db, sim, connected_vendor, paid_order, deliver_webhooks):
    vendor = connected_vendor(payouts=False)
    group = paid_order([(vendor, [(1000, 1)], 0)])
    [vendor_order] = group.vendor_orders
    _complete(vendor_order)
    transfer = db.session.scalar(sa.select(Transfer))
    assert transfer.status == TransferStatus.PENDING and transfer.stripe_transfer_id is None
    assert sim.state.transfers == {}
    db.session.commit()

    sim.complete_account(vendor.stripe_account_id)
    [response] = deliver_webhooks("account.updated")
    assert response.json["outcome"] == "payouts enabled"
    db.session.refresh(transfer)
    assert transfer.status == TransferStatus.PAID
    assert [t["amount"] for t in sim.state.transfers.values()] == [950]
    # the same account.updated again makes no second transfer
    event = sim.server.events("account.updated")[-1]
    body, signature = sim.server.signed({**event, "id": event["id"] + "-bis"})
    client.post("/webhooks/stripe", data=body, headers={"Stripe-Signature": signature},
                                   content_type="application/json")
    assert len(sim.state.transfers) == 1


def test_vendor_without_account_waits_too(db, sim, paid_order):
    group = paid_order([(None, [(1000, 1)], 0)])
    [vendor_order] = group.vendor_orders
    _complete(vendor_order)
    assert db.session.scalar(sa.select(Transfer)).status == TransferStatus.PENDING


def test_stripe_failure_leaves_transfer_pending_for_the_retry_command(app, db, sim, connected_vendor, paid_order):
    vendor = connected_vendor()
    group = paid_order([(vendor, [(1000, 1)], 0)])
    [vendor_order] = group.vendor_orders
    sim.mode("error")
    _complete(vendor_order)
    transfer = db.session.scalar(sa.select(Transfer))
    assert vendor_order.status == VendorOrderStatus.COMPLETED
    assert transfer.status == TransferStatus.PENDING and "APIError" in transfer.last_error
    db.session.commit()
    sim.mode("normal")
    result = app.test_cli_runner().invoke(args=["payments", "retry-transfers"])
    assert "transfers made: 1" in result.output
    db.session.refresh(transfer)
    assert transfer.status == TransferStatus.PAID


def test_refund_after_completion_reverses_the_transfer(db, sim, connected_vendor, paid_order, outbox):
    vendor_a, vendor_b = connected_vendor(), connected_vendor()
    group = paid_order([(vendor_a, [(1500, 2)], 0), (vendor_b, [(800, 1)], 590)])
    vo_a, vo_b = group.vendor_orders
    _complete(vo_a)
    transfer = db.session.scalar(sa.select(Transfer).where(Transfer.vendor_order_id == vo_a.id))
    assert transfer.status == TransferStatus.PAID

    services.refund_vendor_order(vo_a)

    [refund] = sim.state.refunds.values()
    assert refund["amount"] == vo_a.total_cents == 3000
    sent = sim.state.transfers[transfer.stripe_transfer_id]
    assert sent["reversed"] is True and sent["amount_reversed"] == transfer.amount_cents == 2850
    assert transfer.status == TransferStatus.REVERSED
    row = db.session.scalar(sa.select(Refund))
    assert (row.amount_cents, row.stripe_refund_id, row.reversal_id) == (3000, refund["id"], sent["reversals"]["data"][0]["id"])
    assert vo_a.status == VendorOrderStatus.REFUNDED
    assert db.session.scalar(sa.select(CreditNote).where(CreditNote.vendor_order_id == vo_a.id)) is not None
    assert group.status == OrderGroupStatus.PARTIALLY_REFUNDED
    assert "payment.refunded" in [e.action for e in events_for(vo_a)]

    services.refund_vendor_order(vo_a)  # idempotent
    assert len(sim.state.refunds) == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CreditNote)) == 1


def test_vendor_cancellation_refunds_that_part_without_transfer(db, sim, connected_vendor, paid_order):
    vendor_a, vendor_b = connected_vendor(), connected_vendor()
    group = paid_order([(vendor_a, [(1500, 2)], 0), (vendor_b, [(800, 1)], 590)])
    vo_a, vo_b = group.vendor_orders
    orders.cancel_by_vendor(vo_b, "Rupture de stock sur ce produit.")
    [refund] = sim.state.refunds.values()
    assert refund["amount"] == 1390
    assert sim.state.transfers == {}
    assert db.session.scalar(sa.select(Refund)).reversal_id is None
    assert vo_b.status == VendorOrderStatus.REFUNDED
    _complete(vo_a)  # the other part still completes and is paid out
    assert [t["amount"] for t in sim.state.transfers.values()] == [2850]


def test_refund_with_stripe_down_changes_nothing(db, sim, connected_vendor, paid_order):
    vendor = connected_vendor()
    group = paid_order([(vendor, [(1000, 1)], 0)])
    [vendor_order] = group.vendor_orders
    _complete(vendor_order)
    db.session.commit()
    sim.mode("error")
    with pytest.raises(services.PaymentUnavailable):
        services.refund_vendor_order(vendor_order)
    db.session.rollback()
    assert db.session.scalar(sa.select(Refund)) is None
    assert db.session.scalar(sa.select(Transfer)).status == TransferStatus.PAID
    assert sim.state.refunds == {}
    sim.mode("normal")
    services.refund_vendor_order(vendor_order)
    assert db.session.scalar(sa.select(Transfer)).status == TransferStatus.REVERSED
