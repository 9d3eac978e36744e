"""The draft diff matches list items by identity: properties of terms_diff, and the duplicate check behind it."""

from __future__ import annotations

import copy
import json
import re
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from api.review.views import diff_entries
from negotiation.diff import terms_diff
from negotiation.item_identity import duplicate_items, identity_of

SERVICES = ["parcel_delivery", "parcel_pickup", "food_delivery", "ride", "freight"]
UNITS = ["parcel", "order", "km"]
CONDITIONS = ["night", "peak", "bad_weather", "distance", "holiday", "floor"]
MONEY = st.sampled_from(["0.30", "0.50", "0.80", "1.20", "1.50", "1.65", "2.00"])

supplements = st.lists(
    st.fixed_dictionaries({"condition": st.sampled_from(CONDITIONS), "amount_cny": MONEY}),
    max_size=4,
    unique_by=lambda s: s["condition"],
)
rates = st.lists(
    st.fixed_dictionaries(
        {"service": st.sampled_from(SERVICES), "unit": st.sampled_from(UNITS), "rate_cny": MONEY, "supplements": supplements}
    ),
    max_size=6,
    unique_by=lambda r: (r["service"], r["unit"]),
)
equipment = st.lists(st.sampled_from(["头盔", "雨衣", "反光背心", "手套"]), max_size=5)


@st.composite
def drafts(draw: st.DrawFn, piece_rates: st.SearchStrategy[list[dict[str, Any]]] = rates) -> dict[str, Any]:
    terms: dict[str, Any] = {"piece_rates": draw(piece_rates), "expected_units_per_hour": draw(st.sampled_from(["12", "15"]))}
    if draw(st.booleans()):
        terms["labour_protection"] = {
            "equipment": draw(equipment),
            "heat_allowance_cny_month": draw(MONEY),
            "safety_training_hours_year": draw(st.integers(0, 20)),
        }
    if draw(st.booleans()):
        terms["rest_leave"] = {"rest_days_per_month": draw(st.integers(4, 8)), "holiday_pay_multiplier": "3"}
    end = draw(st.sampled_from(["2028-12-31", "2029-12-31"]))
    return {"term_start": "2027-01-01", "term_end": end, "terms": terms}


def _shuffled(draft: dict[str, Any], data: st.DataObject) -> dict[str, Any]:
    """The same draft with its rates, each rate's supplements and the equipment in another order."""
    out = copy.deepcopy(draft)
    terms = out["terms"]
    terms["piece_rates"] = data.draw(st.permutations(terms["piece_rates"]))
    for rate in terms["piece_rates"]:
        rate["supplements"] = data.draw(st.permutations(rate["supplements"]))
    if "labour_protection" in terms:
        terms["labour_protection"]["equipment"] = data.draw(st.permutations(terms["labour_protection"]["equipment"]))
    return out


_SEGMENT = re.compile(r"([A-Za-z_]+)(?:\[(\d+)\])?")


def _segments(path: str) -> list[tuple[str, int | None]]:
    found = [_SEGMENT.fullmatch(p) for p in path.split(".")]
    return [(m.group(1), int(m.group(2)) if m.group(2) else None) for m in found if m is not None]


def _resolve(doc: Any, path: str) -> Any:
    """The value a path addresses in one version."""
    for key, index in _segments(path):
        doc = doc[key]
        if index is not None:
            doc = doc[index]
    return doc


def _canon(value: Any, name: str = "") -> Any:
    """A draft as nested dicts: identity lists keyed by identity, value lists as counts of each value."""
    if isinstance(value, dict):
        return {k: _canon(v, k) for k, v in value.items()}
    if isinstance(value, list):
        if all(identity_of(name, item) is not None for item in value) and name:
            return {("id", identity_of(name, item)): _canon(item, name) for item in value}
        counts: dict[Any, int] = {}
        for item in value:
            key = ("value", json.dumps(item, sort_keys=True, ensure_ascii=False))
            counts[key] = counts.get(key, 0) + 1
        return counts
    return value


def _pruned(value: Any) -> Any:
    """Without empty sections (a section whose every leaf was removed is gone)."""
    if isinstance(value, dict):
        kept = {k: _pruned(v) for k, v in value.items()}
        return {k: v for k, v in kept.items() if v != {}}
    return value


def _canonical_path(doc: Any, path: str) -> list[Any]:
    """A path with each list index replaced by the item's identity (or value) in that version."""
    out: list[Any] = []
    for key, index in _segments(path):
        out.append(key)
        doc = doc[key]
        if index is not None:
            item = doc[index]
            found = identity_of(key, item)
            out.append(("id", found) if found is not None else ("value", json.dumps(item, sort_keys=True, ensure_ascii=False)))
            doc = item
    return out


def _apply(w: dict[str, Any], v: dict[str, Any], changes: list[dict[str, Any]]) -> Any:
    """Apply the changes to w's canonical form, each path located in the version it addresses."""
    result = _canon(w)
    for change in changes:
        removed = change["after"] is None
        where = _canonical_path(w if removed else v, change["path"])
        parent = result
        for step in where[:-1]:
            parent = parent.setdefault(step, {})
        last = where[-1]
        if isinstance(last, tuple) and last[0] == "value":
            parent[last] = parent.get(last, 0) + (-1 if removed else 1)
            if parent[last] == 0:
                del parent[last]
        elif removed:
            del parent[last]
        else:
            name = where[-2] if isinstance(last, tuple) else last
            parent[last] = _canon(change["after"], name if isinstance(name, str) else "")
    return result


@given(drafts())
def test_a_draft_against_itself_has_no_change(draft: dict[str, Any]) -> None:
    assert terms_diff(draft, copy.deepcopy(draft)) == []


@given(drafts(), st.data())
def test_reordering_rates_supplements_and_equipment_is_no_change(draft: dict[str, Any], data: st.DataObject) -> None:
    assert terms_diff(draft, _shuffled(draft, data)) == []


@given(drafts(rates.filter(bool)), st.data())
def test_removing_any_one_rate_is_one_change_at_its_index_in_the_older_version(w: dict[str, Any], data: st.DataObject) -> None:
    j = data.draw(st.integers(0, len(w["terms"]["piece_rates"]) - 1))
    v = copy.deepcopy(w)
    removed = v["terms"]["piece_rates"].pop(j)
    assert terms_diff(w, v) == [{"path": f"terms.piece_rates[{j}]", "before": removed, "after": None}]


@given(drafts(rates.filter(bool)), st.data())
def test_a_changed_rate_is_one_change_at_its_index_in_the_newer_version(w: dict[str, Any], data: st.DataObject) -> None:
    v = _shuffled(w, data)
    i = data.draw(st.integers(0, len(v["terms"]["piece_rates"]) - 1))
    before = v["terms"]["piece_rates"][i]["rate_cny"]
    v["terms"]["piece_rates"][i]["rate_cny"] = "9.99"
    assert terms_diff(w, v) == [{"path": f"terms.piece_rates[{i}].rate_cny", "before": before, "after": "9.99"}]


@settings(max_examples=300)
@given(drafts(), drafts())
def test_each_path_addresses_its_value_and_applying_the_changes_to_w_gives_v(w: dict[str, Any], v: dict[str, Any]) -> None:
    changes = terms_diff(w, v)
    paths = [(c["path"], c["after"] is None) for c in changes]
    assert len(paths) == len(set(paths))  # a path at most once per version it addresses
    for change in changes:
        if change["after"] is None:
            assert _resolve(w, change["path"]) == change["before"]
        else:
            assert _resolve(v, change["path"]) == change["after"]
    assert _pruned(_apply(w, v, changes)) == _pruned(_canon(v))


def test_an_added_and_a_removed_equipment_value_name_their_index_in_their_version() -> None:
    w = {"terms": {"labour_protection": {"equipment": ["头盔", "雨衣", "手套"]}}}
    v = {"terms": {"labour_protection": {"equipment": ["手套", "反光背心", "头盔"]}}}
    assert terms_diff(w, v) == [
        {"path": "terms.labour_protection.equipment[1]", "before": None, "after": "反光背心"},
        {"path": "terms.labour_protection.equipment[1]", "before": "雨衣", "after": None},
    ]


def _rate(service: str, rate: str = "1.50", *conditions: str) -> dict[str, Any]:
    supplements = [{"condition": c, "amount_cny": "0.50"} for c in conditions]
    return {"service": service, "unit": "parcel", "rate_cny": rate, "supplements": supplements}


def _draft(*piece_rates: dict[str, Any]) -> dict[str, Any]:
    return {"term_start": "2027-01-01", "term_end": "2028-12-31", "terms": {"piece_rates": list(piece_rates)}}


def test_removing_the_first_of_three_rates_reads_as_one_removal_named_from_the_older_version() -> None:
    w = _draft(_rate("parcel_delivery"), _rate("parcel_pickup", "0.80"), _rate("food_delivery", "2.00"))
    v = _draft(_rate("parcel_pickup", "0.90"), _rate("food_delivery", "2.00"))
    entries = diff_entries(terms_diff(w, v), w, v)
    assert [(e["kind"], e["text"]) for e in entries] == [
        ("changed", "计件单价（快件揽收） ¥0.80 → ¥0.90"),
        ("removed", "删除计件单价项目（快件派送）：每件 ¥1.50"),
    ]


def test_a_removed_supplement_of_a_moved_rate_is_named_from_the_older_version() -> None:
    w = _draft(_rate("parcel_delivery"), _rate("parcel_pickup", "0.80", "night", "peak"))
    v = _draft(_rate("parcel_pickup", "0.80", "peak"), _rate("parcel_delivery"))
    changes = terms_diff(w, v)
    assert changes == [
        {"path": "terms.piece_rates[1].supplements[0]", "before": {"condition": "night", "amount_cny": "0.50"}, "after": None}
    ]
    [entry] = diff_entries(changes, w, v)
    assert (entry["kind"], entry["text"]) == ("removed", "删除夜间（22时至次日6时）补贴（快件揽收）：¥0.50")


def test_an_added_supplement_is_named_from_the_newer_version() -> None:
    w = _draft(_rate("parcel_delivery"), _rate("parcel_pickup", "0.80"))
    v = _draft(_rate("parcel_pickup", "0.80", "bad_weather"), _rate("parcel_delivery"))
    [entry] = diff_entries(terms_diff(w, v), w, v)
    assert (entry["kind"], entry["text"]) == ("added", "新增雨雪等恶劣天气补贴（快件揽收）：¥0.50")


def test_a_repeated_service_and_unit_or_condition_is_named_at_its_second_occurrence() -> None:
    terms = _draft(_rate("parcel_delivery"), _rate("ride", "1.50", "night", "peak", "night"), _rate("parcel_delivery", "1.60"))
    found = duplicate_items(terms["terms"])
    assert [v.path for v in found] == ["terms.piece_rates[1].supplements[2]", "terms.piece_rates[2]"]
    assert "parcel_delivery" in found[1].message and "terms.piece_rates[0]" in found[1].message
    assert "night" in found[0].message
    assert duplicate_items(_draft(_rate("parcel_delivery", "1.50", "night"), _rate("ride", "1.5", "night"))["terms"]) == []
