"""Several hosts on one PostgreSQL database (issue 11, item 3): two `negotiation serve` processes, each in a working
directory of its own with an archive folder of its own that stays empty, share the database and its archive
(``NEGOTIATION_ARCHIVE_URL=database``) and one ``NEGOTIATION_SESSION_SECRET``.

A proposal made through one host is served by the other, byte for byte (the same sha256), and a review-page session
begun on one is good on the other. Then 200 proposed cases
whose R6 reply deadline (20 days) has passed are swept by `negotiation tick --as-of` run on both hosts at the same
moment: each deadline fires exactly once (the two outputs together name each case once), each case's audit chain
holds one ``reply_overdue``, `GET /api/v1/audit/verify` is ok on either host, and the row lock the sweeper takes
(``FOR UPDATE SKIP LOCKED``) leaves no version conflict: a case one host is sweeping is skipped by the other rather
than done twice with one losing. PostgreSQL only: on a SQLite-only run it is skipped, saying so.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, create_engine, text

from negotiation.bootstrap import Services, bootstrap
from negotiation.config import Settings
from tests.conftest import ADMIN_TOKEN, World
from tests.flows import Flow
from tests.served import free_port

ROOT = Path(__file__).resolve().parents[2]
CASES = 200
SERVED_ON = "2026-11-02"  # the proposal's service; R6's 20 days to reply have passed on AS_OF
AS_OF = "2026-11-24"
SESSION_SECRET = "several-hosts-shared-session-secret-0123456789"
# The table both ticks read first (the due deadlines): held by the test until both wait for it.
GATE = "deadlines"
# The tick's line on stderr when another sweeper was at work (negotiation/cli.py).
TALLY = re.compile(r"本进程处理 (\d+) 个案件；(\d+) 个由另一进程处理；(\d+) 个版本冲突")


# Several hosts share one PostgreSQL database: the SQLite run leaves this module out (tests/conftest.py), and
# `make postgres-tests` runs it.
pytestmark = pytest.mark.postgres_only


@pytest.fixture
def shared_url(database_url: str) -> str:
    assert database_url.startswith("postgresql"), database_url
    return database_url


@pytest.fixture
def services(shared_url: str, tmp_path: Path) -> Iterator[Services]:
    """The shared fixtures' services (and so their client and world) on the database archive."""
    settings = Settings(
        database_url=shared_url, archive_dir=tmp_path / "setup-archive", archive_url="database",
        admin_token=ADMIN_TOKEN, test_clock=True, session_secret=SESSION_SECRET,
    )  # fmt: skip
    built = bootstrap(settings)
    yield built
    built.engine.dispose()


@dataclass
class Host:
    name: str
    base: str
    cwd: Path
    env: dict[str, str]


def _host_env(url: str, cwd: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEGOTIATION_")}
    env.update(
        PYTHONPATH=str(ROOT), NEGOTIATION_DATABASE_URL=url, NEGOTIATION_ARCHIVE_URL="database",
        NEGOTIATION_ARCHIVE_DIR=str(cwd / "archive"), NEGOTIATION_ADMIN_TOKEN=ADMIN_TOKEN, NEGOTIATION_TEST_CLOCK="1",
        NEGOTIATION_SESSION_SECRET=SESSION_SECRET,
    )  # fmt: skip
    return env


def _serve(stack: ExitStack, name: str, url: str, tmp_path: Path) -> Host:
    cwd = tmp_path / f"host-{name}"
    cwd.mkdir()
    env = _host_env(url, cwd)
    port = free_port()
    log = stack.enter_context((cwd / "serve.log").open("wb"))
    process = subprocess.Popen(
        [sys.executable, "-m", "negotiation.cli", "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", "1"],
        cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip

    def stop() -> None:
        process.terminate()
        process.wait(timeout=30)

    stack.callback(stop)
    base = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                break
        except httpx.TransportError:
            pass
        assert process.poll() is None, (cwd / "serve.log").read_text()
        time.sleep(0.1)
    return Host(name, base, cwd, env)


@pytest.fixture
def hosts(services: Services, shared_url: str, tmp_path: Path) -> Iterator[tuple[Host, Host]]:
    with ExitStack() as stack:
        yield _serve(stack, "a", shared_url, tmp_path), _serve(stack, "b", shared_url, tmp_path)


def _proposed(world: World, served_on: str) -> int:
    flow = Flow(world.client, {k: world.h(k) for k in world.tokens}, world.case_body())
    flow.representatives()
    flow.event("union", "propose", {"served_on": served_on, "demands": "提高计件单价"})
    return int(flow.id)


def _tick_on_both(a: Host, b: Host, engine: Engine) -> dict[str, dict[str, Any]]:
    """`negotiation tick --as-of AS_OF` on both hosts, sweeping at the same moment; each one's output, tally and
    seconds.

    Started together, one process can still be a few seconds behind the other (its imports, on a busy machine) and
    find every case already swept. So the two start behind a lock: this process holds ``GATE`` in ACCESS EXCLUSIVE
    mode until both ticks wait for it (PostgreSQL's ``pg_locks``), then lets them go at once."""
    command = [sys.executable, "-m", "negotiation.cli", "tick", "--as-of", AS_OF]
    done: dict[str, dict[str, Any]] = {}

    def run(host: Host, started: float) -> None:
        ran = subprocess.run(command, cwd=host.cwd, env=host.env, capture_output=True, text=True, timeout=300)
        seconds = round(time.monotonic() - started, 2)
        assert ran.returncode == 0, ran.stdout + ran.stderr
        tally = TALLY.search(ran.stderr)
        done[host.name] = {
            "fired": json.loads(ran.stdout)["fired"],
            "seconds": seconds,
            "taken_elsewhere": int(tally.group(2)) if tally else 0,
            "conflicts": int(tally.group(3)) if tally else 0,
        }

    with engine.connect() as gate:  # the lock and the look at who waits for it, on one connection
        gate.execute(text(f"LOCK TABLE {GATE} IN ACCESS EXCLUSIVE MODE"))
        started = time.monotonic()
        threads = [threading.Thread(target=run, args=(h, started)) for h in (a, b)]
        for thread in threads:
            thread.start()
        waiting = 0
        while waiting < 2 and time.monotonic() - started < 120 and all(t.is_alive() for t in threads):
            time.sleep(0.05)
            waiting = gate.execute(
                text(f"SELECT count(*) FROM pg_locks WHERE relation = '{GATE}'::regclass AND NOT granted")
            ).scalar_one()
        gate.rollback()  # both go
    assert waiting == 2, f"the ticks did not both wait at the gate ({waiting} waiting)"
    for thread in threads:
        thread.join()
    assert set(done) == {"a", "b"}, "a tick failed (its assertion is printed above)"
    return done


def test_two_hosts_share_the_documents_and_fire_each_deadline_once(
    world: World, services: Services, hosts: tuple[Host, Host], shared_url: str
) -> None:
    a, b = hosts
    admin = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    union = world.h("union")

    # A document made through host a is served by host b, the same bytes.
    with httpx.Client(base_url=a.base, timeout=120) as through_a:
        flow = Flow(through_a, {k: world.h(k) for k in world.tokens}, world.case_body())  # type: ignore[arg-type]
        flow.representatives()
        flow.event("union", "propose", {"served_on": "2026-11-20", "demands": "提高计件单价"})  # not due on AS_OF
        [proposal] = through_a.get(f"/api/v1/cases/{flow.id}/documents", headers=union).json()
    served = httpx.get(f"{b.base}/api/v1/documents/{proposal['id']}/content", headers=union, timeout=60)
    assert served.status_code == 200 and served.headers["content-type"] == "application/pdf"
    assert hashlib.sha256(served.content).hexdigest() == proposal["sha256"]
    assert served.headers["etag"] == f'"{proposal["sha256"]}"' and len(served.content) == proposal["size"]

    # A review-page session begun on host a is good on host b: both sign with the one NEGOTIATION_SESSION_SECRET.
    with httpx.Client(base_url=a.base, timeout=60) as browser:
        page = browser.get("/review")
        csrf = re.search(r'name="csrf" value="([^"]+)"', page.text)
        assert csrf is not None, page.text
        signed_in = browser.post("/review/login", data={"token": world.tokens["ent1"], "csrf": csrf.group(1)})
        assert signed_in.status_code == 303, signed_in.text
        cookie = signed_in.cookies["review_session"]
    elsewhere = httpx.get(f"{b.base}/review/cases", cookies={"review_session": cookie}, timeout=60)
    assert elsewhere.status_code == 200 and "我的案件" in elsewhere.text

    # 200 proposed cases whose reply deadline has passed, made through the service layer of the setup process.
    made = time.monotonic()
    due = sorted(_proposed(world, SERVED_ON) for _ in range(CASES))
    making = time.monotonic() - made

    runs = _tick_on_both(a, b, services.engine)
    fired = runs["a"]["fired"] + runs["b"]["fired"]
    print(  # the figures docs/reliability.md records
        f"\n{CASES} cases made in {making:.1f} s; "
        + "; ".join(
            f"host {n}: {len(r['fired'])} fired in {r['seconds']} s, {r['taken_elsewhere']} left to the other, "
            f"{r['conflicts']} version conflicts"
            for n, r in sorted(runs.items())
        )
    )
    assert len(fired) == CASES and sorted(f["case_id"] for f in fired) == due  # each deadline once, none twice
    assert {(f["event"], f["rule"]) for f in fired} == {("reply_overdue", "R6")}
    assert runs["a"]["conflicts"] + runs["b"]["conflicts"] == 0  # the lock split the work: nobody lost a race
    assert runs["a"]["fired"] and runs["b"]["fired"]  # both swept at once and took part, each skipping what the other held

    engine = create_engine(shared_url)
    try:
        with engine.connect() as connection:
            overdue = dict(
                connection.execute(
                    text("SELECT case_id, count(*) FROM audit_events WHERE event = 'reply_overdue' GROUP BY case_id")
                ).all()
            )
            blobs = connection.execute(text("SELECT count(*) FROM archive_blobs")).scalar_one()
    finally:
        engine.dispose()
    assert overdue == dict.fromkeys(due, 1)  # every case moved once, and only the due ones
    assert blobs >= CASES + 1  # every proposal is in the database archive…
    for host in (a, b):  # …and none in either host's own folder (the file archive's are named by their sha256)
        stored = [p.name for p in host.cwd.rglob("*") if p.is_file()]
        assert not [name for name in stored if re.fullmatch(r"[0-9a-f]{64}", name)], stored
        assert "review-session.key" not in stored  # the shared secret signs the sessions, not a key of the host
        verified = httpx.get(f"{host.base}/api/v1/audit/verify", headers=admin, timeout=120)
        assert verified.status_code == 200 and verified.json()["ok"] is True, verified.text

    again = _tick_on_both(a, b, services.engine)  # nothing left to fire on either host
    assert again["a"]["fired"] == [] and again["b"]["fired"] == []
