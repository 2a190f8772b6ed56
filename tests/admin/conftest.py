"""Fixtures of the back-office tests: a signed-in administrator."""

from __future__ import annotations

import datetime as dt

import pytest

from marketplace.core import clock
from tests.factories import UserFactory

NOW = dt.datetime(2026, 3, 16, 9, 30, tzinfo=dt.UTC)


@pytest.fixture
def frozen():
    """The clock stopped on a Monday morning (Paris)."""
    clock.freeze(NOW)
    return NOW


@pytest.fixture
def admin(db):
    user = UserFactory(admin=True, email="admin@exemple.fr", display_name="Anne Admin")
    db.session.commit()
    return user


@pytest.fixture
def as_admin(login_as, admin):
    """The test client, signed in as the administrator."""
    return login_as(admin)
