"""The stored texts of cases and the queries over them: a case's searchable text, the public contracts.

Both tables hold the search form of a text (negotiation/documents/plain_text.py); a phrase is found as a substring
(``LIKE '%…%'``, its wildcards escaped), the same on SQLite and PostgreSQL. Written in the unit of work's
transaction, on its connection, like every other change.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, Connection, and_, delete, exists, or_, select

from negotiation.adapters import orm

__all__ = ["PUBLIC_STATE", "Texts", "contains", "text_matches"]

PUBLIC_STATE = "in_force"  # the only state whose contract the public portal shows


def contains(column: Any, form: str) -> ColumnElement[bool]:
    """``column`` holds ``form`` as a substring (LIKE, with its wildcards escaped)."""
    escaped = form.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    clause: ColumnElement[bool] = column.like(f"%{escaped}%", escape="\\")
    return clause


def text_matches(form: str) -> ColumnElement[bool]:
    """A case whose current draft's or contract's text holds ``form`` (for the case list's ``q``)."""
    t = orm.case_texts.c
    return exists().where(t.case_id == orm.cases.c.id, contains(t.text, form))


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
        """The case's searchable text from now on (its current draft's, or its contract's)."""
        self.before_write()
        table = orm.case_texts
        self.connection.execute(delete(table).where(table.c.case_id == case_id))
        self.connection.execute(table.insert().values(case_id=case_id, source=source, draft_version=draft_version, text=text))

    def put_public_contract(
        self, *, case_id: int, document_id: int, published_on: date, term_start: date, term_end: date, html: str, text: str
    ) -> None:
        """The public text of a case's contract (made at publish)."""
        self.before_write()
        table = orm.public_contracts
        self.connection.execute(delete(table).where(table.c.case_id == case_id))
        self.connection.execute(
            table.insert().values(
                case_id=case_id, document_id=document_id, published_on=published_on, term_start=term_start,
                term_end=term_end, html=html, text=text,
            )
        )  # fmt: skip

    def public_contracts(self, *, form: str | None, after: tuple[date, int] | None, limit: int) -> Sequence[Any]:
        """Contracts in force, newest publication first (then the higher case id), holding ``form`` if given."""
        p, c = orm.public_contracts.c, orm.cases.c
        stmt = (
            select(*_LISTED)
            .select_from(orm.public_contracts.join(orm.cases, c.id == p.case_id))
            .where(c.state == PUBLIC_STATE)
            .order_by(p.published_on.desc(), p.case_id.desc())
            .limit(limit)
        )
        if form:
            stmt = stmt.where(contains(p.text, form))
        if after is not None:
            day, case_id = after
            stmt = stmt.where(or_(p.published_on < day, and_(p.published_on == day, p.case_id < case_id)))
        return self.connection.execute(stmt).all()  # rows with the columns of _LISTED by name

    def public_contract(self, case_id: int) -> Any | None:
        """One contract in force with its public HTML and document, or None (unknown, or not in force)."""
        p, c = orm.public_contracts.c, orm.cases.c
        stmt = (
            select(*_LISTED, p.html, p.document_id, c.union_org_id, c.employer_org_id)
            .select_from(orm.public_contracts.join(orm.cases, c.id == p.case_id))
            .where(p.case_id == case_id, c.state == PUBLIC_STATE)
        )
        return self.connection.execute(stmt).first()
