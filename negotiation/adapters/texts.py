"""The stored texts of cases and the queries over them: a case's searchable text, the public contracts.

Both tables hold the search form of a text (negotiation/documents/plain_text.py). A case's searchable text is its
title's, then — on a line of its own — its current draft's or contract's. A phrase is found as a substring, through
the full-text index of negotiation/adapters/search_index.py (FTS5 on SQLite, a GIN index of characters, pairs
and runs of three on PostgreSQL), which is written here with the text, in the unit of work's transaction, on its
connection, like every other change.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, Connection, Select, and_, delete, or_, select

from negotiation.adapters import orm, search_index

__all__ = ["PUBLIC_STATE", "Texts"]

PUBLIC_STATE = "in_force"  # the only state whose contract the public portal shows


_LISTED = (
    orm.cases.c.id,
    orm.cases.c.title,
    orm.cases.c.sector,
    orm.cases.c.region_code,
    orm.public_contracts.c.term_start,
    orm.public_contracts.c.term_end,
    orm.public_contracts.c.published_on,
)


class Texts:
    """The text tables, on the unit of work's connection; ``before_write`` runs before any write."""

    def __init__(self, connection: Connection, before_write: Callable[[], None]) -> None:
        self.connection = connection
        self.before_write = before_write

    def put_case_text(self, *, case_id: int, source: str, draft_version: int, text: str) -> None:
        """The case's searchable text from now on (a search form: its title's, with its current draft's or its
        contract's once it has one; ``source`` says which), indexed with it."""
        self.before_write()
        table = orm.case_texts
        found = self.connection.execute(select(table.c.text).where(table.c.case_id == case_id)).scalar_one_or_none()
        old = (case_id, found) if found is not None else None
        self.connection.execute(delete(table).where(table.c.case_id == case_id))
        values = {"case_id": case_id, "source": source, "draft_version": draft_version, "text": text}
        self.connection.execute(table.insert().values(**values))
        search_index.put(self.connection, search_index.CASE_INDEX, case_id, text, old)

    def put_public_contract(
        self, *, case_id: int, document_id: int, published_on: date, term_start: date, term_end: date, html: str, text: str
    ) -> None:
        """The public text of a case's contract (made at publish)."""
        self.before_write()
        table = orm.public_contracts
        row = self.connection.execute(select(table.c.published_on, table.c.text).where(table.c.case_id == case_id)).first()
        old = (search_index.publication_key(row.published_on, case_id), row.text) if row is not None else None
        self.connection.execute(delete(table).where(table.c.case_id == case_id))
        self.connection.execute(
            table.insert().values(
                case_id=case_id, document_id=document_id, published_on=published_on, term_start=term_start,
                term_end=term_end, html=html, text=text,
            )
        )  # fmt: skip
        key = search_index.publication_key(published_on, case_id)
        search_index.put(self.connection, search_index.PUBLIC_INDEX, key, text, old)

    def public_contracts(self, *, form: str | None, after: tuple[date, int] | None, limit: int) -> Sequence[Any]:
        """Contracts in force, newest publication first (then the higher case id), holding ``form`` if given."""
        p, c = orm.public_contracts.c, orm.cases.c
        if form:
            if self.connection.dialect.name == "sqlite":
                return self._indexed_public_contracts(form, after, limit)
            return self._checked_public_contracts(form, after, limit)
        stmt = (
            select(*_LISTED)
            .select_from(orm.public_contracts.join(orm.cases, c.id == p.case_id))
            .where(c.state == PUBLIC_STATE)
            .order_by(p.published_on.desc(), p.case_id.desc())
            .limit(limit)
        )
        if after is not None:
            day, case_id = after
            stmt = stmt.where(or_(p.published_on < day, and_(p.published_on == day, p.case_id < case_id)))
        return self.connection.execute(stmt).all()  # rows with the columns of _LISTED by name

    def _indexed_public_contracts(self, form: str, after: tuple[date, int] | None, limit: int) -> Sequence[Any]:
        """SQLite: the FTS5 rows in descending publication key, each joined to its contract and case, so that the
        page ends as soon as it holds ``limit`` contracts in force."""
        p, c = orm.public_contracts.c, orm.cases.c
        index = search_index.index_table(search_index.PUBLIC_INDEX)
        key = index.c.rowid
        stmt = (
            select(*_LISTED)
            .select_from(index)
            .join(orm.public_contracts, p.case_id == key % search_index.KEY_SPAN)
            .join(orm.cases, c.id == p.case_id)
            .where(search_index.matches(search_index.PUBLIC_INDEX, form), c.state == PUBLIC_STATE)
            .order_by(key.desc())
            .limit(limit)
        )
        if after is not None:
            stmt = stmt.where(key < search_index.publication_key(*after))
        return self.connection.execute(stmt).all()

    def _checked_public_contracts(self, form: str, after: tuple[date, int] | None, limit: int) -> Sequence[Any]:
        """PostgreSQL: the index's candidates in descending publication key, read a few at a time
        (search_index.checked_in_order) with the phrase checked and only those in force kept."""
        p, c = orm.public_contracts.c, orm.cases.c

        def candidates(key: ColumnElement[int], holding: ColumnElement[bool], n: int) -> Select[Any]:
            return select(key).where(holding).order_by(key.desc()).limit(n)

        def check(keys: Sequence[int]) -> Sequence[Any]:
            stmt = (
                select(*_LISTED)
                .select_from(orm.public_contracts.join(orm.cases, c.id == p.case_id))
                .where(p.case_id.in_([k % search_index.KEY_SPAN for k in keys]), c.state == PUBLIC_STATE)
            )
            if search_index.needs_check(form):
                stmt = stmt.where(search_index.contains(p.text, form))
            held = {row.id: row for row in self.connection.execute(stmt)}
            return [held[k % search_index.KEY_SPAN] for k in keys if k % search_index.KEY_SPAN in held]

        start = search_index.publication_key(*after) if after is not None else None
        index = search_index.index_table(search_index.PUBLIC_INDEX)
        return search_index.checked_in_order(self.connection, index, form, candidates, check, limit, descending=True, after=start)

    def public_contract(self, case_id: int) -> Any | None:
        """One contract in force with its public HTML and document, or None (unknown, or not in force)."""
        p, c = orm.public_contracts.c, orm.cases.c
        stmt = (
            select(*_LISTED, p.html, p.document_id, c.union_org_id, c.employer_org_id)
            .select_from(orm.public_contracts.join(orm.cases, c.id == p.case_id))
            .where(p.case_id == case_id, c.state == PUBLIC_STATE)
        )
        return self.connection.execute(stmt).first()
