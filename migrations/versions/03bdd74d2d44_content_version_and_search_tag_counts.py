"""Content version of the public pages, and search tag counts.

``content_version`` (marketplace/core/page_cache.py) holds one row,
incremented by every commit that changes what the cached public pages show.

On PostgreSQL, the search schema is brought to version 3 by the idempotent
statements of marketplace/search/pg_schema.py: ``search.tag_count``, filled
from the documents already indexed.

Revision ID: 03bdd74d2d44
Revises: d2f8a61c9b47
Create Date: 2026-11-26 15:35:41.740973

"""
from alembic import op
import sqlalchemy as sa

from marketplace.search import pg_schema

# revision identifiers, used by Alembic.
revision = '03bdd74d2d44'
down_revision = 'd2f8a61c9b47'
branch_labels = None
depends_on = None


def upgrade():
    table = op.create_table('content_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_content_version'))
    )
    op.bulk_insert(table, [{"id": 1, "version": 0}])
    if op.get_bind().dialect.name == "postgresql":
        pg_schema.create(op.get_bind())


def downgrade():
    op.drop_table('content_version')
    # search.tag_count stays, as the search objects of d2f8a61c9b47 do: harmless to earlier revisions.
