"""PostgreSQL full-text search: fr_unaccent configuration, search schema, GIN indexes

A no-op on SQLite: there, search runs on the Whoosh index only.

Revision ID: 9c41d7e2b5a0
Revises: 647f7b23dd18
Create Date: 2026-11-26 11:20:00.000000

"""
from alembic import op

from marketplace.search import pg_schema

# revision identifiers, used by Alembic.
revision = '9c41d7e2b5a0'
down_revision = '647f7b23dd18'
branch_labels = None
depends_on = None

# The statements live in marketplace/search/pg_schema.py, shared with the
# search backend; they are idempotent and only ever extended.


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    pg_schema.create(op.get_bind())


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    pg_schema.drop(op.get_bind())
