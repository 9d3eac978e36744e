"""Loading and saving the aggregate and its parts; the queries behind lists and the sweeper.

The case aggregate (the ``cases`` row and its ``deadlines``) and the audit links are loaded and saved by this
repository with Core statements prepared once per dialect and sent on the unit of work's driver connection
(negotiation/adapters/statements.py), not by the ORM's unit of work: ``case()`` reads the row and its deadlines in one joined ``SELECT`` and builds a
*transient* ``NegotiationCase`` that no session ever holds, so the ORM never flushes it; ``record_change`` (the one
place every change of a case passes, with its audit link) marks it changed, and ``save_changes()`` — called by the
unit of work's ``commit``, inside the same transaction — writes it with one version-checked
``UPDATE cases SET … WHERE id = :id AND version = :loaded`` (no row: ``CaseMoved``, a version conflict), the
deadlines that were added or changed, the audit links and the webhook outbox rows staged with them
(negotiation/adapters/webhook_store.py), in that order: one ChangeSet, whichever way the unit of work writes it.
A JSON column changed in place (``case.flags.append(x)``, ``case.fact("signatures")["employer"] = …``) is saved like one assigned: the lists of
immutable items are compared with shallow copies taken at load, the facts are written with every saved change.
Everything else (drafts, votes, meetings, documents, users…) and every list query go through the ORM mapping in
negotiation/adapters/orm.py, in a ``Session``
opened on the same connection the first time one is needed; the mapping of ``NegotiationCase`` stays as it is (same
table, same column types), only its command path is explicit. Within one unit of work the same case id always gives
the same object; nothing is kept across units of work.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from typing import Any, NamedTuple

from sqlalchemy import JSON, ColumnElement, Connection, Select, bindparam, delete, exists, false, func, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session, configure_mappers
from sqlalchemy.orm.attributes import instance_state
from sqlalchemy.orm.exc import StaleDataError
from sqlalchemy.orm.instrumentation import manager_of_class

from negotiation import model
from negotiation.adapters import orm, search_index
from negotiation.adapters.database import begin_immediate
from negotiation.adapters.statements import Statements
from negotiation.adapters.texts import Texts
from negotiation.adapters.webhook_store import OutboxEntry, WebhookStore, write_outbox
from negotiation.errors import CaseMoved, IdempotencyKeyTaken, StorageUnavailable

__all__ = ["ChangeSet", "IdempotencyRecord", "Repository", "write_changes", "write_idempotency_record"]

_CASE_COLUMNS = list(orm.cases.columns)
_CASE_KEYS = [c.key for c in _CASE_COLUMNS]
_CASE_VALUE_KEYS = [k for k in _CASE_KEYS if k != "id"]
# The case's JSON columns, which may be changed in place (`case.flags.append(x)`) without the mapper seeing it. A
# list of immutable items (strings, ids, frozen Representatives) is compared with a shallow copy taken at load;
# every other JSON column (the facts, whose values nest) is written whole with every saved change of the case.
_CASE_JSON_KEYS = [c.key for c in _CASE_COLUMNS if isinstance(c.type, (JSON, orm.RepresentativeList))]
_CASE_FLAT_LIST_KEYS = ("topics", "covered_enterprise_ids", "worker_side", "employer_side", "flags")
_CASE_WRITTEN_WHOLE = frozenset(_CASE_JSON_KEYS) - frozenset(_CASE_FLAT_LIST_KEYS)
_DEADLINE_COLUMNS = list(orm.deadlines.columns)
_DEADLINE_KEYS = [c.key for c in _DEADLINE_COLUMNS]
_N_CASE = len(_CASE_COLUMNS)
_DEADLINE_ID = _N_CASE + _DEADLINE_KEYS.index("id")

# The case and its deadlines in one statement; a case without deadlines gives one row of NULL deadline columns.
_LOAD_CASE = (
    select(*_CASE_COLUMNS, *_DEADLINE_COLUMNS)
    .select_from(orm.cases.outerjoin(orm.deadlines, orm.deadlines.c.case_id == orm.cases.c.id))
    .where(orm.cases.c.id == bindparam("case_id"))
    .order_by(orm.deadlines.c.id)
)
# The columns assigned since the load are written; the WHERE clause is the optimistic check: the version and the
# audit head as loaded (a change that bumps no version, such as an archive alert, still moves the audit head).
_UPDATE_CASE = orm.cases.update().where(
    orm.cases.c.id == bindparam("_id"),
    orm.cases.c.version == bindparam("_loaded_version"),
    orm.cases.c.audit_seq == bindparam("_loaded_seq"),
)
_INSERT_CASE = orm.cases.insert()
_INSERT_DEADLINE = orm.deadlines.insert()
_UPDATE_DEADLINE = orm.deadlines.update().where(orm.deadlines.c.id == bindparam("_id"))
_DELETE_DEADLINE = orm.deadlines.delete().where(orm.deadlines.c.id == bindparam("_id"))
_INSERT_AUDIT = orm.audit_events.insert()
_AUDIT_KEYS = [c.key for c in orm.audit_events.columns if c.key != "id"]
_DEADLINE_VALUE_KEYS = [k for k in _DEADLINE_KEYS if k != "id"]
_IDEMPOTENCY = orm.idempotency_keys.c
_LOAD_IDEMPOTENCY = select(_IDEMPOTENCY.request_hash, _IDEMPOTENCY.status_code, _IDEMPOTENCY.body, _IDEMPOTENCY.created_at).where(
    _IDEMPOTENCY.user_id == bindparam("user_id"), _IDEMPOTENCY.key == bindparam("key")
)
_INSERT_IDEMPOTENCY = orm.idempotency_keys.insert()
_IDEMPOTENCY_KEYS = ["user_id", "key", "request_hash", "status_code", "body", "created_at"]
# Every request with a token reads its user: one prepared statement, not an ORM query (bench/README.md, issue 10).
_USERS = orm.users.c
_LOAD_TOKEN_USER = select(_USERS.id, _USERS.name, _USERS.role, _USERS.organization_id).where(
    _USERS.token_hash == bindparam("token_hash"), _USERS.disabled == false()
)


_configured = False


def _configure() -> None:
    # The mapping's attributes are set up on first ORM use; a process whose first read is a case (the CLI) does it here.
    global _configured
    configure_mappers()
    _configured = True


def _new(cls: type[Any], values: Any) -> Any:
    """A transient instance of a mapped class with these column values, set the way the ORM's loader sets them
    (into the instance dict, without an attribute event each): what the constructor would build, 5× cheaper."""
    if not _configured:
        _configure()
    obj = manager_of_class(cls).new_instance()
    obj.__dict__.update(values)
    return obj


def _deadline_values(d: model.Deadline) -> tuple[Any, ...]:
    values = d.__dict__  # the column values as loaded or assigned (read past the mapping's attribute events)
    return tuple(values.get(k) for k in _DEADLINE_KEYS)


def _flat_lists(case: model.NegotiationCase) -> tuple[tuple[Any, ...], ...]:
    """Shallow copies of the case's lists of immutable items, in the order of _CASE_FLAT_LIST_KEYS (spelled out:
    this runs on every load, about 0.5 µs)."""
    v = case.__dict__
    return (tuple(v["topics"]), tuple(v["covered_enterprise_ids"]), tuple(v["worker_side"]), tuple(v["employer_side"]),
            tuple(v["flags"]))  # fmt: skip


class _Tracked:
    """A case loaded (or inserted) in this unit of work: the version it had then, its deadlines as they were and
    a shallow copy of its lists of immutable items (to see a change in place)."""

    __slots__ = ("audit_seq", "case", "changed", "deadlines", "lists", "version")

    def __init__(self, case: model.NegotiationCase) -> None:
        self.case = case
        self.version = case.version
        self.audit_seq = case.audit_seq
        self.deadlines = {d.id: _deadline_values(d) for d in case.deadlines if d.id is not None}
        self.lists = _flat_lists(case)
        self.changed = False

    def changed_in_place(self) -> set[str]:
        """The lists changed in place (appended to, an item replaced…) since the load or the last write."""
        now = _flat_lists(self.case)
        if now == self.lists:  # the usual case: one comparison, items compared by identity first
            return set()
        return {k for k, a, b in zip(_CASE_FLAT_LIST_KEYS, now, self.lists, strict=True) if a != b}


@dataclass
class ChangeSet:
    """What one unit of work changed: its changed cases (each with the version and audit head it was read at, and
    its deadlines as read), its new audit links and the webhook events they make, in the order write_changes
    writes them."""

    cases: list[_Tracked]
    links: list[model.AuditEvent]
    outbox: list[OutboxEntry] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.cases or self.links or self.outbox)


@contextmanager
def engine_errors() -> Iterator[None]:
    """Writes in this block raise the engine's errors, not SQLAlchemy's: a case written by someone else since it was
    read (the version-checked UPDATE found no row, or another writer took its next audit link first) is CaseMoved;
    an Idempotency-Key stored by another request first is IdempotencyKeyTaken; a database that cannot be reached or
    stays locked is StorageUnavailable. Any other integrity error is a bug and is not hidden."""
    try:
        yield
    except StaleDataError as exc:
        raise CaseMoved(str(exc)) from exc
    except IntegrityError as exc:
        reason = str(exc.orig)
        if "idempotency_keys" in reason:
            raise IdempotencyKeyTaken(reason) from exc
        if "audit_events" in reason:
            raise CaseMoved(reason) from exc
        raise
    except OperationalError as exc:
        raise StorageUnavailable() from exc


def write_changes(driver: Any, statements: Statements, changes: ChangeSet) -> None:
    """Write a change set on a driver connection inside a transaction: each case with one version-checked UPDATE
    (no row: CaseMoved, nothing of the case written), its deadlines, the audit links, then their outbox rows."""
    for tracked in changes.cases:
        case = tracked.case
        # The columns assigned since the case was loaded (the ORM's own record of changes, as its flush uses it),
        # the lists changed in place, and the JSON columns written whole (a change in place inside them is saved).
        assigned = instance_state(case).committed_state
        in_place = tracked.changed_in_place()
        keys = [k for k in _CASE_VALUE_KEYS if k in assigned or k in _CASE_WRITTEN_WHOLE or k in in_place]
        values = case.__dict__
        params = {k: values[k] for k in keys}
        params["_id"] = case.id
        params["_loaded_version"] = tracked.version
        params["_loaded_seq"] = tracked.audit_seq
        if statements.get(_UPDATE_CASE, keys).rowcount(driver, params) != 1:
            raise CaseMoved(f"case {case.id} is no longer at version {tracked.version}, audit link {tracked.audit_seq}")
        _write_deadlines(driver, statements, tracked)
        assigned.clear()
        tracked.lists = _flat_lists(case)
        tracked.version = case.version
        tracked.audit_seq = case.audit_seq
    insert_link = statements.get(_INSERT_AUDIT, _AUDIT_KEYS)
    for link in changes.links:
        link.id = insert_link.insert(driver, link.__dict__)  # every field was given when the link was made
    write_outbox(driver, statements, changes.outbox)  # the change's webhook events: in its transaction, or not at all


def _write_deadlines(driver: Any, statements: Statements, tracked: _Tracked) -> None:
    case = tracked.case
    current: dict[int, tuple[Any, ...]] = {}
    for d in case.deadlines:
        if d.id is None:
            d.case_id = case.id
            values = {k: getattr(d, k) for k in _DEADLINE_VALUE_KEYS}
            d.id = statements.get(_INSERT_DEADLINE, _DEADLINE_VALUE_KEYS).insert(driver, values)
        row = _deadline_values(d)
        if d.id in tracked.deadlines and tracked.deadlines[d.id] != row:
            values = {"_id": d.id, **{k: getattr(d, k) for k in _DEADLINE_VALUE_KEYS}}
            statements.get(_UPDATE_DEADLINE, _DEADLINE_VALUE_KEYS).rowcount(driver, values)
        current[d.id] = row
    for gone in tracked.deadlines.keys() - current.keys():
        statements.get(_DELETE_DEADLINE).rowcount(driver, {"_id": gone})
    tracked.deadlines = current


def write_idempotency_record(
    driver: Any, statements: Statements, *, user_id: int, key: str, request_hash: str, status_code: int, body: str, at: str
) -> None:
    """Store the response given to an idempotency key (in the transaction of the change it answered)."""
    values = {"user_id": user_id, "key": key, "request_hash": request_hash, "status_code": status_code, "body": body}
    statements.get(_INSERT_IDEMPOTENCY, _IDEMPOTENCY_KEYS).run(driver, {**values, "created_at": at})


class IdempotencyRecord(NamedTuple):
    """The response stored for an idempotency key."""

    request_hash: str
    status_code: int
    body: str
    created_at: str


class Repository:
    """Queries within one unit of work's transaction; it never commits."""

    def __init__(self, connection: Connection, statements: Statements) -> None:
        self.connection = connection
        self._driver: Any = connection.connection.driver_connection  # the driver's connection, in this transaction
        self._statements = statements
        self._session: Session | None = None
        self._pending: list[object] = []
        self._cases: dict[int, _Tracked] = {}
        self._links: list[model.AuditEvent] = []
        self._outbox: list[OutboxEntry] = []
        self._outbox_keys: set[object] = set()
        self._webhooks: WebhookStore | None = None
        # Called before a statement that writes ahead of the commit (an INSERT whose id is needed now, a flush): the
        # unit of work's chance to begin its write transaction first, when it has read outside one (see UnitOfWork).
        self.before_write: Callable[[], None] | None = None

    def _writing(self) -> None:
        if self.before_write is not None:
            self.before_write()

    @property
    def texts(self) -> Texts:
        """The cases' stored texts (searchable text, public contracts) on this unit of work's connection."""
        return Texts(self.connection, self._writing)

    @property
    def session(self) -> Session:
        """The ORM session on this unit of work's connection and transaction, opened when first needed."""
        if self._session is None:
            self._session = Session(bind=self.connection, expire_on_commit=False, autoflush=False)
        return self._session

    def close(self) -> None:
        """Close the ORM session, if one was opened (the connection and its transaction belong to the unit of work)."""
        if self._session is not None:
            self._session.close()
            self._session = None

    def end_read(self) -> None:
        """Before the read ends and the write transaction begins on the same connection: objects the ORM session
        staged are kept to be staged again by resume(); objects it loaded stay in it, expired, and are read again in
        the write transaction. A loaded object already changed would lose its change: the case counts as moved."""
        self._pending = []
        if self._session is None:
            return
        if self._session.dirty or self._session.deleted:
            raise CaseMoved("mapped objects were changed before the write transaction began")
        self._pending = list(self._session.new)
        self._session.rollback()

    def resume(self) -> None:
        """In the write transaction: stage again what the ORM session had staged before end_read()."""
        for obj in self._pending:
            self.session.add(obj)
        self._pending = []

    @property
    def stages_mapped_objects(self) -> bool:
        """Whether mapped objects (a vote, a draft…) were added or changed in this unit of work: the ORM session
        writes them."""
        session = self._session
        return session is not None and bool(session.new or session.dirty or session.deleted)

    def begin_driver_transaction(self) -> None:
        """Begin a write transaction on the driver's connection, for prepared statements only (SQLite)."""
        begin_immediate(self._driver)

    def end_driver_transaction(self, *, commit: bool) -> None:
        """Commit or roll back the transaction begun by begin_driver_transaction()."""
        if commit:
            self._driver.commit()
        else:
            self._driver.rollback()

    def discard(self) -> None:
        """Forget what was staged: the transaction is being rolled back."""
        self._links.clear()
        self._outbox.clear()
        self._outbox_keys.clear()
        for tracked in self._cases.values():
            tracked.changed = False
        if self._session is not None:
            self._session.expunge_all()

    def add(self, obj: object) -> None:
        """Stage a new object (not a case, deadline or audit link: those are saved by save_changes)."""
        if isinstance(obj, (model.NegotiationCase, model.Deadline, model.AuditEvent)):
            raise TypeError(f"{type(obj).__name__} is saved with its case by Repository.save_changes, not by the ORM")
        self.session.add(obj)

    def flush(self) -> None:
        """Send staged mapped objects so that ids are assigned."""
        if self._session is not None and (self._session.new or self._session.dirty or self._session.deleted):
            self._writing()
            with engine_errors():
                self._session.flush()

    def moved_cases(self) -> list[int]:
        """The cases read in this unit of work whose version or audit head in the database is no longer the one read."""
        if not self._cases:
            return []
        c = orm.cases.c
        rows = self.connection.execute(select(c.id, c.version, c.audit_seq).where(c.id.in_(list(self._cases)))).all()
        now = {row[0]: (row[1], row[2]) for row in rows}
        return [i for i, t in self._cases.items() if now.get(i) != (t.version, t.audit_seq)]

    # cases -------------------------------------------------------------------------------------

    def case(self, case_id: int) -> model.NegotiationCase | None:
        """The case with that id and its deadlines (one SELECT), or None; the same object within this unit of work."""
        tracked = self._cases.get(case_id)
        if tracked is not None:
            return tracked.case
        load = self._statements.get(_LOAD_CASE)
        rows = load.raw_rows(self._driver, {"case_id": case_id})
        if not rows:
            return None
        values = dict(zip(_CASE_KEYS, load.convert(rows[0], 0, _N_CASE), strict=True))  # the case's columns, once
        values["deadlines"] = [
            _new(model.Deadline, zip(_DEADLINE_KEYS, load.convert(row, _N_CASE), strict=True))
            for row in rows
            if row[_DEADLINE_ID] is not None
        ]
        case: model.NegotiationCase = _new(model.NegotiationCase, values)
        self._cases[case_id] = _Tracked(case)
        return case

    def claim_case(self, case_id: int) -> bool:
        """Take the case's row for this transaction unless another transaction holds it; whether it was taken (False
        too when there is no such case). PostgreSQL: ``SELECT … FOR UPDATE SKIP LOCKED``, so that a second sweeper
        skips a case another is sweeping instead of doing the same work and losing the version check at commit; the
        lock ends with the transaction. SQLite: always taken — a queued unit of work already holds the one writer
        lock, so two sweepers are serialised by it and the second finds nothing left open."""
        if self.connection.dialect.name == "sqlite":
            return True
        c = orm.cases.c
        return self.connection.execute(select(c.id).where(c.id == case_id).with_for_update(skip_locked=True)).first() is not None

    def add_case(self, case: model.NegotiationCase) -> None:
        """Insert a new case row now (its id is needed for its audit chain); later changes go through save_changes."""
        assert case.id is None and not case.deadlines
        self._writing()
        insert = self._statements.get(_INSERT_CASE, _CASE_VALUE_KEYS)
        case.id = insert.insert(self._driver, {k: getattr(case, k) for k in _CASE_VALUE_KEYS})
        instance_state(case).committed_state.clear()  # the row holds every value now
        self._cases[case.id] = _Tracked(case)

    @staticmethod
    def new_link(**values: Any) -> model.AuditEvent:
        """An audit link with these fields, built as the ORM's loader builds an instance (saved by save_changes)."""
        link: model.AuditEvent = _new(model.AuditEvent, {"id": None, **values})
        return link

    def case_changed(self, case: model.NegotiationCase, link: model.AuditEvent) -> None:
        """Mark a case of this unit of work as changed, with the audit link of the change; saved at commit."""
        tracked = self._cases.get(case.id or 0)
        if tracked is None or tracked.case is not case:
            raise ValueError("a case is changed only when loaded or added through this repository")
        tracked.changed = True
        self._links.append(link)

    def save_changes(self) -> None:
        """Write the changed cases (version-checked), their deadlines and the audit links, in this transaction."""
        changes = self.take_changes()
        if changes:
            with engine_errors():
                write_changes(self._driver, self._statements, changes)

    def take_changes(self) -> ChangeSet:
        """The changes staged in this unit of work (to be written by write_changes), no longer staged here."""
        changes = ChangeSet([t for t in self._cases.values() if t.changed], self._links, self._outbox)
        for tracked in changes.cases:
            tracked.changed = False
        self._links = []
        self._outbox = []
        return changes

    def stage_outbox(self, entry: OutboxEntry, key: object = None) -> None:
        """Stage a webhook event, written with the changes staged here (save_changes, or the group commit); one
        with a key already staged in this unit of work is not staged again."""
        if key is not None:
            if key in self._outbox_keys:
                return
            self._outbox_keys.add(key)
        self._outbox.append(entry)

    @property
    def webhooks(self) -> WebhookStore:
        """Webhook subscriptions, the outbox and deliveries, in this unit of work's transaction."""
        if self._webhooks is None:
            self._webhooks = WebhookStore(self.connection, self._writing, engine_errors)
        return self._webhooks

    def add_case_parties(self, case: model.NegotiationCase) -> None:
        """Index who may see the case."""
        assert case.id is not None
        self._writing()
        parts = {case.union_org_id: "union", case.employer_org_id: "employer_body", case.bureau_org_id: "labour_bureau"}
        for org_id in case.covered_enterprise_ids:
            parts.setdefault(org_id, "covered_enterprise")
        self.connection.execute(
            orm.case_parties.insert(),
            [{"case_id": case.id, "organization_id": org, "part": part} for org, part in parts.items()],
        )

    def cases(
        self,
        *,
        organization_id: int | None,
        state: str | None,
        sector: str | None,
        region_code: str | None,
        after_id: int | None,
        limit: int,
        q_form: str | None = None,
    ) -> Sequence[model.NegotiationCase]:
        """Cases ordered by creation; organization_id None means every case (admin). ``q_form``, a query's search
        form, matches the title or the text of the case's current draft or contract (through the search index)."""
        cases = orm.cases.c

        def listed(stmt: Select[Any], position: Any, after: int | None) -> Select[Any]:
            """The list's filters and order on a statement over cases, ``position`` the column it is ordered by."""
            stmt = stmt.order_by(position)
            if after is not None:
                stmt = stmt.where(position > after)
            if organization_id is not None:
                parties = orm.case_parties.c
                stmt = stmt.where(exists().where(parties.case_id == cases.id, parties.organization_id == organization_id))
            if state:
                stmt = stmt.where(cases.state == state)
            if sector:
                stmt = stmt.where(cases.sector == sector)
            if region_code:
                stmt = stmt.where(cases.region_code == region_code)
            return stmt

        if not q_form:
            return self.session.scalars(listed(select(model.NegotiationCase), cases.id, after_id).limit(limit)).all()
        index = search_index.index_table(search_index.CASE_INDEX)
        if self.connection.dialect.name == "sqlite":
            # FTS5's matching rows in id order, each joined to its case: the page ends at its limit
            stmt = (
                select(model.NegotiationCase)
                .select_from(index)
                .join(model.NegotiationCase, cases.id == index.c.rowid)
                .where(search_index.matches(search_index.CASE_INDEX, q_form))
            )
            return self.session.scalars(listed(stmt, index.c.rowid, after_id).limit(limit)).all()
        form = q_form

        def candidates(key: ColumnElement[int], holding: ColumnElement[bool], n: int) -> Select[Any]:
            stmt = select(cases.id).select_from(index.join(orm.cases, cases.id == key)).where(holding)
            return listed(stmt, key, None).limit(n)

        def check(ids: Sequence[int]) -> Sequence[int]:
            if not search_index.needs_check(form):
                return ids  # the candidates passed the list's filters and hold the phrase
            t = orm.case_texts.c
            stmt = select(t.case_id).where(t.case_id.in_(ids), search_index.contains(t.text, form))
            held = set(self.connection.execute(stmt).scalars())
            return [i for i in ids if i in held]

        found = search_index.checked_in_order(
            self.connection, index, form, candidates, check, limit, descending=False, after=after_id
        )
        if not found:
            return []
        return self.session.scalars(listed(select(model.NegotiationCase).where(cases.id.in_(found)), cases.id, None)).all()

    def case_ids_with_due_deadlines(self, as_of: date) -> list[int]:
        """Cases with an open deadline whose due date lies before as_of."""
        d = orm.deadlines.c
        stmt = select(d.case_id).where(d.status == "open", d.due_on < as_of).distinct().order_by(d.case_id)
        return list(self.session.scalars(stmt))

    def case_ids_with_open_deadlines_due_between(self, first: date, last: date, *, calendar: str | None = None) -> list[int]:
        """Cases with an open deadline due on a day from first to last (both included), computed with that calendar
        (`statutory`, `weekends_only`) or any."""
        d = orm.deadlines.c
        stmt = select(d.case_id).where(d.status == "open", d.due_on >= first, d.due_on <= last).distinct()
        if calendar is not None:
            stmt = stmt.where(d.calendar == calendar)
        return list(self.session.scalars(stmt.order_by(d.case_id)))

    def all_case_ids(self) -> list[int]:
        """Every case id, in order."""
        return list(self.session.scalars(select(orm.cases.c.id).order_by(orm.cases.c.id)))

    # organisations and users ------------------------------------------------------------------
    def organization(self, org_id: int) -> model.Organization | None:
        """The organisation with that id, or None."""
        return self.session.get(model.Organization, org_id)

    def organizations(self, ids: list[int]) -> dict[int, model.Organization]:
        """Organisations by id."""
        if not ids:
            return {}
        rows = self.session.scalars(select(model.Organization).where(orm.organizations.c.id.in_(ids)))
        return {o.id: o for o in rows if o.id is not None}

    def organizations_of_kinds(self, kinds: tuple[str, ...], limit: int) -> Sequence[model.Organization]:
        """Organisations of these kinds by name, at most ``limit`` of them."""
        o = orm.organizations.c
        return self.session.scalars(select(model.Organization).where(o.kind.in_(kinds)).order_by(o.name, o.id).limit(limit)).all()

    def user_by_token_hash(self, token_hash: str) -> model.User | None:
        """The user whose token hashes to token_hash."""
        return self.session.scalars(select(model.User).where(orm.users.c.token_hash == token_hash)).first()

    def enabled_user_for_token(self, token_hash: str) -> tuple[int, str, str, int | None] | None:
        """(id, name, role, organization_id) of the user, not disabled, whose token hashes to token_hash."""
        rows = self._statements.get(_LOAD_TOKEN_USER).rows(self._driver, {"token_hash": token_hash})
        return (rows[0][0], rows[0][1], rows[0][2], rows[0][3]) if rows else None

    def configured_admin(self, name: str) -> model.User | None:
        """The admin user the service made for NEGOTIATION_ADMIN_TOKEN: the oldest admin of that name, in no organisation."""
        query = (
            select(model.User)
            .where(orm.users.c.role == "admin", orm.users.c.name == name, orm.users.c.organization_id.is_(None))
            .order_by(orm.users.c.id)
        )
        return self.session.scalars(query).first()

    def user(self, user_id: int) -> model.User | None:
        """The user with that id."""
        return self.session.get(model.User, user_id)

    def users(self, ids: list[int]) -> dict[int, model.User]:
        """Users by id."""
        if not ids:
            return {}
        rows = self.session.scalars(select(model.User).where(orm.users.c.id.in_(ids)))
        return {u.id: u for u in rows if u.id is not None}

    # drafts, meetings, votes, comments ------------------------------------------------------
    def drafts(self, case_id: int) -> Sequence[model.Draft]:
        """Every draft of a case, oldest first."""
        d = orm.drafts.c
        return self.session.scalars(select(model.Draft).where(d.case_id == case_id).order_by(d.version)).all()

    def draft(self, case_id: int, version: int) -> model.Draft | None:
        """One draft version of a case."""
        d = orm.drafts.c
        return self.session.scalars(select(model.Draft).where(d.case_id == case_id, d.version == version)).first()

    def latest_draft_version(self, case_id: int) -> int:
        """The highest draft version of a case, 0 when none."""
        d = orm.drafts.c
        found = self.session.scalar(select(d.version).where(d.case_id == case_id).order_by(d.version.desc()).limit(1))
        return int(found or 0)

    def meetings(self, case_id: int) -> Sequence[model.Meeting]:
        """The meetings of a case in the order they were recorded."""
        m = orm.meetings.c
        return self.session.scalars(select(model.Meeting).where(m.case_id == case_id).order_by(m.id)).all()

    def votes(self, case_id: int) -> Sequence[model.Vote]:
        """The votes of a case in order."""
        v = orm.votes.c
        return self.session.scalars(select(model.Vote).where(v.case_id == case_id).order_by(v.id)).all()

    def comments(self, case_id: int, draft_version: int) -> Sequence[model.Comment]:
        """Comments on one draft, oldest first."""
        c = orm.comments.c
        stmt = select(model.Comment).where(c.case_id == case_id, c.draft_version == draft_version).order_by(c.id)
        return self.session.scalars(stmt).all()

    # audit and documents ----------------------------------------------------------------------
    def audit_events(self, case_id: int) -> Sequence[model.AuditEvent]:
        """A case's audit chain in stored order."""
        a = orm.audit_events.c
        return self.session.scalars(select(model.AuditEvent).where(a.case_id == case_id).order_by(a.id)).all()

    def documents(self, case_id: int) -> Sequence[model.Document]:
        """A case's documents, oldest first."""
        d = orm.documents.c
        return self.session.scalars(select(model.Document).where(d.case_id == case_id).order_by(d.id)).all()

    def all_documents(self) -> Sequence[model.Document]:
        """Every stored document."""
        return self.session.scalars(select(model.Document).order_by(orm.documents.c.id)).all()

    def document(self, document_id: int) -> model.Document | None:
        """The document with that id."""
        return self.session.get(model.Document, document_id)

    def rendering(self, input_sha256: str) -> model.Rendering | None:
        """The PDF kept for these inputs, if one was made."""
        return self.session.get(model.Rendering, input_sha256)

    def keep_rendering(self, rendering: model.Rendering) -> None:
        """Record a PDF made on request; a second record of the same inputs (two requests rendered at once) is the
        same PDF and is dropped."""
        table = orm.renderings
        values = {c.name: getattr(rendering, c.name) for c in table.columns}
        insert = sqlite_insert if self.connection.dialect.name == "sqlite" else postgresql_insert
        with engine_errors():
            self.connection.execute(insert(table).values(**values).on_conflict_do_nothing())

    # review sessions --------------------------------------------------------------------------
    def session_ended(self, sid: str) -> bool:
        """Whether a review-page session was signed out."""
        e = orm.ended_sessions.c
        return self.session.execute(select(e.sid).where(e.sid == sid)).first() is not None

    def end_session(self, *, sid: str, user_id: int, expires_at: int, at: str) -> None:
        """Record that a review-page session was signed out (once)."""
        if not self.session_ended(sid):
            self._writing()
            self.session.execute(orm.ended_sessions.insert().values(sid=sid, user_id=user_id, expires_at=expires_at, ended_at=at))

    # holiday schedules ------------------------------------------------------------------------
    def calendar_years(self) -> list[dict[str, Any]]:
        """Every loaded year's schedule as stored (year, holidays, workdays as ISO dates, notice, loaded_at, loaded_by)."""
        table = orm.calendar_years
        with engine_errors():
            rows = self.connection.execute(select(table).order_by(table.c.year)).mappings().all()
        return [dict(row) for row in rows]

    def put_calendar_year(self, **values: Any) -> None:
        """Store a year's schedule, in place of one loaded before."""
        table = orm.calendar_years
        self._writing()
        with engine_errors():
            self.connection.execute(delete(table).where(table.c.year == values["year"]))
            self.connection.execute(table.insert().values(**values))

    # service ----------------------------------------------------------------------------------
    def ping(self) -> None:
        """One trivial query: the database answers (StorageUnavailable when it cannot be reached)."""
        with engine_errors():
            self.connection.execute(select(1)).scalar_one()

    # idempotency ------------------------------------------------------------------------------
    def idempotency_record(self, user_id: int, key: str) -> IdempotencyRecord | None:
        """The stored response for a user's idempotency key, or None."""
        rows = self._statements.get(_LOAD_IDEMPOTENCY).rows(self._driver, {"user_id": user_id, "key": key})
        return IdempotencyRecord(*rows[0]) if rows else None

    def forget_idempotency_records(self, *, before: str, user_id: int | None = None, key: str | None = None) -> int:
        """Delete the stored responses made before a time (ISO 8601, as stored), of one key or of all; how many."""
        query = delete(orm.idempotency_keys).where(_IDEMPOTENCY.created_at < before)
        if user_id is not None and key is not None:
            query = query.where(_IDEMPOTENCY.user_id == user_id, _IDEMPOTENCY.key == key)
        with engine_errors():
            return int(self.connection.execute(query).rowcount)

    def auth_failures_since(self, address: str, since: float) -> tuple[int, float | None]:
        """How many authentications failed from an address since a time (epoch seconds), and the earliest of them."""
        table = orm.auth_failures.c
        query = select(func.count(), func.min(table.at)).where(table.address == address, table.at >= since)
        with engine_errors():
            count, earliest = self.connection.execute(query).one()
        return int(count), earliest

    def add_auth_failure(self, address: str, at: float, *, forget_before: float) -> None:
        """Record a failed authentication, and forget this address's failures older than the window."""
        table = orm.auth_failures
        with engine_errors():
            self.connection.execute(delete(table).where(table.c.address == address, table.c.at < forget_before))
            self.connection.execute(table.insert().values(address=address, at=at))

    def forget_ended_sessions(self, *, expired_before: int) -> int:
        """Delete the records of signed-out sessions whose cookies have expired anyway (epoch seconds); how many."""
        query = delete(orm.ended_sessions).where(orm.ended_sessions.c.expires_at < expired_before)
        with engine_errors():
            return int(self.connection.execute(query).rowcount)

    def add_idempotency_record(self, *, user_id: int, key: str, request_hash: str, status_code: int, body: str, at: str) -> None:
        """Store the response given to a key."""
        with engine_errors():
            write_idempotency_record(
                self._driver, self._statements, user_id=user_id, key=key, request_hash=request_hash,
                status_code=status_code, body=body, at=at,
            )  # fmt: skip
