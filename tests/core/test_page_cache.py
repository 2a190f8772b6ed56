"""Public pages kept for visitors who are not signed in (marketplace.core.page_cache)."""
from __future__ import annotations

import datetime as dt

import pytest
from flask import request

from marketplace.core import clock, page_cache
from marketplace.core.clock import now_utc
from tests.conftest import csrf_token_from
from tests.factories import PASSWORD, CartFactory, OfferFactory, OutboxMessageFactory, UserFactory


@pytest.fixture
def cached(app, db, monkeypatch, tmp_path):
    """Pages kept 60 s; the content version read on every request (as after its delay has passed)."""
    monkeypatch.setitem(app.config, "PAGE_CACHE_DIR", str(tmp_path / "pages"))
    monkeypatch.setitem(app.config, "PAGE_CACHE_SECONDS", 60)
    monkeypatch.setitem(app.config, "PAGE_CACHE_CHECK_SECONDS", 0)
    page_cache.clear()
    clock.freeze(now_utc())
    yield
    page_cache.clear()


@pytest.fixture
def offer(db):
    offer = OfferFactory(title="Miel de lavande", slug="miel-de-lavande", stock=8)
    db.session.commit()
    return offer


def offer_path(offer) -> str:
    return f"/offres/{offer.id}-{offer.slug}"


def test_a_visitor_gets_the_kept_page_with_a_token_of_their_own(app, cached, csrf_app, offer):
    first, second = app.test_client(), app.test_client()
    rendered = first.get(offer_path(offer))
    assert rendered.headers["X-Page-Cache"] == "miss"
    kept = second.get(offer_path(offer))
    assert kept.headers["X-Page-Cache"] == "hit"
    assert "Miel de lavande" in kept.text
    token = csrf_token_from(kept.text)
    assert token != csrf_token_from(rendered.text)
    assert "\x00" not in kept.text
    # The token works for its visitor: the offer goes into their cart.
    added = second.post("/panier/ajouter", data={"csrf_token": token, "offer_id": offer.id, "quantity": 1})
    assert added.status_code == 302
    assert "Miel de lavande" in second.get("/panier").text


@pytest.fixture
def handled(app, monkeypatch):
    """The paths of the requests the app itself handled (not served before it)."""
    paths: list[str] = []
    dispatch = app.full_dispatch_request
    monkeypatch.setattr(app, "full_dispatch_request", lambda: paths.append(request.path) or dispatch())
    return paths


def test_a_visitor_with_a_token_is_served_before_the_app(app, cached, csrf_app, offer, handled):
    visitor = app.test_client()
    rendered = visitor.get(offer_path(offer))  # the session now holds the visitor's token
    assert handled == [offer_path(offer)]
    kept = visitor.get(offer_path(offer))
    assert handled == [offer_path(offer)]  # not handled again
    assert kept.status_code == 200
    assert kept.headers["X-Page-Cache"] == "hit"
    assert kept.headers["Content-Type"] == "text/html; charset=utf-8"
    for name in ("Content-Security-Policy", "X-Frame-Options", "X-Content-Type-Options", "Referrer-Policy"):
        assert kept.headers[name] == rendered.headers[name]
    assert "Miel de lavande" in kept.text
    token = csrf_token_from(kept.text)
    added = visitor.post("/panier/ajouter", data={"csrf_token": token, "offer_id": offer.id, "quantity": 1})
    assert added.status_code == 302
    # With a cart, the pages are the shopper's own.
    assert "X-Page-Cache" not in visitor.get(offer_path(offer)).headers
    assert handled[-1] == offer_path(offer)


def test_a_remember_me_cookie_goes_to_the_app(app, db, cached, offer, handled):
    user = UserFactory()
    db.session.commit()
    member = app.test_client()
    member.post("/compte/connexion", data={"email": user.email, "password": PASSWORD, "remember": "y"})
    visitor = app.test_client()
    visitor.get(offer_path(offer))
    assert visitor.get(offer_path(offer)).headers["X-Page-Cache"] == "hit"
    visitor.set_cookie("remember_token", member.get_cookie("remember_token").value)
    page = visitor.get(offer_path(offer))
    assert "X-Page-Cache" not in page.headers  # signed in again by the cookie: their own page
    assert handled[-1] == offer_path(offer)


@pytest.mark.parametrize("path", ["/", "/catalogue", "/recherche?q=miel", "/fournisseurs", "/appels-d-offres"])
def test_every_public_listing_is_kept(app, cached, offer, path):
    client = app.test_client()
    assert client.get(path).headers["X-Page-Cache"] == "miss"
    again = client.get(path)
    assert again.status_code == 200
    assert again.headers["X-Page-Cache"] == "hit"


def test_a_change_to_the_catalogue_is_shown_at_once(app, db, cached, offer):
    client = app.test_client()
    client.get(offer_path(offer))
    assert client.get(offer_path(offer)).headers["X-Page-Cache"] == "hit"
    offer.title = "Miel de châtaignier"
    db.session.commit()
    changed = client.get(offer_path(offer))
    assert changed.headers["X-Page-Cache"] == "miss"
    assert "Miel de châtaignier" in changed.text


def test_other_commits_keep_the_pages(app, db, cached, offer):
    client = app.test_client()
    client.get(offer_path(offer))
    OutboxMessageFactory()
    UserFactory()
    db.session.commit()
    assert client.get(offer_path(offer)).headers["X-Page-Cache"] == "hit"


def test_stock_sold_is_shown_once_the_page_expires(app, db, cached, offer):
    from marketplace.shop.reservations import take_stock

    client = app.test_client()
    assert "Plus que" not in client.get(offer_path(offer)).text
    assert take_stock(offer.id, 5, offer.title)
    db.session.commit()
    assert client.get(offer_path(offer)).headers["X-Page-Cache"] == "hit"  # sold through the cart: same version
    clock.advance(dt.timedelta(seconds=61))
    fresh = client.get(offer_path(offer))
    assert fresh.headers["X-Page-Cache"] == "miss"
    assert "Plus que 3 exemplaires disponibles" in fresh.text


def test_signed_in_users_shoppers_and_messages_get_their_own_page(app, db, cached, offer, login_as):
    visitor = app.test_client()
    visitor.get(offer_path(offer))  # kept

    user = UserFactory()
    db.session.commit()
    signed_in = app.test_client()
    with signed_in.session_transaction() as sess:
        sess["_user_id"] = user.get_id()
        sess["_fresh"] = True
    assert "X-Page-Cache" not in signed_in.get(offer_path(offer)).headers

    shopper = app.test_client()
    cart = CartFactory(user_id=None, token="panier-de-test")
    db.session.commit()
    with shopper.session_transaction() as sess:
        sess["cart_token"] = cart.token
    assert "X-Page-Cache" not in shopper.get(offer_path(offer)).headers

    flashed = app.test_client()
    with flashed.session_transaction() as sess:
        sess["_flashes"] = [("success", "Votre message a bien été envoyé.")]
    page = flashed.get(offer_path(offer))
    assert "X-Page-Cache" not in page.headers
    assert "Votre message a bien été envoyé." in page.text


def test_each_language_has_its_page(app, cached, offer):
    french = app.test_client()
    english = app.test_client()
    with english.session_transaction() as sess:
        sess["locale"] = "en"
    assert 'lang="fr"' in french.get("/catalogue").text
    page = english.get("/catalogue")
    assert page.headers["X-Page-Cache"] == "miss"
    assert 'lang="en"' in page.text
    again = english.get("/catalogue")  # served before the app, in the session's language
    assert again.headers["X-Page-Cache"] == "hit"
    assert 'lang="en"' in again.text
    assert 'lang="fr"' in french.get("/catalogue").text


def test_off_by_default_in_tests_and_for_pages_not_marked(app, db, offer):
    client = app.test_client()
    client.get(offer_path(offer))
    assert "X-Page-Cache" not in client.get(offer_path(offer)).headers
    app.config["PAGE_CACHE_SECONDS"] = 60
    try:
        client.get("/charte")
        assert "X-Page-Cache" not in client.get("/charte").headers
    finally:
        app.config["PAGE_CACHE_SECONDS"] = 0


def test_the_processes_of_the_machine_share_the_pages(app, cached, offer):
    client = app.test_client()
    assert client.get(f"/fournisseurs/{offer.vendor.slug}").headers["X-Page-Cache"] == "miss"
    app.extensions.pop("page_cache")  # what another process starts with
    assert client.get(f"/fournisseurs/{offer.vendor.slug}").headers["X-Page-Cache"] == "hit"


def test_the_directory_keeps_to_its_budget(tmp_path):
    store = page_cache._Store(str(tmp_path))
    for n in range(5):
        store.put(("page", n), b"x" * 1000, max_age=60, max_bytes=10**6)
    store.sweep(max_age=60, max_bytes=2500)
    kept = [n for n in range(5) if store.get(("page", n), max_age=60) is not None]
    assert len(kept) == 2
    assert sum(f.stat().st_size for f in tmp_path.iterdir()) <= 2500


def test_shared_parts_are_remembered_while_the_content_is_unchanged(app, db, cached, offer):
    computed = []

    def compute():
        computed.append(len(computed) + 1)
        return computed[-1]

    remembered = page_cache.remembered
    assert remembered("part", 1, compute) == 1
    assert remembered("part", 1, compute) == 1
    assert remembered("part", 2, compute) == 2  # another key
    offer.title = "Miel de châtaignier"
    db.session.commit()
    assert remembered("part", 1, compute) == 3  # the content version changed
    assert remembered("part", 1, compute) == 3
    clock.freeze(now_utc() + dt.timedelta(seconds=61))
    assert remembered("part", 1, compute) == 4  # older than PAGE_CACHE_SECONDS
    OfferFactory(category=offer.category)  # flushed, not committed
    assert remembered("part", 1, compute) == 5
    assert remembered("part", 1, compute) == 6  # nothing kept from a transaction that changes things
    db.session.rollback()
    assert remembered("part", 1, compute) == 4


def test_the_related_offers_are_rendered_once_per_category_for_everyone(app, db, cached, offer, login_as, monkeypatch):
    from marketplace.catalogue import services

    sapin = OfferFactory(category=offer.category, title="Miel de sapin", slug="miel-de-sapin")
    db.session.commit()
    reads = []
    newest = services.newest_in_category
    monkeypatch.setattr(services, "newest_in_category", lambda *a, **kw: reads.append(a) or newest(*a, **kw))

    def related(page) -> str:
        return page.text.split('id="related-title"', 1)[1]

    client = login_as(UserFactory())
    lavande_page = client.get(offer_path(offer))
    assert "X-Page-Cache" not in lavande_page.headers  # signed in: the page is the user's own
    assert "Miel de sapin" in related(lavande_page)
    assert "Miel de lavande" not in related(lavande_page)  # not among its own related offers
    sapin_page = client.get(offer_path(sapin))
    assert "Miel de lavande" in related(sapin_page)
    assert "Miel de sapin" not in related(sapin_page)
    assert len(reads) == 1  # one category, read and rendered once

    OfferFactory(category=offer.category, title="Miel de tilleul", slug="miel-de-tilleul")
    db.session.commit()
    assert "Miel de tilleul" in related(client.get(offer_path(offer)))
    assert len(reads) == 2


def test_a_database_away_gives_the_apps_error_page_to_kept_pages_visitors(app, cached, offer, monkeypatch):
    from sqlalchemy.exc import OperationalError

    visitor = app.test_client()
    visitor.get(offer_path(offer))
    assert visitor.get(offer_path(offer)).headers["X-Page-Cache"] == "hit"

    def away(*args, **kwargs):
        raise OperationalError("SELECT content_version", {}, Exception("server closed the connection"))

    monkeypatch.setattr(page_cache, "content_version", away)
    page = visitor.get(offer_path(offer))
    assert page.status_code == 503
    assert "Service momentanément indisponible" in page.text
