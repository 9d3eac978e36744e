"""Webhooks against a real local receiver: signed deliveries of exactly the bytes sent, retried 10 s then 20 s later,
redirects never followed, nothing for a case the subscriber may not see, the allow-list at subscription and at
delivery, the outbox written in the transaction of its change (and rolled back with it), on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from negotiation.bootstrap import Services
from negotiation.errors import CaseMoved, VersionConflict
from negotiation.service_layer import webhooks
from negotiation.service_layer.access import Actor
from negotiation.service_layer.handlers import record_change
from negotiation.service_layer.unit_of_work import UnitOfWork, Writing
from negotiation.service_layer.webhook_delivery import deliver_pass
from negotiation.service_layer.webhooks import webhook_policy
from tests.conftest import World
from tests.integration.support import stored_tables
from tests.integration.webhook_support import (
    SECRET,
    allowing_services,
    audit_seqs,
    deliver,
    deliveries,
    new_flow,
    outbox,
    subscribe,
)  # fmt: skip
from tests.webhook_receiver import Receiver

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def services(database_url: str, tmp_path: Path) -> Iterator[Services]:
    yield from allowing_services(database_url, tmp_path)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with Receiver() as running:
        yield running


def test_a_delivery_failing_twice_arrives_signed_after_retries_and_its_three_attempts_are_listed(
    world: World, services: Services, receiver: Receiver
) -> None:
    hook = subscribe(world, "union", receiver.url("/flaky"), ["case.event"])
    assert set(hook) == {"id", "url", "events", "created_at"}  # never the secret
    receiver.answer("/flaky", 500, 503)
    flow = new_flow(world)
    t0 = time.time()

    assert deliver(services, t0)["failed"] == 1
    assert [r.headers["x-negotiation-event"] for r in receiver.at("/flaky")] == ["case.event"]
    [pending] = deliveries(world, "union", hook["id"])
    assert (pending["status"], pending["attempts"], pending["http_status"]) == ("pending", 1, 500)
    assert "HTTP 500" in pending["error"] and pending["next_attempt_at"] is not None

    assert deliver(services, t0 + 9.9)["attempted"] == 0  # the retry is due 10 s after the failed attempt
    assert deliver(services, t0 + 10)["failed"] == 1
    assert deliver(services, t0 + 29.9)["attempted"] == 0  # then 20 s later
    assert deliver(services, t0 + 30)["delivered"] == 1
    assert deliver(services, t0 + 1000)["attempted"] == 0  # delivered: never sent again

    arrived = receiver.at("/flaky")
    assert len(arrived) == 3 and len({r.body for r in arrived}) == 1  # the same bytes each time
    for r in arrived:
        assert r.signed_with(SECRET) and not r.signed_with(SECRET + "x")
        assert r.headers["content-type"] == "application/json"
    body = arrived[-1].json()
    assert set(body) == {"id", "type", "at", "case_id", "data"}
    assert (body["type"], body["case_id"], body["data"]["event"], body["data"]["seq"]) == (
        "case.event",
        flow.id,
        "create_case",
        1,
    )
    assert body["data"]["label"] == "创建案件" and body["data"]["state"] == "drafting"
    assert arrived[-1].headers["x-negotiation-delivery"] == body["id"]

    [done] = deliveries(world, "union", hook["id"])
    assert done["id"] == body["id"] and done["type"] == "case.event" and done["case_id"] == flow.id
    assert (done["status"], done["attempts"], done["http_status"], done["error"], done["next_attempt_at"]) == (
        "delivered",
        3,
        200,
        None,
        None,
    )
    assert [(a["attempt"], a["http_status"]) for a in done["history"]] == [(1, 500), (2, 503), (3, 200)]
    assert done["delivered_at"] is not None


def test_a_redirect_is_a_failed_attempt_and_is_never_followed(world: World, services: Services, receiver: Receiver) -> None:
    hook = subscribe(world, "union", receiver.url("/moved"), ["case.event"])
    receiver.answer("/moved", 302, 301)
    new_flow(world)
    t0 = time.time()
    assert deliver(services, t0)["failed"] == 1
    assert deliver(services, t0 + 10)["failed"] == 1
    assert len(receiver.at("/moved")) == 2 and receiver.at("/target") == []  # the Location was never visited
    [delivery] = deliveries(world, "union", hook["id"])
    assert (delivery["status"], delivery["attempts"], delivery["http_status"]) == ("pending", 2, 301)
    assert "重定向" in delivery["error"]


def test_a_subscriber_gets_only_what_it_may_see(world: World, services: Services, receiver: Receiver) -> None:
    for who in ("union", "ent1", "admin", "other_union", "outsider", "other_bureau"):
        subscribe(world, who, receiver.url(f"/{who}"), ["case.event", "deadline.opened", "document.created"])
    flow = new_flow(world)
    flow.representatives()
    flow.event("union", "propose", {"served_on": "2026-11-02", "demands": "提高计件单价"})  # a deadline and a document
    deliver(services, time.time())

    for who in ("other_union", "outsider", "other_bureau"):  # not parties of the case
        assert receiver.at(f"/{who}") == [], who
    for who in ("union", "ent1", "admin"):  # the case's union, a covered enterprise, an admin
        got = {(r.json()["type"], r.json()["data"].get("event")) for r in receiver.at(f"/{who}")}
        assert {("case.event", "create_case"), ("case.event", "set_representatives"), ("case.event", "propose"),
                ("deadline.opened", None), ("document.created", None)} == got, who  # fmt: skip
        assert all(r.signed_with(SECRET) and r.json()["case_id"] == flow.id for r in receiver.at(f"/{who}"))
    by_type = {r.json()["type"]: r.json() for r in receiver.at("/union")}
    deadline = by_type["deadline.opened"]["data"]["deadline"]
    assert deadline["id"] is not None and (deadline["kind"], deadline["rule"], deadline["status"]) == ("reply", "R6", "open")
    assert deadline["due_on"] == flow.refresh()["deadlines"][0]["due_on"]
    assert by_type["document.created"]["data"]["document"]["kind"] == "proposal"


def test_only_the_event_types_subscribed_to_are_sent(world: World, services: Services, receiver: Receiver) -> None:
    subscribe(world, "union", receiver.url("/docs"), ["document.created"])
    flow = new_flow(world)
    flow.representatives()
    flow.event("union", "propose", {"served_on": "2026-11-02", "demands": "提高计件单价"})
    deliver(services, time.time())
    assert [r.json()["type"] for r in receiver.at("/docs")] == ["document.created"]


def test_a_subscription_receives_no_change_made_before_it(world: World, services: Services, receiver: Receiver) -> None:
    new_flow(world)
    subscribe(world, "union", receiver.url("/late"), ["case.event"])
    assert deliver(services, time.time())["fanned_out"] == 0
    assert receiver.at("/late") == [] and outbox(services) == []  # fanned out (to no one) and gone


@pytest.mark.parametrize(
    "url",
    ["http://hooks.example.org/in", "http://127.0.0.2/in", "https://127.0.0.2/in", "https://[::1]/in", "https://10.1.2.3/in", "https://localhost:8443/in",
     "ftp://127.0.0.1/in", "https:///in", "https://user:pw@hooks.example.org/in", "http://127.0.0.1:99999/in",
     # the older forms of IPv4 a resolver reads (127.0.0.2 each), a trailing dot, spaces and control characters
     "https://127.0.2/in", "https://2130706434/in", "https://0x7f000002/in", "https://0177.0.0.2/in", "https://10.1/in",
     "https://localhost./in", " https://hooks.example.org/in", "https://hooks .example.org/in",
     "https://hooks.example.org/\u0000in", "https://hooks.example.org/in\n"],
)  # fmt: skip
def test_a_url_outside_the_allow_list_is_422_on_url_in_chinese(world: World, url: str) -> None:
    r = world.client.post(
        "/api/v1/webhooks", json={"url": url, "events": ["case.event"], "secret": SECRET}, headers=world.h("union")
    )
    assert r.status_code == 422, r.text
    error = r.json()["error"]
    assert error["code"] == "validation_error" and [v["path"] for v in error["violations"]] == ["url"]
    assert "网址" in error["message"] or "主机" in error["message"]
    assert world.client.get("/api/v1/webhooks", headers=world.h("union")).json() == []


def test_a_subscription_to_an_https_host_is_taken_and_its_secret_is_stored_sealed(world: World, services: Services) -> None:
    hook = subscribe(world, "union", "https://hooks.example.org/negotiation", ["deadline.due_soon", "case.event"])
    assert hook["url"] == "https://hooks.example.org/negotiation" and hook["events"] == ["deadline.due_soon", "case.event"]
    assert world.client.get("/api/v1/webhooks", headers=world.h("union")).json() == [hook]
    assert world.client.get("/api/v1/webhooks", headers=world.h("ent1")).json() == []  # each user sees only their own
    stored = []
    with services.engine.connect() as connection:
        for table in stored_tables(connection):
            for row in connection.execute(text(f'SELECT * FROM "{table}"')):
                stored.extend(str(value) for value in row)
    assert not any(SECRET in value for value in stored)  # not in plaintext anywhere at rest
    assert any(value.startswith("v1:") for value in stored)


@pytest.mark.parametrize(
    ("body", "path"),
    [({"url": "https://a.example.org/", "events": ["case.created"], "secret": SECRET}, "events[0]"),
     ({"url": "https://a.example.org/", "events": [], "secret": SECRET}, "events"),
     ({"url": "https://a.example.org/", "events": ["case.event", "case.event"], "secret": SECRET}, "events"),
     ({"url": "https://a.example.org/", "events": ["case.event"], "secret": "short"}, "secret"),
     ({"url": "https://a.example.org/", "events": ["case.event"]}, "secret")],
)  # fmt: skip
def test_bad_events_or_secret_are_422_naming_the_field(world: World, body: dict[str, Any], path: str) -> None:
    r = world.client.post("/api/v1/webhooks", json=body, headers=world.h("union"))
    assert r.status_code == 422 and r.json()["error"]["violations"][0]["path"] == path, r.text


def test_a_subscription_is_deleted_by_its_owner_only_and_then_receives_nothing(
    world: World, services: Services, receiver: Receiver
) -> None:
    hook = subscribe(world, "union", receiver.url("/gone"), ["case.event"])
    assert world.client.delete(f"/api/v1/webhooks/{hook['id']}", headers=world.h("ent1")).status_code == 404
    assert world.client.get(f"/api/v1/webhooks/{hook['id']}/deliveries", headers=world.h("ent1")).status_code == 404
    new_flow(world)
    r = world.client.delete(f"/api/v1/webhooks/{hook['id']}", headers=world.h("union"))
    assert r.status_code == 200 and r.json() == {"id": hook["id"], "deleted": True}
    assert world.client.get(f"/api/v1/webhooks/{hook['id']}/deliveries", headers=world.h("union")).status_code == 404
    deliver(services, time.time())
    assert receiver.at("/gone") == []


def test_an_http_host_taken_off_the_allow_list_is_not_sent_to(
    world: World, services: Services, receiver: Receiver, tmp_path: Path
) -> None:
    hook = subscribe(world, "union", receiver.url("/listed"), ["case.event"])
    new_flow(world)
    narrowed = services.settings.model_copy(update={"webhook_allow_hosts": "hooks.internal"})
    report = deliver_pass(services.uow, webhook_policy(narrowed), clock=time.time)
    assert report.failed == 1 and receiver.at("/listed") == []  # checked again at delivery: nothing sent
    [delivery] = deliveries(world, "union", hook["id"])
    assert (
        delivery["http_status"] is None
        and "未发送" in delivery["error"]
        and "NEGOTIATION_WEBHOOK_ALLOW_HOSTS" in delivery["error"]
    )


def test_with_no_subscription_a_change_writes_no_outbox_row_and_a_later_subscription_gets_only_later_changes(
    world: World, services: Services, receiver: Receiver
) -> None:
    flow = new_flow(world)
    flow.representatives()
    assert outbox(services) == [] and audit_seqs(services, flow.id) == [1, 2]  # no one could receive them
    hook = subscribe(world, "union", receiver.url("/later"), ["case.event"])
    flow.to_consulting()
    later = audit_seqs(services, flow.id)[2:]
    rows = outbox(services)  # the case events, their deadlines and documents: all of changes after the subscription
    assert later and [d["seq"] for t, _, d in rows if t == "case.event"] == later
    assert {t for t, _, _ in rows} == {"case.event", "deadline.opened", "document.created"}
    assert deliver(services, time.time())["delivered"] == len(later)
    assert sorted(json.loads(r.body)["data"]["seq"] for r in receiver.at("/later")) == later
    assert {d["status"] for d in deliveries(world, "union", hook["id"])} == {"delivered"}


def test_every_outbox_row_has_its_audited_change_and_a_rejected_event_leaves_none(
    world: World, services: Services, receiver: Receiver
) -> None:
    subscribe(world, "union", receiver.url("/any"), ["case.event"])
    flow = new_flow(world)
    flow.representatives()
    before = outbox(services)
    assert [(t, d["seq"]) for t, _, d in before] == [("case.event", 1), ("case.event", 2)] and audit_seqs(services, flow.id) == [
        1,
        2,
    ]
    r = world.client.post(
        f"/api/v1/cases/{flow.id}/events",
        json={
            "event": "accept",
            "expected_version": flow.refresh()["version"],
            "data": {"received_on": "2026-11-05", "reply": "同意"},
        },
        headers=world.h("employer_body"),
    )  # refused: the case is still in drafting
    assert r.status_code == 409
    assert outbox(services) == before


def _change(uow: UnitOfWork, case_id: int, note: str) -> None:
    case = uow.repo.case(case_id)
    assert case is not None
    record_change(uow, case, "test", "comment", {"note": note}, from_state=case.state)


def test_a_change_that_loses_its_race_rolls_back_with_its_outbox_rows(
    world: World, services: Services, receiver: Receiver
) -> None:
    subscribe(world, "union", receiver.url("/any"), ["case.event"])
    flow = new_flow(world)
    loser = services.uow(writing=Writing.OPTIMISTIC)
    with loser:
        _change(loser, flow.id, "loser")  # staged: an audit link and its case.event
        winner = services.uow(writing=Writing.OPTIMISTIC)
        with winner:
            _change(winner, flow.id, "winner")
            winner.commit()
        with pytest.raises((CaseMoved, VersionConflict)):
            loser.commit()
    assert audit_seqs(services, flow.id) == [1, 2]
    assert [(t, d["seq"], d["event"]) for t, _, d in outbox(services)] == [
        ("case.event", 1, "create_case"),
        ("case.event", 2, "comment"),
    ]


def test_grouped_writes_carry_their_outbox_rows_and_a_write_redone_leaves_no_row_of_its_first_try(
    world: World, services: Services, receiver: Receiver
) -> None:
    """On SQLite both changes join one group commit; the second finds the case moved in its savepoint and is done
    again. On PostgreSQL the loser of the race is refused. Either way: one outbox row per audit link, no other."""
    subscribe(world, "union", receiver.url("/any"), ["case.event"])
    flow = new_flow(world)

    def work(note: str) -> Any:
        def run(uow: UnitOfWork) -> None:
            with uow:
                _change(uow, flow.id, note)
                uow.commit()

        return run

    async def both() -> list[Any]:
        return await asyncio.gather(
            services.uow.run_on_loop(work("a")), services.uow.run_on_loop(work("b")), return_exceptions=True
        )

    committer = services.uow.group_commits
    with ThreadPoolExecutor(max_workers=1) as pool:  # a loop of its own, whatever runs in this thread
        outcomes = pool.submit(asyncio.run, both()).result()
    assert all(o is None or isinstance(o, VersionConflict) for o in outcomes), outcomes
    if committer is not None:  # SQLite: both went into one group transaction, and the second was done again alone
        assert (committer.transactions, committer.writes, outcomes) == (1, 2, [None, None])
    seqs = audit_seqs(services, flow.id)
    assert len(seqs) == 1 + sum(o is None for o in outcomes)
    assert sorted(d["seq"] for t, _, d in outbox(services)) == seqs  # one row per link, none of an undone write


def test_the_cli_runs_one_delivery_pass_with_the_servers_key(world: World, services: Services, receiver: Receiver) -> None:
    subscribe(world, "union", receiver.url("/cli"), ["case.event"])
    flow = new_flow(world)
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEGOTIATION_")}
    env.update(
        NEGOTIATION_DATABASE_URL=services.settings.database_url, NEGOTIATION_ARCHIVE_DIR=str(services.settings.archive_dir),
        NEGOTIATION_WEBHOOK_ALLOW_HOSTS="127.0.0.1", NEGOTIATION_TEST_CLOCK="1",
    )  # fmt: skip
    done = subprocess.run(
        [sys.executable, "-m", "negotiation.cli", "webhooks", "deliver"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {"fanned_out": 1, "attempted": 1, "delivered": 1, "failed": 0, "given_up": 0}
    [got] = receiver.at("/cli")
    assert got.signed_with(SECRET) and got.json()["case_id"] == flow.id  # the secret unsealed by another process


def test_a_disabled_subscriber_gets_nothing_more(world: World, services: Services, receiver: Receiver) -> None:
    hook = subscribe(world, "ent1", receiver.url("/disabled"), ["case.event"])
    receiver.answer("/disabled", 500)
    new_flow(world)
    t0 = time.time()
    assert deliver(services, t0)["failed"] == 1  # one attempt while the user was enabled
    r = world.client.post(f"/api/v1/users/{_actor(services, 'ent1').user_id}/disable", headers=world.h("admin"))
    assert r.status_code == 200, r.text
    new_flow(world)  # a change after the disabling: not fanned out to it
    assert deliver(services, t0 + 10)["given_up"] == 1  # the pending retry is given up, not sent
    assert len(receiver.at("/disabled")) == 1
    with services.uow.reading() as uow:
        [delivery] = uow.repo.webhooks.deliveries(hook["id"], 10)
    assert (delivery.status, delivery.attempts) == ("failed", 2) and "停用" in (delivery.error or "")


def test_a_secret_sealed_under_a_key_being_rotated_out_still_signs_and_is_sealed_anew(
    world: World, services: Services, receiver: Receiver
) -> None:
    old_key, new_key = "k" * 40, "n" * 40
    before = services.settings.model_copy(update={"session_secret": old_key})
    hook = webhooks.create_subscription(
        services.uow(), actor=_actor(services, "union"), policy=webhook_policy(before),
        body={"url": receiver.url("/rotated"), "events": ["case.event"], "secret": SECRET},
    )  # fmt: skip
    new_flow(world)
    rotating = services.settings.model_copy(update={"session_secret": new_key, "session_previous_secrets": old_key})
    assert deliver_pass(services.uow, webhook_policy(rotating)).delivered == 1
    [got] = receiver.at("/rotated")
    assert got.signed_with(SECRET)
    with services.uow.reading() as uow:
        sealed = uow.repo.webhooks.subscription(hook["id"]).secret_sealed  # type: ignore[union-attr]
    after = services.settings.model_copy(update={"session_secret": new_key, "session_previous_secrets": None})
    assert webhook_policy(after).box.open(sealed) == (SECRET, True)  # the old key may now be dropped


def _actor(services: Services, name: str) -> Actor:
    with services.engine.connect() as connection:
        row = connection.execute(
            text("SELECT id, name, role, organization_id FROM users WHERE name = :n"), {"n": f"{name}用户"}
        ).one()
    return Actor(row[0], row[1], row[2], row[3])


def test_a_receiver_that_does_not_answer_or_never_finishes_is_a_failed_attempt_within_ten_seconds(
    world: World, services: Services, receiver: Receiver
) -> None:
    stalled = subscribe(world, "union", receiver.url("/stall"), ["case.event"])
    dripping = subscribe(world, "ent1", receiver.url("/drip"), ["case.event"])
    new_flow(world)
    started = time.monotonic()
    assert deliver(services, time.time())["failed"] == 2
    assert time.monotonic() - started < 12  # both at once: 5 s without a byte, 10 s for a whole answer
    [(stall)] = deliveries(world, "union", stalled["id"])
    [(drip)] = deliveries(world, "ent1", dripping["id"])
    assert (stall["status"], stall["http_status"], drip["status"], drip["http_status"]) == ("pending", None, "pending", None)
    assert "5 秒内没有答复" in stall["error"] and "10 秒内没有答完" in drip["error"]
