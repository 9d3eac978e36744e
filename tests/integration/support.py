"""Helpers for the HTTP integration tests: api.md's error shape, and a fingerprint of everything stored."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from httpx import Response
from sqlalchemy import Connection, Engine, inspect, text

from tests.conftest import World
from tests.flows import Flow

# Every table a request could change; idempotency_keys is left out because a refused request made under a key
# stores its error response there, which is the point of replaying errors.
TABLES = (
    "organizations", "users", "cases", "case_parties", "deadlines", "drafts", "meetings", "votes",
    "comments", "audit_events", "documents", "case_texts", "public_contracts", "webhook_subscriptions",
    "webhook_outbox", "webhook_deliveries", "deadline_reminders",
)  # fmt: skip
CJK = re.compile(r"[\u4e00-\u9fff]")


def stored_tables(connection: Connection) -> list[str]:
    """Every table that stores rows: on SQLite the search index's FTS5 tables are left out (they cannot be read
    whole; what they hold is in their shadow tables, which are listed)."""
    virtual = set()
    if connection.dialect.name == "sqlite":
        found = connection.execute(text("SELECT name FROM sqlite_master WHERE sql LIKE 'CREATE VIRTUAL TABLE%'"))
        virtual = {name for (name,) in found}
    return [name for name in inspect(connection).get_table_names() if name not in virtual]


def fingerprint(engine: Engine) -> dict[str, list[str]]:
    """Every row of every table, as sortable text: two equal fingerprints mean nothing was stored or changed."""
    found: dict[str, list[str]] = {}
    with engine.connect() as connection:
        for table in TABLES:
            rows = connection.execute(text(f"SELECT * FROM {table}")).mappings().all()
            found[table] = sorted(repr(sorted((k, str(v)) for k, v in row.items())) for row in rows)
    return found


@contextmanager
def nothing_changes(engine: Engine) -> Iterator[None]:
    """Assert that the block leaves every stored row as it was."""
    before = fingerprint(engine)
    yield
    after = fingerprint(engine)
    for table in TABLES:
        assert after[table] == before[table], f"{table} changed"


def without_request_id(r: Response) -> Any:
    """The JSON body of an answer with its error's ``request_id`` left out (each request has its own)."""
    body = r.json()
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        body["error"].pop("request_id", None)
    return body


def expect_error(
    r: Response,
    status: int,
    code: str,
    *,
    rules: set[str] | None = None,
    paths: set[str | None] | None = None,
    message_has: str | None = None,
) -> list[dict[str, Any]]:
    """The response is api.md's error body with this status and code; returns its violations."""
    assert r.status_code == status, r.text
    body = r.json()
    assert set(body) == {"error"}, body
    error = body["error"]
    assert set(error) == {"code", "message", "violations", "request_id"}, error
    assert error["request_id"] == r.headers["x-request-id"], error
    assert error["code"] == code, error
    assert CJK.search(error["message"]), f"message is not Chinese: {error['message']!r}"
    violations: list[dict[str, Any]] = error["violations"]
    for v in violations:
        assert set(v) == {"rule", "message", "citation", "path"}, v
        assert CJK.search(v["message"]), v
        if code == "validation_error":
            assert v["rule"] is None and v["citation"] is None, v
        if code == "rule_violation":
            assert v["rule"] and v["citation"], v
    if code in ("validation_error", "rule_violation"):
        assert violations, "a 422 names at least one violation"
    if rules is not None:
        assert {v["rule"] for v in violations} == rules, violations
    if paths is not None:
        assert paths <= {v["path"] for v in violations}, violations
    if message_has is not None:
        assert message_has in error["message"], error["message"]
    return violations


def headers(world: World) -> dict[str, dict[str, str]]:
    """Every world user's Authorization header by key."""
    return {k: world.h(k) for k in world.tokens}


def new_flow(world: World, **case_overrides: Any) -> Flow:
    """A new case of the world, in drafting."""
    return Flow(world.client, headers(world), world.case_body(**case_overrides))


def post_event(world: World, flow: Flow, who: str, event: str, data: dict[str, Any] | None = None, version: int | None = None,
               **kwargs: Any) -> Response:  # fmt: skip
    """Fire an event without asserting its outcome; version defaults to the case's current one."""
    if version is None:
        version = flow.refresh()["version"]
    return world.client.post(
        f"/api/v1/cases/{flow.id}/events",
        json={"event": event, "expected_version": version, "data": data or {}},
        headers=world.h(who),
        **kwargs,
    )
