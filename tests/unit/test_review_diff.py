"""The review page's diff in words: each changed figure, each added or removed clause item."""

from __future__ import annotations

import copy
from typing import Any

from api.review.views import diff_entries
from negotiation.diff import terms_diff
from tests.flows import TERMS


def _draft(terms: dict[str, Any], term_end: str = "2028-12-31") -> dict[str, Any]:
    return {"term_start": "2027-01-01", "term_end": term_end, "terms": terms}


def _entries(old: dict[str, Any], new: dict[str, Any]) -> list[dict[str, Any]]:
    return diff_entries(terms_diff(old, new), old, new)


def test_a_changed_piece_rate_reads_as_old_figure_arrow_new_figure() -> None:
    new = copy.deepcopy(TERMS)
    new["piece_rates"][0]["rate_cny"] = "1.35"
    old = copy.deepcopy(TERMS)
    old["piece_rates"][0]["rate_cny"] = "1.20"
    [entry] = _entries(_draft(old), _draft(new))
    assert (entry["topic"], entry["kind"], entry["text"]) == ("piece_rates", "changed", "计件单价（快件派送） ¥1.20 → ¥1.35")


def test_an_added_piece_rate_item_and_supplement_are_marked_added_once_each() -> None:
    new = copy.deepcopy(TERMS)
    new["piece_rates"].append({"service": "parcel_pickup", "unit": "parcel", "rate_cny": "0.80", "supplements": []})
    new["piece_rates"][0]["supplements"].append({"condition": "bad_weather", "amount_cny": "0.30"})
    entries = _entries(_draft(TERMS), _draft(new))
    texts = sorted(e["text"] for e in entries)
    assert texts == ["新增计件单价项目（快件揽收）：每件 ¥0.80", "新增雨雪等恶劣天气补贴（快件派送）：¥0.30"]
    assert {e["kind"] for e in entries} == {"added"}


def test_a_removed_piece_rate_item_is_marked_removed_and_the_term_change_belongs_to_the_term_clause() -> None:
    old = copy.deepcopy(TERMS)
    old["piece_rates"].append({"service": "parcel_pickup", "unit": "parcel", "rate_cny": "0.80", "supplements": []})
    entries = _entries(_draft(old), _draft(TERMS, term_end="2029-12-31"))
    assert [(e["topic"], e["kind"], e["text"]) for e in entries] == [
        ("term", "changed", "合同终止日 2028-12-31 → 2029-12-31"),
        ("piece_rates", "removed", "删除计件单价项目（快件揽收）：每件 ¥0.80"),
    ]
