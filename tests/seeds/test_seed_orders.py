"""Demo orders: every state, consistent with stock, invoices, credit notes, payments and transfers;
idempotent and deterministic."""
from __future__ import annotations

import datetime as dt
import re
from collections import Counter, defaultdict

import pytest
import sqlalchemy as sa
from flask import current_app

from marketplace.catalogue.models import Offer
from marketplace.core import clock
from marketplace.payments.models import Payment, PaymentStatus, Refund, Transfer, TransferStatus
from marketplace.shop import dashboard
from marketplace.shop.models import (
    CreditNote,
    Invoice,
    OrderGroup,
    OrderGroupStatus,
    StockReservation,
    VendorOrder,
    VendorOrderStatus,
)
from marketplace.vendors.models import Vendor
from seeds import demo
from seeds import orders as seed_orders
from seeds.base import SeedContext

NOW = dt.datetime(2026, 3, 2, 10, 30, tzinfo=dt.UTC)
V = VendorOrderStatus
HOLDING_STOCK = {V.PAID, V.PREPARING, V.READY_FOR_PICKUP, V.SHIPPED, V.COMPLETED}


def _run_steps(steps) -> SeedContext:
    ctx = SeedContext(config=current_app.config, now=clock.now_utc())
    for _name, step in steps:
        step(ctx)
    return ctx


@pytest.fixture
def seeded(app, db):
    """The demo data before the orders step (stock snapshot), then the orders step."""
    clock.freeze(NOW)
    before_orders = [s for s in demo.STEPS if s[1] is not seed_orders.seed_orders]
    assert len(before_orders) == len(demo.STEPS) - 1, "the orders step is part of seed-demo"
    _run_steps(before_orders)
    stock = dict(db.session.execute(sa.select(Offer.id, Offer.stock)).all())
    ctx = SeedContext(config=current_app.config, now=clock.now_utc())
    seed_orders.seed_orders(ctx)
    db.session.flush()
    return stock, ctx


def _all(db, model):
    return list(db.session.scalars(sa.select(model).order_by(model.id)))


def _card_orders(db):
    """The vendor orders of consumers' checkouts (professional orders, seeded with the quotes,
    are paid on invoice: no payment, no transfer)."""
    return [vo for vo in _all(db, VendorOrder) if vo.order_group_id is not None]


def test_orders_in_every_state_over_past_months(db, seeded):
    vendor_orders = _all(db, VendorOrder)
    assert {vo.status for vo in vendor_orders} == set(VendorOrderStatus)
    groups = _all(db, OrderGroup)
    assert {g.status for g in groups} == set(OrderGroupStatus)
    assert len(groups) >= 40
    months = {g.created_at.astimezone(dashboard.PARIS).strftime("%Y-%m") for g in groups}
    assert len(months) >= 9
    assert all(g.created_at <= NOW for g in groups)
    assert len({g.consumer_id for g in groups}) >= 4
    assert len({vo.vendor_id for vo in vendor_orders}) >= 8
    assert any(len(g.vendor_orders) > 1 for g in groups)
    for vo in vendor_orders:
        for stamp in (vo.paid_at, vo.preparing_at, vo.ready_at, vo.shipped_at, vo.completed_at, vo.refunded_at):
            assert stamp is None or vo.created_at <= stamp <= NOW
        assert vo.total_cents == sum(line.total_cents for line in vo.lines) + vo.delivery_fee_cents


def test_stock_matches_what_was_sold(db, seeded):
    initial, _ctx = seeded
    taken: Counter[int] = Counter()
    for vo in _all(db, VendorOrder):
        keeps_goods = vo.status in HOLDING_STOCK or (vo.status is V.REFUNDED and vo.cancelled_by is None)
        if keeps_goods:
            for line in vo.lines:
                taken[line.offer_id] += line.quantity
    for reservation in _all(db, StockReservation):
        if reservation.is_open:
            taken[reservation.offer_id] += reservation.quantity
    assert taken
    for offer_id, stock in db.session.execute(sa.select(Offer.id, Offer.stock)).all():
        if initial[offer_id] is None:
            assert stock is None
        else:
            assert stock == initial[offer_id] - taken[offer_id], offer_id
            assert stock >= 0


def test_invoices_credit_notes_and_payments_are_consistent(db, seeded):
    for vo in _card_orders(db):
        group = vo.order_group
        payment = db.session.scalar(sa.select(Payment).where(Payment.order_group_id == group.id))
        assert payment is not None and payment.checkout_session_id == group.checkout_session_id
        assert payment.amount_cents == group.total_cents
        if vo.paid_at is None:
            assert vo.invoice is None and not vo.credit_notes
            assert payment.status in (PaymentStatus.OPEN, PaymentStatus.EXPIRED, PaymentStatus.FAILED)
            continue
        assert payment.status is PaymentStatus.SUCCEEDED and payment.payment_intent_id
        assert vo.invoice is not None and vo.invoice.total_cents == vo.total_cents
        refund = db.session.scalar(sa.select(Refund).where(Refund.vendor_order_id == vo.id))
        if vo.status is V.REFUNDED:
            assert vo.refunded_cents == vo.total_cents
            assert sum(note.total_cents for note in vo.credit_notes) == vo.total_cents
            assert refund is not None and refund.amount_cents == vo.total_cents
            if vo.cancelled_by == "vendor":
                assert vo.cancel_reason
        else:
            assert not vo.credit_notes and refund is None and vo.refunded_cents == 0
    # numbers are sequential and gapless per vendor, in the order of issue
    for model, prefix in ((Invoice, "F"), (CreditNote, "AV")):
        by_vendor_year = defaultdict(list)
        for document in db.session.scalars(sa.select(model).order_by(model.issued_at, model.id)):
            by_vendor_year[(document.vendor_id, document.year)].append(document)
        for (_vendor_id, year), documents in by_vendor_year.items():
            assert [d.sequence for d in documents] == list(range(1, len(documents) + 1))
            assert all(re.fullmatch(rf"{prefix}-{year}-\d{{6}}", d.number) for d in documents)
    partial = [g for g in _all(db, OrderGroup) if g.status is OrderGroupStatus.PARTIALLY_REFUNDED]
    assert partial and all(0 < g.refunded_cents < g.total_cents for g in partial)


def test_transfers_follow_completion_and_payouts(db, seeded):
    payouts_vendor = db.session.scalar(sa.select(Vendor).filter_by(slug=seed_orders.PAYOUTS_VENDOR))
    assert payouts_vendor.payouts_enabled and payouts_vendor.stripe_account_id
    transfers = {t.vendor_order_id: t for t in _all(db, Transfer)}
    assert {t.status for t in transfers.values()} == set(TransferStatus)
    for vo in _card_orders(db):
        transfer = transfers.get(vo.id)
        if vo.completed_at is None:
            assert transfer is None
            continue
        assert transfer is not None and transfer.idempotency_key == f"transfer-vo-{vo.id}"
        assert transfer.amount_cents == vo.total_cents - vo.commission_cents
        if vo.status is V.REFUNDED:
            assert transfer.status is TransferStatus.REVERSED
        elif vo.vendor_id == payouts_vendor.id:
            assert transfer.status is TransferStatus.PAID and transfer.stripe_transfer_id
        else:
            assert transfer.status is TransferStatus.PENDING


def test_featured_vendor_dashboard_has_months_of_sales(db, seeded, client, login_as):
    vendor = db.session.scalar(sa.select(Vendor).filter_by(slug=seed_orders.FEATURED_VENDOR))
    months = dashboard.monthly_sales(vendor.id, NOW.date())
    # sales from its approval (four months before) onwards
    assert sum(1 for m in months if m.totals.orders) >= 4
    db.session.commit()
    owner = next(m.user for m in vendor.memberships)
    response = login_as(owner).get(f"/espace-fournisseur/{vendor.id}/ventes")
    assert response.status_code == 200
    assert "Aucune vente" not in response.get_data(as_text=True)


def test_a_second_run_adds_nothing(db, seeded):
    counts = {model: db.session.scalar(sa.select(sa.func.count()).select_from(model))
              for model in (OrderGroup, VendorOrder, Invoice, CreditNote, Payment, Transfer, Refund)}
    clock.advance(dt.timedelta(days=2))
    ctx = SeedContext(config=current_app.config, now=clock.now_utc())
    seed_orders.seed_orders(ctx)
    assert not ctx.created
    assert counts == {model: db.session.scalar(sa.select(sa.func.count()).select_from(model)) for model in counts}


def _orders_content(db) -> list[tuple]:
    return sorted(
        (vo.order_group.checkout_session_id, vo.vendor.slug, vo.status.value, vo.total_cents, vo.created_at,
         vo.order_group.consumer.email, tuple((line.title, line.quantity) for line in vo.lines),
         vo.invoice.number if vo.invoice else None)
        for vo in _card_orders(db)
    )


def test_two_runs_on_an_empty_database_give_the_same_orders(app, db):
    clock.freeze(NOW)
    connection = db.session.get_bind()
    empty = connection.begin_nested()
    _run_steps(demo.STEPS)
    first = _orders_content(db)
    db.session.close()
    empty.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OrderGroup)) == 0
    _run_steps(demo.STEPS)
    assert _orders_content(db) == first


def test_no_offer_called_free_has_a_price(db, seeded):
    for offer in _all(db, Offer):
        if re.search(r"\bgratuit", offer.description_text or "", re.IGNORECASE):
            assert offer.price_cents == 0, offer.title
