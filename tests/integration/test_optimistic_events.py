"""Events read outside the SQLite writer queue and write inside it; a case that moved in between is redone in the queue."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from api.deps import actor_for_token
from negotiation.bootstrap import Services
from negotiation.errors import VersionConflict
from negotiation.service_layer import handlers
from negotiation.service_layer.queries import verify_audit
from negotiation.service_layer.unit_of_work import StaleRead, UnitOfWork
from tests.conftest import World
from tests.flows import Flow

SUSPEND = {"reason": "等待测算数据", "resume_on": "2030-01-07"}


def _consulting_case(world: World) -> int:
    flow = Flow(world.client, {k: world.h(k) for k in world.tokens}, world.case_body())
    flow.to_consulting()
    return int(flow.id)


def _row(services: Services, case_id: int) -> tuple[int, str, int]:
    with services.engine.connect() as connection:
        found = connection.execute(text("SELECT version, state, audit_seq FROM cases WHERE id = :id"), {"id": case_id}).one()
    return int(found[0]), str(found[1]), int(found[2])


def _links(services: Services, case_id: int) -> int:
    with services.engine.connect() as connection:
        return int(
            connection.execute(text("SELECT count(*) FROM audit_events WHERE case_id = :id"), {"id": case_id}).scalar_one()
        )


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    """SQLite only: optimistic units of work exist for SQLite's single writer (PostgreSQL locks rows instead)."""
    return f"sqlite:///{tmp_path / 'negotiation.sqlite3'}"


def test_an_event_is_written_by_the_optimistic_unit_of_work_with_its_audit_link(services: Services, world: World) -> None:
    case_id = _consulting_case(world)
    actor = actor_for_token(services, world.tokens["union"])
    version, _, seq = _row(services, case_id)

    result = handlers.fire_event(
        services.uow(), actor=actor, case_id=case_id, body={"event": "suspend", "expected_version": version, "data": SUSPEND}
    )

    assert services.uow().can_be_optimistic
    assert result["state"] == "suspended" and result["version"] == version + 1
    assert _row(services, case_id) == (version + 1, "suspended", seq + 1)
    assert _links(services, case_id) == seq + 1
    assert verify_audit(services.uow.reading(), actor=None)["ok"] is True


def test_a_case_changed_between_the_read_and_the_write_raises_stale_read_and_nothing_is_written(
    services: Services, world: World
) -> None:
    case_id = _consulting_case(world)
    actor = actor_for_token(services, world.tokens["union"])
    version, _, seq = _row(services, case_id)
    attempt = services.uow().optimistic()

    with pytest.raises(StaleRead):
        with attempt:
            case = handlers.visible_case(attempt, actor, case_id)
            case.state = "suspended"
            handlers.record_change(attempt, case, actor.label, "suspend", SUSPEND, from_state="consulting")
            # Another writer moves the case after this unit of work read it and before it writes.
            handlers.fire_event(
                services.uow(), actor=actor, case_id=case_id,
                body={"event": "suspend", "expected_version": version, "data": SUSPEND},
            )  # fmt: skip
            attempt.commit()

    assert _row(services, case_id) == (version + 1, "suspended", seq + 1)  # only the other writer's change
    assert _links(services, case_id) == seq + 1
    assert verify_audit(services.uow.reading(), actor=None)["ok"] is True


def test_a_change_that_bumps_no_version_between_read_and_write_is_caught_by_the_audit_head(
    services: Services, world: World
) -> None:
    case_id = _consulting_case(world)
    actor = actor_for_token(services, world.tokens["union"])
    version, _, seq = _row(services, case_id)
    attempt = services.uow().optimistic()

    with pytest.raises(StaleRead):
        with attempt:
            case = handlers.visible_case(attempt, actor, case_id)
            handlers.record_change(attempt, case, actor.label, "suspend", SUSPEND, from_state="consulting")
            with services.uow() as other:  # an archive alert: one more audit link, same version
                moved = other.repo.case(case_id)
                assert moved is not None
                handlers.record_change(other, moved, "system", "archive_integrity_alert", {}, from_state=moved.state, bump=False)
                other.commit()
            attempt.commit()

    assert _row(services, case_id) == (version, "consulting", seq + 1)
    assert verify_audit(services.uow.reading(), actor=None)["ok"] is True


class _RacedUnitOfWork(UnitOfWork):
    """An optimistic unit of work whose commit is preceded by another writer's event on the same case."""

    race: Any = None

    def commit(self, response: Any = None) -> None:
        if self.race is not None:
            race, self.race = self.race, None
            race()
        super().commit(response)


def _raced(services: Services, race: Any) -> UnitOfWork:
    uow = services.uow()

    def optimistic() -> UnitOfWork:
        sibling = _RacedUnitOfWork(
            uow._engine, uow._statements, uow.idempotency, reader=uow._reader, archive_dir=uow.archive_dir,
            lock=uow._lock, optimistic=True,
        )  # fmt: skip
        sibling.race = race
        return sibling

    uow.optimistic = optimistic  # type: ignore[method-assign]
    return uow


def test_when_the_case_moves_before_the_write_the_event_is_answered_as_a_serialised_run_would_answer_it(
    services: Services, world: World
) -> None:
    case_id = _consulting_case(world)
    actor = actor_for_token(services, world.tokens["union"])
    version, _, seq = _row(services, case_id)
    body = {"event": "suspend", "expected_version": version, "data": SUSPEND}

    def other_writer() -> None:
        handlers.fire_event(services.uow(), actor=actor, case_id=case_id, body=body)

    # Redone in the writer queue, the same request now finds version + 1: a version conflict, nothing written twice.
    with pytest.raises(VersionConflict):
        handlers.fire_event(_raced(services, other_writer), actor=actor, case_id=case_id, body=body)
    assert _row(services, case_id) == (version + 1, "suspended", seq + 1)

    # A change that leaves the version alone (an archive alert) makes the redo succeed on the moved audit head.
    def alert() -> None:
        with services.uow() as other:
            moved = other.repo.case(case_id)
            assert moved is not None
            handlers.record_change(other, moved, "system", "archive_integrity_alert", {}, from_state=moved.state, bump=False)
            other.commit()

    resume = {"event": "resume", "expected_version": version + 1, "data": {}}
    result = handlers.fire_event(_raced(services, alert), actor=actor, case_id=case_id, body=resume)

    assert result["state"] == "consulting" and result["version"] == version + 2
    assert _row(services, case_id) == (version + 2, "consulting", seq + 3)
    assert verify_audit(services.uow.reading(), actor=None)["ok"] is True
