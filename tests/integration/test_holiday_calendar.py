"""Holiday data as data: a year's State Council schedule installed over HTTP or from a file, shown to any user, and
the open deadlines it decides recomputed and audited in the same transaction (api.md "After the contract takes
effect"). No schedule for 2027 ships: the tests install an illustrative one."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from api.main import create_app
from negotiation.bootstrap import Services, bootstrap
from tests.conftest import World
from tests.flows import Flow
from tests.integration.support import expect_error, new_flow, nothing_changes

ROOT = Path(__file__).resolve().parents[2]


def _days(start: str, n: int) -> list[str]:
    from datetime import date, timedelta

    first = date.fromisoformat(start)
    return [(first + timedelta(days=i)).isoformat() for i in range(n)]


# Illustrative only — not the State Council's notice for 2027, which is not published yet.
SCHEDULE_2027: dict[str, Any] = {
    "holidays": [
        *_days("2027-01-01", 3), *_days("2027-02-05", 8), *_days("2027-04-03", 3), *_days("2027-05-01", 5),
        *_days("2027-10-01", 7),
    ],
    "workdays": ["2027-02-20", "2027-10-09"],
    "source": "测试用 2027 年放假安排（非国务院办公厅通知）",
}  # fmt: skip


def _put(world: World, year: int, body: Any, who: str = "admin") -> Any:
    return world.client.put(f"/api/v1/admin/calendar/{year}", json=body, headers=world.h(who))


def _get(world: World, year: int, who: str = "union") -> dict[str, Any]:
    r = world.client.get(f"/api/v1/calendar/{year}", headers=world.h(who))
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


def _tick(world: World, as_of: str) -> list[dict[str, Any]]:
    r = world.client.post("/api/v1/admin/tick", json={"as_of": as_of}, headers=world.h("admin"))
    assert r.status_code == 200, r.text
    fired: list[dict[str, Any]] = r.json()["fired"]
    return fired


def _deadline(flow: Flow, kind: str) -> dict[str, Any]:
    return next(d for d in flow.refresh()["deadlines"] if d["kind"] == kind)


def _proposed(world: World, served_on: str) -> Flow:
    flow = new_flow(world)
    flow.representatives()
    flow.event("union", "propose", {"served_on": served_on, "demands": "提高计件单价"})
    return flow


def _calendar_rows(services: Services) -> list[Any]:
    with services.engine.connect() as connection:
        return list(connection.execute(text("SELECT * FROM calendar_years ORDER BY year")).all())


@contextmanager
def nothing_installed(world: World, services: Services) -> Iterator[None]:
    before = _calendar_rows(services)
    with nothing_changes(services.engine):
        yield
    assert _calendar_rows(services) == before
    assert _get(world, 2027)["source"] == "weekends_only"


def test_any_user_sees_where_a_years_rest_days_come_from(world: World) -> None:
    known = _get(world, 2026, "ent1")
    assert known["source"] == "chinese-calendar" and known["notice"] is None
    assert "2026-10-01" in known["holidays"] and "2026-10-10" in known["workdays"]
    assert _get(world, 2027) == {
        "year": 2027, "holidays": [], "workdays": [], "source": "weekends_only", "notice": None, "loaded_at": None,
    }  # fmt: skip
    assert world.client.get("/api/v1/calendar/2027").status_code == 401


def test_installing_2027_moves_a_reply_deadline_off_new_years_day_audited_on_its_case(world: World) -> None:
    flow = _proposed(world, "2026-12-12")  # R6: 20 days → 2027-01-01, a Friday: a working day by weekends alone
    before = _deadline(flow, "reply")
    assert (before["due_on"], before["calendar"]) == ("2027-01-01", "weekends_only")
    version = flow.refresh()["version"]

    r = _put(world, 2027, SCHEDULE_2027)
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["year"], body["source"], body["notice"]) == (2027, "loaded", SCHEDULE_2027["source"])
    assert body["holidays"] == sorted(SCHEDULE_2027["holidays"]) and body["workdays"] == SCHEDULE_2027["workdays"]
    assert body["recomputed"] == [
        {"case_id": flow.id, "kind": "reply", "rule": "R6", "due_on_before": "2027-01-01",
         "calendar_before": "weekends_only", "due_on": "2027-01-04", "calendar": "statutory"},
    ]  # fmt: skip

    after = _deadline(flow, "reply")
    assert (after["due_on"], after["calendar"], after["status"]) == ("2027-01-04", "statutory", "open")
    assert flow.case["version"] == version + 1
    link = world.client.get(f"/api/v1/cases/{flow.id}/audit", headers=world.h("union")).json()[-1]
    assert (link["event"], link["actor"].startswith("user:"), link["to_state"]) == ("recompute_deadlines", True, "proposed")
    assert world.client.get("/api/v1/audit/verify", headers=world.h("admin")).json()["ok"] is True
    assert _get(world, 2027, "bureau")["source"] == "loaded"

    # The timer follows the recomputed date: no reply_overdue on the holiday weekend.
    assert _tick(world, "2027-01-04") == []
    assert _tick(world, "2027-01-05") == [{"case_id": flow.id, "event": "reply_overdue", "rule": "R6"}]


def test_the_review_deadline_crossing_new_year_waits_for_the_first_working_day_after_the_holiday(world: World) -> None:
    flow = new_flow(world)
    flow.to_signed(("employer_body", "ent1", "ent2"))
    flow.event("union", "file", {"filed_on": "2026-12-10"})
    flow.event("bureau", "record_receipt", {"received_on": "2026-12-17", "receipt_no": "西人社集审〔2026〕30号"})
    assert _deadline(flow, "review")["due_on"] == "2027-01-01"  # R15: 15 days, weekends only
    assert _put(world, 2027, SCHEDULE_2027).status_code == 200
    review = _deadline(flow, "review")
    assert (review["due_on"], review["calendar"]) == ("2027-01-04", "statutory")
    assert _tick(world, "2027-01-04") == []
    assert _tick(world, "2027-01-05") == [{"case_id": flow.id, "event": "deemed_effective", "rule": "R15"}]
    publication = _deadline(flow, "publication")  # R17 from the day after the review period, under the loaded year
    assert (publication["trigger_on"], publication["calendar"]) == ("2027-01-05", "statutory")


def test_a_deadline_opened_after_the_install_uses_the_loaded_year(world: World) -> None:
    assert _put(world, 2027, SCHEDULE_2027).status_code == 200
    flow = _proposed(world, "2027-01-15")  # 20 days → 2027-02-04, the working day before the Spring Festival
    assert (_deadline(flow, "reply")["due_on"], _deadline(flow, "reply")["calendar"]) == ("2027-02-04", "statutory")
    late = _proposed(world, "2027-01-17")  # → 2027-02-06, within the holiday: then a weekend, then 2027-02-15
    assert (_deadline(late, "reply")["due_on"], _deadline(late, "reply")["calendar"]) == ("2027-02-15", "statutory")


def test_a_deadline_outside_the_installed_year_is_left_as_it_was(world: World) -> None:
    flow = _proposed(world, "2026-11-02")  # 2026-11-23, decided by 2026's published data
    version = flow.refresh()["version"]
    assert _put(world, 2027, SCHEDULE_2027).json()["recomputed"] == []
    assert flow.refresh()["version"] == version and _deadline(flow, "reply")["due_on"] == "2026-11-23"


def test_installing_the_same_year_again_replaces_it_and_changes_no_deadline_twice(world: World) -> None:
    flow = _proposed(world, "2026-12-12")
    assert len(_put(world, 2027, SCHEDULE_2027).json()["recomputed"]) == 1
    version = flow.refresh()["version"]
    again = _put(world, 2027, {**SCHEDULE_2027, "source": "测试用 2027 年放假安排（更正）"})
    assert again.status_code == 200 and again.json()["recomputed"] == []
    assert _get(world, 2027)["notice"] == "测试用 2027 年放假安排（更正）"
    assert flow.refresh()["version"] == version


def test_every_process_on_the_database_sees_an_installed_year(world: World, services: Services) -> None:
    other = bootstrap(services.settings)  # a second worker or host on the same database
    try:
        with TestClient(create_app(other, sweeper=False), raise_server_exceptions=False) as second:
            assert _put(world, 2027, SCHEDULE_2027).status_code == 200
            r = second.get("/api/v1/calendar/2027", headers=world.h("union"))
            assert r.json()["source"] == "loaded"
            flow = Flow(second, {k: world.h(k) for k in world.tokens}, world.case_body())
            flow.representatives()
            flow.event("union", "propose", {"served_on": "2026-12-12", "demands": "提高计件单价"})
            assert (_deadline(flow, "reply")["due_on"], _deadline(flow, "reply")["calendar"]) == ("2027-01-04", "statutory")
    finally:
        other.engine.dispose()


def test_a_deadline_computed_just_before_an_install_committed_is_caught_up_by_the_next_tick(
    world: World, services: Services
) -> None:
    flow = _proposed(world, "2026-12-12")
    # The race: a command read the calendar before the install committed, so its deadline still says weekends only
    # while the year is loaded (here the row is written directly, as if the install had not seen that deadline).
    with services.engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO calendar_years (year, holidays, workdays, notice, loaded_at, loaded_by)"
                " VALUES (2027, :h, :w, :n, '2026-12-20T10:00:00.000+08:00', 'user:1:admin')"
            ),
            {
                "h": json.dumps(SCHEDULE_2027["holidays"]),
                "w": json.dumps(SCHEDULE_2027["workdays"]),
                "n": SCHEDULE_2027["source"],
            },
        )
    assert _deadline(flow, "reply")["calendar"] == "weekends_only"
    assert _tick(world, "2027-01-02") == []  # caught up first: not fired on the stale 2027-01-01
    reply = _deadline(flow, "reply")
    assert (reply["due_on"], reply["calendar"], reply["status"]) == ("2027-01-04", "statutory", "open")
    link = world.client.get(f"/api/v1/cases/{flow.id}/audit", headers=world.h("union")).json()[-1]
    assert (link["event"], link["actor"]) == ("recompute_deadlines", "system")
    assert _tick(world, "2027-01-03") == []  # nothing more to catch up: no second audit link
    assert world.client.get(f"/api/v1/cases/{flow.id}/audit", headers=world.h("union")).json()[-1]["seq"] == link["seq"]


def _without(key: str) -> dict[str, Any]:
    return {k: v for k, v in SCHEDULE_2027.items() if k != key}


BAD_BODIES: list[tuple[str, int, Any, set[str | None]]] = [
    ("not an object", 2027, ["2027-01-01"], {None}),
    ("no source", 2027, _without("source"), {"source"}),
    ("no holidays", 2027, _without("holidays"), {"holidays"}),
    ("not a date", 2027, {**SCHEDULE_2027, "workdays": ["2027-02-30"]}, {"workdays[0]"}),
    ("a date of another year", 2027, {**SCHEDULE_2027, "holidays": [*SCHEDULE_2027["holidays"], "2028-01-01"]}, {"holidays[26]"}),
    ("both holiday and workday", 2027, {**SCHEDULE_2027, "workdays": ["2027-02-20", "2027-10-02"]}, {"workdays[1]"}),
    ("a weekday as makeup day", 2027, {**SCHEDULE_2027, "workdays": ["2027-02-17"]}, {"workdays[0]"}),
    ("national day missing", 2027, {**SCHEDULE_2027, "holidays": SCHEDULE_2027["holidays"][:-7]}, {"holidays"}),
    ("a year before the 2024 measures", 2024, {**SCHEDULE_2027, "holidays": ["2024-01-01"], "workdays": []}, {"year"}),
    ("a year not the path's", 2027, {**SCHEDULE_2027, "year": 2028}, {"year"}),
    ("a kind of source for a notice", 2027, {**SCHEDULE_2027, "source": "loaded"}, {"source"}),
    ("an unknown field", 2027, {**SCHEDULE_2027, "extra": 1}, {"extra"}),
]


@pytest.mark.parametrize(("what", "year", "body", "paths"), BAD_BODIES, ids=[b[0] for b in BAD_BODIES])
def test_a_bad_schedule_is_refused_with_a_chinese_message_and_nothing_changes(
    world: World, services: Services, what: str, year: int, body: Any, paths: set[str | None]
) -> None:
    flow = _proposed(world, "2026-12-12")
    with nothing_installed(world, services):
        violations = expect_error(_put(world, year, body), 422, "validation_error")
    assert {v["path"] for v in violations} == paths, violations
    assert _deadline(flow, "reply")["calendar"] == "weekends_only"


def test_malformed_json_and_other_users_change_nothing(world: World, services: Services) -> None:
    with nothing_installed(world, services):
        r = world.client.put(
            "/api/v1/admin/calendar/2027",
            content=b'{"holidays": [',
            headers={**world.h("admin"), "Content-Type": "application/json"},
        )
        expect_error(r, 422, "validation_error")
        expect_error(_put(world, 2027, SCHEDULE_2027, who="union"), 403, "forbidden")
        expect_error(world.client.put("/api/v1/admin/calendar/2027", json=SCHEDULE_2027), 401, "unauthenticated")
        assert world.client.put("/api/v1/admin/calendar/abc", json=SCHEDULE_2027, headers=world.h("admin")).status_code == 422


# --- negotiation calendar load FILE ---------------------------------------------------------------------------


def _cli(services: Services, tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "NEGOTIATION_DATABASE_URL": services.settings.database_url,
        "NEGOTIATION_ARCHIVE_DIR": str(tmp_path / "cli-archive"),
    }
    env.pop("NEGOTIATION_ADMIN_TOKEN", None)
    return subprocess.run(
        [sys.executable, "-m", "negotiation.cli", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def test_the_cli_loads_a_years_file_recomputing_open_deadlines(world: World, services: Services, tmp_path: Path) -> None:
    flow = _proposed(world, "2026-12-12")
    path = tmp_path / "2027.json"
    path.write_text(json.dumps({"year": 2027, **SCHEDULE_2027}, ensure_ascii=False), encoding="utf-8")
    done = _cli(services, tmp_path, "calendar", "load", str(path))
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["source"] == "loaded" and [c["case_id"] for c in out["recomputed"]] == [flow.id]
    assert (_deadline(flow, "reply")["due_on"], _get(world, 2027)["source"]) == ("2027-01-04", "loaded")
    link = world.client.get(f"/api/v1/cases/{flow.id}/audit", headers=world.h("union")).json()[-1]
    assert link["event"] == "recompute_deadlines" and "negotiation calendar load" in link["actor"]


def test_the_cli_infers_the_year_from_the_file_when_it_does_not_say(world: World, services: Services, tmp_path: Path) -> None:
    path = tmp_path / "2027.json"
    path.write_text(json.dumps(SCHEDULE_2027, ensure_ascii=False), encoding="utf-8")
    done = _cli(services, tmp_path, "calendar", "load", str(path))
    assert done.returncode == 0, done.stderr
    assert _get(world, 2027)["source"] == "loaded"


@pytest.mark.parametrize(
    ("content", "says"),
    [
        ("{not json", "不是有效的 JSON"),
        (json.dumps({**SCHEDULE_2027, "workdays": ["2027-10-02"]}), "同时列为放假日和调休上班日"),
        (json.dumps({**SCHEDULE_2027, "holidays": [*SCHEDULE_2027["holidays"], "2026-12-31"]}), "不在 2027 年内"),
        (json.dumps({"source": "x"}), "文件须为 JSON 对象"),
    ],
    ids=["malformed", "both", "outside the year", "no year"],
)
def test_the_cli_refuses_a_bad_file_with_exit_1_and_a_chinese_message(
    world: World, services: Services, tmp_path: Path, content: str, says: str
) -> None:
    path = tmp_path / "bad.json"
    path.write_text(content, encoding="utf-8")
    with nothing_installed(world, services):
        done = _cli(services, tmp_path, "calendar", "load", str(path))
    assert done.returncode == 1 and says in done.stderr, done.stderr


def test_the_cli_names_a_file_it_cannot_read(services: Services, tmp_path: Path) -> None:
    done = _cli(services, tmp_path, "calendar", "load", str(tmp_path / "missing.json"))
    assert done.returncode == 1 and "无法读取文件" in done.stderr


def test_the_due_soon_reminder_counts_working_days_with_the_loaded_year(world: World, services: Services) -> None:
    """The due-soon reminder counts back over the holidays of a loaded year, as the deadlines do (and as
    /review/deadlines does, through the same stored calendar)."""
    from datetime import date

    from negotiation.service_layer.sweeper import tick

    flow = _proposed(world, "2026-12-12")
    assert _put(world, 2027, SCHEDULE_2027).status_code == 200
    assert _deadline(flow, "reply")["due_on"] == "2027-01-04"  # moved off the New Year holiday
    # Three working days before Monday 2027-01-04, over 1–3 January (loaded holidays): 29 December. By weekends
    # alone (the library does not know 2027) it would be the 30th.
    tick(services.uow, as_of=date(2026, 12, 28))
    tick(services.uow, as_of=date(2026, 12, 29))
    with services.engine.connect() as connection:
        reminded = connection.execute(text("SELECT remind_on FROM deadline_reminders")).scalars().all()
    assert [str(d) for d in reminded] == ["2026-12-29"]
