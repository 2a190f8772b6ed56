"""PostgreSQL full-text search: fr_unaccent configuration, search schema, GIN indexes

A no-op on SQLite: there, search runs on the Whoosh index only.

Revision ID: 9c41d7e2b5a0
Revises: 647f7b23dd18
Create Date: 2026-11-26 11:20:00.000000

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = '9c41d7e2b5a0'
down_revision = '647f7b23dd18'
branch_labels = None
depends_on = None

STATEMENTS = [
    "CREATE EXTENSION IF NOT EXISTS unaccent",
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    """
    DO $$
    BEGIN
        IF NOT EXISTS (SELECT 1 FROM pg_ts_config WHERE cfgname = 'fr_unaccent') THEN
            CREATE TEXT SEARCH CONFIGURATION fr_unaccent (COPY = french);
            ALTER TEXT SEARCH CONFIGURATION fr_unaccent
                ALTER MAPPING FOR hword, hword_part, word WITH unaccent, french_stem;
        END IF;
    END
    $$
    """,
    "CREATE SCHEMA IF NOT EXISTS search",
    """
    CREATE TABLE IF NOT EXISTS search.document (
        id text PRIMARY KEY,
        kind text NOT NULL,
        title text NOT NULL DEFAULT '',
        description text NOT NULL DEFAULT '',
        category text NOT NULL DEFAULT '',
        category_slug text,
        labels text[] NOT NULL DEFAULT '{}',
        label_words text NOT NULL DEFAULT '',
        vendor_name text NOT NULL DEFAULT '',
        vendor_slug text,
        sectors text NOT NULL DEFAULT '',
        legal_form text,
        legal_form_words text NOT NULL DEFAULT '',
        commune text NOT NULL DEFAULT '',
        departement text,
        price_cents integer,
        price_band text,
        channel text,
        published_at timestamptz,
        url text NOT NULL DEFAULT '',
        title_folded text NOT NULL DEFAULT '',
        tsv tsvector GENERATED ALWAYS AS (
            setweight(to_tsvector('fr_unaccent'::regconfig, title), 'A')
            || setweight(to_tsvector('fr_unaccent'::regconfig, category || ' ' || label_words), 'B')
            || setweight(to_tsvector('fr_unaccent'::regconfig,
                   vendor_name || ' ' || sectors || ' ' || legal_form_words || ' ' || commune), 'C')
            || setweight(to_tsvector('fr_unaccent'::regconfig, description), 'D')
        ) STORED
    )
    """,
    "CREATE INDEX IF NOT EXISTS document_tsv_idx ON search.document USING gin (tsv)",
    "CREATE INDEX IF NOT EXISTS document_title_trgm_idx ON search.document USING gin (title_folded gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS document_published_idx ON search.document (published_at DESC)",
    "CREATE INDEX IF NOT EXISTS document_price_idx ON search.document (price_cents)",
    "CREATE TABLE IF NOT EXISTS search.word (word text PRIMARY KEY)",
    "CREATE INDEX IF NOT EXISTS word_trgm_idx ON search.word USING gin (word gin_trgm_ops)",
]


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    for statement in STATEMENTS:
        op.execute(statement)


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP SCHEMA IF EXISTS search CASCADE")
    op.execute("DROP TEXT SEARCH CONFIGURATION IF EXISTS fr_unaccent")
