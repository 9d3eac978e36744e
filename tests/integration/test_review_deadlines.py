"""/review/deadlines: the caller's open legal deadlines of the cases it may see, overdue first then by due date, with
rule and citation, and a line for each one due within 3 working days (the test clock's day, `as_of`)."""

from __future__ import annotations

import re

from tests.conftest import World
from tests.integration.page_forms import Visitor
from tests.integration.support import new_flow

R6_CITATION = "《集体合同规定》第三十二条"


def proposed(world: World, title: str, served_on: str) -> int:
    flow = new_flow(world, title=title)
    flow.representatives()
    flow.event("union", "propose", {"served_on": served_on, "demands": "提高计件单价"})
    return int(flow.id)


def listed(html: str) -> list[tuple[str, str]]:
    """(case id, kind) of each deadline row, in the page's order."""
    return re.findall(r'data-testid="deadline" data-case-id="(\d+)" data-kind="([a-z_]+)"', html)


def test_open_deadlines_are_listed_overdue_first_then_by_due_date_with_those_due_soon_said(world: World) -> None:
    late = proposed(world, "逾期未答复的案件", "2026-11-02")  # R6 due 2026-11-23 (22 Nov is a Sunday)
    soon = proposed(world, "即将到期的案件", "2026-11-20")  # due Thursday 2026-12-10
    later = proposed(world, "下周到期的案件", "2026-11-25")  # due Tuesday 2026-12-15
    answered = new_flow(world, title="已答复的案件")
    answered.to_consulting()  # its R6 deadline is met: not listed
    withdrawn = proposed(world, "已撤回的案件", "2026-11-30")
    world.client.post(
        f"/api/v1/cases/{withdrawn}/events",
        json={"event": "withdraw", "expected_version": 3, "data": {"reason": "另行安排"}},
        headers=world.h("union"),
    ).raise_for_status()
    deadlines = {
        c: world.client.get(f"/api/v1/cases/{c}", headers=world.h("union")).json()["deadlines"] for c in (late, soon, later)
    }
    assert [deadlines[c][0]["due_on"] for c in (late, soon, later)] == ["2026-11-23", "2026-12-10", "2026-12-15"]

    for who in ("union", "employer_body", "bureau"):
        page = Visitor(world, who).get("/review/deadlines?as_of=2026-12-07")  # a Monday
        assert listed(page.text) == [(str(late), "reply"), (str(soon), "reply"), (str(later), "reply")], who
        rows = re.findall(r'data-testid="deadline".*?</li>', page.text, flags=re.DOTALL)
        assert "已逾期" in rows[0] and "已逾期" not in rows[1] + rows[2]
        assert all("R6" in row and R6_CITATION in row for row in rows)
        assert "即将到期" in rows[1] and "即将到期" not in rows[2]
        due_soon = re.findall(r'data-testid="due-soon">(.*?)</li>', page.text, flags=re.DOTALL)
        assert len(due_soon) == 1 and "即将到期的案件" in due_soon[0]
        assert "2026-12-10 届满" in due_soon[0] and "还有 3 个工作日" in due_soon[0] and R6_CITATION in due_soon[0]
        assert "已答复的案件" not in page.text and "已撤回的案件" not in page.text

    on_the_day = Visitor(world, "union").get("/review/deadlines?as_of=2026-12-10").text
    assert "今天到期" in on_the_day and listed(on_the_day)[:2] == [(str(late), "reply"), (str(soon), "reply")]


def test_no_deadline_of_a_case_the_caller_may_not_see_is_listed(world: World) -> None:
    proposed(world, "他方案件", "2026-11-20")
    for who in ("outsider", "other_union", "other_bureau"):
        page = Visitor(world, who).get("/review/deadlines?as_of=2026-12-07")
        assert listed(page.text) == [] and "他方案件" not in page.text
        assert 'data-testid="no-deadlines"' in page.text and 'data-testid="nothing-due-soon"' in page.text


def test_the_deadlines_page_needs_a_session(world: World) -> None:
    r = world.client.get("/review/deadlines", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/review"
