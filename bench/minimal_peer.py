"""The issue's third peer: a deliberately minimal implementation of the event endpoint, raw sqlite3 and no ORM.

Only for bench/api.py, which seeds a database with :func:`seed` and serves ``minimal_peer:app`` under uvicorn
(``MINIMAL_PEER_DB`` names the SQLite file, ``MINIMAL_PEER_TOKENS`` is a JSON object token → user name). Not the
engine and not a second implementation of it: it knows two events (``suspend`` from ``consulting``, ``resume``
from ``suspended``) and nothing of deadlines, profiles, idempotency or the case view. Per request it does what an
event must do at the least: bearer token (a dict lookup), JSON body, one ``BEGIN IMMEDIATE`` transaction on a WAL
file (read the case, check the version and the state, ``UPDATE … WHERE id=? AND version=?``, ``INSERT`` one audit
link of a sha256 hash chain over canonical JSON, ``COMMIT``), and a small JSON answer ``{id, state, version}``.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

GENESIS = "0" * 64
TRANSITIONS = {"suspend": ("consulting", "suspended"), "resume": ("suspended", "consulting")}

SCHEMA = """
CREATE TABLE IF NOT EXISTS cases (
    id INTEGER PRIMARY KEY,
    state TEXT NOT NULL,
    version INTEGER NOT NULL,
    audit_seq INTEGER NOT NULL,
    audit_head TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS audit_events (
    id INTEGER PRIMARY KEY,
    case_id INTEGER NOT NULL REFERENCES cases(id),
    seq INTEGER NOT NULL,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    event TEXT NOT NULL,
    from_state TEXT,
    to_state TEXT,
    data TEXT NOT NULL,
    data_sha256 TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL,
    UNIQUE (case_id, seq)
);
"""


def canonical(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def link_hash(link: dict[str, Any]) -> str:
    return hashlib.sha256(canonical(link)).hexdigest()


def connect(path: str | Path) -> sqlite3.Connection:
    con = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA synchronous=NORMAL")
    con.execute("PRAGMA busy_timeout=10000")
    con.execute("PRAGMA foreign_keys=ON")
    return con


def seed(path: str | Path, n_cases: int) -> None:
    """n cases in ``consulting`` at version 1, each with a one-link audit chain (its creation)."""
    con = connect(path)
    con.executescript(SCHEMA)
    con.execute("BEGIN")
    at = datetime.now(UTC).isoformat()
    for cid in range(1, n_cases + 1):
        data_sha = hashlib.sha256(canonical({})).hexdigest()
        link = {"case_id": cid, "seq": 1, "at": at, "actor": "seed", "event": "create", "from_state": None,
                "to_state": "consulting", "data_sha256": data_sha, "prev_hash": GENESIS}  # fmt: skip
        head = link_hash(link)
        con.execute(
            "INSERT INTO cases (id, state, version, audit_seq, audit_head) VALUES (?, 'consulting', 1, 1, ?)", (cid, head)
        )
        con.execute(
            "INSERT INTO audit_events (case_id, seq, at, actor, event, from_state, to_state, data, data_sha256, prev_hash, hash)"
            " VALUES (?, 1, ?, 'seed', 'create', NULL, 'consulting', '{}', ?, ?, ?)",
            (cid, at, data_sha, GENESIS, head),
        )
    con.execute("COMMIT")
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()


app = FastAPI()
_tokens: dict[str, str] = json.loads(os.environ.get("MINIMAL_PEER_TOKENS", "{}"))
_con: sqlite3.Connection | None = None


def _db() -> sqlite3.Connection:
    global _con
    if _con is None:
        _con = connect(os.environ["MINIMAL_PEER_DB"])
    return _con


def _error(status: int, code: str) -> JSONResponse:
    return JSONResponse({"error": {"code": code}}, status_code=status)


@app.post("/api/v1/cases/{case_id}/events")
async def fire_event(case_id: int, request: Request) -> Any:
    auth = request.headers.get("authorization", "")
    actor = _tokens.get(auth[7:]) if auth.startswith("Bearer ") else None
    if actor is None:
        return _error(401, "unauthenticated")
    try:
        body = json.loads(await request.body())
        event, expected, data = body["event"], body["expected_version"], body.get("data", {})
    except (ValueError, KeyError, TypeError):
        return _error(422, "validation_error")
    if event not in TRANSITIONS or not isinstance(expected, int) or not isinstance(data, dict):
        return _error(422, "validation_error")
    if event == "suspend" and not (isinstance(data.get("reason"), str) and data["reason"].strip()):
        return _error(422, "validation_error")
    con = _db()
    con.execute("BEGIN IMMEDIATE")
    try:
        row = con.execute("SELECT id, state, version, audit_seq, audit_head FROM cases WHERE id = ?", (case_id,)).fetchone()
        if row is None:
            con.execute("ROLLBACK")
            return _error(404, "not_found")
        _, state, version, seq, head = row
        if version != expected:
            con.execute("ROLLBACK")
            return _error(409, "version_conflict")
        from_state, to_state = TRANSITIONS[event]
        if state != from_state:
            con.execute("ROLLBACK")
            return _error(409, "event_not_allowed")
        data_json = canonical(data).decode("utf-8")
        link = {
            "case_id": case_id, "seq": seq + 1, "at": datetime.now(UTC).isoformat(), "actor": actor, "event": event,
            "from_state": from_state, "to_state": to_state,
            "data_sha256": hashlib.sha256(data_json.encode("utf-8")).hexdigest(), "prev_hash": head,
        }  # fmt: skip
        new_head = link_hash(link)
        cur = con.execute(
            "UPDATE cases SET state = ?, version = ?, audit_seq = ?, audit_head = ? WHERE id = ? AND version = ?",
            (to_state, version + 1, seq + 1, new_head, case_id, version),
        )
        if cur.rowcount != 1:
            con.execute("ROLLBACK")
            return _error(409, "version_conflict")
        con.execute(
            "INSERT INTO audit_events (case_id, seq, at, actor, event, from_state, to_state, data, data_sha256, prev_hash, hash)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (case_id, seq + 1, link["at"], actor, event, from_state, to_state, data_json, link["data_sha256"], head, new_head),
        )
        con.execute("COMMIT")
    except BaseException:
        if con.in_transaction:
            con.execute("ROLLBACK")
        raise
    return {"id": case_id, "state": to_state, "version": version + 1}
