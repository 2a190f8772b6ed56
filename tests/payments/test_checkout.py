"""Opening the Checkout Session, and Stripe failing or not answering."""
from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from marketplace.core.audit import events_for
from marketplace.core.clock import freeze, now_utc
from marketplace.payments import services
from marketplace.payments.models import Payment, PaymentStatus
from marketplace.shop.models import OrderGroupStatus

SUCCESS = "http://localhost/commande/merci?session_id={CHECKOUT_SESSION_ID}"
CANCEL = "http://localhost/panier"


def test_one_session_for_the_whole_cart(db, make_order, sim):
    freeze(dt.datetime(2026, 11, 26, 10, 0, tzinfo=dt.UTC))
    group = make_order()
    url = services.create_checkout_session(group, SUCCESS, CANCEL)

    payment = db.session.scalar(sa.select(Payment))
    assert url == payment.checkout_url and url.startswith(sim.url + "/checkout/cs_test_")
    assert group.checkout_session_id == payment.checkout_session_id
    assert payment.amount_cents == group.total_cents == 2 * 1250 + 890 + 590
    assert payment.status == PaymentStatus.OPEN
    assert payment.expires_at == now_utc() + dt.timedelta(minutes=30)
    session = sim.state.sessions[payment.checkout_session_id]
    assert session["_transfer_group"] == f"group-{group.id}"
    assert session["amount_total"] == group.total_cents
    assert session["expires_at"] == int((now_utc() + dt.timedelta(minutes=30)).timestamp())
    assert [line["quantity"] for line in session["_line_items"]] == [2, 1, 1]
    assert session["metadata"] == {"order_group_id": str(group.id)}
    assert "payment.checkout_opened" in [e.action for e in events_for(group)]


def test_asking_twice_reuses_the_open_session(db, make_order, sim):
    group = make_order()
    first = services.create_checkout_session(group, SUCCESS, CANCEL)
    assert services.create_checkout_session(group, SUCCESS, CANCEL) == first
    assert len(sim.requests_to("/v1/checkout/sessions")) == 1


@pytest.mark.parametrize("mode", ["error", "hang"])
def test_stripe_failing_or_silent_raises_payment_unavailable(app, db, make_order, sim, mode):
    app.config["STRIPE_TIMEOUT_SECONDS"] = 0.3
    sim.mode(mode, hang_seconds=10)
    group = make_order()
    with pytest.raises(services.PaymentUnavailable) as info:
        services.create_checkout_session(group, SUCCESS, CANCEL)
    assert "indisponible" in str(info.value.message)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Payment)) == 0
    assert group.checkout_session_id is None


def test_unreachable_stripe_raises_payment_unavailable(app, db, make_order, stripe_simulator):
    app.config["STRIPE_API_BASE"] = "http://127.0.0.1:9"  # nothing listens there
    with pytest.raises(services.PaymentUnavailable):
        services.create_checkout_session(make_order(), SUCCESS, CANCEL)


def test_shop_checkout_keeps_cart_and_releases_stock_when_stripe_fails(app, db, sim):
    """Through the shop's own checkout: the order is cancelled, stock back, cart intact."""
    from marketplace.shop import checkout
    from marketplace.shop.errors import CheckoutError
    from marketplace.shop.models import Cart, CartLine, OrderGroup
    from tests.factories import OfferFactory, UserFactory

    consumer = UserFactory()
    offer = OfferFactory(stock=5, price_cents=800, delivery=False)
    cart = Cart(user_id=consumer.id)
    cart.lines.append(CartLine(offer_id=offer.id, quantity=2))
    db.session.add(cart)
    db.session.flush()
    sim.mode("error")
    details = checkout.CheckoutDetails(contact_name="Camille Martin", contact_email=consumer.email,
                                       fulfilment={offer.vendor_id: "pickup"})
    with pytest.raises(CheckoutError):
        checkout.start_checkout(consumer, cart, details, SUCCESS, CANCEL)
    db.session.refresh(offer)
    assert offer.stock == 5
    assert [line.quantity for line in cart.lines] == [2]
    group = db.session.scalar(sa.select(OrderGroup))
    assert group.status == OrderGroupStatus.CANCELLED
