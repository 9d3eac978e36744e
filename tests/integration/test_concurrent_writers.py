"""Concurrent writers: one event per version wins, the others get a version conflict; writers queue, never fail."""

from __future__ import annotations

import threading
from typing import Any

from sqlalchemy import text

from api.deps import actor_for_token
from negotiation.bootstrap import Services, bootstrap
from negotiation.errors import VersionConflict
from negotiation.service_layer import handlers
from negotiation.service_layer.queries import verify_audit
from tests.conftest import World

SUSPEND = {"reason": "等待测算数据", "resume_on": "2030-01-07"}


def _version(services: Services, case_id: int) -> int:
    with services.engine.connect() as connection:
        return int(connection.execute(text("SELECT version FROM cases WHERE id = :id"), {"id": case_id}).scalar_one())


def _run_together(jobs: list[Any]) -> list[BaseException | None]:
    barrier = threading.Barrier(len(jobs))
    outcomes: list[BaseException | None] = [None] * len(jobs)

    def run(i: int) -> None:
        barrier.wait()
        try:
            jobs[i]()
        except BaseException as exc:  # collected and asserted by the caller
            outcomes[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(jobs))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return outcomes


def test_the_same_event_sent_eight_times_at_once_with_one_version_succeeds_once_and_conflicts_seven_times(
    services: Services, world: World
) -> None:
    case_id = world.consulting_case()
    actor = actor_for_token(services, world.tokens["union"])
    version = _version(services, case_id)
    body = {"event": "suspend", "expected_version": version, "data": SUSPEND}

    outcomes = _run_together(
        [lambda: handlers.fire_event(services.uow(), actor=actor, case_id=case_id, body=body) for _ in range(8)]
    )

    assert sum(o is None for o in outcomes) == 1, outcomes
    assert all(isinstance(o, VersionConflict) for o in outcomes if o is not None), outcomes
    assert _version(services, case_id) == version + 1
    assert verify_audit(services.uow.reading(), actor=None)["ok"]


def test_writers_of_two_processes_on_one_database_queue_for_the_write_lock_and_none_fails(
    services: Services, world: World
) -> None:
    # A second engine on the same database stands for a second `serve` worker process.
    other = bootstrap(services.settings, migrate=False)
    try:
        cases = [world.consulting_case() for _ in range(6)]
        start = {c: _version(services, c) for c in cases}
        rounds = 12

        def alternate(svc: Services, case_id: int) -> None:
            actor = actor_for_token(svc, world.tokens["union"])
            version = start[case_id]
            for i in range(rounds):
                event, data = ("suspend", SUSPEND) if i % 2 == 0 else ("resume", {})
                body = {"event": event, "expected_version": version, "data": data}
                version = handlers.fire_event(svc.uow(), actor=actor, case_id=case_id, body=body)["version"]

        outcomes = _run_together(
            [lambda s=svc, c=c: alternate(s, c) for c, svc in zip(cases, [services, other] * 3, strict=True)]
        )

        assert outcomes == [None] * len(cases)
        assert {c: _version(services, c) for c in cases} == {c: start[c] + rounds for c in cases}
        assert verify_audit(services.uow.reading(), actor=None)["ok"]
    finally:
        other.engine.dispose()
