"""CPU per event inside one process: suspend/resume through the ASGI app, no sockets, no wrk.

A quick gauge of what a change to the event path costs, steadier than wrk on a busy machine because it counts this
process's CPU time (``time.process_time``), not wall time. Run from the repository root:

    .venv/bin/python bench/in_process.py [--cases 32] [--rounds 40]

It seeds ``--cases`` real cases in ``consulting`` through the service layer (bench/api.py's ``seed``) on a temp
SQLite file, then sends ``--rounds`` rounds of one event per case: once one request at a time (each a group of one
in the group commit) and once all cases' requests together on one event loop (as one worker serves 32 connections).
It prints CPU µs per event for both.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

HERE = Path(__file__).resolve().parent
# bench/api.py would shadow the api package: the repository root comes first, not this folder.
sys.path[:] = [str(HERE.parent), *(p for p in sys.path if Path(p or ".").resolve() != HERE)]
SUSPEND = {"reason": "等待测算数据", "resume_on": "2030-01-07"}


def bench_module(file_name: str, module_name: str) -> Any:
    """A script of bench/ imported by its path (this folder is not on sys.path, see above), as ``module_name``."""
    spec = importlib.util.spec_from_file_location(module_name, HERE / file_name)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    spec.loader.exec_module(module)
    return module


def _bench_api() -> Any:
    return bench_module("api.py", "bench_api")


async def _drive(app: Any, case_ids: list[int], token: str, rounds: int, together: bool) -> float:
    headers = {"Authorization": f"Bearer {token}"}
    state = {cid: ("consulting", 0) for cid in case_ids}
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
        for cid in case_ids:  # the versions as they are now
            found = (await client.get(f"/api/v1/cases/{cid}", headers=headers)).json()
            state[cid] = (found["state"], found["version"])

        async def one(cid: int) -> None:
            current, version = state[cid]
            event = {"event": "suspend", "expected_version": version, "data": SUSPEND}
            if current == "suspended":
                event = {"event": "resume", "expected_version": version, "data": {}}
            answer = await client.post(f"/api/v1/cases/{cid}/events", json=event, headers=headers)
            assert answer.status_code == 200, answer.text
            body = answer.json()
            state[cid] = (body["state"], body["version"])

        start = time.process_time()
        for _ in range(rounds):
            if together:
                await asyncio.gather(*(one(cid) for cid in case_ids))
            else:
                for cid in case_ids:
                    await one(cid)
        return (time.process_time() - start) / (rounds * len(case_ids))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=32)
    parser.add_argument("--rounds", type=int, default=40)
    parser.add_argument("--calls", action="store_true", help="also count Python function calls per event (cProfile)")
    args = parser.parse_args()
    bench_api = _bench_api()
    with tempfile.TemporaryDirectory(prefix="bench-in-process-") as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.sqlite3'}"
        seeded = bench_api.seed(url, args.cases)
        from api.main import create_app
        from negotiation.bootstrap import bootstrap
        from negotiation.config import Settings

        services = bootstrap(Settings(database_url=url, admin_token=bench_api.ADMIN_TOKEN, test_clock=True))
        app = create_app(services, sweeper=False)
        asyncio.run(_drive(app, seeded["case_ids"], seeded["union_token"], 5, True))  # warm up
        alone = asyncio.run(_drive(app, seeded["case_ids"], seeded["union_token"], args.rounds, False))
        together = asyncio.run(_drive(app, seeded["case_ids"], seeded["union_token"], args.rounds, True))
        if args.calls:
            import cProfile
            import pstats

            profile = cProfile.Profile()
            profile.enable()
            asyncio.run(_drive(app, seeded["case_ids"], seeded["union_token"], 10, True))
            profile.disable()
            stats = pstats.Stats(profile)
            events = 10 * len(seeded["case_ids"])
            print(f"Python function calls per event (client included): {stats.total_calls / events:.0f}")  # type: ignore[attr-defined]
            stats.sort_stats("tottime").print_stats(int(args.calls) * 30)
        services.engine.dispose()
    print(f"interpreter {sys.executable} ({sys.version.split()[0]})")
    print(f"CPU per event, one request at a time: {alone * 1e6:.0f} µs")
    print(f"CPU per event, {args.cases} requests together: {together * 1e6:.0f} µs")


if __name__ == "__main__":
    main()
