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

**PostgreSQL**: an ordinary table per stored text with the same name and row id, whose ``grams`` column holds
the text's distinct characters, pairs and runs of three characters as numbers (``grams``: 21 bits a character,
so that the three kinds never meet) and one number for each key range the row lies in (``range_grams``), under a
GIN index. An array holding all of a phrase's runs of three (its pair or character, if shorter) is found through
that index exactly, without reading any text back: a phrase of up to three characters is found exactly so; a
longer phrase's runs may lie apart in a text, so those candidates are checked for the phrase itself. A page is
read one key range at a time, in the list's order, each range larger than the last (``checked_in_order``): a
common phrase reads a page of candidates, not every text holding it, and a rare one a handful of ranges.
``pg_trgm`` was used first and is not: each candidate its index gives is rechecked against the stored text, so a
phrase in every contract read all 10,000 TOASTed 16 KB texts before the first page could be sorted, and for a
rare phrase the planner walked every contract in order (bench/README.md).

Every write goes through ``Texts`` (negotiation/adapters/texts.py) on the unit of work's connection, in the
transaction of the change that makes the text.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from itertools import pairwise
from typing import Any, TypeVar

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Connection,
    Select,
    and_,
    cast,
    column,
    func,
    literal,
    literal_column,
    select,
    table,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.sql.expression import TableClause

__all__ = [
    "CASE_INDEX",
    "KEY_SPAN",
    "PUBLIC_INDEX",
    "bigrams",
    "candidate_key",
    "checked_in_order",
    "contains",
    "grams",
    "index_table",
    "match_expression",
    "matches",
    "needs_check",
    "publication_key",
    "put",
    "range_grams",
    "remove",
]

CASE_INDEX = "case_text_index"  # over case_texts.text
PUBLIC_INDEX = "public_contract_index"  # over public_contracts.text
KEY_SPAN = 2**32  # case ids below this; a publication key is day × KEY_SPAN + case id (a 64-bit row id)
_END = "\n"  # never in a query's search form (its white space is single spaces): a pair with it matches no phrase
_CODE_BITS = 21  # PostgreSQL: a character is its code point + 1 (never 0), below 2**21; a pair or run of three is
# their codes side by side, 21 bits each: the three kinds never meet, and all stay positive in a bigint
_RANGES = {  # PostgreSQL: the key ranges a walk reads in turn, each as a shift of the row id (its bucket: key >> shift)
    CASE_INDEX: (8, 11, 14, 17, 20, 23, 26, 29),  # case ids: 256, then 2,048, 16,384 … a range
    PUBLIC_INDEX: tuple(32 + d for d in (2, 4, 6, 8, 10, 12)),  # publication keys: 4 days, then 16, 64 … days
}
_RANGE_GRAM = 2**40  # a range's gram: −((level + 1) × 2**40 + bucket), negative, so never a character's
_FEWEST_CHECKED = 20  # PostgreSQL: candidates read, and checked for the phrase, in one statement: at least 20,
_GROWTH = 4  # else twice what the page still needs; 4 × more each time a range has more
Row = TypeVar("Row")


def publication_key(published_on: date, case_id: int) -> int:
    """The portal index's row id of a contract: in the order of the portal (publication day, then case id)."""
    assert 0 < case_id < KEY_SPAN
    return published_on.toordinal() * KEY_SPAN + case_id


def bigrams(form: str) -> str:
    """The tokens a stored text is indexed by on SQLite: each overlapping pair of characters of ``form`` and a line
    break."""
    codes = [f"{ord(c):06x}" for c in form + _END]
    return " ".join(codes[i] + codes[i + 1] for i in range(len(codes) - 1))


def grams(form: str, *, phrase: bool = False) -> list[int]:
    """The numbers a stored text is indexed by on PostgreSQL: its characters, its pairs and its runs of three
    characters, distinct and sorted. For a ``phrase`` (a query's search form), what a text holding it must hold:
    its runs of three, or for a shorter phrase the phrase itself."""
    codes = [ord(c) + 1 for c in form]
    pairs = {(a << _CODE_BITS) | b for a, b in pairwise(codes)}
    runs = {(a << 2 * _CODE_BITS) | (b << _CODE_BITS) | c for a, b, c in zip(codes, codes[1:], codes[2:], strict=False)}
    if phrase:
        assert codes, "an empty phrase matches everything: no filter is asked for"
        return sorted(runs or pairs or codes)
    return sorted(runs.union(pairs, codes))


def range_grams(index: str, row_id: int) -> list[int]:
    """The grams of the key ranges a row lies in, one per range size (PostgreSQL): what lets a walk ask the GIN
    index for the candidates of one range of the list at a time."""
    return [_range_gram(level, row_id >> shift) for level, shift in enumerate(_RANGES[index])]


def _range_gram(level: int, bucket: int) -> int:
    return -((level + 1) * _RANGE_GRAM + bucket)


def needs_check(form: str) -> bool:
    """Whether a text found through the PostgreSQL index may still lack the phrase: its runs of three can lie
    apart."""
    return len(form) > 3


def match_expression(form: str) -> str:
    """The FTS5 query for a phrase (its search form, at least one character)."""
    assert form, "an empty phrase matches everything: no filter is asked for"
    if len(form) == 1:
        return f'"{ord(form):06x}"*'
    return '"' + bigrams(form).rsplit(" ", 1)[0] + '"'  # the pairs of the phrase, not the one with the line break


def index_table(index: str) -> TableClause:
    """An index table with its row id (and, on PostgreSQL, its grams), to join from."""
    return table(index, column("rowid", BigInteger), column("grams", ARRAY(BigInteger)))


def candidate_key(index: TableClause) -> ColumnElement[int]:
    """The row id of ``index`` (an ``index_table``) as PostgreSQL's candidate statements join, bound and order by:
    an expression (``rowid + 0``), so that the planner cannot reach the rows through the primary key and filter
    them by their grams, reading each array back from TOAST, but only through the GIN index."""
    key: ColumnElement[int] = index.c.rowid + 0
    return key


def matches(index: str, form: str) -> ColumnElement[bool]:
    """``index``'s rows whose text holds the phrase ``form`` (SQLite: a MATCH on the FTS5 table)."""
    fts: ColumnElement[str] = literal_column(index)
    clause: ColumnElement[bool] = fts.op("MATCH")(match_expression(form))
    return clause


def _holding(index: TableClause, wanted: list[int]) -> ColumnElement[bool]:
    clause: ColumnElement[bool] = index.c.grams.op("@>")(cast(literal(wanted, ARRAY(BigInteger)), ARRAY(BigInteger)))
    return clause


def contains(stored: Any, form: str) -> ColumnElement[bool]:
    """The column ``stored`` holds ``form`` as a substring (LIKE, its wildcards escaped)."""
    escaped = form.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    clause: ColumnElement[bool] = stored.like(f"%{escaped}%", escape="\\")
    return clause


def checked_in_order(
    connection: Connection,
    index: TableClause,
    form: str,
    candidates: Callable[[ColumnElement[int], ColumnElement[bool], int], Select[Any]],
    check: Callable[[Sequence[Any]], Sequence[Row]],
    limit: int,
    *,
    descending: bool,
    after: int | None,
) -> list[Row]:
    """PostgreSQL: a page of at most ``limit`` rows of ``index`` (an ``index_table``) holding the phrase ``form``,
    in the list's order (``descending`` row id or ascending), after the row id ``after``. The walk asks the GIN
    index for one key range at a time, from where the page starts, each range larger than the last (``_RANGES``),
    so that a common phrase reads the few candidates of the first range and a rare one a handful of ranges, and
    never every text holding it. ``candidates(key, holding, n)`` is the list's statement of at most n keys
    (``key``: the row id as ``candidate_key``) with ``holding`` among its conditions, in the list's order;
    ``check(keys)`` those of the keys whose rows hold the phrase and pass the list's filters, in the same order.
    Both are given a few keys at a time (twice what the page still needs, at least 20), so that the long texts
    read are about as many as the page. The planner is kept from the table scan and from walking the primary key
    in order (it cannot see what reading each array back from TOAST costs): the GIN index is the only way to the
    candidates."""
    key = candidate_key(index)
    planner_off = (func.set_config(name, "off", True) for name in ("enable_seqscan", "enable_indexscan"))
    low, high, *_ = connection.execute(select(func.min(index.c.rowid), func.max(index.c.rowid), *planner_off)).one()
    phrase, ranges = grams(form, phrase=True), _RANGES[index.name]
    found: list[Row] = []
    level, size = 0, None
    position = (high if after is None else after - 1) if descending else (low if after is None else after + 1)
    try:
        while low is not None and len(found) < limit and low <= position <= high:
            if level < len(ranges):
                bucket = position >> ranges[level]
                start, end = bucket << ranges[level], (bucket + 1) << ranges[level]
                wanted = [*phrase, _range_gram(level, bucket)]
            else:
                start, end, wanted = low, high + 1, phrase
            start, end = (start, position + 1) if descending else (position, end)
            holding = and_(_holding(index, wanted), key >= start, key < end)
            size = max(2 * (limit - len(found)), _FEWEST_CHECKED) if size is None else size
            keys = connection.execute(candidates(key, holding, size)).scalars().all()
            taken = 0
            while taken < len(keys) and len(found) < limit:
                batch = keys[taken : taken + max(2 * (limit - len(found)), _FEWEST_CHECKED)]
                found += check(batch)[: limit - len(found)]
                taken += len(batch)
            if len(keys) == size:  # more in this range: the next chunk of it, larger
                position, size = (keys[-1] - 1 if descending else keys[-1] + 1), size * _GROWTH
            else:
                position, level, size = (start - 1 if descending else end), level + 1, None
    finally:
        connection.execute(text("SELECT set_config('enable_seqscan', 'on', true), set_config('enable_indexscan', 'on', true)"))
    return found


def put(connection: Connection, index: str, row_id: int, form: str, old: tuple[int, str] | None) -> None:
    """Index a text under ``row_id`` in place of the ``old`` one (its row id and text), if any. A contentless FTS5
    row (SQLite) is removed by giving its tokens back; a PostgreSQL row by its row id."""
    if old is not None:
        remove(connection, index, *old)
    if connection.dialect.name == "sqlite":
        statement = text(f"INSERT INTO {index} (rowid, grams) VALUES (:id, :grams)")
        connection.execute(statement, {"id": row_id, "grams": bigrams(form)})
    else:
        statement = text(f"INSERT INTO {index} (rowid, grams) VALUES (:id, CAST(:grams AS BIGINT[]))")
        connection.execute(statement, {"id": row_id, "grams": grams(form) + range_grams(index, row_id)})


def remove(connection: Connection, index: str, row_id: int, old_form: str) -> None:
    """Take an indexed text out of ``index``."""
    if connection.dialect.name == "sqlite":
        statement = text(f"INSERT INTO {index} ({index}, rowid, grams) VALUES ('delete', :id, :grams)")
        connection.execute(statement, {"id": row_id, "grams": bigrams(old_form)})
    else:
        connection.execute(text(f"DELETE FROM {index} WHERE rowid = :id"), {"id": row_id})
