"""64 clients at once against a served process: conflicting events on one case have one winner per version and the
rest answer 409 version_conflict; one Idempotency-Key shared by 64 clients has one effect and 64 identical answers.

Each client is its own connection (its own httpx.Client, opened before the race) in its own thread; a barrier lets
them go together. SQLite file and PostgreSQL (the `database_url` fixture), two workers."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from typing import Any

import httpx

from tests.e2e.proof.conftest import Parties

CLIENTS = 64
ROUNDS = 3
SUSPEND = {"reason": "等待行业工资数据", "resume_on": "2026-12-15"}


@contextmanager
def connections(base: str, count: int) -> Iterator[list[httpx.Client]]:
    """`count` clients, each with its connection already open."""
    with ExitStack() as stack:
        clients = [stack.enter_context(httpx.Client(base_url=base, timeout=120)) for _ in range(count)]
        for client in clients:
            assert client.get("/healthz").status_code == 200
        yield clients


def race(calls: list[Callable[[], httpx.Response]]) -> list[httpx.Response]:
    """Run every call in its own thread, all released at once; their responses in order (a thread's crash fails)."""
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def run(i: int) -> None:
        barrier.wait()
        try:
            results[i] = calls[i]()
        except BaseException as exc:
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    for r in results:
        assert isinstance(r, httpx.Response), r
    return results


def test_64_clients_firing_conflicting_events_have_one_winner_per_version_and_63_conflicts(parties: Parties) -> None:
    flow = parties.flow()
    flow.to_consulting()
    # 32 negotiators of the union and 32 representatives of the employer body: either side may suspend and resume.
    tokens = parties.users("union", "union_negotiator", CLIENTS // 2) + parties.users(
        "employer_body", "enterprise_rep", CLIENTS // 2
    )
    start = flow.refresh()["version"]
    winners = []
    with connections(parties.served.base, CLIENTS) as clients:
        for round_ in range(ROUNDS):
            case = flow.refresh()
            event, data = ("suspend", SUSPEND) if case["state"] == "consulting" else ("resume", {})
            body = {"event": event, "expected_version": case["version"], "data": data}
            calls = [
                (
                    lambda c=c, t=t, body=body: c.post(
                        f"/api/v1/cases/{flow.id}/events", json=body, headers={"Authorization": f"Bearer {t}"}
                    )
                )
                for c, t in zip(clients, tokens, strict=True)
            ]
            responses = race(calls)
            statuses = sorted(r.status_code for r in responses)
            assert statuses == [200] + [409] * (CLIENTS - 1), (round_, statuses)
            assert {r.json()["error"]["code"] for r in responses if r.status_code == 409} == {"version_conflict"}
            won = next(r.json() for r in responses if r.status_code == 200)
            assert won["version"] == case["version"] + 1
            winners.append((won["version"], event))
    after = flow.refresh()
    assert after["version"] == start + ROUNDS and after["state"] == ("suspended" if ROUNDS % 2 else "consulting")
    audit = parties.client.get(f"/api/v1/cases/{flow.id}/audit", headers=parties.h("union")).json()
    assert [(e["seq"], e["event"]) for e in audit[start:]] == winners  # one link per winner, in order, nothing else
    assert [e["seq"] for e in audit] == list(range(1, after["version"] + 1))
    verify = parties.verify_audit()
    assert verify["ok"] is True and verify["events_checked"] == len(audit)


def test_64_clients_sharing_one_idempotency_key_have_one_effect_and_identical_answers(parties: Parties) -> None:
    flow = parties.flow()
    flow.to_consulting()
    before = flow.refresh()
    union = parties.h("union")
    with connections(parties.served.base, CLIENTS) as clients:
        body = {"event": "suspend", "expected_version": before["version"], "data": SUSPEND}
        headers = {**union, "Idempotency-Key": "suspend-once-7f3a"}
        responses = race([lambda c=c: c.post(f"/api/v1/cases/{flow.id}/events", json=body, headers=headers) for c in clients])
        assert {r.status_code for r in responses} == {200}, [r.text for r in responses if r.status_code != 200][:3]
        assert len({r.content for r in responses}) == 1  # byte for byte the same answer
        assert responses[0].json()["version"] == before["version"] + 1

        case_body = parties.case_body(title="同一幂等键创建的案件")
        created = race([
            lambda c=c: c.post("/api/v1/cases", json=case_body, headers={**union, "Idempotency-Key": "open-case-once-91c2"})
            for c in clients
        ])  # fmt: skip
        assert {r.status_code for r in created} == {201}, [r.text for r in created if r.status_code != 201][:3]
        assert len({r.content for r in created}) == 1
    after = flow.refresh()
    assert after["version"] == before["version"] + 1 and after["state"] == "suspended"
    audit = parties.client.get(f"/api/v1/cases/{flow.id}/audit", headers=union).json()
    assert [e["event"] for e in audit].count("suspend") == 1 and len(audit) == after["version"]
    listed = parties.client.get("/api/v1/cases", params={"q": "同一幂等键"}, headers=union).json()["items"]
    assert [c["id"] for c in listed] == [created[0].json()["id"]]  # one case, not 64
    verify = parties.verify_audit()
    assert verify["ok"] is True
