"""One SQLite connection kept per event loop, for the quick work a worker does on its loop.

An event on SQLite is read, checked and written on the worker's event loop (negotiation/service_layer/
unit_of_work.py): the caller's token, the case, then the group commit's write. Checking a connection out of the
pool and back in, with SQLAlchemy's reset on return, for each of those steps cost more than the statements
themselves. So each loop keeps one connection: work done synchronously on the loop takes it and gives it back
before the loop runs anything else. While it is taken (work nested in other work), the next
caller gets None and uses the pool as before, so sharing never depends on the caller's care.

A loop's connection goes back to the pool when a later loop finds it closed (tests and ``asyncio.run`` make and
close many loops; a served worker has one for its life). There is no other close: the commands that dispose of
the engine (backup, restore) run with no event loop, so they keep none.
"""

from __future__ import annotations

import asyncio
import threading

from sqlalchemy import Connection, Engine

__all__ = ["LoopConnection", "LoopConnections"]


class LoopConnection:
    """The kept connection of one event loop, and whether some work holds it now."""

    __slots__ = ("connection", "loop", "taken")

    def __init__(self, connection: Connection, loop: asyncio.AbstractEventLoop) -> None:
        self.connection = connection
        self.loop = loop
        self.taken = False

    def give_back(self) -> None:
        """The work is done: end what it left open and keep the connection read-only for the next taker."""
        connection = self.connection
        if connection.in_transaction():
            connection.rollback()
        if not connection.get_execution_options().get("read_only"):  # a write escalated it (setting it costs)
            connection.execution_options(read_only=True)
        self.taken = False


class LoopConnections:
    """The connections kept per event loop, made from one (read-only) engine."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._kept: dict[asyncio.AbstractEventLoop, LoopConnection] = {}
        self._guard = threading.Lock()

    def take(self) -> LoopConnection | None:
        """The running loop's connection, held until give_back(); None off a loop or while other work holds it."""
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return None
        kept = self._kept.get(loop)
        if kept is None:
            kept = self._keep(loop)
        if kept.taken:
            return None
        kept.taken = True
        return kept

    def _keep(self, loop: asyncio.AbstractEventLoop) -> LoopConnection:
        with self._guard:
            for closed in [k for k in self._kept.values() if k.loop.is_closed() and not k.taken]:
                del self._kept[closed.loop]
                closed.connection.close()
            kept = self._kept[loop] = LoopConnection(self._engine.connect(), loop)
        return kept
