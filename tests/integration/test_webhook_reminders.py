"""deadline.due_soon: one webhook per open deadline, 3 working days before its due date, however often the sweeper
runs; counted on the calendar's working days (weekends, statutory holidays, 调休 working days)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from negotiation.bootstrap import Services
from negotiation.service_layer.reminders import remind_on
from negotiation.service_layer.sweeper import tick
from tests.conftest import World
from tests.integration.webhook_support import SECRET, allowing_services, deliver, new_flow, outbox, subscribe
from tests.webhook_receiver import Receiver


@pytest.fixture
def services(database_url: str, tmp_path: Path) -> Iterator[Services]:
    yield from allowing_services(database_url, tmp_path)


def test_three_working_days_are_counted_back_over_weekends_and_holidays() -> None:
    assert remind_on(date(2026, 11, 23)) == date(2026, 11, 18)  # a Monday: Wed, Thu, Fri before it
    # 2026's Spring Festival: 15–23 February off, Saturday 14 February a working day (调休)
    assert remind_on(date(2026, 2, 24)) == date(2026, 2, 12)


def test_an_open_deadline_is_reminded_once_three_working_days_before_it_falls_due(world: World, services: Services) -> None:
    flow = new_flow(world)
    flow.representatives()
    flow.event("union", "propose", {"served_on": "2026-11-02", "demands": "提高计件单价"})
    [deadline] = flow.refresh()["deadlines"]
    assert deadline["due_on"] == "2026-11-23"
    with Receiver() as receiver:
        hook = subscribe(world, "union", receiver.url("/soon"), ["deadline.due_soon"])
        subscribe(world, "other_union", receiver.url("/other"), ["deadline.due_soon"])

        tick(services.uow, as_of=date(2026, 11, 17))
        assert [t for t, _, _ in outbox(services) if t == "deadline.due_soon"] == []
        for _ in range(2):  # a second sweep on the same day, and the next day: nothing more
            tick(services.uow, as_of=date(2026, 11, 18))
        tick(services.uow, as_of=date(2026, 11, 19))
        rows = [(t, c, d) for t, c, d in outbox(services) if t == "deadline.due_soon"]
        assert len(rows) == 1 and rows[0][1] == flow.id

        deliver(services, time.time())
        [got] = receiver.at("/soon")
        assert got.signed_with(SECRET) and receiver.at("/other") == []  # not a party of the case: nothing
        body = got.json()
        assert (body["type"], body["case_id"], body["data"]["remind_on"], body["data"]["working_days_before"]) == (
            "deadline.due_soon", flow.id, "2026-11-18", 3,
        )  # fmt: skip
        assert {k: body["data"]["deadline"][k] for k in ("kind", "rule", "due_on", "status")} == {
            "kind": "reply", "rule": "R6", "due_on": "2026-11-23", "status": "open",
        }  # fmt: skip
        assert (
            world.client.get(f"/api/v1/webhooks/{hook['id']}/deliveries", headers=world.h("union")).json()[0]["status"]
            == "delivered"
        )
    audit = world.client.get(f"/api/v1/cases/{flow.id}/audit", headers=world.h("union")).json()
    assert [e["event"] for e in audit] == ["create_case", "set_representatives", "propose"]  # a reminder changes no case


def test_a_deadline_met_before_its_reminder_is_not_reminded(world: World, services: Services) -> None:
    flow = new_flow(world)
    flow.to_consulting()  # proposed and accepted: the reply deadline is met
    tick(services.uow, as_of=date(2026, 11, 20))
    assert [t for t, _, _ in outbox(services) if t == "deadline.due_soon"] == []
