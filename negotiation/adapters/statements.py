"""Core statements compiled once per dialect and sent on the driver's connection: the case aggregate's hot path.

SQLAlchemy's ``Connection.execute`` costs 40–55 µs per statement on top of the driver's own 3–8 µs (events, the
compiled-cache look-up, result set-up); an event runs three or four statements. Here a Core statement built from
the tables of negotiation/adapters/orm.py is compiled once per dialect (SQL text, parameter order, RETURNING) and
its parameters and results pass through the same type processors SQLAlchemy itself would apply (JSON, dates,
the representatives' TypeDecorator; casts and RETURNING on PostgreSQL), so the rows written and read are exactly
the ones the ORM writes and reads. Driver errors are wrapped the way SQLAlchemy wraps them (``IntegrityError``,
``OperationalError``…), so callers catch one family of exceptions whichever path a statement took.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql import ClauseElement
from sqlalchemy.sql.compiler import SQLCompiler

__all__ = ["Prepared", "Statements"]

Processor = Callable[[Any], Any] | None


class Prepared:
    """One statement for one dialect: its SQL text, how its parameters are sent and how its rows are read."""

    __slots__ = ("_binds", "_named", "_results", "_returning", "dialect", "sql")

    def __init__(self, statement: ClauseElement, dialect: Dialect, column_keys: Sequence[str] | None = None) -> None:
        compiled = statement.compile(dialect=dialect, column_keys=list(column_keys) if column_keys is not None else None)
        assert isinstance(compiled, SQLCompiler)
        self.dialect = dialect
        self.sql = compiled.string
        names = list(compiled.positiontup or []) if compiled.positional else list(compiled.binds)
        self._named = not compiled.positional
        self._binds: list[tuple[str, Processor]] = [
            (name, compiled.binds[name].type.dialect_impl(dialect).bind_processor(dialect)) for name in names
        ]
        selected = getattr(statement, "selected_columns", None)
        processors = [c.type.dialect_impl(dialect).result_processor(dialect, None) for c in selected or ()]
        self._results: list[tuple[int, Callable[[Any], Any]]] = [(i, p) for i, p in enumerate(processors) if p is not None]
        self._returning = bool(compiled.effective_returning)

    def _params(self, values: Mapping[str, Any]) -> Any:
        if self._named:
            return {name: proc(values[name]) if proc else values[name] for name, proc in self._binds}
        return tuple(proc(values[name]) if proc else values[name] for name, proc in self._binds)

    def _execute(self, driver: Any, values: Mapping[str, Any]) -> Any:
        params = self._params(values)
        cursor = driver.cursor()
        try:
            cursor.execute(self.sql, params)
        except self.dialect.loaded_dbapi.Error as exc:
            cursor.close()
            raise DBAPIError.instance(self.sql, params, exc, self.dialect.loaded_dbapi.Error) from exc
        return cursor

    def rows(self, driver: Any, values: Mapping[str, Any]) -> list[tuple[Any, ...]]:
        """Run a SELECT; each row with its columns converted as SQLAlchemy converts them."""
        return [self.convert(row) for row in self.raw_rows(driver, values)]

    def raw_rows(self, driver: Any, values: Mapping[str, Any]) -> list[tuple[Any, ...]]:
        """Run a SELECT; the rows as the driver gives them (convert() them, or the columns needed)."""
        cursor = self._execute(driver, values)
        try:
            return list(cursor.fetchall())
        finally:
            cursor.close()

    def convert(self, row: Sequence[Any], start: int = 0, stop: int | None = None) -> tuple[Any, ...]:
        """The columns start…stop of a raw row, converted as SQLAlchemy converts them."""
        values = list(row[start:stop])
        for i, proc in self._results:
            if start <= i and (stop is None or i < stop):
                values[i - start] = proc(values[i - start])
        return tuple(values)

    def rowcount(self, driver: Any, values: Mapping[str, Any]) -> int:
        """Run an UPDATE or DELETE; the number of rows it matched."""
        cursor = self._execute(driver, values)
        count = int(cursor.rowcount)
        cursor.close()
        return count

    def run(self, driver: Any, values: Mapping[str, Any]) -> None:
        """Run a statement whose result is not needed."""
        self._execute(driver, values).close()

    def insert(self, driver: Any, values: Mapping[str, Any]) -> int:
        """Run an INSERT of one row; the id it was given (RETURNING where the dialect uses it, else lastrowid)."""
        cursor = self._execute(driver, values)
        try:
            found = cursor.fetchone()[0] if self._returning else cursor.lastrowid
        finally:
            cursor.close()
        return int(found)


class Statements:
    """Prepared statements of one dialect, compiled on first use (per set of columns, for UPDATE and INSERT)."""

    def __init__(self, dialect: Dialect) -> None:
        self.dialect = dialect
        self._cache: dict[tuple[int, tuple[str, ...] | None], Prepared] = {}
        self._keep: list[ClauseElement] = []  # the statements cached by id() stay alive

    def get(self, statement: ClauseElement, column_keys: Iterable[str] | None = None) -> Prepared:
        """The prepared form of a statement (module-level statements only: they are cached by identity)."""
        keys = tuple(column_keys) if column_keys is not None else None
        key = (id(statement), keys)
        found = self._cache.get(key)
        if found is None:
            found = self._cache[key] = Prepared(statement, self.dialect, keys)
            self._keep.append(statement)
        return found
