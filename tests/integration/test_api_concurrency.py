"""Two callers racing on one case: exactly one change wins, the other gets 409, never a 5xx (SQLite file and PostgreSQL)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from httpx import Response

from tests.conftest import World
from tests.flows import TERMS, Flow
from tests.integration.support import new_flow

ROUNDS = 6


def _race(calls: list[Callable[[], Response]]) -> list[Response]:
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def run(i: int) -> None:
        barrier.wait()
        try:
            results[i] = calls[i]()
        except BaseException as exc:  # a crash in a thread must fail the test, not vanish
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    for r in results:
        assert isinstance(r, Response), r
    return results


def _fire(
    world: World, flow: Flow, who: str, event: str, version: int, data: dict[str, Any], key: str | None = None
) -> Callable[[], Response]:
    headers = {**world.h(who), **({"Idempotency-Key": key} if key else {})}
    body = {"event": event, "expected_version": version, "data": data}
    return lambda: world.client.post(f"/api/v1/cases/{flow.id}/events", json=body, headers=headers)


SUSPEND = {"reason": "等待行业数据", "resume_on": "2026-12-15"}


def test_two_events_with_the_same_expected_version_one_wins_one_conflicts(world: World) -> None:
    flow = new_flow(world)
    flow.to_consulting()
    for _ in range(ROUNDS):
        version = flow.refresh()["version"]
        responses = _race([_fire(world, flow, "union", "suspend", version, SUSPEND),
                           _fire(world, flow, "employer_body", "suspend", version, SUSPEND)])  # fmt: skip
        assert sorted(r.status_code for r in responses) == [200, 409], [r.text for r in responses]
        loser = next(r for r in responses if r.status_code == 409)
        assert loser.json()["error"]["code"] == "version_conflict"
        case = flow.refresh()
        assert case["state"] == "suspended" and case["version"] == version + 1
        flow.event("union", "resume")
    audit = world.client.get(f"/api/v1/cases/{flow.id}/audit", headers=world.h("union")).json()
    assert [e["event"] for e in audit].count("suspend") == ROUNDS
    assert world.client.get("/api/v1/audit/verify", headers=world.h("admin")).json()["ok"] is True


def test_racing_drafts_and_events_never_lose_an_audit_link(world: World) -> None:
    flow = new_flow(world)
    flow.to_consulting()
    version = flow.refresh()["version"]
    draft = {"term_start": "2027-01-01", "term_end": "2028-12-31", "expected_version": version, "terms": TERMS}
    responses = _race([
        lambda: world.client.post(f"/api/v1/cases/{flow.id}/drafts", json=draft, headers=world.h("union")),
        _fire(world, flow, "employer_body", "suspend", version, SUSPEND),
    ])  # fmt: skip
    assert sorted(r.status_code for r in responses) in ([201, 409], [200, 409]), [r.text for r in responses]
    case = flow.refresh()
    assert case["version"] == version + 1
    audit = world.client.get(f"/api/v1/cases/{flow.id}/audit", headers=world.h("union")).json()
    assert len(audit) == case["version"]
    assert world.client.get("/api/v1/audit/verify", headers=world.h("admin")).json()["ok"] is True


def test_a_concurrent_request_with_the_same_idempotency_key_gets_the_first_response(world: World) -> None:
    flow = new_flow(world)
    flow.to_consulting()
    for round_ in range(ROUNDS):
        version = flow.refresh()["version"]
        call = _fire(world, flow, "union", "suspend", version, SUSPEND, key=f"race-{round_}")
        responses = _race([call, call])
        assert [r.status_code for r in responses] == [200, 200], [r.text for r in responses]
        assert responses[0].json() == responses[1].json()
        assert flow.refresh()["version"] == version + 1
        flow.event("union", "resume")
