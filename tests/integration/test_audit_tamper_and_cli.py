"""Tampering with the audit table directly in the database is detected by the API and by `negotiation audit verify`;
the CLI's `tick` and `demo` against a real database file."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import delete, func, select, update

from negotiation.adapters.orm import audit_events, cases
from negotiation.bootstrap import Services
from tests.conftest import World
from tests.flows import Flow
from tests.integration.support import new_flow

ROOT = Path(__file__).resolve().parents[2]


def _cli(services: Services, tmp_path: Path, *args: str, test_clock: bool = True) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "NEGOTIATION_DATABASE_URL": services.settings.database_url,
        "NEGOTIATION_ARCHIVE_DIR": str(tmp_path / "cli-archive"),
    }
    env.pop("NEGOTIATION_TEST_CLOCK", None)
    env.pop("NEGOTIATION_ADMIN_TOKEN", None)
    if test_clock:
        env["NEGOTIATION_TEST_CLOCK"] = "1"
    return subprocess.run(
        [sys.executable, "-m", "negotiation.cli", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def _verify(world: World) -> dict[str, Any]:
    r = world.client.get("/api/v1/audit/verify", headers=world.h("admin"))
    assert r.status_code == 200
    body: dict[str, Any] = r.json()
    return body


def _case_with_history(world: World) -> Flow:
    flow = new_flow(world)
    flow.representatives()
    flow.event("union", "propose", {"served_on": "2026-11-02", "demands": "提高计件单价"})
    flow.event("employer_body", "accept", {"received_on": "2026-11-05", "reply": "同意"})
    return flow  # seq 1 create_case, 2 set_representatives, 3 propose, 4 accept


def _seq(flow: Flow, seq: int) -> Any:
    return (audit_events.c.case_id == flow.id) & (audit_events.c.seq == seq)


def test_a_clean_database_verifies_over_http_and_the_cli_exits_0(world: World, services: Services, tmp_path: Path) -> None:
    _case_with_history(world)
    _case_with_history(world)
    assert _verify(world) == {"ok": True, "events_checked": 8, "first_bad_seq": None}
    done = _cli(services, tmp_path, "audit", "verify")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["ok"] is True


TAMPERING = {
    "edited_data": lambda flow, c: c.execute(update(audit_events).where(_seq(flow, 3)).values(data={"served_on": "2026-10-01"})),
    "edited_actor": lambda flow, c: c.execute(update(audit_events).where(_seq(flow, 3)).values(actor="user:99:冒名者")),
    "edited_state": lambda flow, c: c.execute(update(audit_events).where(_seq(flow, 3)).values(to_state="in_force")),
    "deleted_row": lambda flow, c: c.execute(delete(audit_events).where(_seq(flow, 3))),
    "swapped_seqs": lambda flow, c: (
        c.execute(update(audit_events).where(_seq(flow, 2)).values(seq=1000)),
        c.execute(update(audit_events).where(_seq(flow, 3)).values(seq=2)),
        c.execute(update(audit_events).where(_seq(flow, 1000)).values(seq=3)),
    ),
}


@pytest.mark.parametrize("how", list(TAMPERING))
def test_tampering_with_an_audit_row_is_detected_naming_the_first_bad_seq(
    world: World, services: Services, tmp_path: Path, how: str
) -> None:
    clean = _case_with_history(world)
    flow = _case_with_history(world)
    with services.engine.begin() as connection:
        TAMPERING[how](flow, connection)
    expected = 2 if how == "swapped_seqs" else 3
    verdict = _verify(world)
    assert verdict["ok"] is False and verdict["first_bad_seq"] == expected
    assert verdict.get("case_id", flow.id) == flow.id
    done = _cli(services, tmp_path, "audit", "verify")
    assert done.returncode == 1, done.stdout + done.stderr
    result = json.loads(done.stdout)
    assert result["ok"] is False and result["first_bad_seq"] == expected
    assert world.client.get(f"/api/v1/cases/{clean.id}", headers=world.h("union")).status_code == 200


def test_deleting_the_last_audit_row_is_detected_against_the_cases_head(world: World, services: Services, tmp_path: Path) -> None:
    flow = _case_with_history(world)
    with services.engine.begin() as connection:
        connection.execute(delete(audit_events).where(_seq(flow, 4)))
    verdict = _verify(world)
    assert verdict["ok"] is False and verdict["first_bad_seq"] == 4
    assert _cli(services, tmp_path, "audit", "verify").returncode == 1


def test_a_forged_event_with_a_recomputed_row_still_breaks_the_head(world: World, services: Services) -> None:
    flow = _case_with_history(world)
    with services.engine.begin() as connection:
        connection.execute(update(cases).where(cases.c.id == flow.id).values(audit_head="f" * 64))
    verdict = _verify(world)
    assert verdict["ok"] is False


def test_cli_tick_with_the_test_clock_fires_due_deadlines_once(world: World, services: Services, tmp_path: Path) -> None:
    flow = new_flow(world)
    flow.representatives()
    flow.event("union", "propose", {"served_on": "2026-11-02", "demands": "提高计件单价"})
    early = _cli(services, tmp_path, "tick", "--as-of", "2026-11-23")
    assert early.returncode == 0, early.stderr
    assert json.loads(early.stdout) == {"fired": []}
    done = _cli(services, tmp_path, "tick", "--as-of", "2026-11-24")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {"fired": [{"case_id": flow.id, "event": "reply_overdue", "rule": "R6"}]}
    assert flow.refresh()["state"] == "in_dispute"
    assert json.loads(_cli(services, tmp_path, "tick", "--as-of", "2026-11-25").stdout) == {"fired": []}


def test_cli_tick_refuses_another_day_without_the_test_clock(world: World, services: Services, tmp_path: Path) -> None:
    flow = new_flow(world)
    flow.representatives()
    flow.event("union", "propose", {"served_on": "2026-11-02", "demands": "提高计件单价"})
    done = _cli(services, tmp_path, "tick", "--as-of", "2020-01-01", test_clock=False)
    assert done.returncode != 0 and "NEGOTIATION_TEST_CLOCK" in done.stderr
    assert flow.refresh()["state"] == "proposed"


def test_the_demo_seed_is_idempotent(services: Services, tmp_path: Path) -> None:
    first = _cli(services, tmp_path, "demo")
    assert first.returncode == 0, first.stderr
    with services.engine.connect() as connection:
        counted = connection.execute(select(func.count()).select_from(cases)).scalar_one()
        links = connection.execute(select(func.count()).select_from(audit_events)).scalar_one()
    assert counted == 1
    second = _cli(services, tmp_path, "demo")
    assert second.returncode == 0, second.stderr
    assert second.stdout == first.stdout
    with services.engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(cases)).scalar_one() == 1
        assert connection.execute(select(func.count()).select_from(audit_events)).scalar_one() == links
    assert json.loads(_cli(services, tmp_path, "audit", "verify").stdout)["ok"] is True
