"""PostgreSQL search schema brought up to date: sector and tag arrays, title vector,
match and sort indexes, word reference counts, index state.

The statements are those of marketplace/search/pg_schema.py, idempotent; on
SQLite this revision does nothing. Run `flask search reindex` afterwards.

Revision ID: d2f8a61c9b47
Revises: 73c43b4c44d3
Create Date: 2026-11-26 14:30:00.000000

"""
from alembic import op

from marketplace.search import pg_schema

# revision identifiers, used by Alembic.
revision = 'd2f8a61c9b47'
down_revision = '73c43b4c44d3'
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    pg_schema.create(op.get_bind())


def downgrade():
    # The earlier revision's tables stay; the added columns and indexes are harmless to it.
    pass
