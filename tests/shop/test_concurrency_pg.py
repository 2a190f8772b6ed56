"""Concurrency on PostgreSQL, with real commits on a dedicated, throw-away database.

20 consumers check out at the same moment for an offer with 5 units left:
exactly 5 get a reservation. 20 invoices issued at once for one vendor (some
transactions rolled back) get the numbers 1…N without a gap or a duplicate.
"""
from __future__ import annotations

import os
import threading

import pytest
import sqlalchemy as sa

from marketplace import create_app
from marketplace.extensions import db as _db
from tests.pgdb import temporary_database

DATABASE_URL = os.environ.get("DATABASE_URL", "")

pytestmark = pytest.mark.skipif(
    not DATABASE_URL.startswith("postgresql"), reason="concurrency with row locks is tested on PostgreSQL"
)

THREADS = 20


@pytest.fixture(scope="module")
def pg_app(tmp_path_factory):
    server_url = DATABASE_URL.rsplit("/", 1)[0]
    with temporary_database(server_url, prefix="ms_shop_concurrency") as url:
        instance = tmp_path_factory.mktemp("instance-concurrency")
        app = create_app(
            {
                "ENV_NAME": "testing",
                "DATABASE_URL": url,
                "UPLOAD_DIR": str(instance / "uploads"),
                "SEARCH_INDEX_DIR": str(instance / "search-index"),
                "SERVER_NAME": "localhost",
            }
        )
        with app.app_context():
            _db.create_all()
        try:
            yield app
        finally:
            with app.app_context():
                _db.session.remove()
                _db.engine.dispose()


@pytest.fixture(autouse=True)
def _plain_sessions():
    """Sessions of their own, committing for real (not bound to a test transaction)."""
    _db.session.remove()
    _db.session.configure(bind=None, join_transaction_mode="conditional_savepoint")
    yield
    _db.session.remove()


def _run_in_threads(app, work):
    """Run ``work(i)`` in THREADS threads, each in its own app context (its own session), all released together."""
    barrier = threading.Barrier(THREADS)
    results: list = [None] * THREADS

    def runner(i):
        with app.app_context():
            try:
                results[i] = work(i, barrier)
            except Exception as exc:  # reported by the assertions
                results[i] = exc
                _db.session.rollback()
            finally:
                _db.session.remove()

    threads = [threading.Thread(target=runner, args=(i,)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads)
    return results


def _setup_world(app):
    from marketplace.accounts.models import User
    from marketplace.catalogue.models import Category, Channels, Offer, OfferStatus
    from marketplace.core.clock import now_utc
    from marketplace.core.identifiers import make_siret
    from marketplace.shop.models import Cart, CartLine
    from marketplace.vendors.models import Vendor, VendorStatus

    with app.app_context():
        session = _db.session
        vendor = Vendor(
            name="Ferme du Trièves", slug="ferme-du-trieves", siret=make_siret(811000001),
            status=VendorStatus.APPROVED, approved_at=now_utc(),
        )
        category = Category(slug="epicerie", name="Épicerie")
        session.add_all([vendor, category])
        session.flush()
        offer = Offer(
            vendor_id=vendor.id, category_id=category.id, title="Panier de légumes bio", slug="panier-legumes",
            price_cents=1800, vat_rate_bp=550, stock=5, channels=Channels.B2C, pickup=True,
            status=OfferStatus.PUBLISHED, published_at=now_utc(),
        )
        session.add(offer)
        session.flush()
        users = []
        for i in range(THREADS):
            user = User(email=f"client{i}@exemple.fr", display_name=f"Client {i}")
            session.add(user)
            session.flush()
            session.add(Cart(user_id=user.id, fulfilment_choices={}, lines=[CartLine(offer_id=offer.id, quantity=1)]))
            users.append(user.id)
        session.commit()
        return vendor.id, offer.id, users


def test_twenty_parallel_checkouts_for_five_units_exactly_five_succeed(pg_app):
    from marketplace.accounts.models import User
    from marketplace.catalogue.models import Offer
    from marketplace.shop import cart as carts
    from marketplace.shop import checkout as checkouts
    from marketplace.shop.errors import CheckoutError
    from marketplace.shop.models import OrderGroup, StockReservation

    vendor_id, offer_id, user_ids = _setup_world(pg_app)

    def checkout(i, barrier):
        user = _db.session.get(User, user_ids[i])
        cart = carts.cart_for_user(user)
        details = checkouts.CheckoutDetails(contact_name=f"Client {i}", contact_email=user.email)
        _db.session.rollback()  # start the race with no snapshot held
        barrier.wait()
        try:
            checkouts.create_order(user, cart, details)
        except CheckoutError:
            _db.session.rollback()
            return "refused"
        _db.session.commit()
        return "reserved"

    results = _run_in_threads(pg_app, checkout)
    errors = [r for r in results if isinstance(r, Exception)]
    assert not errors, errors
    assert results.count("reserved") == 5
    assert results.count("refused") == THREADS - 5
    with pg_app.app_context():
        assert _db.session.get(Offer, offer_id).stock == 0
        reserved = _db.session.scalar(
            sa.select(sa.func.sum(StockReservation.quantity)).where(StockReservation.offer_id == offer_id)
        )
        assert reserved == 5
        assert _db.session.scalar(sa.select(sa.func.count()).select_from(OrderGroup)) == 5
        _db.session.remove()


def test_invoice_numbers_stay_gapless_under_concurrency(pg_app):
    from marketplace.core.clock import now_utc
    from marketplace.shop import invoices
    from marketplace.shop.models import DocumentKind, Invoice, OrderGroup, OrderLine, VendorOrder
    from marketplace.vendors.models import Vendor

    with pg_app.app_context():
        session = _db.session
        vendor = session.scalar(sa.select(Vendor).where(Vendor.slug == "ferme-du-trieves"))
        vendor_order_ids = []
        for i in range(THREADS):
            group = OrderGroup(contact_name=f"Client {i}", contact_email=f"client{i}@exemple.fr", total_cents=1800)
            vo = VendorOrder(vendor_id=vendor.id, total_cents=1800, subtotal_cents=1800, commission_bp=500)
            vo.lines.append(OrderLine(title="Panier de légumes bio", unit_price_cents=1800, vat_rate_bp=550,
                                      quantity=1, total_cents=1800))
            group.vendor_orders.append(vo)
            session.add(group)
            session.flush()
            vendor_order_ids.append(vo.id)
        session.commit()
        vendor_id = vendor.id
        year = now_utc().year
        _db.session.remove()

    def issue(i, barrier):
        vendor_order = _db.session.get(VendorOrder, vendor_order_ids[i])
        assert vendor_order.lines and vendor_order.order_group and vendor_order.vendor  # loaded before the race
        _db.session.rollback()
        barrier.wait()
        vendor_order = _db.session.get(VendorOrder, vendor_order_ids[i])
        invoice = invoices.issue_invoice(vendor_order)
        if i % 4 == 3:  # these transactions fail after taking a number
            _db.session.rollback()
            return "rolled back"
        number = invoice.number
        _db.session.commit()
        return number

    results = _run_in_threads(pg_app, issue)
    errors = [r for r in results if isinstance(r, Exception)]
    assert not errors, errors
    numbers = [r for r in results if r != "rolled back"]
    assert len(numbers) == THREADS - THREADS // 4
    expected = [invoices.format_number(DocumentKind.INVOICE, year, n) for n in range(1, len(numbers) + 1)]
    assert sorted(numbers) == expected
    with pg_app.app_context():
        sequences = _db.session.scalars(
            sa.select(Invoice.sequence).where(Invoice.vendor_id == vendor_id).order_by(Invoice.sequence)
        ).all()
        assert sequences == list(range(1, len(numbers) + 1))
        _db.session.remove()
