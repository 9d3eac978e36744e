"""The caps that keep every document cheap (api.md "Rendering is bounded"), as a client meets them: a draft whose
tables or names together pass the caps, an empty piece-rate table, an inspection whose notes together pass theirs are
each a 422 naming the field, and change nothing; a draft at the caps is taken and its PDF made."""

from __future__ import annotations

from typing import Any

import pytest

from negotiation.bootstrap import Services
from negotiation.commands import FINDING_NOTE_LIMIT, INSPECTION_TEXT_LIMIT, TERMS_ITEMS_LIMIT, TERMS_TEXT_LIMIT
from negotiation.terms import Terms, terms_size
from tests.conftest import World
from tests.flows import TERMS, Flow
from tests.integration.support import expect_error, new_flow, nothing_changes
from tests.integration.test_supervision import INSPECTION, _in_force


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
    terms = {**TERMS, "piece_rates": _rates(100, 10, 200)}  # each rate and name within its own cap
    with nothing_changes(services.engine):
        violations = expect_error(_draft(world, consulting, terms), 422, "validation_error", paths={"terms"})
    assert str(TERMS_ITEMS_LIMIT) in violations[0]["message"]


def test_names_too_long_together_are_refused_though_the_items_are_few(world: World, services: Services, consulting: Flow) -> None:
    terms = {**TERMS, "piece_rates": _rates(40, 0, 200)}
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
