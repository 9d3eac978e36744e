"""A burst of 1,000 events over 100 cases from 8 clients, the server killed with SIGKILL half-way and started again:
every acknowledged event is kept, nothing is half-written, and deadlines that fell due meanwhile fire after restart.

Each client owns 12 or 13 cases and drives them one after the other: 10 cases are only proposed (their R6 reply
deadline is left to fall due), 90 go propose → accept → open_talks and then suspend/resume four times, so that two of
every eleven events render a document and a kill is likely to land in a render or an archive write. Every event is
sent with its own Idempotency-Key; a client whose request dies with the server sends it again, under the same key,
until the restarted server answers — so each planned event takes effect exactly once, whether or not its first
attempt had committed. The test clock is on: `negotiation tick --as-of` plays the days the server was down."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path
from typing import Any

import httpx

from tests.e2e.proof.conftest import Parties
from tests.flows import EMPLOYERS, WORKERS

CASES = 100
CLIENTS = 8
PROPOSED_ONLY = 10  # the first cases stay proposed: their reply deadline (R6) falls due while the server is down
KILL_AFTER = 500  # acknowledged events
SUSPEND = {"reason": "等待行业工资数据", "resume_on": "2026-12-15"}
PLAN_PROPOSED = [("union", "propose", {"served_on": "2026-11-02", "demands": "提高计件单价，明确恶劣天气补贴"})]
PLAN_FULL = [
    *PLAN_PROPOSED,
    ("employer_body", "accept", {"received_on": "2026-11-05", "reply": "同意进行集体协商"}),
    ("union", "open_talks", {}),
    *[step for _ in range(4) for step in (("employer_body", "suspend", SUSPEND), ("union", "resume", {}))],
]
AFTER_DOWNTIME = "2026-12-31"  # well past every reply deadline of a case served on 2026-11-02


class Burst:
    """The clients' shared record: acknowledged events (case id, version, event), and how many attempts died."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.acknowledged: list[tuple[int, int, str]] = []
        self.acknowledged_before_kill: list[tuple[int, int, str]] = []
        self.transport_errors = 0
        self.retried = 0  # events whose first attempt died with the server
        self.replayed = 0  # … and had committed all the same: the retry got the stored answer
        self.killed = threading.Event()
        self.failures: list[str] = []

    def ack(self, case_id: int, version: int, event: str) -> None:
        with self.lock:
            self.acknowledged.append((case_id, version, event))

    @property
    def count(self) -> int:
        with self.lock:
            return len(self.acknowledged)


def _client(parties: Parties, burst: Burst, number: int, cases: list[tuple[int, list[tuple[str, str, dict[str, Any]]]]]) -> None:
    try:
        with httpx.Client(base_url=parties.served.base, timeout=60) as client:
            for case_id, plan in cases:
                version = 2  # created (1), representatives set (2)
                for step, (who, event, data) in enumerate(plan):
                    body = {"event": event, "expected_version": version, "data": data}
                    headers = {**parties.h(who), "Idempotency-Key": f"burst-{case_id}-{step}"}
                    give_up, attempts = time.monotonic() + 120, 0
                    while True:
                        attempts += 1
                        try:
                            r = client.post(f"/api/v1/cases/{case_id}/events", json=body, headers=headers)
                            break
                        except httpx.TransportError:
                            with burst.lock:
                                burst.transport_errors += 1
                            assert time.monotonic() < give_up, "the server did not come back"
                            time.sleep(0.2)
                    assert r.status_code == 200, (case_id, event, r.status_code, r.text)
                    if attempts > 1:
                        with burst.lock:
                            burst.retried += 1
                            burst.replayed += r.headers.get("idempotent-replayed") == "true"
                    version = r.json()["version"]
                    burst.ack(case_id, version, event)
    except BaseException as exc:
        with burst.lock:
            burst.failures.append(f"client {number}: {exc!r}")


def _setup_cases(parties: Parties) -> list[int]:
    ids = []
    for i in range(CASES):
        r = parties.client.post(
            "/api/v1/cases", json=parties.case_body(title=f"快递行业集体协商 第{i + 1}号"), headers=parties.h("union")
        )
        assert r.status_code == 201, r.text
        case = r.json()
        reps = {"expected_version": case["version"], "worker_side": WORKERS, "employer_side": EMPLOYERS}
        r = parties.client.put(f"/api/v1/cases/{case['id']}/representatives", json=reps, headers=parties.h("union"))
        assert r.status_code == 200 and r.json()["version"] == 2, r.text
        ids.append(case["id"])
    return ids


def _temporary_files(archive: Path) -> list[Path]:
    return [p for p in archive.rglob("*") if p.is_file() and (p.name.startswith(".") or p.suffix == ".tmp")]


def test_a_burst_killed_half_way_keeps_every_acknowledged_event_and_fires_the_deadlines_due_meanwhile(parties: Parties) -> None:
    served = parties.served
    ids = _setup_cases(parties)
    plans = {case_id: (PLAN_PROPOSED if i < PROPOSED_ONLY else PLAN_FULL) for i, case_id in enumerate(ids)}
    assert sum(len(p) for p in plans.values()) >= 1000
    burst = Burst()
    threads = [
        threading.Thread(target=_client, args=(parties, burst, n, [(c, plans[c]) for c in ids[n::CLIENTS]]))
        for n in range(CLIENTS)
    ]
    for t in threads:
        t.start()
    while burst.count < KILL_AFTER and any(t.is_alive() for t in threads):
        time.sleep(0.01)
    served.kill()
    with burst.lock:
        burst.acknowledged_before_kill = list(burst.acknowledged)
    time.sleep(1)  # the clients' requests fail meanwhile
    served.start()
    for t in threads:
        t.join(timeout=300)
    assert not burst.failures, burst.failures
    assert KILL_AFTER <= len(burst.acknowledged_before_kill) < 1000 and burst.retried > 0
    print(f"\n{len(burst.acknowledged)} events, {len(burst.acknowledged_before_kill)} acknowledged before SIGKILL; "
          f"{burst.retried} in flight retried after restart, {burst.replayed} of them had committed")  # fmt: skip

    # Every acknowledged event is where its answer said: at its version, in its case's audit chain.
    audits = {c: parties.client.get(f"/api/v1/cases/{c}/audit", headers=parties.h("bureau")).json() for c in ids}
    for case_id, version, event in burst.acknowledged_before_kill:
        assert audits[case_id][version - 1]["event"] == event, (case_id, version, event)
    # Each planned event took effect once (a retried attempt whose first try had committed got the stored answer).
    assert len(burst.acknowledged) == sum(len(p) for p in plans.values())
    for case_id in ids:
        case = parties.client.get(f"/api/v1/cases/{case_id}", headers=parties.h("union")).json()
        events = [e["event"] for e in audits[case_id]]
        assert events[2:] == [event for _, event, _ in plans[case_id]], (case_id, events)
        # Nothing half-written: the version counts the case's audit links (no comments here), the chain ends in its state.
        assert case["version"] == len(audits[case_id]) == 2 + len(plans[case_id])
        assert audits[case_id][-1]["to_state"] == case["state"]
        for doc in parties.client.get(f"/api/v1/cases/{case_id}/documents", headers=parties.h("union")).json():
            content = parties.client.get(f"/api/v1/documents/{doc['id']}/content", headers=parties.h("union"))
            assert content.status_code == 200 and content.headers["etag"] == f'"{doc["sha256"]}"', (case_id, doc)
    verify = parties.verify_audit()
    assert verify["ok"] is True and verify["events_checked"] == sum(len(a) for a in audits.values())
    archive = served.cli("archive", "verify")
    assert archive.returncode == 0, archive.stdout + archive.stderr
    assert _temporary_files(served.archive) == []

    # The reply deadlines that fell due while the server was down fire now, each once, and nothing else does.
    proposed = set(ids[:PROPOSED_ONLY])
    ticked = served.cli("tick", "--as-of", AFTER_DOWNTIME)
    assert ticked.returncode == 0, ticked.stderr
    fired = json.loads(ticked.stdout)["fired"]
    assert sorted((f["case_id"], f["event"], f["rule"]) for f in fired) == sorted((c, "reply_overdue", "R6") for c in proposed)
    again = served.cli("tick", "--as-of", AFTER_DOWNTIME)
    assert json.loads(again.stdout)["fired"] == []
    for case_id in proposed:
        case = parties.client.get(f"/api/v1/cases/{case_id}", headers=parties.h("union")).json()
        assert case["state"] == "in_dispute" and case["version"] == 4
        assert [d["status"] for d in case["deadlines"] if d["rule"] == "R6"] == ["fired"]
    assert parties.verify_audit()["ok"] is True
