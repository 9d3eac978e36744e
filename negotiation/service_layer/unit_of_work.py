"""The unit of work: one connection, one transaction; the only place that commits, and the one write path.

A handler writes ``with uow: …; uow.commit(result)`` and nothing else. How the write is carried is chosen here,
once, from the database (``UnitOfWorkFactory``):

- **PostgreSQL**: a plain transaction. Each statement runs in it; the version-checked ``UPDATE`` of a case waits
  for a concurrent writer's row lock and finds the version moved (``409 version_conflict``).
- **SQLite**, which lets one writer in at a time: the work reads *without* holding the writer queue, and takes the
  queue only to write — at ``commit``, or at the first statement that must write before it (an ``INSERT`` whose id
  is needed now). The write is checked against what was read: every case read must still be at the version and
  audit head it was read at. If one moved, nothing is written and the work is run again from the start with the
  queue held throughout (``UnitOfWorkFactory.run``), so the answer is the one a fully serialised run gives.
  Served on a worker's event loop (``run_on_loop``), a write that is only the case's own statements is handed to
  the worker's group commit (negotiation/adapters/group_commit.py): written with the writes other requests staged
  meanwhile in one transaction, one savepoint each, before the request is answered.

A unit of work made by calling the factory (``factory()``) holds the queue from the start: tests, the CLI and the
sweeper use it as it is. The API and the pages go through ``run`` / ``run_on_loop``, which try the cheaper way first.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass
from types import TracebackType
from typing import Any, TypeVar

import anyio.to_thread
import orjson
from sqlalchemy import Connection, Engine

from negotiation.adapters.database import WriterLock, writer_lock
from negotiation.adapters.group_commit import GroupCommitter
from negotiation.adapters.loop_connection import LoopConnection, LoopConnections
from negotiation.adapters.repository import ChangeSet, Repository
from negotiation.adapters.statements import Statements
from negotiation.documents.archive import Archive
from negotiation.errors import CaseMoved, VersionConflict
from negotiation.metrics import count_events

__all__ = ["ArchiveOpener", "IdempotencyClaim", "UnitOfWork", "UnitOfWorkFactory", "Writing"]

T = TypeVar("T")
# The document archive of a unit of work, given its connection and the hook that begins its write transaction:
# chosen once in negotiation/bootstrap.py (the file store ignores both; the database archive writes through them).
ArchiveOpener = Callable[[Connection, Callable[[], None]], Archive]


class Writing(enum.Enum):
    """How a unit of work writes (chosen by its factory, never by a handler)."""

    QUEUED = "queued"  # the transaction begins at the start (SQLite: after the writer queue, BEGIN IMMEDIATE)
    OPTIMISTIC = "optimistic"  # SQLite: reads outside the queue; takes it to write, checking what it read
    GROUPED = "grouped"  # SQLite on an event loop: as optimistic, but the case's statements join the group commit


@dataclass(frozen=True)
class IdempotencyClaim:
    """A request made under an Idempotency-Key: its response is stored in the same transaction as the change."""

    user_id: int
    key: str
    request_hash: str
    status_code: int
    at: str


class UnitOfWork:
    """A transaction over the repository; leaving the block without commit rolls back (see the module)."""

    connection: Connection
    repo: Repository

    def __init__(
        self,
        engine: Engine,
        statements: Statements,
        idempotency: IdempotencyClaim | None = None,
        *,
        reader: Engine | None = None,
        archive: ArchiveOpener,
        lock: WriterLock | None = None,
        writing: Writing = Writing.QUEUED,
        on_loop: LoopConnections | None = None,
        snapshot: bool = True,
    ) -> None:
        self._engine = engine
        # Work done synchronously on an event loop takes the loop's kept connection at __enter__ (when it is free)
        # and gives it back at __exit__.
        self._on_loop = on_loop
        self._kept: LoopConnection | None = None
        # A read of one statement needs no transaction of its own: it is its own snapshot (see reading_on_loop).
        self._snapshot = snapshot or lock is not None
        self._statements = statements
        self._lock = lock
        self._writing = writing if lock is not None else Writing.QUEUED
        self._locked = False
        self._in_write = False  # the write transaction has begun (at once when queued)
        self._driver_transaction = False
        self._reader = reader or engine
        self.staged: tuple[ChangeSet, dict[str, Any] | None] | None = None  # a grouped write, for the group commit
        self.idempotency = idempotency
        self.recorded: list[str] = []  # the audited changes this unit of work wrote (metrics count them once durable)
        self._open_archive = archive

    @property
    def archive(self) -> Archive:
        """The document archive, within this unit of work: the database archive writes in its transaction."""
        return self._open_archive(self.connection, self._write_early)

    def reader(self) -> UnitOfWork:
        """A read-only sibling, for work done before the write transaction (rendering documents)."""
        return UnitOfWork(self._reader, self._statements, archive=self._open_archive)

    def __enter__(self) -> UnitOfWork:
        queued = self._writing is Writing.QUEUED
        if queued and self._lock is not None:
            self._lock.acquire()  # queue behind other writers here rather than in SQLite's polling busy handler
            self._locked = True
        self._kept = self._on_loop.take() if self._on_loop is not None else None
        try:
            if queued:
                self.connection = self._kept.connection if self._kept is not None else self._engine.connect()
                if self._snapshot:
                    self.connection.begin()
                self._in_write = True
            else:
                # No transaction yet: each Core read is a statement of its own; the write checks what was read.
                self.connection = self._kept.connection if self._kept is not None else self._reader.connect()
        except BaseException:
            if self._kept is not None:
                self._kept.give_back()
                self._kept = None
            self._release()
            raise
        self.repo = Repository(self.connection, self._statements)
        if not queued:
            self.repo.before_write = self._write_early
        elif not self._snapshot:
            self.repo.before_write = _refuse_write
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        try:
            self.repo.close()
            if self._driver_transaction:
                self._driver_transaction = False
                self.repo.end_driver_transaction(commit=False)
            if self._kept is not None:
                self._kept.give_back()  # rolled back, read-only again, for the loop's next unit of work
                self._kept = None
            else:
                if self.connection.in_transaction():
                    self.connection.rollback()
                self.connection.close()
        finally:
            self._release()

    def _release(self) -> None:
        if self._locked and self._lock is not None:
            self._locked = False
            self._lock.release()

    def commit(self, response: Any = None) -> None:
        """Commit (with the response stored under the idempotency key, if any); a lost race is a version conflict."""
        claim = self.idempotency
        record: dict[str, Any] | None = None
        if claim is not None:  # the response, stored under the key in the transaction of the change
            record = {
                "user_id": claim.user_id, "key": claim.key, "request_hash": claim.request_hash,
                "status_code": claim.status_code, "body": orjson.dumps(response, option=orjson.OPT_NON_STR_KEYS).decode(),
                "at": claim.at,
            }  # fmt: skip
        if self._writing is Writing.GROUPED and not self._in_write and not self.repo.stages_mapped_objects:
            self.staged = (self.repo.take_changes(), record)  # written by the group commit before the answer
            return
        if not self._in_write:
            self._begin_writing(session=self.repo.stages_mapped_objects)
        try:
            self.repo.save_changes()  # the changed cases (version-checked UPDATE), their deadlines, the audit links
            if record is not None:
                self.repo.add_idempotency_record(**record)
            self.repo.flush()  # new and changed mapped objects (drafts, votes, documents…)
            self._commit_transaction()  # the next writer may go
            self._release()
        except CaseMoved as exc:
            self.rollback()
            if self._writing is Writing.QUEUED:
                raise VersionConflict() from exc
            raise
        except BaseException:
            self.rollback()
            raise

    def _write_early(self) -> None:
        """Before a statement that writes ahead of commit: begin the write transaction, then check what was read."""
        if self._in_write:
            return
        self._begin_writing(session=True)
        moved = self.repo.moved_cases()
        if moved:
            raise CaseMoved(f"cases {moved} changed after they were read")

    def _begin_writing(self, *, session: bool) -> None:
        # End the read, queue for the write, begin it on the same connection (BEGIN IMMEDIATE on SQLite). Mapped
        # objects the ORM session staged or loaded stay in it (loaded ones are read again in the write transaction).
        # With no mapped object to write, the transaction is the driver's own: only prepared statements run in it.
        assert self._lock is not None
        self.repo.end_read()
        if self.connection.in_transaction():
            self.connection.rollback()
        self._lock.acquire()
        self._locked = True
        self._in_write = True
        if session:
            self.connection.execution_options(read_only=False)
            self.connection.begin()
            self.repo.resume()
        else:
            self._driver_transaction = True
            self.repo.begin_driver_transaction()

    def _commit_transaction(self) -> None:
        if self._driver_transaction:
            self._driver_transaction = False
            self.repo.end_driver_transaction(commit=True)
        else:
            self.connection.commit()

    def rollback(self) -> None:
        """Undo everything since the transaction began."""
        self.repo.discard()
        if self._driver_transaction:
            self._driver_transaction = False
            self.repo.end_driver_transaction(commit=False)
        if self.connection.in_transaction():
            self.connection.rollback()


def _refuse_write() -> None:
    raise TypeError("a unit of work of one read statement (reading_on_loop) does not write")


def _counted(work: Callable[[UnitOfWork], T], uow: UnitOfWork) -> T:
    """Do the work in this unit of work; once it has returned (its transaction committed), count what it wrote."""
    result = work(uow)
    count_events(uow.recorded)
    return result


class UnitOfWorkFactory:
    """Makes units of work on one engine, and runs work through them the way this database needs (see the module)."""

    def __init__(self, engine: Engine, archive: ArchiveOpener) -> None:
        self.engine = engine
        self.archive = archive
        self._lock = writer_lock(engine)  # SQLite's writer queue; None on PostgreSQL
        self._statements = Statements(engine.dialect)
        self._read = engine.execution_options(read_only=True)
        # SQLite: each event loop keeps one connection for the work done on it (negotiation/adapters/loop_connection.py)
        self._loop_connections = LoopConnections(self._read) if self._lock is not None else None
        self._committer = (
            GroupCommitter(engine, self._statements, self._lock, self._loop_connections) if self._lock is not None else None
        )

    @property
    def runs_on_loop(self) -> bool:
        """Whether quick work may run on an event loop (SQLite: its writes wait for no network, only for the queue)."""
        return self._committer is not None

    @property
    def group_commits(self) -> GroupCommitter | None:
        """The group committer of this process's writes (SQLite), for tests and the bench."""
        return self._committer

    def __call__(
        self, idempotency: IdempotencyClaim | None = None, *, writing: Writing = Writing.QUEUED, on_loop: bool = False
    ) -> UnitOfWork:
        return UnitOfWork(
            self.engine, self._statements, idempotency, reader=self._read, archive=self.archive,
            lock=self._lock, writing=writing, on_loop=self._loop_connections if on_loop else None,
        )  # fmt: skip

    def reading(self) -> UnitOfWork:
        """A unit of work that only reads (no write lock on SQLite)."""
        return UnitOfWork(self._read, self._statements, archive=self.archive)

    def reading_on_loop(self) -> UnitOfWork:
        """A read of one statement, done synchronously on an event loop (never across an await): on SQLite on the
        loop's kept connection when it is free, and in no transaction of its own (one statement is its own snapshot;
        a read of several statements that must agree uses ``reading()``). It cannot write."""
        return UnitOfWork(self._read, self._statements, archive=self.archive, on_loop=self._loop_connections, snapshot=False)

    def run(self, work: Callable[[UnitOfWork], T], idempotency: IdempotencyClaim | None = None) -> T:
        """Do the work (a handler given its unit of work) once, in a thread; on SQLite reading outside the queue
        first, and again in the queue if a case moved under it."""
        if self._lock is None:
            return _counted(work, self(idempotency))
        try:
            return _counted(work, self(idempotency, writing=Writing.OPTIMISTIC))
        except CaseMoved:
            return _counted(work, self(idempotency))  # nothing was written: the same work again, in the writer queue

    async def run_on_loop(self, work: Callable[[UnitOfWork], T], idempotency: IdempotencyClaim | None = None) -> T:
        """``run`` from an event loop, for quick work: on SQLite on the loop itself (its writes never wait for the
        network), its case statements joining the worker's group commit; the result is returned once that COMMIT
        has returned. On PostgreSQL in a thread."""
        if self._committer is None:
            return await anyio.to_thread.run_sync(self.run, work, idempotency)
        attempt = self(idempotency, writing=Writing.GROUPED, on_loop=True)
        try:
            result = work(attempt)
            if attempt.staged is not None:
                await self._committer.submit(*attempt.staged)
            count_events(attempt.recorded)
            return result
        except CaseMoved:
            return _counted(work, self(idempotency))
