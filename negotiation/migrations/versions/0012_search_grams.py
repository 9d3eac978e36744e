"""PostgreSQL's search index: each text's characters, pairs and runs of three characters, and its key ranges,
under a GIN index, in place of pg_trgm's index on the text columns (negotiation/adapters/search_index.py says
why); SQLite's FTS5 tables stay

Revision ID: 0012
Revises: 0011
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from negotiation.adapters import search_index

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

_INDEXES = {search_index.CASE_INDEX: "case_texts", search_index.PUBLIC_INDEX: "public_contracts"}


def upgrade() -> None:
    connection = op.get_bind()
    if connection.dialect.name == "sqlite":
        return
    for index, table in _INDEXES.items():
        op.execute(f"DROP INDEX IF EXISTS ix_{table}_text_trgm")
        op.execute(f"CREATE TABLE {index} (rowid bigint PRIMARY KEY, grams bigint[] NOT NULL)")
        op.execute(f"CREATE INDEX ix_{index}_grams ON {index} USING gin (grams)")
    op.execute("DROP EXTENSION IF EXISTS pg_trgm")
    for case_id, form in connection.execute(sa.text("SELECT case_id, text FROM case_texts")).all():
        search_index.put(connection, search_index.CASE_INDEX, case_id, form, None)
    published = "SELECT case_id, published_on, text FROM public_contracts"
    for case_id, published_on, form in connection.execute(sa.text(published)).all():
        key = search_index.publication_key(published_on, case_id)
        search_index.put(connection, search_index.PUBLIC_INDEX, key, form, None)


def downgrade() -> None:
    connection = op.get_bind()
    if connection.dialect.name == "sqlite":
        return
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for index, table in _INDEXES.items():
        op.execute(f"DROP TABLE {index}")
        op.execute(f"CREATE INDEX ix_{table}_text_trgm ON {table} USING gin (text gin_trgm_ops)")
