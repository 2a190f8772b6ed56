"""Orders to pay (and paid), vendors with or without payouts, and simulator helpers."""
from __future__ import annotations

import pytest
import requests

from marketplace.core.money import percentage
from marketplace.payments import services
from marketplace.shop.models import OrderGroupStatus, VendorOrderStatus
from tests.factories import (
    OfferFactory,
    OrderGroupFactory,
    OrderLineFactory,
    UserFactory,
    VendorMembershipFactory,
    VendorOrderFactory,
)
from tests.payments.support import simulator_file  # noqa: F401  (fixture)


@pytest.fixture
def make_order(db):
    """``make_order([(vendor, [(price, qty), …], delivery_fee), …])`` → a pending order group."""

    def _make(parts=None, consumer=None):
        consumer = consumer or UserFactory()
        if parts is None:
            parts = [(None, [(1250, 2)], 0), (None, [(890, 1)], 590)]
        group = OrderGroupFactory(consumer_id=consumer.id, contact_email=consumer.email)
        total = 0
        for vendor, lines, fee in parts:
            vendor = vendor or VendorMembershipFactory().vendor
            subtotal = sum(price * qty for price, qty in lines)
            vo_total = subtotal + fee
            vendor_order = VendorOrderFactory(
                order_group=group,
                vendor_id=vendor.id,
                subtotal_cents=subtotal,
                delivery_fee_cents=fee,
                total_cents=vo_total,
                vat_cents=0,
                commission_bp=500,
                commission_cents=percentage(vo_total, 500),
            )
            for price, qty in lines:
                offer = OfferFactory(vendor=vendor, price_cents=price, stock=10)
                OrderLineFactory(vendor_order=vendor_order, offer_id=offer.id, title=offer.title,
                                 unit_price_cents=price, quantity=qty, total_cents=price * qty)
            total += vo_total
        group.total_cents = total
        db.session.flush()
        db.session.refresh(group)
        return group

    return _make


@pytest.fixture
def sim(stripe_simulator):
    """Small HTTP helpers for the simulator's control endpoints."""

    class Sim:
        server = stripe_simulator
        url = stripe_simulator.url

        def mode(self, mode, hang_seconds=None):
            requests.post(f"{self.url}/_simulator/mode", json={"mode": mode, "hang_seconds": hang_seconds}, timeout=5)

        def pay(self, session_id, outcome="paid"):
            return requests.post(f"{self.url}/_simulator/checkout/{session_id}/pay", json={"outcome": outcome}, timeout=5)

        def settle(self, session_id, succeeded=True):
            return requests.post(f"{self.url}/_simulator/checkout/{session_id}/async", json={"succeeded": succeeded}, timeout=5)

        def complete_account(self, account_id):
            return requests.post(f"{self.url}/_simulator/accounts/{account_id}/complete", timeout=5)

        def requests_to(self, path_prefix):
            data = requests.get(f"{self.url}/_simulator/requests", timeout=5).json()["data"]
            return [r for r in data if r["path"].startswith(path_prefix)]

        @property
        def state(self):
            return stripe_simulator.state

    return Sim()


def vendor_order_status(vendor_order) -> VendorOrderStatus:
    return vendor_order.status


SUCCESS = "http://localhost/commande/merci?session_id={CHECKOUT_SESSION_ID}"
CANCEL = "http://localhost/panier"


@pytest.fixture
def connected_vendor(db, sim, deliver_webhooks):
    """``connected_vendor(payouts=True)``: a vendor with a Stripe Express account."""

    def _make(payouts=True):
        vendor = VendorMembershipFactory().vendor
        services.start_onboarding(vendor, "http://localhost/retour", "http://localhost/relancer")
        if payouts:
            sim.complete_account(vendor.stripe_account_id)
            deliver_webhooks("account.updated")
        db.session.refresh(vendor)
        assert vendor.payouts_enabled is payouts
        return vendor

    return _make


@pytest.fixture
def paid_order(db, make_order, sim, deliver_webhooks):
    def _make(parts):
        group = make_order(parts)
        services.create_checkout_session(group, SUCCESS, CANCEL)
        db.session.commit()
        sim.pay(group.checkout_session_id)
        deliver_webhooks("checkout.session.completed")
        db.session.refresh(group)
        assert group.status == OrderGroupStatus.PAID
        return group

    return _make

