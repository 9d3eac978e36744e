"""The forms of the pages: one for each event the caller may fire, and those of a new case, a draft, a meeting and the
representatives, each derived from its request model (api/review/forms.py) and what the case offers as choices.

Which model is whose: an event's `data` model is its registry entry's (negotiation/events.py); a draft is
`DraftCreate` whose `terms` are the topic registry's sections (negotiation/topics.py), the case's topics only; a
meeting `MeetingCreate`; the representatives `RepresentativesPut`; a new case `CaseCreate`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from pydantic import BaseModel

from api.review.forms import (
    Form,
    FormContext,
    Input,
    Option,
    blank_rows_asked,
    inputs_for,
    place_errors,
    read_body,
    rows_of,
)
from negotiation.commands import CaseCreate, DraftCreate, MeetingCreate, RepresentativesPut
from negotiation.errors import Violation
from negotiation.events import EVENT_DATA, EVENT_LABELS
from negotiation.rules import profile_for_region
from negotiation.service_layer import offers
from negotiation.terms import TOPICS
from negotiation.topics import topic_owning
from negotiation.vocabularies import VOCABULARIES

__all__ = [
    "Filled",
    "FormSpec",
    "PageForm",
    "draft_form",
    "event_form",
    "event_forms",
    "meeting_form",
    "new_case_form",
    "representatives_form",
]


@dataclass
class Filled:
    """A form as it was posted and refused (or sent back for another row): its values and what was wrong."""

    values: Mapping[str, Any]
    violations: Sequence[Violation] = ()
    blank_rows: Mapping[str, int] = field(default_factory=dict)
    problem: str | None = None


@dataclass
class PageForm:
    """A form of a page: where it posts, its hidden fields, its inputs, what was wrong with it as a whole."""

    key: str
    title: str
    action: str
    submit: str
    inputs: list[Input]
    hidden: dict[str, str] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    @property
    def tables(self) -> list[Input]:
        """The tables of rows, each offered 再加一行."""
        return rows_of(self.inputs)

    @property
    def errors(self) -> list[Input]:
        """The inputs with an error beside them, for the summary at the top."""
        return [i for top in self.inputs for i in top.walk() if i.errors]

    @property
    def failed(self) -> bool:
        return bool(self.problems or self.errors)


@dataclass
class FormSpec:
    """A form: its model, its context and what it starts with; it makes the page's form and reads a posted one."""

    key: str
    title: str
    action: str
    submit: str
    model: type[BaseModel]
    ctx: FormContext
    values: Mapping[str, Any]
    hidden: dict[str, str]
    strip: str = ""  # the prefix of the violations' paths (an event's `data`)

    def page(self, filled: Filled | None = None) -> PageForm:
        """The form to show: as it starts, or as posted with its errors beside the fields."""
        values = self.values if filled is None else filled.values
        ctx = replace(self.ctx, blank_rows=filled.blank_rows) if filled is not None else self.ctx
        form = PageForm(self.key, self.title, self.action, self.submit, inputs_for(self.model, values, ctx), self.hidden)
        if filled is not None:
            form.problems = place_errors(form.inputs, filled.violations, strip=self.strip)
            if filled.problem:
                form.problems.insert(0, filled.problem)
        return form

    def read(self, form: Form) -> tuple[dict[str, Any], dict[str, int]]:
        """The body a posted form stands for, and the blank rows it asks for (its 再加一行 button, if pressed)."""
        body, _ = read_body(self.model, form, self.ctx)
        more = form.get("_more")
        return body, blank_rows_asked(form, body, more[0]) if more else {}


def _clauses(case: Mapping[str, Any]) -> list[str]:
    return [*(t for t in TOPICS if t in case["topics"]), "term", "general"]


def _case_context(case: Mapping[str, Any], names: Mapping[int, str], key: str) -> FormContext:
    enterprises = [Option(str(i), names.get(i, str(i))) for i in case["covered_enterprise_ids"]]
    return FormContext(key, clauses=_clauses(case), choices={"enterprise_id": enterprises})


def _prefill(case: Mapping[str, Any], model: type[BaseModel]) -> dict[str, Any]:
    """What an event form starts with: the current draft's version where the event names one."""
    if "draft_version" in model.model_fields and case["current_draft_version"]:
        return {"draft_version": case["current_draft_version"]}
    return {}


def event_form(case: Mapping[str, Any], names: Mapping[int, str], event: str) -> FormSpec:
    """The form of one event: hidden `event`, `csrf`, `expected_version`; inputs named after its `data` fields."""
    model = EVENT_DATA[event]
    hidden = {"event": event, "expected_version": str(case["version"])}
    return FormSpec(
        event, EVENT_LABELS[event], f"/review/cases/{case['id']}/events", EVENT_LABELS[event], model,
        _case_context(case, names, f"event-{event}"), _prefill(case, model), hidden, strip="data",
    )  # fmt: skip


def event_forms(
    case: Mapping[str, Any], names: Mapping[int, str], failed: str | None = None, filled: Filled | None = None
) -> list[PageForm]:
    """A form for each event in the caller's allowed_events, in the table's order (`failed` shown as `filled`)."""
    return [event_form(case, names, e).page(filled if e == failed else None) for e in case["allowed_events"] if e in EVENT_DATA]


def _keep_topics(topics: Sequence[str]) -> Any:
    def keep(path: str) -> bool:
        parts = path.split(".")
        return not (len(parts) == 2 and parts[0] == "terms") or topic_owning(parts[1]) in topics

    return keep


def _with_extras(inputs: list[Input]) -> list[Input]:
    """A topic's extra fields of the terms (the hourly volume of the piece rates) inside its section's box."""
    for terms in (i for i in inputs if i.kind == "group" and i.name == "terms"):
        sections = {c.name.rsplit(".", 1)[-1]: c for c in terms.children}
        kept = []
        for child in terms.children:
            owner = sections.get(topic_owning(child.name.rsplit(".", 1)[-1]) or "")
            if owner is not None and owner is not child:
                owner.extras.append(child)
            else:
                kept.append(child)
        terms.children = kept
    return inputs


class DraftSpec(FormSpec):
    """The draft's form: the terms of the case's topics, each topic's extra fields in its section."""

    def page(self, filled: Filled | None = None) -> PageForm:
        form = super().page(filled)
        form.inputs = _with_extras(form.inputs)
        return form


def draft_form(case: Mapping[str, Any], current: Mapping[str, Any] | None) -> FormSpec:
    """A new draft: the term and a section for each of the case's topics, filled in from the current draft if any."""
    values = {k: current[k] for k in ("term_start", "term_end", "terms")} if current else {}
    ctx = FormContext("draft", clauses=_clauses(case), keep=_keep_topics(case["topics"]))
    return DraftSpec(
        "add_draft", "新建草案", f"/review/cases/{case['id']}/drafts", "保存为新版草案", DraftCreate, ctx, values,
        {"expected_version": str(case["version"])},
    )  # fmt: skip


def meeting_form(case: Mapping[str, Any], meetings: Sequence[Mapping[str, Any]]) -> FormSpec:
    """A meeting's minutes: of a purpose the case's state takes, the chair the side that did not chair the series' last
    meeting (R9), one row a topic."""
    purposes = offers.meeting_purposes(case["state"])
    values: dict[str, Any] = {"purpose": purposes[0]} if purposes else {}
    series = [m for m in meetings if m.get("purpose", "consultation") == values.get("purpose", "consultation")]
    if series:
        values["chair_side"] = "employer" if series[-1]["chair_side"] == "worker" else "worker"
    words = VOCABULARIES["meeting_purposes"]
    ctx = FormContext("meeting", clauses=_clauses(case), choices={"purpose": [Option(p, words.get(p, p)) for p in purposes]})
    return FormSpec(
        "record_meeting", "记录协商会议", f"/review/cases/{case['id']}/meetings", "记录会议", MeetingCreate, ctx, values,
        {"expected_version": str(case["version"])},
    )  # fmt: skip


def representatives_form(case: Mapping[str, Any]) -> FormSpec:
    """Both sides' representatives, at least as many rows a side as the law asks for (R1)."""
    least = profile_for_region(case["region_code"]).number("reps_min_per_side").days
    ctx = FormContext("reps", min_rows={"worker_side": least, "employer_side": least})
    return FormSpec(
        "set_representatives", "确定协商代表", f"/review/cases/{case['id']}/representatives", "保存协商代表",
        RepresentativesPut, ctx, case["representatives"], {"expected_version": str(case["version"])},
    )  # fmt: skip


def _org_options(rows: Sequence[Mapping[str, Any]]) -> list[Option]:
    return [Option(str(r["id"]), f"{r['name']}（{r['id']}）") for r in rows]


def new_case_form(choices: Mapping[str, Sequence[Mapping[str, Any]]]) -> FormSpec:
    """A new case of the caller's union: its organisations chosen from those that exist, its topics ticked."""
    union = choices["union"]
    values: dict[str, Any] = {"level": "sector", "kind": "comprehensive"}
    if union:
        values |= {"union_org_id": union[0]["id"], "region_code": union[0]["region_code"]}
    ctx = FormContext(
        "case",
        choices={
            "union_org_id": _org_options(union),
            "employer_org_id": _org_options(choices["employer_body"]),
            "bureau_org_id": _org_options(choices["labour_bureau"]),
            "covered_enterprise_ids": _org_options(choices["enterprise"]),
            "amends_case_id": _org_options(choices["amendable"]),
        },
    )
    return FormSpec("create_case", "发起集体协商", "/review/cases", "创建案件", CaseCreate, ctx, values, {})
