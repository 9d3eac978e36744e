"""API benchmark: a full lifecycle event (suspend/resume) against a bare FastAPI endpoint, both under wrk.

Run from the repository root:

    .venv/bin/python bench/api.py                      # 1,000 and 100,000 cases, serve's default worker count
    .venv/bin/python bench/api.py --workers 3 --duration 5 --real 40 --cases 40 --large 0   # a quick look

What it does, in one run:

1. seeds a fresh SQLite database (its own temp file) through the service layer: organisations, users and
   ``--real`` real cases, each brought to ``consulting`` (representatives, propose, accept, open_talks), then
   bulk-inserts filler cases up to ``--cases`` (copies of a real case's rows: case, parties, deadlines and its
   audit chain rehashed for the new id; not its proposal PDF);
2. starts ``.venv/bin/negotiation serve --host 127.0.0.1 --port P --workers N`` on it (exactly as in production,
   with NEGOTIATION_TEST_CLOCK=1 so that no sweeper runs) and a bare FastAPI app (an ``async def`` endpoint that
   parses a JSON body) under uvicorn with the same settings and worker count;
3. measures both with wrk and the same Lua script: each wrk connection (one thread per connection) owns one
   case and alternates ``suspend``/``resume``, sending the ``expected_version`` it read from the previous
   response; (a) 32 connections: requests/s and non-2xx count; (b) one connection: p50/p99 latency;
4. bulk-inserts filler cases up to ``--large`` and measures the events again on the same real cases: the
   per-event cost at 1 k and at 100 k cases (wall time per event at 32 connections, and server CPU per event);
5. unless ``--no-minimal``: the issue's third peer, a deliberately minimal raw-sqlite3 implementation of the event
   endpoint (bench/minimal_peer.py), on its own SQLite file with ``--cases`` cases in ``consulting``, under uvicorn
   with the same worker count, measured like the events (same Lua script, same requests);
6. ``--alternate`` rounds (default 3) at ``--cases``: the bare endpoint as one process, the minimal peer and the
   events at 32 connections, one after another in a turning order, each server started for its run, and the median
   of each round's ratios — the comparison the targets name, with the machine's minute-to-minute drift spread over
   all three.

The figures and the command are recorded in bench/README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import textwrap
import time
import urllib.request
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
ADMIN_TOKEN = "bench-admin-token-0123456789abcdef"
MINIMAL_TOKEN = "bench-minimal-token"

WORKERS = [
    {"name": "李建国", "title": "工会主席", "is_chief": True, "is_external": False, "delegated_in_writing": False},
    {"name": "王堃", "title": "快递员代表", "is_chief": False, "is_external": False, "delegated_in_writing": False},
    {"name": "陈晓燕", "title": "快递员代表", "is_chief": False, "is_external": False, "delegated_in_writing": False},
]
EMPLOYERS = [
    {"name": "张伟", "title": "协会会长", "is_chief": True, "is_external": False, "delegated_in_writing": True},
    {"name": "刘洋", "title": "人力资源总监", "is_chief": False, "is_external": False, "delegated_in_writing": False},
    {"name": "孙丽", "title": "合规经理", "is_chief": False, "is_external": False, "delegated_in_writing": False},
]

# One wrk thread per connection: each thread has its own Lua state, so each connection owns one case.
WRK_SCRIPT = r"""
local slot_counter = 0
function setup(thread)
  slot_counter = slot_counter + 1
  thread:set("slot", slot_counter)
end

function init(args)
  local i = 0
  for line in io.lines(args[1]) do
    i = i + 1
    if i == slot then
      local id, v, st, token = line:match("^(%d+) (%d+) (%a+) (%S+)$")
      path = args[2]:gsub("{id}", id)
      version = tonumber(v)
      state = st
      headers = {["Authorization"] = "Bearer " .. token, ["Content-Type"] = "application/json"}
    end
  end
  suspend_data = args[3]
end

function request()
  local body
  if state == "consulting" then
    body = '{"event":"suspend","expected_version":' .. version .. ',"data":' .. suspend_data .. '}'
  else
    body = '{"event":"resume","expected_version":' .. version .. ',"data":{}}'
  end
  return wrk.format("POST", path, headers, body)
end

function response(status, hdrs, body)
  if status == 200 then
    version = tonumber(body:match('"version":(%d+)'))
    state = body:match('"state":"(%a+)"')
  end
end

function done(summary, latency, requests)
  io.write(string.format(
    'BENCH {"requests":%d,"duration_us":%d,"non_2xx":%d,"connect":%d,"read":%d,"write":%d,"timeout":%d,' ..
    '"mean_us":%.1f,"p50_us":%d,"p90_us":%d,"p99_us":%d,"max_us":%d}\n',
    summary.requests, summary.duration, summary.errors.status, summary.errors.connect, summary.errors.read,
    summary.errors.write, summary.errors.timeout, latency.mean, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency.max))
end
"""

BARE_APP = """
from fastapi import FastAPI, Request

app = FastAPI()


@app.post("/bare/{case_id}")
async def bare(case_id: int, request: Request) -> dict:
    body = await request.json()
    state = "suspended" if body["event"] == "suspend" else "consulting"
    return {"id": case_id, "state": state, "version": body["expected_version"] + 1}
"""


def tree_cpu_seconds(root: int) -> float:
    """User + system CPU of a process and all its descendants (the server and its workers), from /proc."""
    stats: dict[int, tuple[int, float]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            raw = (entry / "stat").read_text()
        except OSError:
            continue
        fields = raw[raw.rindex(")") + 2 :].split()
        stats[int(entry.name)] = (int(fields[1]), (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK"))
    total, todo = 0.0, [root]
    while todo:
        pid = todo.pop()
        total += stats.get(pid, (0, 0.0))[1]
        todo.extend(child for child, (ppid, _) in stats.items() if ppid == pid)
    return total


@dataclass
class Result:
    requests: int
    duration_us: int
    non_2xx: int
    socket_errors: int
    mean_us: float
    p50_us: int
    p90_us: int
    p99_us: int
    max_us: int
    cpu_us_per_request: float = 0.0  # server CPU (all worker processes) per request

    @property
    def rps(self) -> float:
        return self.requests / (self.duration_us / 1e6)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def default_workers() -> int:
    """The worker count `negotiation serve` uses when --workers is not given."""
    import inspect

    from negotiation import cli

    default = inspect.signature(cli.serve).parameters["workers"].default
    return int(default() if callable(default) else default)


# seeding ------------------------------------------------------------------------------------------------
def seed(db_url: str, n_cases: int) -> dict[str, Any]:
    """Organisations, users and n real cases in consulting, through the service layer (same code as the API)."""
    from negotiation.bootstrap import bootstrap
    from negotiation.config import Settings
    from negotiation.service_layer import handlers
    from negotiation.service_layer.access import Actor
    from negotiation.service_layer.clock import today

    services = bootstrap(Settings(database_url=db_url, admin_token=ADMIN_TOKEN, test_clock=True))
    admin = Actor(user_id=1, name="admin", role="admin", organization_id=None)
    orgs: dict[str, int] = {}
    for key, name, kind in (
        ("union", "西安市快递行业工会联合会", "union"),
        ("employer_body", "西安市快递行业协会", "employer_body"),
        ("bureau", "西安市人力资源和社会保障局", "labour_bureau"),
        ("ent1", "顺丰速运西安分公司", "enterprise"),
        ("ent2", "中通快递西安分拨中心", "enterprise"),
    ):
        orgs[key] = handlers.create_organization(
            services.uow(), actor=admin, body={"name": name, "kind": kind, "region_code": "610100"}
        )["id"]
    users: dict[str, dict[str, Any]] = {}
    for key, role in (("union", "union_negotiator"), ("employer_body", "enterprise_rep")):
        users[key] = handlers.create_user(
            services.uow(), actor=admin, body={"name": f"{key} 代表", "role": role, "organization_id": orgs[key]}
        )
    actor = {
        k: Actor(user_id=u["id"], name=u["name"], role=u["role"], organization_id=u["organization_id"]) for k, u in users.items()
    }
    day = today()
    case_ids = []
    for i in range(n_cases):
        case = handlers.create_case(
            services.uow(),
            actor=actor["union"],
            body={
                "title": f"西安市快递行业集体协商 第{i + 1}号",
                "level": "sector",
                "sector": "express_delivery",
                "region_code": "610100",
                "kind": "comprehensive",
                "union_org_id": orgs["union"],
                "employer_org_id": orgs["employer_body"],
                "bureau_org_id": orgs["bureau"],
                "covered_enterprise_ids": [orgs["ent1"], orgs["ent2"]],
                "topics": ["piece_rates", "pay_method", "rest_leave"],
            },
        )
        cid = case["id"]
        v = handlers.put_representatives(
            services.uow(), actor=actor["union"], case_id=cid,
            body={"expected_version": case["version"], "worker_side": WORKERS, "employer_side": EMPLOYERS},
        )["version"]  # fmt: skip
        for who, event, data in (
            ("union", "propose", {"served_on": day.isoformat(), "demands": "提高计件单价"}),
            ("employer_body", "accept", {"received_on": day.isoformat(), "reply": "同意协商"}),
            ("union", "open_talks", {}),
        ):
            v = handlers.fire_event(
                services.uow(), actor=actor[who], case_id=cid, body={"event": event, "expected_version": v, "data": data}
            )["version"]
        case_ids.append(cid)
    services.engine.dispose()
    return {"case_ids": case_ids, "union_token": users["union"]["token"]}


def bulk_fill(db_path: Path, template_id: int, total: int) -> int:
    """Copy a real case's rows (case, parties, deadlines, audit chain rehashed for the new id) until total cases exist."""
    from negotiation import audit

    con = sqlite3.connect(db_path, isolation_level=None)
    con.execute("PRAGMA synchronous=OFF")
    con.row_factory = sqlite3.Row
    have = con.execute("SELECT count(*) FROM cases").fetchone()[0]
    need = total - have
    if need <= 0:
        return 0
    case = dict(con.execute("SELECT * FROM cases WHERE id=?", (template_id,)).fetchone())
    parties = [dict(r) for r in con.execute("SELECT * FROM case_parties WHERE case_id=?", (template_id,))]
    deadlines = [dict(r) for r in con.execute("SELECT * FROM deadlines WHERE case_id=? ORDER BY id", (template_id,))]
    events = [dict(r) for r in con.execute("SELECT * FROM audit_events WHERE case_id=? ORDER BY seq", (template_id,))]
    start = con.execute("SELECT max(id) FROM cases").fetchone()[0] + 1

    def insert(table: str, rows: list[dict[str, Any]]) -> None:
        if not rows:
            return
        cols = list(rows[0])
        sql = f"INSERT INTO {table} ({','.join(cols)}) VALUES ({','.join('?' * len(cols))})"
        con.executemany(sql, [tuple(r[c] for c in cols) for r in rows])

    con.execute("BEGIN")
    batch: dict[str, list[dict[str, Any]]] = {"cases": [], "case_parties": [], "deadlines": [], "audit_events": []}
    for cid in range(start, start + need):
        prev = audit.GENESIS
        for e in events:
            link = dict(e, id=None, case_id=cid, prev_hash=prev)
            link["hash"] = audit._link_hash(SimpleNamespace(**link))  # type: ignore[arg-type]
            prev = link["hash"]
            batch["audit_events"].append(link)
        batch["cases"].append(dict(case, id=cid, title=f"{case['title']}（填充 {cid}）", audit_head=prev))
        batch["case_parties"].extend(dict(p, case_id=cid) for p in parties)
        batch["deadlines"].extend(dict(d, id=None, case_id=cid) for d in deadlines)
        if len(batch["cases"]) >= 5000:
            for table, rows in batch.items():
                insert(table, rows)
                rows.clear()
    for table, rows in batch.items():
        insert(table, rows)
    con.execute("COMMIT")
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()
    return need


def case_states(db_path: Path, case_ids: list[int]) -> dict[int, tuple[int, str]]:
    con = sqlite3.connect(db_path)
    marks = ",".join("?" * len(case_ids))
    rows = con.execute(f"SELECT id, version, state FROM cases WHERE id IN ({marks})", case_ids).fetchall()
    con.close()
    return {r[0]: (r[1], r[2]) for r in rows}


# servers ------------------------------------------------------------------------------------------------
def wait_ready(port: int, proc: subprocess.Popen[bytes], probe: str, headers: dict[str, str]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"server exited with {proc.returncode}")
        try:
            req = urllib.request.Request(f"http://127.0.0.1:{port}{probe}", headers=headers)
            with urllib.request.urlopen(req, timeout=2) as r:
                if r.status < 500:
                    # every worker imports the app; give the others a moment after the first answers
                    time.sleep(1.5)
                    return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("server did not start")


def stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def start_engine_server(
    env: dict[str, str], port: int, workers: int, token: str, log: Path, *, operations: bool = True
) -> subprocess.Popen[bytes]:
    """`negotiation serve`, its JSON request log appended to ``log`` as an operator would keep it; without
    ``operations``: the same application with no middleware and no logging (bench/app_without_operations.py)."""
    cmd = [str(VENV_BIN / "negotiation"), "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers)]
    if not operations:
        code = (
            f"import uvicorn; uvicorn.run('app_without_operations:app', host='127.0.0.1', port={port}, "
            f"workers={workers}, log_level='warning', access_log=False)"
        )
        cmd = [sys.executable, "-c", code]
        env = dict(env, PYTHONPATH=os.pathsep.join([str(ROOT), str(ROOT / "bench")]))
    with log.open("ab") as log_file:
        proc = subprocess.Popen(cmd, env=env, cwd=ROOT, stderr=log_file)
    wait_ready(port, proc, "/api/v1/cases?limit=1", {"Authorization": f"Bearer {token}"})
    return proc


def start_bare_server(workdir: Path, port: int, workers: int) -> subprocess.Popen[bytes]:
    (workdir / "bare_app.py").write_text(BARE_APP)
    code = (
        f"import uvicorn; uvicorn.run('bare_app:app', host='127.0.0.1', port={port}, workers={workers}, "
        "log_level='warning', access_log=False)"
    )
    proc = subprocess.Popen([sys.executable, "-c", code], cwd=workdir, env=dict(os.environ, PYTHONPATH=str(workdir)))
    wait_ready(port, proc, "/openapi.json", {})
    return proc


def start_minimal_server(workdir: Path, port: int, workers: int, db_path: Path) -> subprocess.Popen[bytes]:
    """bench/minimal_peer.py (imported by path: PYTHONPATH=bench/) on its own SQLite file, exactly like the bare app."""
    code = (
        f"import uvicorn; uvicorn.run('minimal_peer:app', host='127.0.0.1', port={port}, workers={workers}, "
        "log_level='warning', access_log=False)"
    )
    env = dict(
        os.environ,
        PYTHONPATH=str(ROOT / "bench"),
        MINIMAL_PEER_DB=str(db_path),
        MINIMAL_PEER_TOKENS=json.dumps({MINIMAL_TOKEN: "union 代表"}, ensure_ascii=False),
    )
    proc = subprocess.Popen([sys.executable, "-c", code], cwd=workdir, env=env)
    wait_ready(port, proc, "/openapi.json", {})
    return proc


def measure_operations(
    workdir: Path, db_path: Path, env: dict[str, str], workers: int, case_ids: list[int], token: str, args: Any, suspend: str
) -> str:
    """Events/s and server CPU per event with and without the operations (middleware, JSON log, metrics), in
    alternating pairs on the same database; the report's lines."""
    lines = [f"operations cost, events @{args.cases:,} at {args.connections} connections, {args.operations} alternating pairs:"]
    ratios: list[float] = []
    cpu_ratios: list[float] = []
    for n in range(args.operations):
        found: dict[bool, Result] = {}
        for operations in (True, False) if n % 2 == 0 else (False, True):
            port = free_port()
            proc = start_engine_server(env, port, workers, token, workdir / "serve.log", operations=operations)
            try:
                found[operations] = measure_events(
                    workdir, db_path, proc.pid, port, case_ids, token, args.connections, args.duration, suspend
                )[0]
            finally:
                stop(proc)
        on, off = found[True], found[False]
        ratios.append(on.rps / off.rps)
        cpu_ratios.append(on.cpu_us_per_request / off.cpu_us_per_request)
        lines.append(
            f"  with {on.rps:,.0f} req/s ({on.cpu_us_per_request:.0f} µs CPU/event), "
            f"without {off.rps:,.0f} req/s ({off.cpu_us_per_request:.0f} µs CPU/event): {ratios[-1]:.1%} of the speed"
        )
    ratios.sort()
    cpu_ratios.sort()
    lines.append(
        f"  median: events/s with operations = {ratios[len(ratios) // 2]:.1%} of without (target ≥ 90 %); "
        f"server CPU per event × {cpu_ratios[len(cpu_ratios) // 2]:.3f}"
    )
    return "\n".join(lines)


def measure_alternating(
    workdir: Path, db_path: Path, minimal_db: Path | None, env: dict[str, str], workers: int, case_ids: list[int],
    token: str, args: Any, suspend: str,
) -> str:  # fmt: skip
    """Rounds of 32-connection runs of the bare endpoint (one process), the minimal peer and the events, one after
    another in an order that turns each round, each server started for its run: the machine's drift (±20 % from one
    minute to the next here) falls on all three alike. The report's lines: each round and the median ratios."""
    lines = [f"alternating rounds, {args.connections} connections, {args.duration} s each, @{args.cases:,} cases:"]
    to_events: list[float] = []
    to_bare: list[float] = []
    kinds = ["bare", "events"] + (["minimal"] if minimal_db is not None else [])
    for n in range(args.alternate):
        found: dict[str, Result] = {}
        for kind in kinds[n % len(kinds) :] + kinds[: n % len(kinds)]:
            port = free_port()
            if kind == "bare":
                proc = start_bare_server(workdir, port, 1)
            elif kind == "minimal":
                assert minimal_db is not None
                proc = start_minimal_server(workdir, port, workers, minimal_db)
            else:
                proc = start_engine_server(env, port, workers, token, workdir / "serve.log")
            try:
                if kind == "bare":
                    slots = [(i + 1, 1, "consulting", "x") for i in range(args.connections)]
                    path = "/bare/{id}"
                else:
                    db, ids, tok = (
                        (db_path, case_ids, token)
                        if kind == "events"
                        else (minimal_db, list(range(1, args.cases + 1)), MINIMAL_TOKEN)
                    )
                    assert db is not None
                    st = case_states(db, ids[: args.connections])
                    slots = [(cid, *st[cid], tok) for cid in ids[: args.connections]]
                    path = "/api/v1/cases/{id}/events"
                run_wrk(workdir, proc.pid, port, path, slots[:1], 1, suspend)  # warm-up
                if kind != "bare":
                    st = case_states(db, ids[: args.connections])
                    slots = [(cid, *st[cid], tok) for cid in ids[: args.connections]]
                found[kind] = run_wrk(workdir, proc.pid, port, path, slots, args.duration, suspend)
            finally:
                stop(proc)
        ev, bare = found["events"], found["bare"]
        to_bare.append(ev.rps / bare.rps)
        line = f"  round {n + 1}: bare (one process) {bare.rps:,.0f}, events {ev.rps:,.0f} req/s ({ev.cpu_us_per_request:.0f} µs CPU/event, non-2xx {ev.non_2xx})"
        if "minimal" in found:
            peer = found["minimal"]
            to_events.append(ev.rps / peer.rps)
            line += f", minimal peer {peer.rps:,.0f} ({peer.cpu_us_per_request:.0f} µs): events = {to_events[-1]:.0%} of the peer"
        lines.append(line + f", {to_bare[-1]:.0%} of bare")
    median = lambda xs: sorted(xs)[len(xs) // 2]  # noqa: E731
    summary = f"  median: events = {median(to_bare):.0%} of bare, one process (target ≥ 40 %)"
    if to_events:
        summary += f"; {median(to_events):.0%} of the minimal peer (target ≥ 95 %)"
    lines.append(summary)
    return "\n".join(lines)


# load ---------------------------------------------------------------------------------------------------
def run_wrk(
    workdir: Path, server: int, port: int, path: str, slots: list[tuple[int, int, str, str]], duration: int, suspend_data: str
) -> Result:
    state_file = workdir / "slots.txt"
    state_file.write_text("".join(f"{cid} {v} {st} {tok}\n" for cid, v, st, tok in slots))
    script = workdir / "events.lua"
    script.write_text(WRK_SCRIPT)
    n = len(slots)
    cmd = [
        "wrk", "-t", str(n), "-c", str(n), "-d", f"{duration}s", "--timeout", "10s", "-s", str(script),
        f"http://127.0.0.1:{port}", "--", str(state_file), path, suspend_data,
    ]  # fmt: skip
    cpu_before = tree_cpu_seconds(server)
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    cpu = tree_cpu_seconds(server) - cpu_before
    line = next(ln for ln in out.splitlines() if ln.startswith("BENCH "))
    d = json.loads(line[6:])
    return Result(
        requests=d["requests"], duration_us=d["duration_us"], non_2xx=d["non_2xx"],
        socket_errors=d["connect"] + d["read"] + d["write"] + d["timeout"],
        mean_us=d["mean_us"], p50_us=d["p50_us"], p90_us=d["p90_us"], p99_us=d["p99_us"], max_us=d["max_us"],
        cpu_us_per_request=cpu * 1e6 / max(d["requests"], 1),
    )  # fmt: skip


def measure_events(
    workdir: Path, db_path: Path, server: int, port: int, case_ids: list[int], token: str, conns: int, duration: int, suspend: str
) -> tuple[Result, Result]:
    """(32 connections, one connection) on distinct real cases; versions read from the database before each run."""
    many = case_ids[:conns]
    one = case_ids[conns : conns + 1]
    st = case_states(db_path, many + one)
    for cid in many + one:
        assert st[cid][1] in ("consulting", "suspended"), (cid, st[cid])
    path = "/api/v1/cases/{id}/events"
    # a short warm-up on the single case, then the measured runs
    run_wrk(workdir, server, port, path, [(cid, *st[cid], token) for cid in one], 2, suspend)
    many_res = run_wrk(workdir, server, port, path, [(cid, *st[cid], token) for cid in many], duration, suspend)
    st = case_states(db_path, one)
    one_res = run_wrk(workdir, server, port, path, [(cid, *st[cid], token) for cid in one], duration, suspend)
    return many_res, one_res


def measure_bare(workdir: Path, server: int, port: int, conns: int, duration: int, suspend: str) -> tuple[Result, Result]:
    path = "/bare/{id}"
    run_wrk(workdir, server, port, path, [(1, 1, "consulting", "x")], 2, suspend)
    many = run_wrk(workdir, server, port, path, [(i + 1, 1, "consulting", "x") for i in range(conns)], duration, suspend)
    one = run_wrk(workdir, server, port, path, [(1, 1, "consulting", "x")], duration, suspend)
    return many, one


# report -------------------------------------------------------------------------------------------------
def ms(us: float) -> str:
    return f"{us / 1000:.2f}"


def report(
    bare: tuple[Result, Result],
    events: dict[int, tuple[Result, Result]],
    conns: int,
    workers: int,
    bare_single: tuple[Result, Result] | None = None,
    minimal: tuple[Result, Result] | None = None,
) -> str:
    b_many, b_one = bare
    sizes = sorted(events)
    head = ["", "bare"] + [f"events @{n:,} cases" for n in sizes] + [f"events/bare @{n:,}" for n in sizes]
    rows: list[list[str]] = []

    def row(label: str, fb: str, fe: list[str], ratios: list[str]) -> None:
        rows.append([label, fb, *fe, *ratios])

    row(f"req/s, {conns} connections", f"{b_many.rps:,.0f}", [f"{events[n][0].rps:,.0f}" for n in sizes],
        [f"{events[n][0].rps / b_many.rps:.0%}" for n in sizes])  # fmt: skip
    row(f"non-2xx, {conns} connections", str(b_many.non_2xx), [str(events[n][0].non_2xx) for n in sizes], ["" for _ in sizes])
    row(f"socket errors, {conns} conn.", str(b_many.socket_errors), [str(events[n][0].socket_errors) for n in sizes],
        ["" for _ in sizes])  # fmt: skip
    row(f"p50 ms, {conns} connections", ms(b_many.p50_us), [ms(events[n][0].p50_us) for n in sizes], ["" for _ in sizes])
    row(f"p99 ms, {conns} connections", ms(b_many.p99_us), [ms(events[n][0].p99_us) for n in sizes], ["" for _ in sizes])
    row("req/s, one client", f"{b_one.rps:,.0f}", [f"{events[n][1].rps:,.0f}" for n in sizes],
        [f"{events[n][1].rps / b_one.rps:.0%}" for n in sizes])  # fmt: skip
    row("non-2xx, one client", str(b_one.non_2xx), [str(events[n][1].non_2xx) for n in sizes], ["" for _ in sizes])
    row("p50 ms, one client", ms(b_one.p50_us), [ms(events[n][1].p50_us) for n in sizes],
        [f"{events[n][1].p50_us / max(b_one.p50_us, 1):.1f}×" for n in sizes])  # fmt: skip
    row("p99 ms, one client", ms(b_one.p99_us), [ms(events[n][1].p99_us) for n in sizes],
        [f"{events[n][1].p99_us / max(b_one.p99_us, 1):.1f}×" for n in sizes])  # fmt: skip
    row("mean ms, one client", ms(b_one.mean_us), [ms(events[n][1].mean_us) for n in sizes], ["" for _ in sizes])
    row(f"server CPU µs/req, {conns} conn.", f"{b_many.cpu_us_per_request:.0f}", [f"{events[n][0].cpu_us_per_request:.0f}" for n in sizes],
        [f"{events[n][0].cpu_us_per_request / b_many.cpu_us_per_request:.1f}×" for n in sizes])  # fmt: skip
    row("server CPU µs/req, one client", f"{b_one.cpu_us_per_request:.0f}", [f"{events[n][1].cpu_us_per_request:.0f}" for n in sizes],
        [f"{events[n][1].cpu_us_per_request / b_one.cpu_us_per_request:.1f}×" for n in sizes])  # fmt: skip
    widths = [max(len(r[i]) for r in [head, *rows]) for i in range(len(head))]
    lines = ["  ".join(c.ljust(widths[i]) if i == 0 else c.rjust(widths[i]) for i, c in enumerate(r)) for r in [head, *rows]]
    lines.insert(1, "  ".join("-" * w for w in widths))
    out = "\n".join(lines)
    if len(sizes) == 2:
        small, large = sizes
        cost = {n: 1e6 / events[n][0].rps for n in sizes}  # µs of wall time per event at full load
        cpu = {n: events[n][1].cpu_us_per_request for n in sizes}
        lines2 = [
            "",
            f"per-event cost @{large:,} / @{small:,} cases:",
            f"  {conns} connections: {cost[large]:.0f} µs vs {cost[small]:.0f} µs per event = {cost[large] / cost[small]:.2f}×",
            f"  server CPU, one client: {cpu[large]:.0f} µs vs {cpu[small]:.0f} µs per event = {cpu[large] / cpu[small]:.2f}×",
            f"  one client (mean): {ms(events[large][1].mean_us)} ms vs {ms(events[small][1].mean_us)} ms = "
            f"{events[large][1].mean_us / events[small][1].mean_us:.2f}×",
        ]
        out += "\n".join(lines2)
    # The peer: a bare `async def` endpoint as uvicorn serves it by default (one process), while the engine
    # runs as `negotiation serve` runs it (several workers: one of the ways the issue names to find the time).
    peer = bare_single[0] if bare_single is not None else b_many
    peer_label = "bare, one process (uvicorn default)" if bare_single is not None else f"bare, {workers} workers"
    checks = [f"\nworkers: {workers}; peer for the 40 % target: {peer_label} = {peer.rps:,.0f} req/s; targets (2 cores):"]
    if bare_single is not None:
        checks.insert(
            0,
            f"\nbare with one process: {bare_single[0].rps:,.0f} req/s at {conns} connections, one client p99 {ms(bare_single[1].p99_us)} ms",
        )
    for n in sizes:
        many, one = events[n]
        checks.append(
            f"  @{n:,}: events {many.rps / peer.rps:.0%} of {peer_label} (≥ 40 %) "
            f"{'OK' if many.rps >= 0.4 * peer.rps else 'MISSED'} [{many.rps / b_many.rps:.0%} of bare with {workers} workers]; errors {many.non_2xx + one.non_2xx + many.socket_errors} "
            f"{'OK' if many.non_2xx + one.non_2xx + many.socket_errors == 0 else 'MISSED'}; "
            f"one-client p99 {ms(one.p99_us)} ms (≤ 5 ms) {'OK' if one.p99_us <= 5000 else 'MISSED'}"
        )
    if len(sizes) == 2:
        small, large = sizes
        ratio = events[small][0].rps / events[large][0].rps
        checks.append(f"  per-event cost @{large:,} within 1.2× of @{small:,}: {ratio:.2f}× {'OK' if ratio <= 1.2 else 'MISSED'}")
    if minimal is not None:
        m_many, m_one = minimal
        checks.append(f"\nthe issue's third peer, minimal raw-sqlite3 event endpoint ({workers} workers):")
        checks.append(
            f"  {m_many.rps:,.0f} req/s at {conns} connections (non-2xx {m_many.non_2xx}, socket errors {m_many.socket_errors}), "
            f"p50 / p99 {ms(m_many.p50_us)} / {ms(m_many.p99_us)} ms; one client p50 / p99 {ms(m_one.p50_us)} / {ms(m_one.p99_us)} ms "
            f"(non-2xx {m_one.non_2xx}); server CPU {m_many.cpu_us_per_request:.0f} µs/req at {conns} conn., "
            f"{m_one.cpu_us_per_request:.0f} one client"
        )
        vs_bare = [f"{m_many.rps / b_many.rps:.0%} of bare with {workers} workers"]
        if bare_single is not None:
            vs_bare.insert(0, f"{m_many.rps / bare_single[0].rps:.0%} of bare with one process")
        checks.append(f"  minimal peer = {'; '.join(vs_bare)} (the issue: 45 %)")
        for n in sizes:
            checks.append(
                f"  @{n:,}: our events {events[n][0].rps / m_many.rps:.0%} of the minimal peer's rate at {conns} connections; "
                f"one-client p99 {ms(events[n][1].p99_us)} vs {ms(m_one.p99_us)} ms; "
                f"server CPU {events[n][1].cpu_us_per_request:.0f} vs {m_one.cpu_us_per_request:.0f} µs/event, one client"
            )
    return out + "\n".join(checks)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--real", type=int, default=100, help="real cases seeded through the service layer (the measured ones)")
    parser.add_argument("--cases", type=int, default=1000, help="total cases for the first measurement (filler added)")
    parser.add_argument("--large", type=int, default=100_000, help="total cases for the second measurement (0: skip)")
    parser.add_argument("--workers", type=int, default=None, help="worker processes (default: what `negotiation serve` uses)")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run")
    parser.add_argument("--keep", action="store_true", help="keep the temp directory")
    parser.add_argument("--no-minimal", action="store_true", help="skip the minimal raw-sqlite3 peer (bench/minimal_peer.py)")
    parser.add_argument(
        "--operations", type=int, default=0, metavar="PAIRS",
        help="also measure the engine without its middleware and logging, PAIRS times alternating with it, @--cases",
    )  # fmt: skip
    parser.add_argument(
        "--alternate", type=int, default=3, metavar="ROUNDS",
        help="then ROUNDS rounds of bare (one process), minimal peer and events at 32 connections, in turn (0: none)",
    )  # fmt: skip
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is missing: apt-get install wrk")
    sys.path.insert(0, str(ROOT))
    workers = args.workers or default_workers()
    assert args.real >= args.connections + 1 and args.cases >= args.real

    workdir = Path(tempfile.mkdtemp(prefix="bench-api-"))
    db_path = workdir / "bench.sqlite3"
    db_url = f"sqlite:///{db_path}"
    env = dict(
        os.environ,
        NEGOTIATION_DATABASE_URL=db_url,
        NEGOTIATION_ADMIN_TOKEN=ADMIN_TOKEN,
        NEGOTIATION_TEST_CLOCK="1",
        NEGOTIATION_ARCHIVE_DIR=str(workdir / "archive"),
    )
    load = os.getloadavg()
    print(f"load average before: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}; workers {workers}; cwd {workdir}", flush=True)
    t0 = time.monotonic()
    seeded = seed(db_url, args.real)
    print(f"seeded {args.real:,} real cases in consulting in {time.monotonic() - t0:.1f} s", flush=True)

    from negotiation.service_layer.clock import today

    suspend = json.dumps(
        {"reason": "双方同意暂停，等待测算数据", "resume_on": (today() + timedelta(days=14)).isoformat()}, ensure_ascii=False
    )
    token = seeded["union_token"]
    events: dict[int, tuple[Result, Result]] = {}
    bare_single: tuple[Result, Result] | None = None
    minimal: tuple[Result, Result] | None = None
    minimal_db: Path | None = None
    alternating = ""
    try:
        port = free_port()
        bare_proc = start_bare_server(workdir, port, workers)
        try:
            bare = measure_bare(workdir, bare_proc.pid, port, args.connections, args.duration, suspend)
        finally:
            stop(bare_proc)
        print(f"bare: {bare[0].rps:,.0f} req/s at {args.connections}, one client p99 {ms(bare[1].p99_us)} ms", flush=True)
        if workers > 1:
            port = free_port()
            single_proc = start_bare_server(workdir, port, 1)
            try:
                bare_single = measure_bare(workdir, single_proc.pid, port, args.connections, args.duration, suspend)
            finally:
                stop(single_proc)
            print(f"bare, one process: {bare_single[0].rps:,.0f} req/s at {args.connections}", flush=True)

        if not args.no_minimal:
            import minimal_peer  # bench/ is sys.path[0] when this file runs as a script

            minimal_db = workdir / "minimal.sqlite3"
            minimal_peer.seed(minimal_db, args.cases)
            port = free_port()
            minimal_proc = start_minimal_server(workdir, port, workers, minimal_db)
            try:
                minimal = measure_events(
                    workdir, minimal_db, minimal_proc.pid, port, list(range(1, args.cases + 1)), MINIMAL_TOKEN,
                    args.connections, args.duration, suspend,
                )  # fmt: skip
            finally:
                stop(minimal_proc)
            print(
                f"minimal peer: {minimal[0].rps:,.0f} req/s at {args.connections}, one client p99 {ms(minimal[1].p99_us)} ms",
                flush=True,
            )

        for total in [args.cases] + ([args.large] if args.large > args.cases else []):
            if total > args.real:
                t0 = time.monotonic()
                added = bulk_fill(db_path, seeded["case_ids"][-1], total)
                size = db_path.stat().st_size / 2**20
                print(f"bulk-filled {added:,} cases to {total:,} in {time.monotonic() - t0:.1f} s ({size:.0f} MiB)", flush=True)
            port = free_port()
            proc = start_engine_server(env, port, workers, token, workdir / "serve.log")
            try:
                events[total] = measure_events(
                    workdir, db_path, proc.pid, port, seeded["case_ids"], token, args.connections, args.duration, suspend
                )
            finally:
                stop(proc)
            many, one = events[total]
            print(f"events @{total:,}: {many.rps:,.0f} req/s, one client p99 {ms(one.p99_us)} ms", flush=True)
            if total == args.cases and args.alternate:
                alternating = measure_alternating(
                    workdir, db_path, minimal_db, env, workers, seeded["case_ids"], token, args, suspend
                )
                print(alternating, flush=True)
        if args.operations:
            operations = measure_operations(workdir, db_path, env, workers, seeded["case_ids"], token, args, suspend)
    finally:
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
    load = os.getloadavg()
    print(f"\nload average after: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    print(textwrap.dedent(report(bare, events, args.connections, workers, bare_single, minimal)))
    if alternating:
        print(alternating)
    if args.operations:
        print(operations)


if __name__ == "__main__":
    main()
