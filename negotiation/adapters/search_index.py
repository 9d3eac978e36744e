"""The full-text indexes behind ``GET /api/v1/cases?q=`` and the public portal's search, one per dialect.

Both searches find a *phrase*: the search form of the query (negotiation/documents/plain_text.py) as a substring
of the search form of the stored text, two characters or more on the portal, one or more in the case list.

**SQLite**: an FTS5 table per stored text, contentless (the text itself stays in its own table). Its row id is
the case id (the portal's: ``publication_key``, so that FTS5 hands back the contracts newest first and a page
stops after its last row, however many contracts hold a common phrase); its tokens are the text's overlapping
pairs of characters, each written as the 12 hex digits of its two code points (``bigrams``). A phrase of n ≥ 2
characters is the FTS5 phrase of its n − 1 pairs, which FTS5 matches at consecutive positions: exactly the texts
holding it as a substring, found through the index. One character is a prefix query on the pairs it begins (the
stored text ends with a line break, so its last character begins one too). FTS5's own trigram tokenizer was
tried first and is not used: it cannot find a phrase of two characters (its tokens have three;
tests/integration/test_search_index.py shows it), and on SQLite 3.40.1 (Debian 12) its LIKE fallback answered
``LIKE '%休息%'`` with no row at all for a text holding it, while ``LIKE '%ab%'`` was found: it seems to count
the pattern's bytes, not its characters.

**PostgreSQL**: ``pg_trgm``'s GIN index on the same text columns, used by ``LIKE '%…%'`` as written (its
trigrams need a database whose character type knows CJK letters, such as ``C.UTF-8``; a phrase too short for a
trigram is answered by a scan of that index, with the same rows).

Every write goes through ``Texts`` (negotiation/adapters/texts.py) on the unit of work's connection, in the
transaction of the change that makes the text.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, Connection, Integer, column, literal_column, table, text
from sqlalchemy.sql.expression import TableClause

__all__ = [
    "CASE_INDEX",
    "KEY_SPAN",
    "PUBLIC_INDEX",
    "bigrams",
    "contains",
    "index_table",
    "match_expression",
    "matches",
    "publication_key",
    "put",
    "remove",
]

CASE_INDEX = "case_text_index"  # over case_texts.text
PUBLIC_INDEX = "public_contract_index"  # over public_contracts.text
KEY_SPAN = 2**32  # case ids below this; a publication key is day × KEY_SPAN + case id (a 64-bit row id)
_END = "\n"  # never in a query's search form (its white space is single spaces): a pair with it matches no phrase


def publication_key(published_on: date, case_id: int) -> int:
    """The portal index's row id of a contract: in the order of the portal (publication day, then case id)."""
    assert 0 < case_id < KEY_SPAN
    return published_on.toordinal() * KEY_SPAN + case_id


def bigrams(form: str) -> str:
    """The tokens a stored text is indexed by: each overlapping pair of characters of ``form`` and a line break."""
    codes = [f"{ord(c):06x}" for c in form + _END]
    return " ".join(codes[i] + codes[i + 1] for i in range(len(codes) - 1))


def match_expression(form: str) -> str:
    """The FTS5 query for a phrase (its search form, at least one character)."""
    assert form, "an empty phrase matches everything: no filter is asked for"
    if len(form) == 1:
        return f'"{ord(form):06x}"*'
    return '"' + bigrams(form).rsplit(" ", 1)[0] + '"'  # the pairs of the phrase, not the one with the line break


def index_table(index: str) -> TableClause:
    """An FTS5 table with its row id, to join from (SQLite)."""
    return table(index, column("rowid", Integer))


def matches(index: str, form: str) -> ColumnElement[bool]:
    """``index``'s rows whose text holds the phrase ``form`` (SQLite: a MATCH on the FTS5 table)."""
    fts: ColumnElement[str] = literal_column(index)
    clause: ColumnElement[bool] = fts.op("MATCH")(match_expression(form))
    return clause


def contains(stored: Any, form: str) -> ColumnElement[bool]:
    """The column ``stored`` holds ``form`` as a substring (LIKE, its wildcards escaped; PostgreSQL's pg_trgm index)."""
    escaped = form.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    clause: ColumnElement[bool] = stored.like(f"%{escaped}%", escape="\\")
    return clause


def put(connection: Connection, index: str, row_id: int, form: str, old: tuple[int, str] | None) -> None:
    """Index a text under ``row_id`` in place of the ``old`` one (its row id and text), if any (SQLite; nothing to do
    on PostgreSQL, whose index follows the column). A contentless FTS5 row is removed by giving its tokens back."""
    if connection.dialect.name != "sqlite":
        return
    if old is not None:
        remove(connection, index, *old)
    statement = text(f"INSERT INTO {index} (rowid, grams) VALUES (:id, :grams)")
    connection.execute(statement, {"id": row_id, "grams": bigrams(form)})


def remove(connection: Connection, index: str, row_id: int, old_form: str) -> None:
    """Take an indexed text out of ``index`` (SQLite)."""
    statement = text(f"INSERT INTO {index} ({index}, rowid, grams) VALUES ('delete', :id, :grams)")
    connection.execute(statement, {"id": row_id, "grams": bigrams(old_form)})
