"""What operations cost the server per event: the event route with and without api/middleware.py (request id,
security headers, one JSON log line, the HTTP metrics in prometheus-client's multiprocess files), in one process.

    .venv/bin/python bench/operations_cost.py [--cases 32] [--rounds 20] [--pairs 10]

Only the server's work is counted: each request's ASGI call is metered (CPU time, and Python function calls under
cProfile), one request at a time, so the test client's own work falls outside. "With" is what a served worker
runs: logging configured as api/asgi.py does it (JSON lines, to /dev/null instead of a terminal) and metrics in a
PROMETHEUS_MULTIPROC_DIR as `negotiation serve` sets it; "without" is the same application with ResponseFacts
taken out and the request logger off. Both share one seeded SQLite file and one service layer (the per-request
token look-up and the events counter are in both). Pairs alternate which goes first; the CPU figure is the median of
the pairs' ratios, the call count is exact. Wall-clock events/s under wrk: bench/api.py --operations PAIRS.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import logging
import os
import pstats
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path[:] = [str(HERE.parent), *(p for p in sys.path if Path(p or ".").resolve() != HERE)]
os.environ.setdefault("PROMETHEUS_MULTIPROC_DIR", tempfile.mkdtemp(prefix="bench-metrics-"))


class Metered:
    """An ASGI app that adds up the CPU time (and, when profiling, the function calls) of each call it passes on."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.cpu = 0.0
        self.requests = 0
        self.profile: cProfile.Profile | None = None

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.process_time()
        if self.profile is not None:
            self.profile.enable()
        try:
            await self.app(scope, receive, send)
        finally:
            if self.profile is not None:
                self.profile.disable()
            self.cpu += time.process_time() - started
            self.requests += 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=32)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--pairs", type=int, default=10)
    args = parser.parse_args()

    from bench.in_process import _bench_api, _drive  # type: ignore[import-not-found]

    bench_api = _bench_api()
    from api.logs import configure_logging
    from api.main import create_app
    from api.middleware import ResponseFacts
    from negotiation.bootstrap import bootstrap
    from negotiation.config import Settings

    request_log = logging.getLogger("negotiation.request")
    real_stderr = sys.stderr
    with open(os.devnull, "w") as sink, tempfile.TemporaryDirectory(prefix="bench-operations-") as tmp:
        sys.stderr = sink
        configure_logging()  # its handler keeps /dev/null as its stream
        sys.stderr = real_stderr
        url = f"sqlite:///{Path(tmp) / 'bench.sqlite3'}"
        seeded = bench_api.seed(url, args.cases)
        services = bootstrap(Settings(database_url=url, admin_token=bench_api.ADMIN_TOKEN, test_clock=True))
        apps = {"with": create_app(services, sweeper=False), "without": create_app(services, sweeper=False)}
        apps["without"].user_middleware = [m for m in apps["without"].user_middleware if m.cls is not ResponseFacts]
        metered = {name: Metered(app) for name, app in apps.items()}

        def per_request(name: str, rounds: int) -> float:
            """Server CPU seconds per request over that many rounds of one event per case, one at a time."""
            request_log.disabled = name == "without"
            meter = metered[name]
            meter.cpu, meter.requests = 0.0, 0
            asyncio.run(_drive(meter, seeded["case_ids"], seeded["union_token"], rounds, False))
            return meter.cpu / meter.requests

        for name in metered:
            per_request(name, 3)  # warm up
        pairs: list[tuple[float, float]] = []
        for n in range(args.pairs):
            order = ("with", "without") if n % 2 == 0 else ("without", "with")
            found = {name: per_request(name, args.rounds) for name in order}
            pairs.append((found["with"], found["without"]))
            print(f"pair {n + 1:2}: with {found['with'] * 1e6:6.0f} µs, without {found['without'] * 1e6:6.0f} µs per request")

        calls: dict[str, float] = {}
        for name, meter in metered.items():
            request_log.disabled = name == "without"
            meter.profile, meter.requests = cProfile.Profile(), 0
            asyncio.run(_drive(meter, seeded["case_ids"], seeded["union_token"], 5, False))
            calls[name] = pstats.Stats(meter.profile).total_calls / meter.requests  # type: ignore[attr-defined]
            meter.profile = None
        services.engine.dispose()

    ratio = statistics.median(on / off for on, off in pairs)
    print(
        f"interpreter {sys.executable} ({sys.version.split()[0]}); {args.cases} cases, {args.rounds} rounds, {args.pairs} pairs"
    )
    print(
        f"server CPU per request, median: with {statistics.median(p[0] for p in pairs) * 1e6:.0f} µs, "
        f"without {statistics.median(p[1] for p in pairs) * 1e6:.0f} µs; median ratio of pairs {ratio:.3f} "
        f"(events/s when CPU-bound × {1 / ratio:.3f}; target ≥ 0.90)"
    )
    print(
        f"server Python function calls per request (exact): with {calls['with']:.0f}, without {calls['without']:.0f} "
        f"({(calls['with'] / calls['without'] - 1) * 100:+.1f} %)"
    )


if __name__ == "__main__":
    main()
