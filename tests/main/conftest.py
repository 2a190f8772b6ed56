"""Helpers for the public shell tests: other, separately configured apps."""
from __future__ import annotations

import pytest

from marketplace import create_app
from marketplace.core.db import Database
from marketplace.extensions import limiter


@pytest.fixture
def build_app(app, tmp_path):
    """``build_app(**config)``: another app, on the test database unless told otherwise.

    The rate limiter and the last-created engine are process-wide: both are
    restored afterwards so that the other tests keep their settings.
    """
    saved_limiter = {name: getattr(limiter, name) for name in ("enabled", "initialized")}
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
    if limiter.enabled and limiter.initialized:
        limiter.reset()
    for name, value in saved_limiter.items():
        setattr(limiter, name, value)
    Database.last_engine = saved_engine


@pytest.fixture
def make_app(build_app, db):
    """``make_app(**config)``: another app sharing the test's rolled-back transaction."""
    return build_app
