"""The unit of work: one connection, one transaction; the only place that commits."""

from __future__ import annotations

import json
from contextvars import ContextVar, Token
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm.exc import StaleDataError

from negotiation.adapters.database import WriterLock, writer_lock
from negotiation.adapters.group_commit import GroupCommitter
from negotiation.adapters.repository import ChangeSet, Repository
from negotiation.adapters.statements import Statements
from negotiation.errors import VersionConflict

__all__ = ["DeferredWrite", "IdempotencyClaim", "StaleRead", "UnitOfWork", "UnitOfWorkFactory"]


class StaleRead(Exception):
    """An optimistic unit of work found its case changed between its read and its write: nothing was written.

    Not an answer to the caller: the handler does the same work again in an ordinary, locked unit of work.
    """


class DeferredWrite:
    """A request's optimistic write, staged to be committed with others of this worker (group commit, see
    negotiation/adapters/group_commit.py) before the request is answered.

    While the block runs, the optimistic unit of work of an event stages its writes here instead of writing them;
    ``committed()`` then waits for the group transaction. If the write could not be made (the case moved since it
    was read, the idempotency key was taken meanwhile…), nothing of it was written and ``StaleRead`` is raised: the
    caller runs the command again in an ordinary unit of work.
    """

    def __init__(self, committer: GroupCommitter | None) -> None:
        self._committer = committer
        self._token: Token[DeferredWrite | None] | None = None
        self.changes: ChangeSet | None = None
        self.idempotency: dict[str, Any] | None = None

    def __enter__(self) -> DeferredWrite:
        if self._committer is not None:
            self._token = _deferring.set(self)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._token is not None:
            _deferring.reset(self._token)
            self._token = None

    @property
    def staged(self) -> bool:
        """Whether a write was staged and is still to be committed."""
        return self.changes is not None

    def stage(self, changes: ChangeSet, idempotency: dict[str, Any] | None) -> None:
        """Keep a unit of work's writes for the group transaction (one write per request)."""
        if self.changes is not None:
            raise RuntimeError("one deferred write per request")
        self.changes, self.idempotency = changes, idempotency

    async def committed(self) -> None:
        """Wait until the staged write is committed; StaleRead if it was not written."""
        assert self._committer is not None and self.changes is not None
        try:
            await self._committer.submit(self.changes, self.idempotency)
        except (StaleDataError, IntegrityError, OperationalError) as exc:
            raise StaleRead() from exc


_deferring: ContextVar[DeferredWrite | None] = ContextVar("deferring", default=None)


@dataclass(frozen=True)
class IdempotencyClaim:
    """A request made under an Idempotency-Key: its response is stored in the same transaction as the change."""

    user_id: int
    key: str
    request_hash: str
    status_code: int
    at: str


class UnitOfWork:
    """A transaction over the repository; leaving the block without commit rolls back.

    The transaction is one SQLAlchemy ``Connection``'s (``BEGIN IMMEDIATE`` for a writer on SQLite, see
    negotiation/adapters/database.py). The repository sends the case aggregate's statements on that connection's
    driver connection and opens an ORM ``Session`` on the same connection only when something mapped is read or
    written, so an event that touches only its case pays for no session.

    An *optimistic* unit of work (``optimistic()``, SQLite only) reads without taking the writer queue (each read
    a statement of its own), and at ``commit`` takes the queue, begins the write transaction and writes what
    was staged with the same version-checked ``UPDATE`` (the case's version *and* audit head as they were read):
    so the queue is held for the few statements of the write, not for the reads and the checks of the event. If the
    case moved in between, nothing is written and ``StaleRead`` is raised, and the caller runs the work again in an
    ordinary unit of work, holding the queue throughout: the answer is always the one a fully serialised run gives.
    Only for work that stages changes and flushes nothing before ``commit`` (events that make no document). Inside a
    ``UnitOfWorkFactory.deferring()`` block (an event served on a worker's event loop) its ``commit`` hands the staged
    writes to the worker's group commit instead (``DeferredWrite``): written with those of other requests in one
    transaction, one savepoint each, before the request is answered.
    """

    connection: Connection
    repo: Repository

    def __init__(
        self,
        engine: Engine,
        statements: Statements,
        idempotency: IdempotencyClaim | None = None,
        *,
        reader: Engine | None = None,
        archive_dir: Path = Path("var/archive"),
        lock: WriterLock | None = None,
        optimistic: bool = False,
        deferred: DeferredWrite | None = None,
    ) -> None:
        self._engine = engine
        self._optimistic = optimistic and lock is not None
        self._deferred = deferred if self._optimistic else None
        self._statements = statements
        self._lock = lock
        self._locked = False
        self._driver_transaction = False
        self._reader = reader or engine
        self.idempotency = idempotency
        self.archive_dir = archive_dir

    def reader(self) -> UnitOfWork:
        """A read-only sibling, for work done before the write transaction (rendering documents)."""
        return UnitOfWork(self._reader, self._statements, archive_dir=self.archive_dir)

    def optimistic(self) -> UnitOfWork:
        """A sibling that reads without the writer queue and takes it only for its writes (see the class)."""
        return UnitOfWork(
            self._engine, self._statements, self.idempotency, reader=self._reader, archive_dir=self.archive_dir,
            lock=self._lock, optimistic=True, deferred=_deferring.get(),
        )  # fmt: skip

    @property
    def can_be_optimistic(self) -> bool:
        """Whether optimistic() reads outside the writer queue (SQLite); elsewhere it would gain nothing."""
        return self._lock is not None

    def __enter__(self) -> UnitOfWork:
        if self._lock is not None and not self._optimistic:
            self._lock.acquire()  # queue behind other writers here rather than in SQLite's polling busy handler
            self._locked = True
        try:
            if self._optimistic:
                # No transaction yet: each read is a statement of its own (the case and its deadlines are one); an
                # ORM read would begin a read-only one (BEGIN, not BEGIN IMMEDIATE). The write checks what was read.
                self.connection = self._reader.connect()
            else:
                self.connection = self._engine.connect()
                self.connection.begin()
        except BaseException:
            self._release()
            raise
        self.repo = Repository(self.connection, self._statements)
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        try:
            self.repo.close()
            if self._driver_transaction:
                self._driver_transaction = False
                self.repo.end_driver_transaction(commit=False)
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
                "status_code": claim.status_code, "body": json.dumps(response, ensure_ascii=False), "at": claim.at,
            }  # fmt: skip
        if self._deferred is not None and not self.repo.stages_mapped_objects:
            self._deferred.stage(self.repo.take_changes(), record)
            return
        if self._optimistic:
            self._begin_writing()
        try:
            self.repo.save_changes()  # the changed cases (version-checked UPDATE), their deadlines, the audit links
            if record is not None:
                self.repo.add_idempotency_record(**record)
            self.repo.flush()  # new and changed mapped objects (drafts, votes, documents…)
            self._commit_transaction()  # the next writer may go
            self._release()
        except StaleDataError as exc:
            self.rollback()
            if self._optimistic:
                raise StaleRead() from exc
            raise VersionConflict() from exc
        except IntegrityError as exc:
            self.rollback()
            if "audit_events" in str(exc.orig):
                # Another writer appended this case's next audit link first (PostgreSQL flushes it before the version check).
                raise VersionConflict() from exc
            raise
        except OperationalError:
            self.rollback()
            raise

    def _begin_writing(self) -> None:
        # End the read, queue for the write, begin it on the same connection (BEGIN IMMEDIATE on SQLite). With no
        # mapped object to write, the transaction is the driver's own: only prepared statements run in it.
        assert self._lock is not None
        self.repo.suspend()
        if self.connection.in_transaction():
            self.connection.rollback()
        self._lock.acquire()
        self._locked = True
        if self.repo.has_pending:
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


class UnitOfWorkFactory:
    """Makes units of work for writing and for reading on one engine."""

    def __init__(self, engine: Engine, archive_dir: Path = Path("var/archive")) -> None:
        self.engine = engine
        self.archive_dir = archive_dir
        self._lock = writer_lock(engine)
        self._statements = Statements(engine.dialect)
        self._read = engine.execution_options(read_only=True)
        self._committer = GroupCommitter(engine, self._statements, self._lock) if self._lock is not None else None

    def deferring(self) -> DeferredWrite:
        """A block in which an event's optimistic write is staged for a group commit (SQLite; elsewhere it does nothing)."""
        return DeferredWrite(self._committer)

    @property
    def group_commits(self) -> GroupCommitter | None:
        """The group committer of this process's writes (SQLite), for tests and the bench."""
        return self._committer

    @property
    def serialized_writes(self) -> bool:
        """True on SQLite: writers queue one at a time (in and across processes) before BEGIN IMMEDIATE."""
        return self._lock is not None

    def __call__(self, idempotency: IdempotencyClaim | None = None) -> UnitOfWork:
        return UnitOfWork(
            self.engine, self._statements, idempotency, reader=self._read, archive_dir=self.archive_dir, lock=self._lock
        )

    def reading(self) -> UnitOfWork:
        """A unit of work that only reads (no write lock on SQLite)."""
        return UnitOfWork(self._read, self._statements, archive_dir=self.archive_dir)
