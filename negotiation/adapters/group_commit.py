"""Group commit on SQLite: the writes of several events of one worker in one write transaction, one savepoint each.

On SQLite every write of every worker waits its turn for the one write lock; an event's own write (one UPDATE of
its case, one INSERT of its audit link) takes a few tens of microseconds, but each turn also costs the hand-over of
the lock between processes, a BEGIN IMMEDIATE and a COMMIT that appends its pages to the WAL. A worker serving many
requests at once therefore collects the writes its requests have staged while they waited for the event loop and
writes them together: it takes the lock once, begins once, writes each event inside its own ``SAVEPOINT`` (so one
event that finds its case moved, or its idempotency key taken, is rolled back alone), commits once. Each request
is answered only after that COMMIT has returned: the same durability as a commit of its own.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine

from negotiation.adapters.database import WriterLock, begin_immediate
from negotiation.adapters.loop_connection import LoopConnections
from negotiation.adapters.repository import ChangeSet, engine_errors, write_changes, write_idempotency_record
from negotiation.adapters.statements import Statements

__all__ = ["GroupCommitter"]


@dataclass
class _Staged:
    changes: ChangeSet
    idempotency: dict[str, Any] | None
    done: asyncio.Future[None]


@dataclass
class _Batch:
    items: list[_Staged] = field(default_factory=list)


class GroupCommitter:
    """Collects staged writes per event loop and writes each collection in one transaction, soon after the first."""

    def __init__(self, engine: Engine, statements: Statements, lock: WriterLock, on_loop: LoopConnections | None = None) -> None:
        self._engine = engine
        self._on_loop = on_loop  # the loop's kept connection writes when it is free (no pool check-out per batch)
        self._statements = statements
        self._lock = lock
        self._batches: dict[asyncio.AbstractEventLoop, _Batch] = {}
        self.transactions = 0  # how many group transactions were committed (for tests and the bench)
        self.writes = 0  # how many staged writes they held

    def submit(self, changes: ChangeSet, idempotency: dict[str, Any] | None) -> asyncio.Future[None]:
        """Stage one unit of work's writes; the future is done when they are committed (or holds why they were not)."""
        loop = asyncio.get_running_loop()
        done: asyncio.Future[None] = loop.create_future()
        batch = self._batches.get(loop)
        if batch is None:
            # Written once the requests that are ready now have had their turn on the loop (and staged theirs).
            batch = self._batches[loop] = _Batch()
            loop.call_soon(self._flush, loop)
        batch.items.append(_Staged(changes, idempotency, done))
        return done

    def _flush(self, loop: asyncio.AbstractEventLoop) -> None:
        items = self._batches.pop(loop).items
        try:
            with engine_errors():
                outcomes = self._write(items)
        except Exception as exc:  # the transaction itself failed: nothing of the batch was written
            for item in items:
                if not item.done.done():
                    item.done.set_exception(exc)
            return
        self.transactions += 1
        self.writes += len(items)
        for item, outcome in zip(items, outcomes, strict=True):
            if item.done.done():
                continue
            if outcome is None:
                item.done.set_result(None)
            else:
                item.done.set_exception(outcome)

    def _write(self, items: list[_Staged]) -> list[Exception | None]:
        outcomes: list[Exception | None] = []
        self._lock.acquire()
        try:
            kept = self._on_loop.take() if self._on_loop is not None else None
            if kept is not None:
                driver: Any = kept.connection.connection.driver_connection
                hand_back = kept.give_back
            else:
                raw = self._engine.raw_connection()
                driver, hand_back = raw.driver_connection, raw.close
            try:
                begin_immediate(driver)
                try:
                    if len(items) == 1:  # alone in its transaction: no savepoint needed
                        outcomes.append(self._write_one(driver, items[0]))
                    else:
                        for item in items:
                            driver.execute("SAVEPOINT staged_write")
                            outcome = self._write_one(driver, item)
                            if outcome is not None:  # this write alone is undone; its request is redone on its own
                                driver.execute("ROLLBACK TO staged_write")
                            driver.execute("RELEASE staged_write")
                            outcomes.append(outcome)
                    if any(outcome is None for outcome in outcomes):
                        driver.commit()
                    else:
                        driver.rollback()
                except BaseException:
                    driver.rollback()
                    raise
            finally:
                hand_back()
        finally:
            self._lock.release()
        return outcomes

    def _write_one(self, driver: Any, item: _Staged) -> Exception | None:
        """One staged write's statements; the engine error that stopped them (CaseMoved, IdempotencyKeyTaken…), if any."""
        try:
            with engine_errors():
                write_changes(driver, self._statements, item.changes)
                if item.idempotency is not None:
                    write_idempotency_record(driver, self._statements, **item.idempotency)
        except Exception as exc:
            return exc
        return None
