"""Helpers for the public shell tests: other, separately configured apps."""
from __future__ import annotations

import pytest

from marketplace import create_app
from marketplace.core.db import Database


@pytest.fixture
def build_app(app, tmp_path):
    """``build_app(**config)``: another app, on the test database unless told otherwise.

    The last-created engine is process-wide: it is restored afterwards so
    that the other tests keep theirs. To test rate limits, use ``rate_limited``.
    """
    saved_engine = Database.last_engine

    def _build(**overrides):
        config = {
            "ENV_NAME": "testing",
            "DATABASE_URL": app.config["DATABASE_URL"],
            "UPLOAD_DIR": str(tmp_path / "uploads"),
            "SEARCH_INDEX_DIR": str(tmp_path / "search-index"),
            "SERVER_NAME": "localhost",
        }
        config.update(overrides)
        return create_app(config)

    yield _build
    Database.last_engine = saved_engine


@pytest.fixture
def make_app(build_app, db):
    """``make_app(**config)``: another app sharing the test's rolled-back transaction."""
    return build_app
