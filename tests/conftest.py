"""Shared fixtures: the app, a database rolled back after each test, clients.

Each test runs inside an outer transaction; the code under test commits to a
SAVEPOINT, so its commits are real for it and vanish after the test.
"""
from __future__ import annotations

import os
import re

import pytest
from flask import g

from marketplace import create_app
from marketplace.core import clock
from marketplace.extensions import db as _db


def _database_url(tmp_path_factory) -> str:
    url = os.environ.get("DATABASE_URL")
    if url:
        return url
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    instance = tmp_path_factory.mktemp("instance")
    app = create_app(
        {
            "ENV_NAME": "testing",
            "DATABASE_URL": _database_url(tmp_path_factory),
            "UPLOAD_DIR": str(instance / "uploads"),
            "SEARCH_INDEX_DIR": str(instance / "search-index"),
            "STRIPE_SIMULATOR_STATE": str(instance / "stripe-simulator.sqlite3"),
            "SERVER_NAME": "localhost",
        }
    )

    # Each request starts with a fresh ``g``, as in production, although the
    # test keeps one app context (and so one session) across requests.
    def _fresh_g():
        for key in list(vars(g)):
            delattr(g, key)

    app.before_request_funcs.setdefault(None, []).insert(0, _fresh_g)
    with app.app_context():
        _db.drop_all()
        _db.create_all()
    yield app
    with app.app_context():
        _db.session.remove()
        _db.drop_all()
        _db.engine.dispose()


@pytest.fixture
def db(app, tmp_path, monkeypatch):
    """The database, inside a transaction rolled back after the test.

    Each test also has its own (missing) search index, built from its data by
    the first search; the test's commits are indexed after it.
    """
    monkeypatch.setitem(app.config, "SEARCH_INDEX_DIR", str(tmp_path / "search-index"))
    app.extensions.pop("search_backend", None)
    with app.app_context():
        connection = _db.engine.connect()
        outer = connection.begin()
        _db.session.remove()
        _db.session.configure(bind=connection, join_transaction_mode="create_savepoint")
        try:
            yield _db
        finally:
            _db.session.remove()
            if outer.is_active:
                outer.rollback()
            connection.close()
            _db.session.configure(bind=None, join_transaction_mode="conditional_savepoint")


@pytest.fixture(autouse=True)
def _clock_reset():
    yield
    clock.unfreeze()


@pytest.fixture
def client(app, db):
    return app.test_client()


@pytest.fixture
def login_as(client):
    """``login_as(user)`` signs ``user`` in on the test client (None signs out)."""

    def _login(user):
        with client.session_transaction() as sess:
            sess.clear()
            if user is not None:
                sess["_user_id"] = user.get_id()
                sess["_fresh"] = True
        return client

    return _login


@pytest.fixture
def outbox(db):
    """A function returning the e-mails queued so far (newest last)."""
    from sqlalchemy import select

    from marketplace.core.outbox import OutboxMessage

    def _messages(to: str | None = None):
        stmt = select(OutboxMessage).order_by(OutboxMessage.id)
        if to:
            stmt = stmt.where(OutboxMessage.to_address == to)
        return list(db.session.scalars(stmt))

    return _messages


CSRF_RE = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"')


def csrf_token_from(html: str) -> str:
    match = CSRF_RE.search(html)
    assert match, "no CSRF token in the page"
    return match.group(1) or match.group(2)


@pytest.fixture
def rate_limited(app, monkeypatch):
    """Turn Flask-Limiter on for one test; it is restored afterwards.

    The test app is created with RATELIMIT_ENABLED off, so the limiter was
    never initialised. It is initialised here on the same app; it is already
    listed in ``app.extensions`` so that no request hook is added to an app
    that has served requests: the decorated views check their own limits.
    Lower a limit with ``monkeypatch.setitem(app.config, "LOGIN_RATE_LIMIT", …)``.
    """
    from marketplace.extensions import limiter

    saved = {name: getattr(limiter, name) for name in ("enabled", "initialized")}
    monkeypatch.setitem(app.config, "RATELIMIT_ENABLED", True)
    app.extensions.setdefault("limiter", set()).add(limiter)
    limiter.init_app(app)
    limiter.reset()
    try:
        yield limiter
    finally:
        limiter.reset()
        for name, value in saved.items():
            setattr(limiter, name, value)


@pytest.fixture
def csrf_app(app):
    """Turn CSRF protection on for one test."""
    app.config["WTF_CSRF_ENABLED"] = True
    yield app
    app.config["WTF_CSRF_ENABLED"] = False


@pytest.fixture(scope="session")
def _stripe_simulator_server():
    from marketplace.payments.simulator import SimulatorServer

    server = SimulatorServer(webhook_secret="whsec_tests").start()
    yield server
    server.stop()


@pytest.fixture
def stripe_simulator(app, _stripe_simulator_server):
    """The local Stripe simulator (threaded server on a free port), reset, with the app
    pointed at it. Webhooks are kept in ``stripe_simulator.events()``; post them with
    the ``deliver_webhooks`` fixture."""
    server = _stripe_simulator_server
    server.state.reset()
    keys = ("STRIPE_SECRET_KEY", "STRIPE_API_BASE", "STRIPE_WEBHOOK_SECRET", "STRIPE_TIMEOUT_SECONDS",
            "STRIPE_MAX_NETWORK_RETRIES")
    previous = {key: app.config.get(key) for key in keys}
    app.config.update(
        STRIPE_SECRET_KEY="",
        STRIPE_API_BASE=server.url,
        STRIPE_WEBHOOK_SECRET="whsec_tests",
        STRIPE_TIMEOUT_SECONDS=2,
        STRIPE_MAX_NETWORK_RETRIES=0,
    )
    yield server
    server.state.reset()
    app.config.update(previous)


@pytest.fixture
def deliver_webhooks(client, stripe_simulator):
    """``deliver_webhooks(type=None)`` posts the simulator's events not yet delivered, signed,
    to the app's webhook endpoint; returns the responses."""
    delivered: set[str] = set()

    def _deliver(type_: str | None = None):
        responses = []
        for event in stripe_simulator.events(type_):
            if event["id"] in delivered:
                continue
            delivered.add(event["id"])
            body, signature = stripe_simulator.signed(event)
            responses.append(
                client.post("/webhooks/stripe", data=body, headers={"Stripe-Signature": signature},
                            content_type="application/json")
            )
        return responses

    return _deliver
