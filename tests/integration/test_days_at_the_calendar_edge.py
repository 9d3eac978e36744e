"""A date at the far end of the calendar (9999-12-31 plus a reply period, a term or a deadline runs past the last day
Python holds) or before the engine's first day is a 422 naming the field, never a 500, and changes nothing; the days
at the two ends of the range are taken (api.md "Conventions")."""

from __future__ import annotations

from typing import Any

import pytest

from negotiation.bootstrap import Services
from negotiation.formats import FIRST_DAY, LAST_DAY
from tests.conftest import World
from tests.flows import TERMS, Flow
from tests.integration.support import expect_error, headers, new_flow, nothing_changes, post_event
from tests.integration.test_api_consulting import MEETING
from tests.integration.test_supervision import APPROVERS, NOTICE, TOPICS, _letter

FAR = ["9999-12-31", "9999-12-20", "2200-01-01", "1999-12-31", "0001-01-01"]


@pytest.mark.parametrize("day", FAR)
def test_a_proposal_served_on_a_day_out_of_range_is_refused(world: World, services: Services, day: str) -> None:
    flow = new_flow(world)
    flow.representatives()
    with nothing_changes(services.engine):
        r = post_event(world, flow, "union", "propose", {"served_on": day, "demands": "提高计件单价"})
        expect_error(r, 422, "validation_error", paths={"data.served_on"}, message_has="2199-12-31")


@pytest.mark.parametrize("day", FAR)
def test_a_draft_or_a_meeting_on_a_day_out_of_range_is_refused(world: World, services: Services, day: str) -> None:
    flow = new_flow(world)
    flow.to_consulting()
    draft = {"term_start": "2027-01-01", "term_end": day, "terms": TERMS}
    with nothing_changes(services.engine):
        r = world.client.post(f"/api/v1/cases/{flow.id}/drafts", json=draft, headers=world.h("union"))
        expect_error(r, 422, "validation_error", paths={"term_end"})
        r = world.client.post(f"/api/v1/cases/{flow.id}/meetings", json={**MEETING, "held_on": day}, headers=world.h("union"))
        expect_error(r, 422, "validation_error", paths={"held_on"})


def test_a_supervision_letter_issued_on_the_last_day_python_holds_is_refused(world: World, services: Services) -> None:
    flow = Flow(world.client, headers(world), world.case_body(topics=TOPICS))
    flow.to_in_force(APPROVERS, {**TERMS, "order_allocation": NOTICE})
    body: dict[str, Any] = _letter(world, issued_on="9999-12-31", reply_within_days=1)
    with nothing_changes(services.engine):
        r = world.client.post(f"/api/v1/cases/{flow.id}/supervision_letters", json=body, headers=world.h("union"))
        expect_error(r, 422, "validation_error", paths={"issued_on"})


def test_the_days_at_both_ends_of_the_range_are_taken(world: World) -> None:
    flow = new_flow(world)
    flow.representatives()
    flow.event("union", "propose", {"served_on": LAST_DAY.isoformat(), "demands": "提高计件单价"})
    assert flow.case["state"] == "proposed"
    assert all(d["due_on"] > LAST_DAY.isoformat() for d in flow.case["deadlines"])  # reckoned past it, still a day
    other = new_flow(world)
    other.representatives()
    other.event("union", "propose", {"served_on": FIRST_DAY.isoformat(), "demands": "提高计件单价"})
    assert other.case["state"] == "proposed"
