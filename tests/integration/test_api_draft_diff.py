"""The draft diff over HTTP matches piece rates and supplements by identity; a draft repeating one is refused."""

from __future__ import annotations

import copy
import re
from typing import Any

from tests.conftest import World
from tests.flows import TERMS, Flow
from tests.integration.support import expect_error, new_flow
from tests.integration.test_review_sessions import _sign_in


def _rate(service: str, rate: str, *conditions: str) -> dict[str, Any]:
    supplements = [{"condition": c, "amount_cny": "0.50"} for c in conditions]
    return {"service": service, "unit": "parcel", "rate_cny": rate, "supplements": supplements}


def _terms(*rates: dict[str, Any]) -> dict[str, Any]:
    t = copy.deepcopy(TERMS)
    t["piece_rates"] = list(rates)
    return t


def _post(world: World, flow: Flow, t: dict[str, Any]) -> Any:
    body = {"term_start": "2027-01-01", "term_end": "2028-12-31", "terms": t}
    return world.client.post(f"/api/v1/cases/{flow.id}/drafts", json=body, headers=world.h("union"))


def _diff(world: World, flow: Flow, version: int, against: int) -> list[dict[str, Any]]:
    r = world.client.get(f"/api/v1/cases/{flow.id}/drafts/{version}/diff?against={against}", headers=world.h("ent1"))
    assert r.status_code == 200, r.text
    changes: list[dict[str, Any]] = r.json()["changes"]
    return changes


def _consulting(world: World) -> Flow:
    flow = new_flow(world)
    flow.to_consulting()
    return flow


THREE = (_rate("parcel_delivery", "1.50", "night"), _rate("parcel_pickup", "1.60"), _rate("food_delivery", "1.70"))


def test_removing_the_first_of_three_rates_is_one_change_at_its_index_in_the_older_draft(world: World) -> None:
    flow = _consulting(world)
    assert _post(world, flow, _terms(*THREE)).status_code == 201
    assert _post(world, flow, _terms(*THREE[1:])).status_code == 201
    assert _diff(world, flow, 2, 1) == [{"path": "terms.piece_rates[0]", "before": THREE[0], "after": None}]
    assert _diff(world, flow, 1, 2) == [{"path": "terms.piece_rates[0]", "before": None, "after": THREE[0]}]


def test_reordered_rates_are_no_change_and_a_changed_one_is_named_by_its_index_in_the_newer_draft(world: World) -> None:
    flow = _consulting(world)
    assert _post(world, flow, _terms(*THREE)).status_code == 201
    changed = {**THREE[0], "rate_cny": "1.55", "supplements": [{"condition": "night", "amount_cny": "0.60"}]}
    assert _post(world, flow, _terms(THREE[2], THREE[1], THREE[0])).status_code == 201
    assert _post(world, flow, _terms(THREE[2], changed, THREE[1])).status_code == 201
    assert _diff(world, flow, 2, 1) == []
    assert _diff(world, flow, 3, 1) == [
        {"path": "terms.piece_rates[1].rate_cny", "before": "1.50", "after": "1.55"},
        {"path": "terms.piece_rates[1].supplements[0].amount_cny", "before": "0.50", "after": "0.60"},
    ]


def test_an_added_and_a_removed_supplement_of_a_kept_rate(world: World) -> None:
    flow = _consulting(world)
    assert _post(world, flow, _terms(_rate("parcel_delivery", "1.50", "night", "peak"), THREE[1])).status_code == 201
    assert _post(world, flow, _terms(THREE[1], _rate("parcel_delivery", "1.50", "peak", "holiday"))).status_code == 201
    assert _diff(world, flow, 2, 1) == [
        {"path": "terms.piece_rates[1].supplements[1]", "before": None, "after": {"condition": "holiday", "amount_cny": "0.50"}},
        {"path": "terms.piece_rates[0].supplements[0]", "before": {"condition": "night", "amount_cny": "0.50"}, "after": None},
    ]


def test_a_draft_repeating_a_service_and_unit_is_refused_naming_the_second_occurrence(world: World) -> None:
    flow = _consulting(world)
    version = flow.refresh()["version"]
    twice = _terms(THREE[0], THREE[1], _rate("parcel_delivery", "1.80"))
    r = _post(world, flow, twice)
    expect_error(r, 422, "validation_error", paths={"terms.piece_rates[2]"})
    message = r.json()["error"]["message"]
    assert "parcel_delivery" in message and "parcel" in message and "terms.piece_rates[2]" in message
    assert "重复" in message
    assert flow.refresh()["version"] == version  # nothing was stored
    assert world.client.get(f"/api/v1/cases/{flow.id}/drafts", headers=world.h("union")).json() == []


def test_a_rate_repeating_a_supplement_condition_is_refused(world: World) -> None:
    flow = _consulting(world)
    twice = _terms(_rate("parcel_delivery", "1.50", "night", "peak", "night"))
    r = _post(world, flow, twice)
    expect_error(r, 422, "validation_error", paths={"terms.piece_rates[0].supplements[2]"})
    assert "night" in r.json()["error"]["message"]
    other_units = _terms(THREE[0], {**THREE[0], "unit": "order"})  # the same service by another unit is another rate
    assert _post(world, flow, other_units).status_code == 201


def test_the_review_page_names_a_removed_rate_from_the_older_draft_and_a_changed_one_from_the_newer(world: World) -> None:
    flow = _consulting(world)
    assert _post(world, flow, _terms(*THREE)).status_code == 201
    assert _post(world, flow, _terms({**THREE[1], "rate_cny": "1.65"}, THREE[2])).status_code == 201
    _sign_in(world.client, world.tokens["ent1"])
    page = world.client.get(f"/review/cases/{flow.id}/drafts/2")
    assert page.status_code == 200
    changes = [
        re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r'data-testid="diff-change"[^>]*>(.*?)</li>', page.text, re.S)
    ]
    assert changes == ["行业计件单价 计件单价（快件揽收） ¥1.60 → ¥1.65", "行业计件单价 删除计件单价项目（快件派送）：每件 ¥1.50"]
