"""`flask db upgrade` from an empty database works, and models and migrations agree."""
from __future__ import annotations

import os

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from marketplace import create_app
from marketplace.extensions import db as _db
from tests.pgdb import temporary_database


@pytest.fixture
def empty_database_url(tmp_path):
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith("postgresql"):
        server = url.rsplit("/", 1)[0]
        with temporary_database(server, prefix="ms_migr") as fresh:
            yield fresh
    else:
        yield f"sqlite:///{tmp_path / 'empty.db'}"


def _diff(engine) -> list:
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        return compare_metadata(context, _db.metadata)


def test_upgrade_from_empty_matches_the_models(empty_database_url):
    migrate_app = create_app({"ENV_NAME": "testing", "DATABASE_URL": empty_database_url})
    with migrate_app.app_context():
        engine = _db.engine
        try:
            upgrade()
            tables = set(sa.inspect(engine).get_table_names())
            assert set(_db.metadata.tables) <= tables
            assert _diff(engine) == []
            downgrade(revision="base")
            assert set(sa.inspect(engine).get_table_names()) <= {"alembic_version"}
            upgrade()
        finally:
            engine.dispose()
