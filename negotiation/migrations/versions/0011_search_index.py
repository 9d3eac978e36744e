"""full-text indexes for the case list's q and the public portal's search: FTS5 on SQLite, pg_trgm on PostgreSQL;
every case's searchable text now starts with its title

Revision ID: 0011
Revises: 0010
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from negotiation.adapters import orm, search_index
from negotiation.documents.plain_text import search_form

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

_INDEXES = {search_index.CASE_INDEX: "case_texts", search_index.PUBLIC_INDEX: "public_contracts"}


def _titles_first(connection: sa.Connection) -> None:
    """Each case's searchable text as the code now writes it: its title, then its draft's or contract's text."""
    texts = dict(connection.execute(sa.text("SELECT case_id, text FROM case_texts")).all())
    for case_id, title in connection.execute(sa.text("SELECT id, title FROM cases ORDER BY id")).all():
        stored = search_form(title) + ("\n" + texts[case_id] if case_id in texts else "")
        if case_id in texts:
            connection.execute(sa.text("UPDATE case_texts SET text = :t WHERE case_id = :id"), {"t": stored, "id": case_id})
        else:
            values = {"id": case_id, "t": stored}
            insert = "INSERT INTO case_texts (case_id, source, draft_version, text) VALUES (:id, 'title', 0, :t)"
            connection.execute(sa.text(insert), values)


def upgrade() -> None:
    connection = op.get_bind()
    _titles_first(connection)
    if connection.dialect.name == "sqlite":
        for index in _INDEXES:
            # contentless (the text stays in its table), no per-row sizes: only what a phrase query reads
            op.execute(f"CREATE VIRTUAL TABLE {index} USING fts5(grams, content='', columnsize=0)")
        for case_id, form in connection.execute(sa.text("SELECT case_id, text FROM case_texts")).all():
            search_index.put(connection, search_index.CASE_INDEX, case_id, form, None)
        published = sa.select(orm.public_contracts.c.case_id, orm.public_contracts.c.published_on, orm.public_contracts.c.text)
        for case_id, published_on, form in connection.execute(published).all():
            key = search_index.publication_key(published_on, case_id)
            search_index.put(connection, search_index.PUBLIC_INDEX, key, form, None)
    else:
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        for table in _INDEXES.values():
            op.execute(f"CREATE INDEX ix_{table}_text_trgm ON {table} USING gin (text gin_trgm_ops)")


def downgrade() -> None:
    """The indexes dropped, and each searchable text as 0010 wrote it: without its title line, none for a case
    with no draft (a title's search form holds no line break, so the first line is the title)."""
    connection = op.get_bind()
    if connection.dialect.name == "sqlite":
        for index in _INDEXES:
            op.execute(f"DROP TABLE {index}")
    else:
        for table in _INDEXES.values():
            op.execute(f"DROP INDEX ix_{table}_text_trgm")
    connection.execute(sa.text("DELETE FROM case_texts WHERE source = 'title'"))
    for case_id, stored in connection.execute(sa.text("SELECT case_id, text FROM case_texts")).all():
        document_text = stored.split("\n", 1)[1] if "\n" in stored else ""
        connection.execute(sa.text("UPDATE case_texts SET text = :t WHERE case_id = :id"), {"t": document_text, "id": case_id})
