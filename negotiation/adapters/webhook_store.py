"""Webhook rows: subscriptions, the outbox written inside each change's transaction, deliveries claimed one deliverer at a time.

The outbox rows of a change travel in its ChangeSet (negotiation/adapters/repository.py): ``write_outbox`` sends
them on the same driver connection and in the same transaction as the case's version-checked UPDATE and its audit
links — or in the same SAVEPOINT of SQLite's group commit — so no change commits without its rows and no row
exists without its change. Subscriptions and deliveries go through the unit of work's connection like the other
small tables.

Claiming a delivery: the deliverer reads the rows that are due with ``FOR UPDATE SKIP LOCKED`` (PostgreSQL: the
workers of every host each take other rows, none waits; SQLite has no such clause and holds its one write lock
instead), then takes each with a conditional ``UPDATE … WHERE status = 'pending' AND next_attempt_at <= :now``,
which on SQLite alone decides who has it. A claim is a lease: the row's next attempt is set to the end of the
lease, so a deliverer that dies mid-way leaves the row due again when the lease ends (delivered at least once).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import date
from typing import Any, NamedTuple

from sqlalchemy import Connection, CursorResult, Executable, delete, exists, insert, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from negotiation import model
from negotiation.adapters import orm
from negotiation.adapters.statements import Statements

__all__ = [
    "ClaimedDelivery",
    "Delivery",
    "OutboxEntry",
    "OutboxRow",
    "Subscriber",
    "Subscription",
    "WebhookStore",
    "write_outbox",
]

_SUBSCRIPTIONS = orm.webhook_subscriptions
_OUTBOX = orm.webhook_outbox
_DELIVERIES = orm.webhook_deliveries
_INSERT_OUTBOX = _OUTBOX.insert()
_OUTBOX_KEYS = ["type", "case_id", "at", "data"]
_ANY_SUBSCRIPTION = select(exists().select_from(_SUBSCRIPTIONS))
DONE = ("delivered", "failed")


@dataclass
class OutboxEntry:
    """One webhook event staged with a change; ``data`` is called when the row is written, after the same write has
    given ids to the change's new deadlines and audit links."""

    type: str
    case_id: int
    at: str
    data: Callable[[], dict[str, Any]]


def write_outbox(driver: Any, statements: Statements, entries: Sequence[OutboxEntry]) -> None:
    """Insert a change's outbox rows on its driver connection, inside its transaction — unless no subscription
    exists in that transaction: a row is fanned out only to subscriptions made before its change, so with none it
    could reach no one, and writing it would only give the deliverer rows to delete (one SELECT EXISTS instead of an
    INSERT and a later DELETE per change; bench/README.md "The regression traced" found no events/s difference)."""
    if not entries or not statements.get(_ANY_SUBSCRIPTION).raw_rows(driver, {})[0][0]:
        return
    insert_row = statements.get(_INSERT_OUTBOX, _OUTBOX_KEYS)
    for entry in entries:
        insert_row.run(driver, {"type": entry.type, "case_id": entry.case_id, "at": entry.at, "data": entry.data()})


class Subscription(NamedTuple):
    id: int
    user_id: int
    url: str
    events: list[str]
    secret_sealed: str
    created_at: str


class Subscriber(NamedTuple):
    """A subscription and the identity of the user who made it (whose access rules decide what it receives)."""

    subscription: Subscription
    name: str
    role: str
    organization_id: int | None
    disabled: bool


class OutboxRow(NamedTuple):
    id: int
    type: str
    case_id: int
    at: str
    data: dict[str, Any]


class Delivery(NamedTuple):
    id: str
    subscription_id: int
    type: str
    case_id: int
    body: str
    status: str
    attempts: int
    next_attempt_at: float | None
    give_up_at: float
    claimed_by: str | None
    http_status: int | None
    error: str | None
    history: list[dict[str, Any]]
    created_at: str
    delivered_at: str | None


class ClaimedDelivery(NamedTuple):
    """A delivery this deliverer holds, with where it goes and the sealed secret that signs it."""

    delivery: Delivery
    url: str
    secret_sealed: str
    user_disabled: bool


_SUBSCRIPTION_COLUMNS = [_SUBSCRIPTIONS.c[k] for k in Subscription._fields]
_DELIVERY_COLUMNS = [_DELIVERIES.c[k] for k in Delivery._fields]


class WebhookStore:
    """Webhook queries within one unit of work's transaction; it never commits."""

    def __init__(
        self, connection: Connection, before_write: Callable[[], None], errors: Callable[[], AbstractContextManager[None]]
    ) -> None:
        self.connection = connection
        self._before_write = before_write  # the unit of work begins its write transaction first (see Repository)
        self._errors = errors  # SQLAlchemy's errors raised as the engine's (repository.engine_errors)

    def _read(self, statement: Executable) -> CursorResult[Any]:
        with self._errors():
            return self.connection.execute(statement)

    def _write(self, statement: Executable) -> CursorResult[Any]:
        self._before_write()
        with self._errors():
            return self.connection.execute(statement)

    # subscriptions ----------------------------------------------------------------------------

    def add_subscription(self, *, user_id: int, url: str, events: list[str], secret_sealed: str, created_at: str) -> int:
        """Store a subscription; its id."""
        values = {"user_id": user_id, "url": url, "events": events, "secret_sealed": secret_sealed, "created_at": created_at}
        result = self._write(insert(_SUBSCRIPTIONS).values(**values))
        assert result.inserted_primary_key is not None
        return int(result.inserted_primary_key[0])

    def subscriptions(self, user_id: int) -> list[Subscription]:
        """A user's subscriptions, oldest first."""
        query = select(*_SUBSCRIPTION_COLUMNS).where(_SUBSCRIPTIONS.c.user_id == user_id).order_by(_SUBSCRIPTIONS.c.id)
        return [Subscription._make(row) for row in self._read(query)]

    def subscription(self, subscription_id: int) -> Subscription | None:
        """One subscription, or None."""
        row = self._read(select(*_SUBSCRIPTION_COLUMNS).where(_SUBSCRIPTIONS.c.id == subscription_id)).first()
        return Subscription._make(row) if row is not None else None

    def delete_subscription(self, subscription_id: int) -> None:
        """Remove a subscription and its deliveries, sent or not."""
        self._write(delete(_DELIVERIES).where(_DELIVERIES.c.subscription_id == subscription_id))
        self._write(delete(_SUBSCRIPTIONS).where(_SUBSCRIPTIONS.c.id == subscription_id))

    def reseal(self, subscription_id: int, secret_sealed: str) -> None:
        """Store a subscription's secret sealed anew (under the current key)."""
        self._write(update(_SUBSCRIPTIONS).where(_SUBSCRIPTIONS.c.id == subscription_id).values(secret_sealed=secret_sealed))

    def subscribers(self) -> list[Subscriber]:
        """Every subscription with its user's identity."""
        users = orm.users.c
        query = (
            select(*_SUBSCRIPTION_COLUMNS, users.name, users.role, users.organization_id, users.disabled)
            .join_from(_SUBSCRIPTIONS, orm.users, users.id == _SUBSCRIPTIONS.c.user_id)
            .order_by(_SUBSCRIPTIONS.c.id)
        )
        n = len(Subscription._fields)
        return [Subscriber(Subscription._make(row[:n]), *row[n:]) for row in self._read(query)]

    # the outbox -------------------------------------------------------------------------------

    def outbox_waiting(self) -> bool:
        """Whether any outbox row waits to be fanned out (a plain read: no lock, no write)."""
        return self._read(select(_OUTBOX.c.id).limit(1)).first() is not None

    def take_outbox(self, limit: int) -> list[OutboxRow]:
        """The oldest outbox rows, locked for this transaction (others skip them on PostgreSQL)."""
        columns = [_OUTBOX.c[k] for k in OutboxRow._fields]
        query = select(*columns).order_by(_OUTBOX.c.id).limit(limit).with_for_update(skip_locked=True)
        self._before_write()  # SQLite: the write lock before reading what will be deleted
        return [OutboxRow._make(row) for row in self._read(query)]

    def delete_outbox(self, ids: list[int]) -> None:
        """Remove outbox rows that were fanned out."""
        if ids:
            self._write(delete(_OUTBOX).where(_OUTBOX.c.id.in_(ids)))

    def outbox(self) -> list[OutboxRow]:
        """Every outbox row, oldest first (for operators and tests)."""
        columns = [_OUTBOX.c[k] for k in OutboxRow._fields]
        return [OutboxRow._make(row) for row in self._read(select(*columns).order_by(_OUTBOX.c.id))]

    # deliveries -------------------------------------------------------------------------------

    def add_delivery(self, values: dict[str, Any]) -> None:
        """Store one delivery (every column of webhook_deliveries)."""
        self._write(insert(_DELIVERIES).values(**values))

    def deliveries(self, subscription_id: int, limit: int) -> list[Delivery]:
        """A subscription's deliveries, newest first."""
        d = _DELIVERIES.c
        query = select(*_DELIVERY_COLUMNS).where(d.subscription_id == subscription_id).order_by(d.created_at.desc(), d.id)
        return [Delivery._make(row) for row in self._read(query.limit(limit))]

    def any_due(self, now: float) -> bool:
        """Whether a delivery is due now (a plain read)."""
        d = _DELIVERIES.c
        return self._read(select(d.id).where(d.status == "pending", d.next_attempt_at <= now).limit(1)).first() is not None

    def claim_due(self, *, now: float, lease_until: float, token: str, limit: int) -> list[ClaimedDelivery]:
        """Take up to `limit` due deliveries for this deliverer until `lease_until`; those it took."""
        d = _DELIVERIES.c
        self._before_write()
        due = select(d.id).where(d.status == "pending", d.next_attempt_at <= now).order_by(d.next_attempt_at).limit(limit)
        taken = []
        for (delivery_id,) in self._read(due.with_for_update(skip_locked=True)).all():
            claim = (
                update(_DELIVERIES)
                .where(d.id == delivery_id, d.status == "pending", d.next_attempt_at <= now)
                .values(next_attempt_at=lease_until, claimed_by=token)
            )
            if self._write(claim).rowcount == 1:
                taken.append(delivery_id)
        if not taken:
            return []
        s = _SUBSCRIPTIONS.c
        query = (
            select(*_DELIVERY_COLUMNS, s.url, s.secret_sealed, orm.users.c.disabled)
            .join_from(_DELIVERIES, _SUBSCRIPTIONS, s.id == d.subscription_id)
            .join(orm.users, orm.users.c.id == s.user_id)
            .where(d.id.in_(taken), d.claimed_by == token)
            .order_by(d.next_attempt_at)
        )
        n = len(Delivery._fields)
        return [ClaimedDelivery(Delivery._make(row[:n]), *row[n:]) for row in self._read(query)]

    def record_attempt(self, delivery_id: str, token: str, values: dict[str, Any]) -> bool:
        """Write an attempt's outcome if this deliverer still holds the delivery; whether it did."""
        d = _DELIVERIES.c
        result = self._write(update(_DELIVERIES).where(d.id == delivery_id, d.claimed_by == token).values(**values))
        return result.rowcount == 1

    def forget_deliveries(self, *, before: str) -> int:
        """Delete deliveries done (delivered or given up) and made before a time (ISO 8601, as stored); how many."""
        d = _DELIVERIES.c
        return int(self._write(delete(_DELIVERIES).where(d.status.in_(DONE), d.created_at < before)).rowcount)

    # reminders --------------------------------------------------------------------------------

    def unreminded_deadlines(self, first: date, last: date, *, lock: bool = False) -> list[model.Deadline]:
        """Open deadlines due from `first` to `last` with no reminder sent yet (as transient objects); with `lock`,
        their rows locked for this transaction (PostgreSQL), so that an event closing one waits for it."""
        d = orm.deadlines.c
        reminded = exists().where(orm.deadline_reminders.c.deadline_id == d.id)
        query = select(*orm.deadlines.columns).where(d.status == "open", d.due_on >= first, d.due_on <= last, ~reminded)
        query = query.order_by(d.case_id, d.id)
        if lock:
            self._before_write()
            query = query.with_for_update(of=orm.deadlines)
        return [model.Deadline(**row._mapping) for row in self._read(query)]

    def add_reminder(self, *, deadline_id: int, case_id: int, remind_on: date, at: str) -> bool:
        """Record that a deadline's reminder is sent; False when it already was (by another sweeper)."""
        make = sqlite_insert if self.connection.dialect.name == "sqlite" else postgresql_insert
        values = {"deadline_id": deadline_id, "case_id": case_id, "remind_on": remind_on, "at": at}
        statement = make(orm.deadline_reminders).values(**values).on_conflict_do_nothing()
        return self._write(statement.returning(orm.deadline_reminders.c.deadline_id)).first() is not None
