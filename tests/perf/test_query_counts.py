"""SQL statements per page do not grow with the number of items shown (no N+1).

Each page is rendered with N items, then with 3N: the number of statements
must not grow. Statements are counted on the engine ("before_cursor_execute").
"""
from __future__ import annotations

import datetime as dt

import pytest

from marketplace.catalogue.models import Label
from marketplace.core.clock import now_utc
from marketplace.payments.models import TransferStatus
from marketplace.shop.models import OrderGroupStatus, VendorOrderStatus
from marketplace.vendors.models import MemberRole, Sector
from tests.factories import (
    CartFactory,
    CartLineFactory,
    CategoryFactory,
    OfferFactory,
    OfferImageFactory,
    OrderGroupFactory,
    OrderLineFactory,
    TransferFactory,
    UserFactory,
    VendorFactory,
    VendorMembershipFactory,
    VendorOrderFactory,
)
from tests.perf.conftest import route_exists

N = 3


def _offers(count: int, category, **kwargs) -> list:
    """``count`` offers, each of its own structure, with labels and an image (what pages show)."""
    offers = []
    for i in range(count):
        offer = OfferFactory(category=category, title=f"Confiture maison numéro {i}", **kwargs)
        offer.set_labels([Label.BIO, Label.LOCAL])
        OfferImageFactory(offer=offer)
        offers.append(offer)
    return offers


def _measure(client, count_queries, path: str, grow, expect_text: str | None = None) -> dict[int, int]:
    """SQL statements of ``path`` with N items, then with 3N (``grow(k)`` adds k items)."""
    counts = {}
    grow(N)
    counts[N] = count_queries(client, path, expect_text=expect_text)
    grow(2 * N)
    counts[3 * N] = count_queries(client, path, expect_text=expect_text)
    return counts


def _assert_flat(counts: dict[int, int], page: str) -> None:
    small, large = counts[N], counts[3 * N]
    print(f"{page}: {small} statements with {N} items, {large} with {3 * N}")
    assert large <= small, f"{page}: {small} SQL statements with {N} items, {large} with {3 * N} (N+1?)"


@pytest.mark.parametrize("path", ["/", "/catalogue/confitures", "/catalogue"])
def test_catalogue_pages(client, db, count_queries, path):
    parent = CategoryFactory(name="Épicerie", slug="epicerie")
    category = CategoryFactory(name="Confitures", slug="confitures", parent=parent)
    counts = _measure(client, count_queries, path, lambda k: _offers(k, category), "Confiture maison numéro 0")
    _assert_flat(counts, path)


def test_offer_page(client, db, count_queries):
    category = CategoryFactory(slug="confitures")
    offer = _offers(1, category)[0]

    def grow(k):
        _offers(k, category)  # related offers (the page shows a few)
        for _ in range(k):
            OfferImageFactory(offer=offer, position=len(offer.images))

    counts = _measure(client, count_queries, f"/offres/{offer.id}-{offer.slug}", grow, offer.title)
    _assert_flat(counts, "offer")


def test_search_page(client, db, count_queries, app, tmp_path, monkeypatch):
    from marketplace.search import service

    monkeypatch.setitem(app.config, "SEARCH_BACKEND", "whoosh")
    monkeypatch.setitem(app.config, "SEARCH_INDEX_DIR", str(tmp_path / "index"))
    app.extensions.pop("search_backend", None)
    category = CategoryFactory(slug="confitures")

    def grow(k):
        _offers(k, category)
        db.session.flush()
        service.reindex()

    try:
        counts = _measure(client, count_queries, "/recherche?q=confiture", grow, "Confiture maison numéro 0")
    finally:
        app.extensions.pop("search_backend", None)
    _assert_flat(counts, "search")


def test_directory_page(client, db, count_queries):
    def grow(k):
        for _ in range(k):
            VendorFactory().set_sectors([Sector.ALIMENTATION, Sector.REEMPLOI])

    counts = _measure(client, count_queries, "/fournisseurs", grow, "Coopérative Exemple")
    _assert_flat(counts, "directory")


def test_cart_page(client, db, count_queries, login_as):
    consumer = UserFactory()
    cart = CartFactory(user_id=consumer.id)
    category = CategoryFactory()

    def grow(k):
        for offer in _offers(k, category):
            CartLineFactory(cart=cart, offer_id=offer.id, quantity=2)

    login_as(consumer)
    counts = _measure(client, count_queries, "/panier", grow, "Confiture maison numéro 0")
    _assert_flat(counts, "cart")


def test_my_orders_page(client, db, count_queries, login_as):
    consumer = UserFactory()

    def grow(k):
        for _ in range(k):
            group = OrderGroupFactory(consumer_id=consumer.id, status=OrderGroupStatus.PAID, total_cents=1300)
            for _vendor in range(2):
                VendorOrderFactory(order_group=group, status=VendorOrderStatus.PAID, total_cents=650)

    login_as(consumer)
    counts = _measure(client, count_queries, "/mes-commandes", grow, "Coopérative Exemple")
    _assert_flat(counts, "my orders")


def _paid_vendor_orders(vendor, count: int) -> None:
    paid_at = now_utc() - dt.timedelta(days=3)
    for _ in range(count):
        consumer = UserFactory()
        group = OrderGroupFactory(consumer_id=consumer.id, status=OrderGroupStatus.PAID, total_cents=1300)
        vendor_order = VendorOrderFactory(
            order_group=group, vendor_id=vendor.id, status=VendorOrderStatus.COMPLETED, paid_at=paid_at,
            completed_at=paid_at, subtotal_cents=1300, total_cents=1300, commission_cents=65,
        )
        offer = OfferFactory(vendor=vendor)
        OrderLineFactory(vendor_order=vendor_order, offer_id=offer.id, unit_price_cents=650, quantity=2)
        TransferFactory(vendor_order_id=vendor_order.id, amount_cents=1235, status=TransferStatus.PAID)


@pytest.mark.parametrize("page", ["ventes", "commandes"])
def test_vendor_dashboard(client, db, count_queries, login_as, page):
    owner = VendorMembershipFactory(role=MemberRole.OWNER)
    login_as(owner.user)
    path = f"/espace-fournisseur/{owner.vendor_id}/{page}"
    counts = _measure(client, count_queries, path, lambda k: _paid_vendor_orders(owner.vendor, k))
    _assert_flat(counts, f"vendor {page}")


def test_tender_list(app, client, db, count_queries):
    if not route_exists(app, "/appels-d-offres"):
        pytest.skip("no tender list yet")
    from tests.perf.conftest import make_tenders

    counts = _measure(client, count_queries, "/appels-d-offres", make_tenders, "Marché public numéro 0")
    _assert_flat(counts, "tender list")
