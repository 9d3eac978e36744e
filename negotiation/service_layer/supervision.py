"""Commands of the contract in force: the platforms' rule changes (R23), inspections and supervision letters (履约监督).

Each is kept with the case (its facts ``rule_changes``, ``inspections``, ``supervision_letters``), written in one
transaction with its audit link; an inspection and a letter also make their document, rendered before the write
lock as a meeting's minutes are (negotiation/service_layer/drafting.py).
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

from negotiation.commands import (
    InspectionCreate,
    OptionalVersionEnvelope,
    RuleChangeCreate,
    RuleChangeResponseCreate,
    SupervisionLetterCreate,
)
from negotiation.documents import render_html
from negotiation.documents.plain_text import plain_text
from negotiation.errors import Forbidden, InvalidTransition, NotFound, ValidationFailed, VersionConflict, Violation
from negotiation.model import AuditEvent, Deadline, NegotiationCase
from negotiation.rules import RULES, profile_for_region, rule_violation, violation
from negotiation.service_layer import documents as docs
from negotiation.service_layer.access import Actor, parties_of
from negotiation.service_layer.clock import now_iso
from negotiation.service_layer.handlers import record_change, visible_case
from negotiation.service_layer.stored_calendar import stored_calendar
from negotiation.service_layer.unit_of_work import UnitOfWork
from negotiation.states.state import CaseState
from negotiation.states.table import Party
from negotiation.topics import TOPIC_REGISTRY
from negotiation.validation import parse

__all__ = [
    "CASE_TEXT_LIMIT",
    "INSPECTION_TEXT_LIMIT",
    "add_inspection",
    "add_rule_change",
    "add_rule_change_response",
    "add_supervision_letter",
    "inspections",
    "rule_changes",
    "supervision_letters",
]

EMPLOYER_SIDE = frozenset({Party.EMPLOYER_BODY, Party.COVERED_ENTERPRISE})
UNION = frozenset({Party.UNION})
# The user text one inspection report prints (inspectors and notes), and what all records of one list may hold
# together (they are kept with the case, read with it on every request).
INSPECTION_TEXT_LIMIT = 20_000
CASE_TEXT_LIMIT = 100_000
# A letter's reply deadline: the rule it answers to (deadline rows hold at most 10 characters) and its basis.
LETTER_RULE = "supervise"
LETTER_BASIS = {"prompt": "supervision_opinion", "opinion": "supervision_opinion", "proposal": "supervision_proposal"}
# R23 is checked against the contract's own notice term: the field of the topic (dispatch rules) that holds it.
NOTICE_FIELD = "change_notice_days"
NOTICE_TOPIC = next(t.key for t in TOPIC_REGISTRY if NOTICE_FIELD in t.model.model_fields)
_ARTICLE = re.compile(r"^第([一二三四五六七八九十百]+)条")


def _in_force_case(
    uow: UnitOfWork, actor: Actor, case_id: int, body: Any, parties: frozenset[Party], who: str, what: str
) -> NegotiationCase:
    """The case, if this caller may make this change on it now (checks in api.md's order: 404, 403, 409 version, 409 state)."""
    case = visible_case(uow, actor, case_id)
    envelope = parse(OptionalVersionEnvelope, body)
    if not parties_of(actor, case) & parties:
        raise Forbidden(f"只有{who}可以{what}")
    if envelope.expected_version is not None and envelope.expected_version != case.version:
        raise VersionConflict(envelope.expected_version, case.version)
    if case.state != CaseState.IN_FORCE:
        raise InvalidTransition(f"案件当前状态为「{case.state}」，只有在合同施行中（in_force）才能{what}")
    return case


def _invalid(message: str, path: str) -> ValidationFailed:
    return ValidationFailed(message, [Violation(None, message, None, path)])


def _text_of(records: list[dict[str, Any]], *names: str) -> int:
    total = 0
    for r in records:
        for name in names:
            value = r.get(name)
            if isinstance(value, str):
                total += len(value)
            elif isinstance(value, list):
                total += sum(len(v) if isinstance(v, str) else len(str(v.get("note", ""))) for v in value)
    return total


def _within_case_cap(before: int, written: int, what: str, path: str) -> None:
    if before + written > CASE_TEXT_LIMIT:
        message = f"本案全部{what}的文字合计不得超过 {CASE_TEXT_LIMIT} 字，已有 {before} 字，本次 {written} 字：请精简"
        raise _invalid(message, path)


def _contract_clauses(case: NegotiationCase) -> list[str]:
    """The clauses a finding or a letter may name: the contract's topics, its term, or the contract as a whole."""
    return [*case.topics, "term", "general"]


def _check_clauses(case: NegotiationCase, clauses: list[tuple[str, str]]) -> None:
    known = _contract_clauses(case)
    bad = [
        Violation(None, f"「{clause}」不是本合同的条款；条款须为以下之一：{'、'.join(known)}", None, path)
        for path, clause in clauses
        if clause not in known
    ]
    if bad:
        raise ValidationFailed(bad[0].message, bad)


# --- R23 rule changes --------------------------------------------------------------------------------------------


def _notice_article(uow: UnitOfWork, case: NegotiationCase, days: int) -> str | None:
    """The number (第…条) of the article of the contract in force that states the notice of a rule change."""
    draft = uow.repo.draft(case.id or 0, case.current_draft_version or 0)
    if draft is None:
        return None
    text = plain_text(render_html("draft", docs.draft_context(uow, case, draft), standalone=False))
    for line in text.splitlines():
        found = _ARTICLE.match(line.strip())
        if found and f"至少提前{days}日告知" in line:
            return found.group(1)
    return None


def _notice_days(uow: UnitOfWork, case: NegotiationCase) -> int | None:
    draft = uow.repo.draft(case.id or 0, case.current_draft_version or 0)
    term = (draft.terms if draft else {}).get(NOTICE_TOPIC) or {}
    days = term.get(NOTICE_FIELD)
    return int(days) if isinstance(days, int) else None


def _quoted(title: str) -> str:
    """The contract's title in title marks (escaped: the citation check reads this source as text)."""
    return "\u300a" + title + "\u300b"


def add_rule_change(uow: UnitOfWork, *, actor: Actor, case_id: int, body: Any) -> dict[str, Any]:
    """R23: a platform's notice of a change of its rules, at least the contract's own notice term ahead."""
    with uow:
        case = _in_force_case(uow, actor, case_id, body, EMPLOYER_SIDE, "本案企业方代表组织或覆盖企业的代表", "告知平台规则变更")
        cmd = parse(RuleChangeCreate, body)
        if cmd.effective_on <= cmd.notified_on:
            raise _invalid("规则变更的施行日期（effective_on）须晚于告知日期（notified_on）", "effective_on")
        earlier: list[dict[str, Any]] = list(case.fact("rule_changes", []))
        _within_case_cap(_text_of(earlier, "title", "summary"), len(cmd.title) + len(cmd.summary), "规则变更告知", "summary")
        days = _notice_days(uow, case)
        given = (cmd.effective_on - cmd.notified_on).days
        if days is not None and given < days:
            article = _notice_article(uow, case, days)
            where = f"{_quoted(case.title)}第{article}条" if article else _quoted(case.title)
            citation = f"{where}；{RULES['R23'].citation}"
            message = (
                f"本合同约定企业调整订单分配规则或者算法应当至少提前{days}日告知工会和劳动者，"
                f"本次告知（{cmd.notified_on}）距施行（{cmd.effective_on}）仅{given}日"
            )
            raise rule_violation([violation("R23", message, "effective_on", citation=citation)])
        assert actor.organization_id is not None
        change = {
            "id": len(earlier) + 1,
            "title": cmd.title,
            "summary": cmd.summary,
            "topics": list(cmd.topics),
            "notified_on": cmd.notified_on.isoformat(),
            "effective_on": cmd.effective_on.isoformat(),
            # The union's views must be heard before the change applies: it answers by the day before.
            "response_due_on": (cmd.effective_on - timedelta(days=1)).isoformat(),
            "notice_days_required": days,
            "organization_id": actor.organization_id,
            "created_at": now_iso(),
            "responses": [],
        }
        case.record(rule_changes=[*earlier, change])
        data = {k: v for k, v in change.items() if k not in ("responses", "created_at")}
        record_change(uow, case, actor.label, "notify_rule_change", data, from_state=case.state)
        result = change
        uow.commit(result)
    return result


def add_rule_change_response(uow: UnitOfWork, *, actor: Actor, case_id: int, change_id: int, body: Any) -> dict[str, Any]:
    """The union's response to a notified rule change: agree, object or ask for talks."""
    with uow:
        case = visible_case(uow, actor, case_id)
        changes: list[dict[str, Any]] = list(case.fact("rule_changes", []))
        index = next((i for i, c in enumerate(changes) if c["id"] == change_id), None)
        if index is None:
            raise NotFound(f"本案没有编号为 {change_id} 的规则变更告知")
        case = _in_force_case(uow, actor, case_id, body, UNION, "本案工会方协商代表", "回应平台规则变更")
        cmd = parse(RuleChangeResponseCreate, body)
        responses = list(changes[index]["responses"])
        total = _text_of(changes, "title", "summary") + sum(len(r["comment"]) for c in changes for r in c["responses"])
        _within_case_cap(total, len(cmd.comment), "规则变更告知和回应", "comment")
        response = {
            "id": len(responses) + 1,
            "position": cmd.position,
            "comment": cmd.comment,
            "responded_on": now_iso()[:10],
            "late": now_iso()[:10] > changes[index]["response_due_on"],
            "created_at": now_iso(),
        }
        changes[index] = {**changes[index], "responses": [*responses, response]}
        case.record(rule_changes=changes)
        data = {"rule_change_id": change_id, "position": cmd.position, "comment": cmd.comment}
        record_change(uow, case, actor.label, "respond_rule_change", data, from_state=case.state)
        result = {"rule_change_id": change_id, **response}
        uow.commit(result)
    return result


def rule_changes(uow: UnitOfWork, *, actor: Actor, case_id: int) -> list[dict[str, Any]]:
    """The rule changes notified on a case, each with the union's responses."""
    with uow:
        case = visible_case(uow, actor, case_id)
        return list(case.fact("rule_changes", []))


# --- 履约监督: inspections and letters ------------------------------------------------------------------------------


def _inspection(uow: UnitOfWork, actor: Actor, case_id: int, body: Any, at: str) -> tuple[NegotiationCase, AuditEvent]:
    case = _in_force_case(uow, actor, case_id, body, UNION, "本案工会方协商代表", "记录履约检查")
    cmd = parse(InspectionCreate, body)
    _check_clauses(case, [(f"findings[{i}].clause", f.clause) for i, f in enumerate(cmd.findings)])
    effective_on = case.fact("effective_on")
    if effective_on and cmd.held_on.isoformat() < effective_on:
        raise _invalid(f"检查日期（{cmd.held_on}）不能早于合同生效日期（{effective_on}）", "held_on")
    written = sum(len(x) for x in cmd.inspectors) + sum(len(f.note) for f in cmd.findings)
    if written > INSPECTION_TEXT_LIMIT:
        raise _invalid(
            f"一次检查的文字（检查人员和说明）合计不得超过 {INSPECTION_TEXT_LIMIT} 字，本次为 {written} 字", "findings"
        )
    earlier: list[dict[str, Any]] = list(case.fact("inspections", []))
    _within_case_cap(_text_of(earlier, "inspectors", "findings"), written, "履约检查记录", "findings")
    inspection = {
        "id": len(earlier) + 1,
        "number": len(earlier) + 1,
        "held_on": cmd.held_on.isoformat(),
        "inspectors": list(cmd.inspectors),
        "findings": [f.model_dump(mode="json") for f in cmd.findings],
        "created_at": at,
    }
    case.record(inspections=[*earlier, inspection])
    data = {k: v for k, v in inspection.items() if k != "created_at"}
    link = record_change(uow, case, actor.label, "record_inspection", data, from_state=case.state, at=at)
    return case, link


def _letter(uow: UnitOfWork, actor: Actor, case_id: int, body: Any, at: str) -> tuple[NegotiationCase, AuditEvent]:
    case = _in_force_case(uow, actor, case_id, body, UNION, "本案工会方协商代表", "发出劳动法律监督文书")
    cmd = parse(SupervisionLetterCreate, body)
    if cmd.addressee_org_id not in (case.employer_org_id, *case.covered_enterprise_ids):
        raise _invalid("监督文书的对象须为本案企业方代表组织或本案覆盖的企业", "addressee_org_id")
    _check_clauses(case, [(f"clauses[{i}]", c) for i, c in enumerate(cmd.clauses)])
    effective_on = case.fact("effective_on")
    if effective_on and cmd.issued_on.isoformat() < effective_on:
        raise _invalid(f"发出日期（{cmd.issued_on}）不能早于合同生效日期（{effective_on}）", "issued_on")
    earlier: list[dict[str, Any]] = list(case.fact("supervision_letters", []))
    _within_case_cap(_text_of(earlier, "text"), len(cmd.text), "劳动法律监督文书", "text")
    due_on: date = cmd.issued_on + timedelta(days=cmd.reply_within_days)
    profile = profile_for_region(case.region_code)
    basis = profile.facts[LETTER_BASIS[cmd.kind]]["citation"]
    letter = {
        "id": len(earlier) + 1,
        "number": len(earlier) + 1,
        "kind": cmd.kind,
        "addressee_org_id": cmd.addressee_org_id,
        "issued_on": cmd.issued_on.isoformat(),
        "text": cmd.text,
        "clauses": list(dict.fromkeys(cmd.clauses)),
        "reply_within_days": cmd.reply_within_days,
        "reply_due_on": due_on.isoformat(),
        "created_at": at,
    }
    case.deadlines.append(
        Deadline(
            kind="supervision_reply",
            rule=LETTER_RULE,
            citation=basis,
            trigger_on=cmd.issued_on,
            due_on=due_on,
            status="open",
            calendar=stored_calendar(uow).kind(due_on.year),
        )
    )
    case.record(supervision_letters=[*earlier, letter])
    data = {k: v for k, v in letter.items() if k != "created_at"}
    link = record_change(uow, case, actor.label, "issue_supervision_letter", data, from_state=case.state, at=at)
    return case, link


def _with_document(uow: UnitOfWork, action: str, make: Any, actor: Actor, case_id: int, body: Any, key: str) -> dict[str, Any]:
    """Check and plan in a reader, render with no lock held, then write the record, its audit link and its document."""
    at = now_iso()
    with uow.reader() as reader:
        chain = list(reader.repo.audit_events(case_id))
        case, link = make(reader, actor, case_id, body, at)
        planned = docs.plan_for_event(reader, case, action, [*chain, link], None)
    made = docs.render_all(planned)
    with uow:
        case, _link = make(uow, actor, case_id, body, at)
        stored = docs.store_all(uow, case, made, at)
        record = case.fact(key)[-1]
        result = {**{k: v for k, v in record.items() if k != "created_at"}, "document_ids": [d.id for d in stored]}
        uow.commit(result)
    return result


def add_inspection(uow: UnitOfWork, *, actor: Actor, case_id: int, body: Any) -> dict[str, Any]:
    """An inspection of how the contract is kept, with its report (inspection_report)."""
    return _with_document(uow, "record_inspection", _inspection, actor, case_id, body, "inspections")


def add_supervision_letter(uow: UnitOfWork, *, actor: Actor, case_id: int, body: Any) -> dict[str, Any]:
    """A 提示函 / 意见书 / 建议书 about an enterprise of the case, with its document and a reply deadline."""
    return _with_document(uow, "issue_supervision_letter", _letter, actor, case_id, body, "supervision_letters")


def inspections(uow: UnitOfWork, *, actor: Actor, case_id: int) -> list[dict[str, Any]]:
    """The inspections recorded on a case."""
    with uow:
        case = visible_case(uow, actor, case_id)
        return [{k: v for k, v in r.items()} for r in case.fact("inspections", [])]


def supervision_letters(uow: UnitOfWork, *, actor: Actor, case_id: int) -> list[dict[str, Any]]:
    """The supervision letters issued on a case."""
    with uow:
        case = visible_case(uow, actor, case_id)
        return [{k: v for k, v in r.items()} for r in case.fact("supervision_letters", [])]
