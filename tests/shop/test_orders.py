"""Checkout, reservations, the order state machines and invoice numbering (services)."""
from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from marketplace.core.audit import events_for
from marketplace.core.clock import advance, freeze
from marketplace.shop import checkout as checkouts
from marketplace.shop import invoices, orders, reservations
from marketplace.shop.errors import CheckoutError, OrderError
from marketplace.shop.models import (
    DocumentKind,
    Fulfilment,
    Invoice,
    OrderGroupStatus,
    VendorOrderStatus,
)
from marketplace.vendors.models import VendorStatus
from tests.factories import UserFactory, VendorFactory
from tests.shop.conftest import details, fill_cart, place_order

V = VendorOrderStatus


def _stock(db, offer):
    db.session.refresh(offer)
    return offer.stock


# ---------------------------------------------------------------- checkout


def test_checkout_splits_per_vendor_and_snapshots_prices(db, world):
    group = place_order(
        world.consumer, (world.jam, 2), (world.honey, 1), (world.soap, 3),
        fulfilment={world.vendor_a.id: "delivery"},
    )
    assert group.status is OrderGroupStatus.PENDING_PAYMENT
    by_vendor = {vo.vendor_id: vo for vo in group.vendor_orders}
    part_a, part_b = by_vendor[world.vendor_a.id], by_vendor[world.vendor_b.id]
    assert part_a.fulfilment is Fulfilment.DELIVERY
    assert part_a.subtotal_cents == 2 * 650 + 1200
    assert part_a.delivery_fee_cents == 750  # the highest fee of the delivered lines
    assert part_a.total_cents == 2500 + 750
    assert part_a.commission_bp == 500 and part_a.commission_cents == 163  # 5 % of 32.50 → 1.625 → 1.63
    assert part_b.fulfilment is Fulfilment.PICKUP and part_b.delivery_fee_cents == 0
    assert part_b.total_cents == 1440 and part_b.vat_cents == 240
    assert group.total_cents == 3250 + 1440
    world.jam.price_cents = 9999  # a later price change does not touch the order
    db.session.flush()
    line = next(line for line in part_a.lines if line.offer_id == world.jam.id)
    assert (line.title, line.unit_price_cents, line.vat_rate_bp, line.quantity, line.total_cents) == (
        "Confiture de myrtilles", 650, 550, 2, 1300,
    )
    assert events_for(group)[0].action == "checkout_started"


def test_checkout_reserves_stock_and_refuses_more_than_what_is_left(db, world):
    group = place_order(world.consumer, (world.honey, 3))
    assert _stock(db, world.honey) == 0
    reservation = group.reservations[0]
    assert (reservation.offer_id, reservation.quantity) == (world.honey.id, 3)
    assert reservation.expires_at > group.expires_at
    # unlimited stock is not reserved
    other = place_order(UserFactory(), (world.soap, 5))
    assert other.reservations == [] and _stock(db, world.soap) is None


def test_take_stock_is_refused_when_units_are_missing(db, world):
    reservations.take_stock(world.honey.id, 2, world.honey.title)
    with pytest.raises(CheckoutError) as info:
        reservations.take_stock(world.honey.id, 2, world.honey.title)
    assert "Il ne reste que 1" in str(info.value.message)
    assert _stock(db, world.honey) == 1


def test_checkout_refuses_a_suspended_vendor_and_ones_own_offer(db, world):
    cart = fill_cart(world.consumer, (world.jam, 1))
    world.vendor_a.status = VendorStatus.SUSPENDED
    db.session.flush()
    with pytest.raises(CheckoutError) as info:
        checkouts.create_order(world.consumer, cart, details())
    assert "n'est plus disponible" in str(info.value.message)
    world.vendor_a.status = VendorStatus.APPROVED
    db.session.flush()
    from marketplace.shop import cart as carts
    from marketplace.shop.errors import CartError

    with pytest.raises(CartError):
        carts.add_to_cart(carts.cart_for_user(world.owner_b, create=True), world.soap.id, 1, user=world.owner_b)


def test_delivery_needs_an_address_and_pickup_only_offers_cannot_be_delivered(db, world):
    with pytest.raises(CheckoutError) as info:
        place_order(world.consumer, (world.jam, 1), fulfilment={world.vendor_a.id: "delivery"}, address_line="")
    assert info.value.field == "address_line"
    with pytest.raises(CheckoutError) as info:
        place_order(world.consumer, (world.soap, 1), fulfilment={world.vendor_b.id: "delivery"})
    assert info.value.field == "fulfilment"


# ---------------------------------------------------------------- payment outcome


def test_mark_paid_consumes_reservations_issues_invoices_and_empties_the_cart(db, world, outbox):
    group = place_order(world.consumer, (world.jam, 2), (world.soap, 1))
    with pytest.raises(OrderError):
        orders.mark_paid(group, group.total_cents - 1)
    assert group.status is OrderGroupStatus.PENDING_PAYMENT
    orders.mark_paid(group, group.total_cents)
    assert group.status is OrderGroupStatus.PAID
    assert all(vo.status is V.PAID and vo.invoice is not None for vo in group.vendor_orders)
    assert all(r.consumed_at is not None for r in group.reservations)
    assert _stock(db, world.jam) == 8
    from marketplace.shop import cart as carts

    assert carts.cart_for_user(world.consumer).lines == []
    assert any(m.to_address == world.consumer.email for m in outbox())
    assert {m.to_address for m in outbox()} >= {world.owner_a.email, world.owner_b.email}
    orders.mark_paid(group, group.total_cents)  # a second confirmation has no effect
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Invoice)) == 2


@pytest.mark.parametrize("transition", [orders.payment_failed, orders.expire_checkout])
def test_failed_or_expired_checkout_releases_the_stock(db, world, transition):
    group = place_order(world.consumer, (world.honey, 2))
    assert _stock(db, world.honey) == 1
    transition(group)
    assert group.status is OrderGroupStatus.CANCELLED
    assert all(vo.status is V.CANCELLED for vo in group.vendor_orders)
    assert _stock(db, world.honey) == 3
    transition(group)  # again: nothing more is released
    assert _stock(db, world.honey) == 3
    with pytest.raises(OrderError):
        orders.mark_paid(group, group.total_cents)


def test_release_expired_cancels_stale_checkouts_only(app, db, world):
    freeze(dt.datetime(2026, 5, 4, 10, 0, tzinfo=dt.UTC))
    stale = place_order(world.consumer, (world.honey, 1))
    advance(dt.timedelta(minutes=20))
    fresh = place_order(UserFactory(), (world.honey, 1))
    advance(dt.timedelta(minutes=16))  # stale: 36 min > 30 + 5 grace; fresh: 16 min
    runner = app.test_cli_runner()
    result = runner.invoke(args=["shop", "release-expired"])
    assert result.exit_code == 0, result.output
    assert "released: 1" in result.output
    db.session.refresh(stale)
    db.session.refresh(fresh)
    assert stale.status is OrderGroupStatus.CANCELLED
    assert fresh.status is OrderGroupStatus.PENDING_PAYMENT
    assert _stock(db, world.honey) == 2


# ---------------------------------------------------------------- fulfilment


def _paid(world, *items, **kw):
    group = place_order(world.consumer, *items, **kw)
    orders.mark_paid(group, group.total_cents)
    return group


def test_pickup_path_and_illegal_moves(db, world, outbox):
    group = _paid(world, (world.jam, 1))
    vo = group.vendor_orders[0]
    with pytest.raises(OrderError):
        orders.mark_ready(vo)  # not prepared yet
    orders.mark_preparing(vo, actor=world.owner_a)
    with pytest.raises(OrderError):
        orders.mark_shipped(vo)  # a pickup order is not shipped
    with pytest.raises(OrderError):
        orders.cancel_by_consumer(vo, actor=world.consumer)  # too late: in preparation
    orders.mark_ready(vo, actor=world.owner_a)
    assert vo.status is V.READY_FOR_PICKUP
    actions = [(e.action, e.before, e.after) for e in events_for(vo)]
    assert ("preparing", "paid", "preparing") in actions
    assert ("ready_for_pickup", "preparing", "ready_for_pickup") in actions
    assert "prête à retirer" in outbox(world.consumer.email)[-1].subject


def test_delivery_path_ships(db, world):
    group = _paid(world, (world.jam, 1), fulfilment={world.vendor_a.id: "delivery"})
    vo = group.vendor_orders[0]
    orders.mark_preparing(vo)
    with pytest.raises(OrderError):
        orders.mark_ready(vo)
    orders.mark_shipped(vo)
    assert vo.status is V.SHIPPED


def test_vendor_cancel_needs_a_reason_and_restores_stock(db, world):
    group = _paid(world, (world.honey, 2))
    vo = group.vendor_orders[0]
    with pytest.raises(OrderError) as info:
        orders.cancel_by_vendor(vo, "  ")
    assert info.value.field == "reason"
    orders.cancel_by_vendor(vo, "Rupture : la récolte a été perdue.", actor=world.owner_a)
    assert vo.status in (V.CANCELLED, V.REFUNDED)
    assert vo.cancel_reason == "Rupture : la récolte a été perdue."
    assert _stock(db, world.honey) == 3
    assert events_for(vo)[-1].data.get("reason") or any(e.action == "cancelled_by_vendor" for e in events_for(vo))
    with pytest.raises(OrderError):
        orders.cancel_by_vendor(vo, "encore")


def test_refund_issues_a_credit_note_and_updates_the_group(db, world, outbox):
    group = _paid(world, (world.jam, 1), (world.soap, 2))
    part_a = next(vo for vo in group.vendor_orders if vo.vendor_id == world.vendor_a.id)
    part_a.status = V.CANCELLED
    note = orders.refunded(part_a, part_a.total_cents)
    assert note.number.startswith("AV-") and note.total_cents == part_a.total_cents
    assert note.invoice_id == part_a.invoice.id
    assert part_a.status is V.REFUNDED
    assert group.status is OrderGroupStatus.PARTIALLY_REFUNDED
    assert orders.refunded(part_a, 100) is None  # already refunded: nothing more
    part_b = next(vo for vo in group.vendor_orders if vo.vendor_id == world.vendor_b.id)
    with pytest.raises(OrderError):
        orders.refunded(part_b, part_b.total_cents + 1)
    orders.refunded(part_b, part_b.total_cents)
    assert group.status is OrderGroupStatus.REFUNDED
    assert "Remboursement" in outbox(world.consumer.email)[-1].subject


# ---------------------------------------------------------------- invoice numbers


def test_invoice_numbers_are_sequential_per_vendor_and_year_and_a_rollback_leaves_no_gap(db, world):
    freeze(dt.datetime(2026, 3, 1, 9, 0, tzinfo=dt.UTC))
    other_vendor = VendorFactory()
    assert invoices.next_number(world.vendor_a.id, DocumentKind.INVOICE, 2026) == 1
    assert invoices.next_number(world.vendor_a.id, DocumentKind.INVOICE, 2026) == 2
    assert invoices.next_number(other_vendor.id, DocumentKind.INVOICE, 2026) == 1
    assert invoices.next_number(world.vendor_a.id, DocumentKind.CREDIT_NOTE, 2026) == 1
    assert invoices.next_number(world.vendor_a.id, DocumentKind.INVOICE, 2027) == 1
    savepoint = db.session.begin_nested()
    assert invoices.next_number(world.vendor_a.id, DocumentKind.INVOICE, 2026) == 3
    savepoint.rollback()
    assert invoices.next_number(world.vendor_a.id, DocumentKind.INVOICE, 2026) == 3
    assert invoices.format_number(DocumentKind.INVOICE, 2026, 12) == "F-2026-000012"
    assert invoices.format_number(DocumentKind.CREDIT_NOTE, 2026, 3) == "AV-2026-000003"


def test_invoice_carries_seller_identity_and_vat_breakdown(db, world):
    group = _paid(world, (world.jam, 2), fulfilment={world.vendor_a.id: "delivery"})
    invoice = group.vendor_orders[0].invoice
    assert invoice.number.startswith("F-") and invoice.sequence == 1
    assert invoice.seller["siret"] == world.vendor_a.siret
    assert invoice.total_cents == 1300 + 590
    assert invoice.vat_breakdown == {"550": {"net": 1791, "vat": 99, "gross": 1890}}  # 18.90 / 1.055 = 17.9147…
    assert invoice.net_cents + invoice.vat_cents == invoice.total_cents
