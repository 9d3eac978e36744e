"""The caps that keep every document cheap (api.md "Rendering is bounded"), as a client meets them: a draft whose
tables or names together pass the caps, an empty piece-rate table, an inspection whose notes together pass theirs are
each a 422 naming the field, and change nothing; a draft at the caps is taken and its PDF made."""

from __future__ import annotations

from typing import Any

import pytest

from negotiation.bootstrap import Services
from negotiation.commands import (
    COVERED_ENTERPRISES_LIMIT,
    FINDING_NOTE_LIMIT,
    INSPECTION_TEXT_LIMIT,
    MEETINGS_LIMIT,
    MEETINGS_LINES_LIMIT,
    ORGANIZATION_NAME_LIMIT,
    POSITIONS_TEXT_LIMIT,
    REPRESENTATIVES_LIMIT,
    TERMS_ITEMS_LIMIT,
    TERMS_TEXT_LIMIT,
)
from negotiation.errors import ValidationFailed
from negotiation.event_data import RecordVoteData
from negotiation.formats import TEXT_LINES
from negotiation.terms import Terms, terms_size
from negotiation.validation import parse
from tests.conftest import World
from tests.flows import EMPLOYERS, TERMS, Flow
from tests.integration.support import expect_error, new_flow, nothing_changes, post_event
from tests.integration.test_api_consulting import MEETING
from tests.integration.test_supervision import INSPECTION, _in_force

TALLY = {"members": 30, "present": 25, "yes": 20, "no": 3, "abstain": 2}


@pytest.fixture
def consulting(world: World) -> Flow:
    flow = new_flow(world)
    flow.to_consulting()
    return flow


def _rates(count: int, supplements: int, length: int) -> list[dict[str, Any]]:
    def name(i: int) -> str:
        return (f"第{i}项" + "城区快递派送服务" * 40)[:length]

    return [
        {"service": name(i), "unit": "件", "rate_cny": "9.90",
         "supplements": [{"condition": name(j), "amount_cny": "0.50"} for j in range(supplements)]}
        for i in range(count)
    ]  # fmt: skip


def _draft(world: World, flow: Flow, terms: dict[str, Any]) -> Any:
    body = {"term_start": "2027-01-01", "term_end": "2028-12-31", "terms": terms}
    return world.client.post(f"/api/v1/cases/{flow.id}/drafts", json=body, headers=world.h("union"))


def test_the_draft_that_took_36_seconds_to_print_is_refused(world: World, services: Services, consulting: Flow) -> None:
    terms = {**TERMS, "piece_rates": _rates(100, 10, 200)}
    with nothing_changes(services.engine):
        violations = expect_error(_draft(world, consulting, terms), 422, "validation_error")
    assert {v["path"] for v in violations} >= {"terms.piece_rates[0].service", "terms.piece_rates[0].supplements[0].condition"}


def test_tables_too_long_together_are_refused_though_each_row_fits(world: World, services: Services, consulting: Flow) -> None:
    terms = {**TERMS, "piece_rates": _rates(100, 2, 10)}  # 300 items, every name within 50 characters
    with nothing_changes(services.engine):
        violations = expect_error(_draft(world, consulting, terms), 422, "validation_error", paths={"terms"})
    assert str(TERMS_ITEMS_LIMIT) in violations[0]["message"]


def test_names_too_long_together_are_refused_though_the_items_are_few(world: World, services: Services, consulting: Flow) -> None:
    terms = {**TERMS, "piece_rates": _rates(40, 2, 50)}
    assert terms_size(Terms.model_validate(terms))[1] > TERMS_TEXT_LIMIT
    with nothing_changes(services.engine):
        violations = expect_error(_draft(world, consulting, terms), 422, "validation_error", paths={"terms"})
    assert str(TERMS_TEXT_LIMIT) in violations[0]["message"]


def test_an_empty_piece_rate_table_is_refused(world: World, services: Services, consulting: Flow) -> None:
    with nothing_changes(services.engine):
        expect_error(
            _draft(world, consulting, {**TERMS, "piece_rates": []}), 422, "validation_error", paths={"terms.piece_rates"}
        )


def test_a_draft_at_the_caps_is_taken_and_its_pdf_made(world: World, consulting: Flow) -> None:
    others = terms_size(Terms.model_validate({**TERMS, "piece_rates": None}))
    count = (TERMS_ITEMS_LIMIT - others[0]) // 2
    length = (TERMS_TEXT_LIMIT - others[1] - count) // (2 * count)  # the service and the condition; the unit is 件
    terms = {**TERMS, "piece_rates": _rates(count, 1, length)}
    items, characters = terms_size(Terms.model_validate(terms))
    assert (
        items == TERMS_ITEMS_LIMIT - (TERMS_ITEMS_LIMIT - others[0]) % 2
        and TERMS_TEXT_LIMIT - 2 * count < characters <= TERMS_TEXT_LIMIT
    )
    r = _draft(world, consulting, terms)
    assert r.status_code == 201, r.text
    pdf = world.client.get(f"/api/v1/cases/{consulting.id}/drafts/{r.json()['version']}/pdf", headers=world.h("union"))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")


def test_an_inspection_whose_notes_together_pass_the_cap_is_refused(world: World, services: Services) -> None:
    flow = _in_force(world)
    finding = INSPECTION["findings"][0]
    count = INSPECTION_TEXT_LIMIT // FINDING_NOTE_LIMIT + 1  # each note at its own cap, together past theirs
    body = {**INSPECTION, "findings": [{**finding, "note": "抽" * FINDING_NOTE_LIMIT} for _ in range(count)]}
    with nothing_changes(services.engine):
        r = world.client.post(f"/api/v1/cases/{flow.id}/inspections", json=body, headers=world.h("union"))
        violations = expect_error(r, 422, "validation_error", paths={"findings"})
    assert str(INSPECTION_TEXT_LIMIT) in violations[0]["message"]


def _meeting(world: World, flow: Flow, chair: str, **changes: Any) -> Any:
    body = {**MEETING, "chair_side": chair, **changes}
    return world.client.post(f"/api/v1/cases/{flow.id}/meetings", json=body, headers=world.h("union"))


def test_a_topic_gets_one_position_per_meeting(world: World, services: Services, consulting: Flow) -> None:
    twice = [{"topic": "piece_rates", "worker_position": "甲"}, {"topic": "piece_rates", "worker_position": "乙"}]
    with nothing_changes(services.engine):
        expect_error(_meeting(world, consulting, "worker", positions=twice), 422, "validation_error", paths={"positions"})


def test_the_positions_of_a_series_together_stay_within_their_cap(world: World, services: Services, consulting: Flow) -> None:
    half = POSITIONS_TEXT_LIMIT // 2
    position = {"topic": "piece_rates", "worker_position": "甲" * half, "employer_position": ""}
    assert _meeting(world, consulting, "worker", positions=[position]).status_code == 201
    assert _meeting(world, consulting, "employer", positions=[position], held_on="2026-11-27").status_code == 201
    with nothing_changes(services.engine):
        r = _meeting(world, consulting, "worker", positions=[{**position, "worker_position": "乙"}], held_on="2026-12-04")
        violations = expect_error(r, 422, "validation_error", paths={"positions"})
    assert str(POSITIONS_TEXT_LIMIT) in violations[0]["message"]


def test_a_series_holds_at_most_its_meetings(world: World, services: Services, consulting: Flow) -> None:
    brief = {"summary": "", "positions": []}
    for i in range(MEETINGS_LIMIT):
        r = _meeting(world, consulting, ("worker", "employer")[i % 2], held_on="2026-11-20", **brief)
        assert r.status_code == 201, r.text
    with nothing_changes(services.engine):
        r = _meeting(world, consulting, ("worker", "employer")[MEETINGS_LIMIT % 2], held_on="2026-11-20", **brief)
        violations = expect_error(r, 422, "validation_error", paths={"purpose"})
    assert str(MEETINGS_LIMIT) in violations[0]["message"]


def test_more_representatives_than_a_side_may_have_are_refused(world: World, services: Services) -> None:
    flow = new_flow(world)
    many = [{"name": f"代表{i}", "title": "快递员代表", "is_chief": i == 0} for i in range(REPRESENTATIVES_LIMIT + 1)]
    body = {"expected_version": flow.refresh()["version"], "worker_side": many, "employer_side": EMPLOYERS}
    with nothing_changes(services.engine):
        r = world.client.put(f"/api/v1/cases/{flow.id}/representatives", json=body, headers=world.h("union"))
        expect_error(r, 422, "validation_error", paths={"worker_side"})


def test_an_enterprise_tallied_twice_is_refused() -> None:
    tally = {"enterprise_id": 7, "members": 10, "present": 9, "yes": 8, "no": 1, "abstain": 0}
    with pytest.raises(ValidationFailed) as refused:
        parse(RecordVoteData, {"draft_version": 1, **TALLY, "per_enterprise": [tally, tally]}, "data")
    assert [v.path for v in refused.value.violations] == ["data.per_enterprise"]


def test_an_organisation_name_past_its_cap_and_too_many_covered_enterprises_are_refused(world: World, services: Services) -> None:
    org = {"name": "甲" * (ORGANIZATION_NAME_LIMIT + 1), "kind": "enterprise", "region_code": "610100"}
    body = world.case_body(covered_enterprise_ids=list(range(1, COVERED_ENTERPRISES_LIMIT + 2)))
    with nothing_changes(services.engine):
        expect_error(
            world.client.post("/api/v1/organizations", json=org, headers=world.h("admin")),
            422,
            "validation_error",
            paths={"name"},
        )
        r = world.client.post("/api/v1/cases", json=body, headers=world.h("union"))
        expect_error(r, 422, "validation_error", paths={"covered_enterprise_ids"})
    org["name"] = "甲" * ORGANIZATION_NAME_LIMIT
    assert world.client.post("/api/v1/organizations", json=org, headers=world.h("admin")).status_code == 201


def test_a_text_of_more_lines_than_its_cap_is_refused(world: World, services: Services) -> None:
    flow = new_flow(world)
    flow.representatives()
    with nothing_changes(services.engine):
        r = post_event(world, flow, "union", "propose", {"served_on": "2026-11-02", "demands": "字\n" * TEXT_LINES + "字"})
        expect_error(r, 422, "validation_error", paths={"data.demands"})
    flow.event("union", "propose", {"served_on": "2026-11-02", "demands": "字\n" * (TEXT_LINES - 1) + "字"})


def test_the_lines_of_a_series_of_minutes_together_stay_within_their_cap(
    world: World, services: Services, consulting: Flow
) -> None:
    each = TEXT_LINES  # the most one summary may hold
    for i in range(MEETINGS_LINES_LIMIT // each):
        r = _meeting(world, consulting, ("worker", "employer")[i % 2], summary="字\n" * (each - 1) + "字", positions=[])
        assert r.status_code == 201, r.text
    with nothing_changes(services.engine):
        r = _meeting(world, consulting, ("worker", "employer")[(MEETINGS_LINES_LIMIT // each) % 2], summary="字", positions=[])
        violations = expect_error(r, 422, "validation_error", paths={"summary"})
    assert str(MEETINGS_LINES_LIMIT) in violations[0]["message"]


def test_a_representative_s_name_or_post_past_its_cap_is_refused(world: World, services: Services) -> None:
    flow = new_flow(world)
    long_name = [{**EMPLOYERS[0], "name": "甲" * 31}, *EMPLOYERS[1:]]
    body = {"expected_version": flow.refresh()["version"], "worker_side": long_name, "employer_side": EMPLOYERS}
    with nothing_changes(services.engine):
        r = world.client.put(f"/api/v1/cases/{flow.id}/representatives", json=body, headers=world.h("union"))
        expect_error(r, 422, "validation_error", paths={"worker_side[0].name"})
