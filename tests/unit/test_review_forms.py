"""The pages' form convention (api/review/forms.py): every field of every request model gets a labelled input, a
form read back gives the body the API takes, and a violation's path finds the input it is about."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import pytest
from pydantic import BaseModel

from api.review.deadlines import nth_working_day_after, working_days_between
from api.review.forms import FormContext, Input, Option, inputs_for, place_errors, read_body
from negotiation.commands import CaseCreate, DraftCreate, MeetingCreate, RepresentativesPut
from negotiation.errors import Violation
from negotiation.event_data import ObjectData
from negotiation.events import EVENT_DATA
from negotiation.terms import Terms
from negotiation.topics import TOPIC_REGISTRY, models_in

CHINESE = re.compile(r"[\u4e00-\u9fff]")
PAGE_MODELS: dict[str, type[BaseModel]] = {
    **{f"event {k}": m for k, m in EVENT_DATA.items()},
    "case": CaseCreate,
    "meeting": MeetingCreate,
    "representatives": RepresentativesPut,
    "draft": DraftCreate,
}


def _nested(model: type[BaseModel]) -> list[type[BaseModel]]:
    found, todo = [], [model]
    while todo:
        m = todo.pop()
        if m in found:
            continue
        found.append(m)
        todo.extend(n for info in m.model_fields.values() for n in _models(info.annotation))
    return found


def _models(annotation: Any) -> list[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return [m for arg in getattr(annotation, "__args__", ()) for m in _models(arg)]


@pytest.mark.parametrize("name", sorted(PAGE_MODELS))
def test_every_field_a_page_form_shows_has_a_chinese_label_and_an_input(name: str) -> None:
    for model in _nested(PAGE_MODELS[name]):
        if model is Terms:  # its sections are labelled by their topics' titles
            continue
        for field_name, info in model.model_fields.items():
            if field_name == "expected_version":
                continue
            assert info.title and CHINESE.search(info.title), f"{model.__name__}.{field_name} has no Chinese title"
        shown = {i.name for i in inputs_for(model, {}, FormContext("t"))}
        assert shown == set(model.model_fields) - {"expected_version"}, model.__name__


def _pairs(inputs: list[Input]) -> list[tuple[str, str]]:
    """What a browser sends for these inputs as rendered (api/templates/review/_form.html)."""
    out: list[tuple[str, str]] = []
    for i in inputs:
        if i.kind == "group":
            out.append((i.name, ""))
            out += _pairs(i.children)
        elif i.kind in ("rows", "row"):
            out += _pairs(i.children)
        elif i.kind == "checkbox":
            out += [(i.name, "true")] if i.value else []
        elif i.kind == "choices":
            out += [(i.name, v) for v in i.value]
        else:
            out.append((i.name, i.value))
        out += _pairs(i.extras)
    return out


def _form(pairs: list[tuple[str, str]]) -> dict[str, list[str]]:
    form: dict[str, list[str]] = {}
    for k, v in pairs:
        form.setdefault(k, []).append(v)
    return form


@pytest.mark.parametrize("topic", TOPIC_REGISTRY, ids=lambda t: t.key)
def test_a_topics_section_shown_in_the_draft_form_reads_back_as_the_same_terms(topic: Any) -> None:
    body = {"term_start": "2027-01-01", "term_end": "2028-12-31", "terms": dict(topic.example)}
    keep = set(topic.example)
    ctx = FormContext(
        "draft", clauses=[topic.key], keep=lambda p: not p.startswith("terms.") or p[6:].split(".")[0].split("[")[0] in keep
    )
    read, _ = read_body(DraftCreate, _form(_pairs(inputs_for(DraftCreate, body, ctx))), ctx)
    expected = DraftCreate.model_validate(body).model_dump(mode="json", exclude_none=True)
    assert DraftCreate.model_validate(read).model_dump(mode="json", exclude_none=True) == expected


def test_blank_rows_are_dropped_and_the_rows_after_them_move_up() -> None:
    ctx = FormContext("o", clauses=["term", "general"])
    form = _form([
        ("opinion", "须修改"), ("items[0].clause", "term"), ("items[0].text", " "),
        ("items[1].clause", "general"), ("items[1].text", "总体意见"), ("objected_on", ""),
    ])  # fmt: skip
    body, filled = read_body(ObjectData, form, ctx)
    assert body == {"opinion": "须修改", "items": [{"clause": "general", "text": "总体意见"}]} and filled
    shown = inputs_for(ObjectData, body, ctx)
    rows = next(i for i in shown if i.name == "items").children
    assert [r.children[0].value for r in rows] == ["general", "term"]  # the row kept, then a blank one for `term`


def test_a_list_of_values_is_one_line_a_value_and_ids_chosen_are_integers() -> None:
    ctx = FormContext("c", choices={"covered_enterprise_ids": [Option("4", "甲"), Option("5", "乙")]})
    form = _form([("title", "案件"), ("covered_enterprise_ids", "5"), ("covered_enterprise_ids", "4"), ("union_org_id", "7")])
    body, _ = read_body(CaseCreate, form, ctx)
    assert body["covered_enterprise_ids"] == [5, 4] and body["union_org_id"] == 7
    publish, _ = read_body(EVENT_DATA["publish"], _form([("channels", "平台App公告\r\n\r\n  站点公告栏 \r\n")]), ctx)
    assert publish == {"channels": ["平台App公告", "站点公告栏"]}
    assert read_body(EVENT_DATA["record_vote"], _form([("members", "3O")]), ctx)[0] == {"members": "3O"}  # the API says why


def test_a_violations_path_finds_its_input_or_the_nearest_box_holding_it() -> None:
    ctx = FormContext("o", clauses=["term", "general"])
    shown = inputs_for(ObjectData, {"opinion": "x", "items": [{"clause": "term", "text": "y"}]}, ctx)
    general = place_errors(
        shown,
        [
            Violation(None, "文本过长", None, "data.items[0].text"),
            Violation(None, "条款无效", None, "data.items.0.clause"),  # the dotted index some checks write
            Violation(None, "条目过多", None, "data.items"),
            Violation("R15", "已过审查期限", "《集体合同规定》第四十七条", None),
        ],
        strip="data",
    )
    by_name = {i.name: i.errors for top in shown for i in top.walk()}
    assert by_name["items[0].text"] == ["文本过长"] and by_name["items[0].clause"] == ["条款无效"]
    assert by_name["items"] == ["条目过多"]
    assert general == ["已过审查期限（R15：《集体合同规定》第四十七条）"]


def test_every_topic_model_is_shown_by_the_draft_form() -> None:
    ctx = FormContext("draft")
    names = {i.name for top in inputs_for(DraftCreate, {}, ctx) for i in top.walk()}
    for topic in TOPIC_REGISTRY:
        assert f"terms.{topic.key}" in names
        for model in (topic.model, *(m for info in topic.model.model_fields.values() for m in models_in(info.annotation))):
            for field_name in model.model_fields:
                assert any(n.endswith(f".{field_name}") for n in names), (topic.key, field_name)


def test_working_days_skip_the_national_day_holiday_and_count_its_make_up_saturday() -> None:
    # 2026: 1–7 October off, Saturday 10 October a working day (State Council schedule in chinese-calendar)
    assert nth_working_day_after(date(2026, 9, 30), 3) == date(2026, 10, 10)
    assert working_days_between(date(2026, 9, 30), date(2026, 10, 12)) == 4
    assert working_days_between(date(2026, 12, 7), date(2026, 12, 7)) == 0
    assert nth_working_day_after(date(2026, 12, 4), 3) == date(2026, 12, 9)  # Friday + Mon, Tue, Wed
