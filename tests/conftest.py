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
def db(app):
    """The database, inside a transaction rolled back after the test."""
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
            _db.session.configure(bind=None, join_transaction_mode="conservative_savepoint")


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
def csrf_app(app):
    """Turn CSRF protection on for one test."""
    app.config["WTF_CSRF_ENABLED"] = True
    yield app
    app.config["WTF_CSRF_ENABLED"] = False
