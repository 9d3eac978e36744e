"""Engine creation: SQLite in WAL mode with BEGIN IMMEDIATE and foreign keys, or PostgreSQL through psycopg."""

from __future__ import annotations

import fcntl
import json
import logging
import os
import sqlite3
import threading
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.pool import QueuePool

__all__ = ["Checkpointer", "WriterLock", "begin_immediate", "make_engine", "writer_lock"]

log = logging.getLogger(__name__)

SQLITE_BUSY_TIMEOUT_MS = 10_000
# A process asks for a WAL checkpoint after this many of its own write transactions: 500–1,500 WAL pages with two
# workers (5 pages for a transaction of one event, 10–20 for a group transaction of several), about the cadence of
# SQLite's own automatic checkpoint (wal_autocheckpoint default: 1,000 pages).
CHECKPOINT_EVERY_WRITES = 100
# The automatic checkpoint stays on as a safety net, at 4× the usual size, for when the checkpointer falls behind.
WAL_AUTOCHECKPOINT_PAGES = 4_000


def read_json(text: str | bytes) -> Any:
    """How a stored JSON column is read: orjson (4–5× faster on the case's columns), the standard library for
    anything orjson refuses (integers beyond 64 bits, NaN); the values are the same either way."""
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return json.loads(text)


def write_json(value: Any) -> str:
    """How a JSON column is written: orjson, compact UTF-8 (the values hold no floats; keys that are not strings
    are written as strings, as the standard library writes them)."""
    return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode("utf-8")


def _sqlite_engine(url: str) -> Engine:
    parsed = make_url(url)
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(
        url,
        connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_MS / 1000},
        poolclass=QueuePool,
        pool_size=8,
        max_overflow=8,
        json_serializer=write_json,
        json_deserializer=read_json,
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's begin event decide how a transaction starts (BEGIN IMMEDIATE below).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute(f"PRAGMA wal_autocheckpoint={WAL_AUTOCHECKPOINT_PAGES}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # A writer takes the lock at BEGIN, so a second writer waits instead of failing mid-way. Sent on the
        # driver's connection directly: SQLAlchemy's statement machinery (events, result set-up) for a BEGIN
        # cost more than the BEGIN itself, on every transaction.
        if conn.get_execution_options().get("read_only"):
            conn.connection.driver_connection.execute("BEGIN")
        else:
            begin_immediate(conn.connection.driver_connection)

    return engine


def begin_immediate(driver_connection: Any) -> None:
    """Begin a SQLite write transaction: the write lock is taken now, not at the first write."""
    driver_connection.execute("BEGIN IMMEDIATE")


class Checkpointer:
    """WAL checkpoints of one SQLite database, run by a thread of this process instead of inside a writer's COMMIT.

    SQLite's automatic checkpoint runs in the COMMIT of whichever writer crosses 1,000 WAL pages: that writer then
    copies the pages into the database and syncs the WAL and the database file (synchronous=NORMAL) while it still
    holds the write lock, so every writer of every worker waits a few milliseconds. Here each process counts its
    write transactions and, every CHECKPOINT_EVERY_WRITES, wakes its checkpointer thread, which runs
    ``PRAGMA wal_checkpoint(PASSIVE)`` on its own connection: the same checkpoint at about the same cadence, so the
    same durability (a committed transaction is in the WAL before COMMIT returns; the WAL is synced at each
    checkpoint), with no lock held and no event loop blocked while it syncs.
    """

    def __init__(self, database: Path, every: int = CHECKPOINT_EVERY_WRITES) -> None:
        self._database = database
        self._every = every
        self._writes = 0
        self._due = threading.Event()
        self._thread: threading.Thread | None = None
        self._starting = threading.Lock()
        self._pid = 0
        self.runs = 0

    def wrote(self) -> None:
        """One write transaction of this process ended; every `every` of them, wake the checkpointer."""
        self._writes += 1
        if self._writes < self._every:
            return
        self._writes = 0
        with self._starting:
            if self._thread is None or self._pid != os.getpid():
                self._pid = os.getpid()
                self._thread = threading.Thread(target=self._run, name=f"wal-checkpoint {self._database.name}", daemon=True)
                self._thread.start()
        self._due.set()

    def checkpoint(self, connection: sqlite3.Connection) -> tuple[int, int, int]:
        """One passive checkpoint: (busy, frames in the WAL, frames copied into the database)."""
        busy, frames, copied = connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        self.runs += 1
        return int(busy), int(frames), int(copied)

    def _run(self) -> None:
        connection = sqlite3.connect(
            self._database, timeout=SQLITE_BUSY_TIMEOUT_MS / 1000, isolation_level=None, check_same_thread=False
        )
        connection.execute("PRAGMA synchronous=NORMAL")  # sync the WAL before copying and the database after
        while True:
            self._due.wait()
            self._due.clear()
            try:
                self.checkpoint(connection)
            except sqlite3.Error as exc:  # the next one, or the automatic checkpoint, catches up
                log.warning("WAL checkpoint of %s failed: %s", self._database, exc)


class WriterLock:
    """The queue SQLite writers wait in before BEGIN IMMEDIATE: a lock per process and a flock across processes.

    SQLite lets one writer at a time in; a second one waits in its busy handler, which polls with sleeps of 1 to
    100 ms, so under load most of a writer's time went to sleeping after the lock was already free. Waiting here
    instead, on a thread lock and on an flock(2) of a file beside the database, a writer wakes the moment the
    previous one has committed. It changes nothing in what a transaction is: BEGIN IMMEDIATE, the busy timeout
    (for writers outside this code) and the version check all stay. Re-entrant within a thread, as SQLite itself
    would make a nested writer wait for the busy timeout and fail.
    """

    def __init__(self, path: Path | None, checkpointer: Checkpointer | None = None) -> None:
        self._path = path
        self.checkpointer = checkpointer
        self._thread_lock = threading.RLock()
        self._depth = 0
        self._fd: int | None = None
        self._pid = 0

    def _file(self) -> int | None:
        if self._path is None:
            return None
        if self._fd is None or self._pid != os.getpid():
            self._fd = os.open(self._path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
            self._pid = os.getpid()
        return self._fd

    def acquire(self) -> None:
        """Wait for the right to write (blocks; every holder is one short transaction)."""
        self._thread_lock.acquire()
        try:
            if self._depth == 0:
                fd = self._file()
                if fd is not None:
                    fcntl.flock(fd, fcntl.LOCK_EX)
        except BaseException:
            self._thread_lock.release()
            raise
        self._depth += 1

    def release(self) -> None:
        """Let the next writer in (after the commit or the rollback)."""
        self._depth -= 1
        outermost = self._depth == 0
        try:
            if outermost and self._fd is not None and self._pid == os.getpid():
                fcntl.flock(self._fd, fcntl.LOCK_UN)
        finally:
            self._thread_lock.release()
        if outermost and self.checkpointer is not None:
            self.checkpointer.wrote()


_writer_locks: dict[str, WriterLock] = {}
_writer_locks_guard = threading.Lock()


def writer_lock(engine: Engine) -> WriterLock | None:
    """The writer queue of a SQLite database (one per file and process); None for PostgreSQL."""
    if engine.dialect.name != "sqlite":
        return None
    database = engine.url.database
    key = str(Path(database).resolve()) if database and database != ":memory:" else f":memory:{id(engine)}"
    with _writer_locks_guard:
        lock = _writer_locks.get(key)
        if lock is None:
            on_disk = not key.startswith(":memory:")
            path = Path(f"{key}-writer") if on_disk else None
            lock = _writer_locks[key] = WriterLock(path, Checkpointer(Path(key)) if on_disk else None)
    return lock


def make_engine(url: str) -> Engine:
    """An engine for the configured database URL."""
    if url.startswith("sqlite"):
        return _sqlite_engine(url)
    return create_engine(
        url, pool_size=10, max_overflow=10, pool_pre_ping=True, json_serializer=write_json, json_deserializer=read_json
    )
