"""On SQLite, work reads outside the writer queue and writes inside it (grouped per worker on an event loop); a write
whose case moved is not made, and the work is redone in the queue (UnitOfWorkFactory.run / run_on_loop)."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from api.deps import actor_for_token
from api.main import create_app
from negotiation.bootstrap import Services
from negotiation.errors import CaseMoved, VersionConflict
from negotiation.model import Meeting
from negotiation.service_layer import handlers, queries
from negotiation.service_layer.access import Actor
from negotiation.service_layer.queries import verify_audit
from negotiation.service_layer.unit_of_work import UnitOfWork, Writing
from tests.conftest import World

SUSPEND = {"reason": "等待测算数据", "resume_on": "2030-01-07"}


def _row(services: Services, case_id: int) -> tuple[int, str, int]:
    with services.engine.connect() as connection:
        found = connection.execute(text("SELECT version, state, audit_seq FROM cases WHERE id = :id"), {"id": case_id}).one()
    return int(found[0]), str(found[1]), int(found[2])


def _links(services: Services, case_id: int) -> int:
    with services.engine.connect() as connection:
        return int(
            connection.execute(text("SELECT count(*) FROM audit_events WHERE case_id = :id"), {"id": case_id}).scalar_one()
        )


@dataclass
class Consulting:
    """A fresh case in consulting, the union's caller, and the case's version and audit head when the test began."""

    case_id: int
    actor: Actor
    version: int
    seq: int


@pytest.fixture
def consulting(services: Services, world: World) -> Consulting:
    case_id = world.consulting_case()
    version, _, seq = _row(services, case_id)
    return Consulting(case_id, actor_for_token(services, world.tokens["union"]), version, seq)


def _archive_alert(services: Services, case_id: int) -> None:
    """What an archive alert writes: one more audit link on the case, its version unchanged."""
    with services.uow() as other:
        moved = other.repo.case(case_id)
        assert moved is not None
        handlers.record_change(other, moved, "system", "archive_integrity_alert", {}, from_state=moved.state, bump=False)
        other.commit()


def _staged_suspend(attempt: UnitOfWork, actor: Actor, case_id: int) -> None:
    """Read the case in an optimistic unit of work and stage a suspension of it (not yet written)."""
    case = handlers.visible_case(attempt, actor, case_id)
    case.state = "suspended"
    handlers.record_change(attempt, case, actor.label, "suspend", SUSPEND, from_state="consulting")


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    """SQLite only: optimistic units of work exist for SQLite's single writer (PostgreSQL locks rows instead)."""
    return f"sqlite:///{tmp_path / 'negotiation.sqlite3'}"


def test_an_event_is_written_by_the_optimistic_unit_of_work_with_its_audit_link(
    services: Services, consulting: Consulting
) -> None:
    case_id, actor, version, seq = consulting.case_id, consulting.actor, consulting.version, consulting.seq

    body = {"event": "suspend", "expected_version": version, "data": SUSPEND}
    tried: list[UnitOfWork] = []

    def work(uow: UnitOfWork) -> dict[str, Any]:
        tried.append(uow)
        return handlers.fire_event(uow, actor=actor, case_id=case_id, body=body)

    result = services.uow.run(work)

    assert len(tried) == 1 and tried[0]._writing is Writing.OPTIMISTIC  # written at the first try, read outside the queue
    assert result["state"] == "suspended" and result["version"] == version + 1
    assert _row(services, case_id) == (version + 1, "suspended", seq + 1)
    assert _links(services, case_id) == seq + 1
    assert verify_audit(services.uow.reading(), actor=None)["ok"] is True


def _other_suspend(services: Services, actor: Actor, case_id: int, version: int) -> None:
    body = {"event": "suspend", "expected_version": version, "data": SUSPEND}
    handlers.fire_event(services.uow(), actor=actor, case_id=case_id, body=body)


@pytest.mark.parametrize(
    ("competing", "final"),
    [
        # another writer's event: the case's version moves
        (_other_suspend, (1, "suspended")),
        # an archive alert: one more audit link, the version stays; the audit head catches it
        (lambda services, actor, case_id, version: _archive_alert(services, case_id), (0, "consulting")),
    ],
    ids=["version-moved", "audit-head-moved"],
)
def test_a_case_changed_between_the_read_and_the_write_raises_case_moved_and_nothing_of_it_is_written(
    services: Services, consulting: Consulting, competing: Any, final: tuple[int, str]
) -> None:
    case_id, actor, version, seq = consulting.case_id, consulting.actor, consulting.version, consulting.seq
    attempt = services.uow(writing=Writing.OPTIMISTIC)

    with pytest.raises(CaseMoved):
        with attempt:
            _staged_suspend(attempt, actor, case_id)
            competing(services, actor, case_id, version)  # after this unit of work read the case, before it writes
            attempt.commit()

    assert _row(services, case_id) == (version + final[0], final[1], seq + 1)  # only the competing change
    assert _links(services, case_id) == seq + 1
    assert verify_audit(services.uow.reading(), actor=None)["ok"] is True


def test_an_optimistic_write_with_a_mapped_object_writes_it_in_the_same_transaction_as_the_case(
    services: Services, consulting: Consulting
) -> None:
    case_id, actor, version, seq = consulting.case_id, consulting.actor, consulting.version, consulting.seq
    meetings_before = len(queries.meetings(services.uow.reading(), actor=actor, case_id=case_id))

    with services.uow(writing=Writing.OPTIMISTIC) as attempt:
        _staged_suspend(attempt, actor, case_id)
        attempt.repo.add(
            Meeting(
                case_id=case_id, held_on=date(2026, 12, 1), location="西安市总工会", chair_side="union",
                recorder="王堃", summary="休会前的最后一次协商", positions=[], created_at="2026-12-01T10:00:00.000+08:00",
            )
        )  # fmt: skip
        attempt.commit()

    assert _row(services, case_id) == (version + 1, "suspended", seq + 1)
    meetings = queries.meetings(services.uow.reading(), actor=actor, case_id=case_id)
    assert len(meetings) == meetings_before + 1 and meetings[-1]["summary"] == "休会前的最后一次协商"


def _meeting(case_id: int, summary: str) -> Meeting:
    return Meeting(
        case_id=case_id, held_on=date(2026, 12, 1), location="西安市总工会", chair_side="worker",
        recorder="王堃", summary=summary, positions=[], created_at="2026-12-01T10:00:00.000+08:00",
    )  # fmt: skip


@pytest.mark.parametrize("competing", [_other_suspend, lambda s, a, c, v: _archive_alert(s, c)], ids=["version", "audit-head"])
def test_an_early_write_after_the_case_moved_raises_case_moved_and_writes_nothing(
    services: Services, consulting: Consulting, competing: Any
) -> None:
    case_id, actor, version = consulting.case_id, consulting.actor, consulting.version
    meetings_before = len(queries.meetings(services.uow.reading(), actor=actor, case_id=case_id))

    with pytest.raises(CaseMoved), services.uow(writing=Writing.OPTIMISTIC) as attempt:
        handlers.visible_case(attempt, actor, case_id)
        competing(services, actor, case_id, version)  # after the read, before the first write
        attempt.repo.add(_meeting(case_id, "不应写入"))
        attempt.repo.flush()  # a write before commit: the write transaction begins here and checks what was read

    assert len(queries.meetings(services.uow.reading(), actor=actor, case_id=case_id)) == meetings_before
    assert verify_audit(services.uow.reading(), actor=None)["ok"] is True


def test_an_early_write_on_an_unmoved_case_goes_on_in_the_write_transaction(services: Services, consulting: Consulting) -> None:
    case_id, actor, version, seq = consulting.case_id, consulting.actor, consulting.version, consulting.seq

    with services.uow(writing=Writing.OPTIMISTIC) as attempt:
        _staged_suspend(attempt, actor, case_id)
        meeting = _meeting(case_id, "先写入纪要再提交")
        attempt.repo.add(meeting)
        attempt.repo.flush()
        assert meeting.id is not None  # the id is there before the commit, as in a queued unit of work
        attempt.commit()

    assert _row(services, case_id) == (version + 1, "suspended", seq + 1)
    summaries = [m["summary"] for m in queries.meetings(services.uow.reading(), actor=actor, case_id=case_id)]
    assert "先写入纪要再提交" in summaries


def _run_raced(services: Services, race: Any, actor: Actor, case_id: int, body: dict[str, Any]) -> tuple[Any, int]:
    """services.uow.run over fire_event, letting another writer run (race()) just before the first try writes;
    the result and how many tries it took."""
    tries: list[UnitOfWork] = []

    def work(uow: UnitOfWork) -> dict[str, Any]:
        tries.append(uow)
        if len(tries) == 1:
            commit = uow.commit

            def raced_commit(response: Any = None) -> None:
                race()
                commit(response)

            uow.commit = raced_commit  # type: ignore[method-assign]
        return handlers.fire_event(uow, actor=actor, case_id=case_id, body=body)

    try:
        return services.uow.run(work), len(tries)
    finally:
        assert len(tries) == 2  # the first try wrote nothing and the work was done again in the writer queue


def test_when_the_case_moves_before_the_write_the_event_is_answered_as_a_serialised_run_would_answer_it(
    services: Services, consulting: Consulting
) -> None:
    case_id, actor, version, seq = consulting.case_id, consulting.actor, consulting.version, consulting.seq
    body = {"event": "suspend", "expected_version": version, "data": SUSPEND}

    def other_writer() -> None:
        handlers.fire_event(services.uow(), actor=actor, case_id=case_id, body=body)

    # Redone in the writer queue, the same request now finds version + 1: a version conflict, nothing written twice.
    with pytest.raises(VersionConflict):
        _run_raced(services, other_writer, actor, case_id, body)
    assert _row(services, case_id) == (version + 1, "suspended", seq + 1)

    # A change that leaves the version alone (an archive alert) makes the redo succeed on the moved audit head.
    resume = {"event": "resume", "expected_version": version + 1, "data": {}}
    result, _ = _run_raced(services, lambda: _archive_alert(services, case_id), actor, case_id, resume)

    assert result["state"] == "consulting" and result["version"] == version + 2
    assert _row(services, case_id) == (version + 2, "consulting", seq + 3)
    assert verify_audit(services.uow.reading(), actor=None)["ok"] is True


# Group commit: requests served together on one worker's event loop ------------------------------------------------


def _asgi_events(services: Services, requests: list[tuple[int, dict[str, Any], dict[str, str]]]) -> list[httpx.Response]:
    """Send the event requests at once to the app on one event loop (as one uvicorn worker serves them)."""
    app = create_app(services, sweeper=False)

    async def send_all() -> list[httpx.Response]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            return list(
                await asyncio.gather(
                    *(client.post(f"/api/v1/cases/{cid}/events", json=body, headers=headers) for cid, body, headers in requests)
                )
            )

    # A thread of its own: the suite's browser tests keep Playwright's event loop running in the main thread.
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(lambda: asyncio.run(send_all())).result()


def test_events_sent_together_are_written_in_fewer_transactions_each_with_its_audit_link(
    services: Services, world: World
) -> None:
    cases = [world.consulting_case() for _ in range(6)]
    before = {cid: _row(services, cid) for cid in cases}
    committer = services.uow.group_commits
    assert committer is not None
    transactions, writes = committer.transactions, committer.writes

    responses = _asgi_events(
        services,
        [(cid, {"event": "suspend", "expected_version": before[cid][0], "data": SUSPEND}, world.h("union")) for cid in cases],
    )

    assert [r.status_code for r in responses] == [200] * 6
    for cid, response in zip(cases, responses, strict=True):
        version, _, seq = before[cid]
        assert response.json()["version"] == version + 1
        assert _row(services, cid) == (version + 1, "suspended", seq + 1)
    assert committer.writes - writes == 6
    assert committer.transactions - transactions < 6  # grouped: fewer transactions than writes
    assert verify_audit(services.uow.reading(), actor=None)["ok"] is True


def test_two_events_on_one_case_in_one_group_one_is_written_and_the_other_redone_gets_a_version_conflict(
    services: Services, world: World
) -> None:
    cid = world.consulting_case()
    version, _, seq = _row(services, cid)
    body = {"event": "suspend", "expected_version": version, "data": SUSPEND}

    responses = _asgi_events(services, [(cid, body, world.h("union")), (cid, body, world.h("union"))])

    assert sorted(r.status_code for r in responses) == [200, 409]
    conflict = next(r for r in responses if r.status_code == 409)
    assert conflict.json()["error"]["code"] == "version_conflict"
    assert _row(services, cid) == (version + 1, "suspended", seq + 1)  # one change, one audit link
    assert _links(services, cid) == seq + 1
    assert verify_audit(services.uow.reading(), actor=None)["ok"] is True


def test_one_idempotency_key_sent_twice_in_one_group_is_written_once_and_replayed(services: Services, world: World) -> None:
    cid = world.consulting_case()
    version, _, seq = _row(services, cid)
    body = {"event": "suspend", "expected_version": version, "data": SUSPEND}
    headers = {**world.h("union"), "Idempotency-Key": "group-commit-1"}

    responses = _asgi_events(services, [(cid, body, headers), (cid, body, headers)])

    assert [r.status_code for r in responses] == [200, 200]
    assert responses[0].json() == responses[1].json()
    assert [r.headers.get("Idempotent-Replayed") for r in responses].count("true") == 1
    assert _row(services, cid) == (version + 1, "suspended", seq + 1)


def test_a_grouped_write_alone_in_its_group_whose_case_moved_is_not_written(services: Services, consulting: Consulting) -> None:
    case_id, actor, version, seq = consulting.case_id, consulting.actor, consulting.version, consulting.seq
    committer = services.uow.group_commits
    assert committer is not None

    async def stage_then_commit() -> None:
        with services.uow(writing=Writing.GROUPED) as attempt:
            _staged_suspend(attempt, actor, case_id)
            attempt.commit()  # staged, not written
        assert attempt.staged is not None and _row(services, case_id) == (version, "consulting", seq)
        _archive_alert(services, case_id)  # the audit head moves before the group transaction
        await committer.submit(*attempt.staged)

    with pytest.raises(CaseMoved), ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(lambda: asyncio.run(stage_then_commit())).result()

    assert _row(services, case_id) == (version, "consulting", seq + 1)  # the alert only
    assert verify_audit(services.uow.reading(), actor=None)["ok"] is True


def _on_a_loop(work: Any) -> Any:
    """Run a coroutine function on a fresh event loop in a thread of its own (as a served worker runs its loop)."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(lambda: asyncio.run(work())).result()


def test_an_event_loop_keeps_one_connection_for_its_reads_events_and_group_commits(services: Services, world: World) -> None:
    cases = [world.consulting_case() for _ in range(4)]
    before = {cid: _row(services, cid) for cid in cases}
    pool = services.engine.pool
    app = create_app(services, sweeper=False)
    checked_out: list[int] = []

    async def send() -> list[httpx.Response]:
        transport = httpx.ASGITransport(app=app)
        answers = []
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            for cid in cases:  # one at a time: each event is read, checked and written on the loop's one connection
                body = {"event": "suspend", "expected_version": before[cid][0], "data": SUSPEND}
                answers.append(await client.post(f"/api/v1/cases/{cid}/events", json=body, headers=world.h("union")))
                checked_out.append(pool.checkedout())  # type: ignore[attr-defined]
        return answers

    responses = _on_a_loop(send)

    assert [r.status_code for r in responses] == [200] * 4
    for cid in cases:
        version, _, seq = before[cid]
        assert _row(services, cid) == (version + 1, "suspended", seq + 1)
    # the token read, the case read and the group commit all used the loop's kept connection: no more connections
    # are out of the pool after four events than after one
    assert checked_out == [checked_out[0]] * 4

    async def read() -> None:
        with services.uow.reading_on_loop() as uow:
            uow.repo.case(cases[0])

    _on_a_loop(read)  # a later loop keeps one of its own; the closed loop's went back to the pool
    assert pool.checkedout() == checked_out[0]  # type: ignore[attr-defined]


def test_work_nested_in_work_on_the_loop_uses_a_connection_of_its_own_and_the_kept_one_stays_read_only(
    services: Services, consulting: Consulting
) -> None:
    case_id, actor = consulting.case_id, consulting.actor

    async def nested() -> tuple[Any, Any, bool, Any]:
        with services.uow.reading_on_loop() as outer:
            with services.uow.reading_on_loop() as inner:
                assert inner.connection is not outer.connection  # the kept one is taken: the pool's
            kept = outer.connection
        # an optimistic write that stages a mapped object escalates the kept connection to a write transaction...
        with services.uow(writing=Writing.GROUPED, on_loop=True) as attempt:
            assert attempt.connection is kept
            handlers.visible_case(attempt, actor, case_id)
            attempt.repo.add(_meeting(case_id, "在事件循环上记下的一次协商"))
            attempt.commit()
        # ...and is given back read-only: the loop's next read begins a plain BEGIN, holding no write lock
        with services.uow.reading_on_loop() as after:
            assert after.connection is kept
            after.repo.case(case_id)
            read_only = bool(after.connection.get_execution_options().get("read_only"))
            with services.uow() as writer:  # a writer of another connection is not kept waiting by that read
                writer.repo.case(case_id)
        return kept, after.connection, read_only, writer

    kept, again, read_only, _ = _on_a_loop(nested)
    assert kept is again and read_only
    meetings = queries.meetings(services.uow.reading(), actor=actor, case_id=case_id)
    assert meetings[-1]["summary"] == "在事件循环上记下的一次协商"  # the escalated write was committed


def test_a_read_of_one_statement_on_the_loop_opens_no_transaction_and_cannot_write(
    services: Services, consulting: Consulting, world: World
) -> None:
    with services.uow.reading_on_loop() as uow:
        assert uow.repo.enabled_user_for_token(handlers.hash_token(world.tokens["union"])) is not None
        assert not uow.repo._driver.in_transaction  # the statement was its own snapshot
        uow.repo.add(_meeting(consulting.case_id, "不应写入"))
        with pytest.raises(TypeError, match="does not write"):
            uow.repo.flush()
    assert all(
        m["summary"] != "不应写入"
        for m in queries.meetings(services.uow.reading(), actor=consulting.actor, case_id=consulting.case_id)
    )
