"""Fixtures of the security tests: the two-of-everything world, signing in, database snapshots."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from marketplace.core.db import Base
from tests.security.world import build_world


@pytest.fixture(autouse=True)
def _own_search_index(app, tmp_path, monkeypatch):
    """Offers written by these tests (payloads in their titles) go to an index of their own."""
    monkeypatch.setitem(app.config, "SEARCH_INDEX_DIR", str(tmp_path / "search-index"))
    app.extensions.pop("search_backend", None)
    yield
    app.extensions.pop("search_backend", None)


PROCUREMENT = ("quotes.", "tenders.", "bids.", "shop.pro_", "shop.record_pro")


@pytest.fixture
def world(request, db):
    """The world; its procurement part only for tests marked ``procurement`` (it takes time to build)."""
    return build_world(db, procurement=request.node.get_closest_marker("procurement") is not None)


@pytest.fixture
def sign_in(login_as, world):
    """``sign_in("owner_a")`` signs that person of the world in (``"anonymous"`` signs out)."""
    return lambda key: login_as(world.users[key])


def snapshot(db) -> dict[str, list]:
    """Every row of every table, to prove that a refused request changed nothing."""
    db.session.expire_all()
    state = {}
    for table in Base.metadata.sorted_tables:
        rows = db.session.execute(sa.select(table)).all()
        state[table.name] = sorted(tuple(map(repr, row)) for row in rows)
    return state


def changed_tables(before: dict, after: dict) -> list[str]:
    return [name for name in before if before[name] != after.get(name)]


def pytest_configure(config):
    config.addinivalue_line("markers", "procurement: the test needs the procurement part of the world")
