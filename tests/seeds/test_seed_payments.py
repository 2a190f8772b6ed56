"""The demo's payments exist in the local Stripe simulator: a seeded paid order can be
cancelled (refunded) or completed (transferred) as in `make run`."""
from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
import stripe
from flask import current_app

from marketplace.core import clock
from marketplace.payments import services
from marketplace.payments.models import Payment, PaymentStatus, Refund, Transfer, TransferStatus
from marketplace.payments.simulator.state import SimulatorState
from marketplace.shop.models import VendorOrder, VendorOrderStatus
from marketplace.vendors.models import MemberRole, Vendor
from seeds import orders as seed_orders
from seeds import payments
from seeds.base import SeedContext
from tests.payments.support import simulator_file  # noqa: F401  (fixture)


@pytest.fixture
def seed_demo(app, db, simulator_file):  # noqa: F811
    """``seed_demo()`` runs `flask seed-demo` with the simulator stopped, as `make run` does,
    then starts the simulator on the file the seeds wrote."""
    runner = app.test_cli_runner()

    def _run():
        simulator_file.stop()
        result = runner.invoke(args=["seed-demo"])
        assert result.exit_code == 0, result.output + repr(result.exception)
        return simulator_file.start()

    return _run


def _seed_simulator_step(simulator_file):  # noqa: F811
    """Only the seed step of the simulator (the rest of the demo data is there already)."""
    simulator_file.stop()
    payments.seed_simulator(SeedContext(config=current_app.config, now=clock.now_utc()))
    return simulator_file.start()


def _client(simulator):
    return stripe.StripeClient("sk_test_x", base_addresses={"api": simulator.url},
                               http_client=stripe.RequestsClient(timeout=5), max_network_retries=0)


def _counts(path) -> dict[str, int]:
    state = SimulatorState(path)
    try:
        return {kind: state.store.count(kind) for kind in ("checkout.session", "payment_intent", "charge", "refund",
                                                           "transfer", "account")}
    finally:
        state.close()


def _owner(vendor):
    return next(m.user for m in vendor.memberships if m.role is MemberRole.OWNER)


def test_seeded_payments_refunds_transfers_and_accounts_are_in_the_simulator(db, seed_demo, simulator_file):  # noqa: F811
    simulator = seed_demo()
    client = _client(simulator)
    payments = db.session.scalars(sa.select(Payment)).all()
    paid = [p for p in payments if p.status is PaymentStatus.SUCCEEDED]
    assert len(paid) >= 30 and all(p.payment_intent_id.startswith("pi_demo_") for p in paid)
    for payment in payments:
        session = client.v1.checkout.sessions.retrieve(payment.checkout_session_id)
        assert session.amount_total == payment.amount_cents
        assert session.status == {PaymentStatus.SUCCEEDED: "complete", PaymentStatus.OPEN: "open"}.get(
            payment.status, "expired")
    refunded = dict(db.session.execute(
        sa.select(Payment.payment_intent_id, sa.func.sum(Refund.amount_cents))
        .join(VendorOrder, VendorOrder.order_group_id == Payment.order_group_id)
        .join(Refund, Refund.vendor_order_id == VendorOrder.id)
        .group_by(Payment.payment_intent_id)
    ).all())
    assert refunded
    for payment in paid:
        intent = client.v1.payment_intents.retrieve(payment.payment_intent_id)
        assert (intent.status, intent.amount_received) == ("succeeded", payment.amount_cents)
        charge = simulator.state.charges[intent.latest_charge]
        assert charge["amount_refunded"] == refunded.get(payment.payment_intent_id, 0)
    vendor = db.session.scalar(sa.select(Vendor).filter_by(slug=seed_orders.PAYOUTS_VENDOR))
    assert client.v1.accounts.retrieve(vendor.stripe_account_id).payouts_enabled is True
    for transfer in db.session.scalars(sa.select(Transfer).where(Transfer.stripe_transfer_id.is_not(None))):
        at_stripe = client.v1.transfers.retrieve(transfer.stripe_transfer_id)
        assert at_stripe.amount == transfer.amount_cents and at_stripe.destination == vendor.stripe_account_id
        assert at_stripe.reversed is (transfer.status is TransferStatus.REVERSED)

    # a second run writes nothing more
    before = _counts(simulator_file.path)
    _seed_simulator_step(simulator_file)
    assert _counts(simulator_file.path) == before


def test_vendors_cancel_and_complete_seeded_paid_orders(db, client, login_as, seed_demo, simulator_file):  # noqa: F811
    seed_demo()
    paid_parts = db.session.scalars(
        sa.select(VendorOrder).where(VendorOrder.status == VendorOrderStatus.PAID).order_by(VendorOrder.id)
    ).all()
    part = paid_parts[0]
    login_as(_owner(part.vendor))
    answer = client.post(f"/espace-fournisseur/{part.vendor_id}/commandes/{part.id}/annuler",
                         data={"reason": "Récolte perdue après la grêle."})
    assert answer.status_code == 302
    db.session.refresh(part)
    assert part.status is VendorOrderStatus.REFUNDED and part.credit_notes
    refund = db.session.scalar(sa.select(Refund).where(Refund.vendor_order_id == part.id))
    at_stripe = simulator_file.server.state.refunds[refund.stripe_refund_id]
    assert at_stripe["amount"] == part.total_cents
    assert at_stripe["payment_intent"] == f"pi_demo_{part.order_group.checkout_session_id[-4:]}"

    # the structure with payouts enabled completes its order being prepared: paid out at once
    vendor = db.session.scalar(sa.select(Vendor).filter_by(slug=seed_orders.PAYOUTS_VENDOR))
    preparing = db.session.scalar(sa.select(VendorOrder).where(
        VendorOrder.vendor_id == vendor.id, VendorOrder.status == VendorOrderStatus.PREPARING))
    login_as(_owner(vendor))
    next_step = "ready" if preparing.fulfilment.value == "pickup" else "shipped"
    for action in (next_step, "completed"):
        answer = client.post(f"/espace-fournisseur/{vendor.id}/commandes/{preparing.id}/statut", data={"action": action})
        assert answer.status_code == 302
    transfer = db.session.scalar(sa.select(Transfer).where(Transfer.vendor_order_id == preparing.id))
    assert transfer.status is TransferStatus.PAID
    sent = simulator_file.server.state.transfers[transfer.stripe_transfer_id]
    assert (sent["amount"], sent["destination"]) == (transfer.amount_cents, vendor.stripe_account_id)

    # the simulator's file lost: the next seed-demo rebuilds it, with the refund made since
    simulator_file.stop()
    Path(simulator_file.path).unlink()
    simulator = _seed_simulator_step(simulator_file)
    intent = _client(simulator).v1.payment_intents.retrieve(f"pi_demo_{part.order_group.checkout_session_id[-4:]}")
    assert simulator.state.charges[intent.latest_charge]["amount_refunded"] >= part.total_cents
    assert refund.stripe_refund_id in simulator.state.refunds


def test_nothing_is_written_when_payments_go_to_stripe(app, db, tmp_path):
    config = {**app.config, "STRIPE_SECRET_KEY": "sk_test_real_account",
              "STRIPE_SIMULATOR_STATE": str(tmp_path / "unused.sqlite3")}
    assert not services.uses_simulator(config)
    payments.seed_simulator(SeedContext(config=config, now=clock.now_utc()))
    assert not (tmp_path / "unused.sqlite3").exists()
