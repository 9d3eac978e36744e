"""What each part of the event path costs: the in-process event (bench/in_process.py) with one part taken out.

Run from the repository root:

    .venv/bin/python bench/event_parts.py                    # CPU µs per event (time.process_time), alternating
    .venv/bin/python bench/event_parts.py --instructions     # instructions per event, counted by valgrind
    .venv/bin/python bench/event_parts.py --instructions --rows none,stack,peer,floor   # some rows only

Each row takes one part out of a running app, in this process only, to see what the part costs; none of this is
how the engine runs. Once built, each row's app leaves the collector's generations (``freeze_worker()``), as a
served worker's does. The parts:

- ``log``: the JSON request line (the ``negotiation.request`` logger disabled);
- ``metrics``: the request counter, the latency histogram and the event counter (prometheus-client) replaced by
  objects that do nothing;
- ``view``: the answer cut from the whole case view api.md requires to ``{id, state, version}`` (the client parses
  a shorter body too, so this row is an upper bound of the view's server cost);
- ``machine``: the `transitions` Machine replaced by a lookup of the destination in the transition table (the
  guards still run in the handler's checks, as always);
- ``token``: the token's user read once per token instead of on every request;
- ``all``: the five together;
- ``stack``: the whole procedure taken out: the events endpoint answers from the request's body alone (like
  ``floor``), inside the engine's own app — its middleware, request line, metrics, route and response class — so
  that ``stack − floor`` is what the app's HTTP side costs and ``none − stack`` what the procedure costs;
- ``peer``: bench/minimal_peer.py, the raw-sqlite3 peer bench/api.py measures, in process on its own seeded file
  (a GET of a case, which it has not, answered for it from its file, outside what is counted): ``peer − floor``
  is its share;
- ``floor``: a bare ASGI app answering the same requests with a three-field JSON body: the cost of the client
  (httpx) and the ASGI transport, which every other row includes.

``--instructions`` runs each row twice under ``valgrind --tool=callgrind`` (``--rounds`` and ``--rounds + 4``
rounds over ``--cases`` cases, one request at a time) and prints the difference per event: the seeding, the
imports and the warm-up cancel out, and the count does not drift with the machine the way time does. Valgrind is
not installed by the Makefile (``apt-get install valgrind``); the CPU-time rows need nothing more than the venv.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import orjson
from in_process import _bench_api, _drive, bench_module  # bench/ is on sys.path when run as a script

HERE = Path(__file__).resolve().parent
PARTS = ("log", "metrics", "view", "machine", "token")
ROWS = ("none", *PARTS, "all", "stack", "peer", "floor")


def take_out(app: Any, parts: set[str]) -> Any:
    """The app with these parts taken out (module attributes replaced in this process)."""
    if "log" in parts:
        logging.getLogger("negotiation.request").disabled = True
    if "metrics" in parts:
        import api.middleware
        import negotiation.service_layer.unit_of_work as unit_of_work

        class Nothing:
            def inc(self, *args: Any) -> None: ...

            def observe(self, *args: Any) -> None: ...

        api.middleware._requests_counter = lambda *args: Nothing()
        api.middleware.HTTP_REQUEST_SECONDS = Nothing()
        unit_of_work.count_events = lambda recorded: None
    if "view" in parts:
        import negotiation.service_layer.handlers as handlers

        handlers.case_view = lambda case, actor: {"id": case.id, "state": case.state, "version": case.version}
    if "machine" in parts:
        import negotiation.events as events
        from negotiation.states.state import CaseState
        from negotiation.states.table import TRANSITIONS

        dest = {(s.value, t.event): t.dest.value for t in TRANSITIONS if t.dest for s in t.sources}

        def fire(case: Any, event: str) -> CaseState:
            case.state = dest[(case.state, event)]
            return CaseState(case.state)

        events.fire = fire
    if "token" in parts:
        import api.deps as deps

        known: dict[str, Any] = {}
        read = deps.actor_for_token

        def actor_for_token(services: Any, token: str) -> Any:
            if token not in known:
                known[token] = read(services, token)
            return known[token]

        deps.actor_for_token = actor_for_token
    if "floor" in parts:
        return _floor
    return app


def answer_from_body(body: bytes) -> dict[str, Any]:
    """The three-field answer ``floor`` and ``stack`` give: the state the event leads to, the version after it."""
    sent = orjson.loads(body)
    state = "suspended" if sent["event"] == "suspend" else "consulting"
    return {"id": 1, "state": state, "version": sent["expected_version"] + 1}


async def send_json(send: Any, value: dict[str, Any]) -> None:
    """A 200 answer with this JSON body, straight on the ASGI ``send`` (``floor`` and the peer's GET)."""
    data = orjson.dumps(value)
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(data)).encode())]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": data})


def procedure_taken_out() -> None:
    """Before the app is built: its events endpoint answers from the body, through the engine's response class."""
    import api.routes.cases as cases
    from api.commands import CommandResponse

    async def fire_event(request: Any) -> Any:
        return CommandResponse(answer_from_body(await request.body()))

    cases.fire_event = fire_event


def peer_app(seed_dir: Path, n_cases: int, token: str) -> Any:
    """bench/minimal_peer.py's app on a file of its own with cases 1…n_cases; a GET (which it has not) answered
    with the case's state and version from that file."""
    os.environ["MINIMAL_PEER_DB"] = str(seed_dir / "peer.sqlite3")
    os.environ["MINIMAL_PEER_TOKENS"] = orjson.dumps({token: "union"}).decode()
    minimal_peer = bench_module("minimal_peer.py", "minimal_peer")
    minimal_peer.seed(seed_dir / "peer.sqlite3", n_cases)
    peer = minimal_peer.app

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["method"] == "GET":
            case_id = int(scope["path"].rsplit("/", 1)[1])
            found = minimal_peer._db().execute("SELECT state, version FROM cases WHERE id = ?", (case_id,)).fetchone()
            await send_json(send, {"state": found[0], "version": found[1]})
            return
        await peer(scope, receive, send)

    return app


async def _floor(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] != "http":
        return
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if not message.get("more_body"):
            break
    await send_json(send, {"id": 1, "state": "consulting", "version": 1} if scope["method"] == "GET" else answer_from_body(body))


def parts_of(row: str) -> set[str]:
    return set(PARTS) if row == "all" else set() if row in ("none", "stack", "peer") else {row}


def run_row(seed_dir: Path, row: str, rounds: int, warm_up: bool) -> float:
    """CPU seconds per event for one row, on a fresh copy of the seeded database (this process); the warm-up
    (three rounds first) is left out under valgrind, where the difference of two counts cancels it."""
    from api.logs import configure_logging
    from api.main import create_app
    from negotiation.bootstrap import bootstrap
    from negotiation.config import Settings
    from negotiation.speedups import freeze_worker

    seeded = orjson.loads((seed_dir / "seed.json").read_bytes())
    work = Path(tempfile.mkdtemp(prefix="event-parts-"))
    try:
        shutil.copy(seed_dir / "bench.sqlite3", work / "bench.sqlite3")
        stderr, sys.stderr = sys.stderr, open(os.devnull, "w")  # the request lines are formatted, not shown
        configure_logging()
        services = bootstrap(
            Settings(database_url=f"sqlite:///{work / 'bench.sqlite3'}", admin_token=seeded["admin"], test_clock=True)
        )
        if row == "stack":
            procedure_taken_out()
        app = take_out(create_app(services, sweeper=False), parts_of(row))
        case_ids = seeded["case_ids"]
        try:
            if row == "peer":
                case_ids = list(range(1, len(case_ids) + 1))
                app = peer_app(work, len(case_ids), seeded["union_token"])
            freeze_worker()  # as api/asgi.py does once the served worker's app is built
            if warm_up:
                asyncio.run(_drive(app, case_ids, seeded["union_token"], 3, False))
            return asyncio.run(_drive(app, case_ids, seeded["union_token"], rounds, False))
        finally:
            services.engine.dispose()
            sys.stderr.close()
            sys.stderr = stderr
    finally:
        shutil.rmtree(work, ignore_errors=True)


def instructions(seed_dir: Path, row: str, rounds: int) -> int:
    """Instructions the whole process ran, counted by callgrind, for one row of ``rounds`` rounds."""
    command = ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", sys.executable, __file__]
    command += ["--one", row, "--rounds", str(rounds), "--seed-dir", str(seed_dir), "--counted"]
    done = subprocess.run(command, capture_output=True, text=True, env={**os.environ, "PYTHONHASHSEED": "0"}, check=True)
    found = re.search(r"Collected : (\d+)", done.stderr)
    if found is None:
        raise SystemExit(f"callgrind printed no count:\n{done.stderr[-2000:]}")
    return int(found.group(1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=32)
    parser.add_argument("--rounds", type=int, default=2, help="rounds per row (CPU time: x20)")
    parser.add_argument("--instructions", action="store_true", help="count instructions under valgrind")
    parser.add_argument("--repeat", type=int, default=3, help="alternating passes over the rows (CPU time)")
    parser.add_argument("--rows", default=",".join(ROWS), help=f"the rows to run, comma-separated (default: {','.join(ROWS)})")
    parser.add_argument("--one", choices=ROWS, help=argparse.SUPPRESS)  # one row in this process (for valgrind)
    parser.add_argument("--seed-dir", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--counted", action="store_true", help=argparse.SUPPRESS)  # under valgrind: no warm-up
    args = parser.parse_args()
    if args.one:
        print(f"{run_row(args.seed_dir, args.one, args.rounds, warm_up=not args.counted):.9f}")
        return
    asked = set(args.rows.split(","))
    rows = [row for row in ROWS if row in asked]
    unknown = asked - set(ROWS)
    if unknown:
        raise SystemExit(f"unknown rows: {', '.join(sorted(unknown))} (the rows: {', '.join(ROWS)})")
    if args.instructions and shutil.which("valgrind") is None:
        raise SystemExit("--instructions needs valgrind (apt-get install valgrind)")
    bench_api = _bench_api()
    with tempfile.TemporaryDirectory(prefix="event-parts-seed-") as tmp:
        seed_dir = Path(tmp)
        seeded = bench_api.seed(f"sqlite:///{seed_dir / 'bench.sqlite3'}", args.cases)
        db = sqlite3.connect(seed_dir / "bench.sqlite3")  # every row in the file that each row copies
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        db.close()
        facts = {"case_ids": seeded["case_ids"], "union_token": seeded["union_token"], "admin": bench_api.ADMIN_TOKEN}
        (seed_dir / "seed.json").write_bytes(orjson.dumps(facts))
        print(f"interpreter {sys.executable} ({sys.version.split()[0]}), {args.cases} cases, one request at a time")
        if args.instructions:
            events = args.cases * 4
            counts = {}
            for row in rows:
                counts[row] = (instructions(seed_dir, row, args.rounds + 4) - instructions(seed_dir, row, args.rounds)) // events
                print(f"{row:8} {counts[row]:>10,} instructions per event", flush=True)
            if "none" in counts and "floor" in counts:
                server = counts["none"] - counts["floor"]
                print(f"the engine's share (none − floor): {server:,} per event")
                for row in (*PARTS, "all"):
                    if row in counts:
                        cut = counts["none"] - counts[row]
                        print(f"  {row:8} {cut:>9,}  {cut / server:6.1%}")
                if "stack" in counts:
                    stack, procedure = counts["stack"] - counts["floor"], counts["none"] - counts["stack"]
                    print(
                        f"  the app's HTTP side (stack − floor) {stack:,} ({stack / server:.1%}), the procedure (none − stack) {procedure:,} ({procedure / server:.1%})"
                    )
                if "peer" in counts:
                    peer = counts["peer"] - counts["floor"]
                    print(f"  the minimal peer's share (peer − floor) {peer:,}: the engine's is {server / peer:.2f}× it")
        else:
            times: dict[str, list[float]] = {row: [] for row in rows}
            for _ in range(args.repeat):  # each row in its own process, rows alternating
                for row in rows:
                    command = [
                        sys.executable,
                        __file__,
                        "--one",
                        row,
                        "--rounds",
                        str(args.rounds * 20),
                        "--seed-dir",
                        str(seed_dir),
                    ]
                    out = subprocess.run(command, capture_output=True, text=True)
                    if out.returncode != 0:
                        raise SystemExit(f"{row} failed ({out.returncode}):\n{out.stderr[-3000:]}{out.stdout[-3000:]}")
                    times[row].append(float(out.stdout.split()[-1]))
            for row in rows:
                median = sorted(times[row])[len(times[row]) // 2]
                print(f"{row:8} {median * 1e6:7.0f} µs CPU per event (median of {args.repeat})")


if __name__ == "__main__":
    main()
