"""Commands of the consulting phase: drafts, meetings and comments."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from negotiation import audit
from negotiation.commands import (
    MEETINGS_TEXT_LIMIT,
    MINUTES_TEXT_LIMIT,
    CommentCreate,
    DraftCreate,
    MeetingCreate,
    OptionalVersionEnvelope,
)
from negotiation.errors import Forbidden, InvalidTransition, NotFound, ValidationFailed, VersionConflict, Violation
from negotiation.item_identity import duplicate_items
from negotiation.model import Comment, Draft, Meeting, NegotiationCase
from negotiation.rules import profile_for_region, rule_violation, violation
from negotiation.service_layer import documents as docs
from negotiation.service_layer import texts
from negotiation.service_layer.access import Actor, parties_of
from negotiation.service_layer.clock import now_iso
from negotiation.service_layer.handlers import record_change, visible_case
from negotiation.service_layer.unit_of_work import UnitOfWork
from negotiation.service_layer.views import comment_view, draft_view, meeting_view
from negotiation.states.state import CaseState
from negotiation.states.table import Party
from negotiation.terms import Terms, floor_violations, topic_violations
from negotiation.validation import parse

__all__ = ["add_comment", "add_draft", "add_meeting", "draft_sha256"]

COMMENTING_PARTIES = frozenset({Party.UNION, Party.EMPLOYER_BODY, Party.COVERED_ENTERPRISE})


def draft_sha256(term_start: str, term_end: str, terms: dict[str, Any]) -> str:
    """The fingerprint a vote and a contract are tied to: sha256 of the draft's canonical JSON."""
    return audit.sha256_hex(audit.canonical_json({"term_start": term_start, "term_end": term_end, "terms": terms}))


def _consulting_union_change(uow: UnitOfWork, actor: Actor, case_id: int, body: Any, what: str) -> NegotiationCase:
    case = visible_case(uow, actor, case_id)
    envelope = parse(OptionalVersionEnvelope, body)
    if Party.UNION not in parties_of(actor, case):
        raise Forbidden(f"只有本案工会方协商代表可以{what}")
    if envelope.expected_version is not None and envelope.expected_version != case.version:
        raise VersionConflict(envelope.expected_version, case.version)
    if case.state != CaseState.CONSULTING:
        raise InvalidTransition(f"案件当前状态为「{case.state}」，只有在协商中（consulting）才能{what}")
    return case


def add_draft(uow: UnitOfWork, *, actor: Actor, case_id: int, body: Any) -> dict[str, Any]:
    """A new draft version, checked against the legal floors; it becomes current and clears earlier approvals."""
    with uow:
        case = _consulting_union_change(uow, actor, case_id, body, "提交草案")
        cmd = parse(DraftCreate, body)
        terms = _terms_json(cmd.terms)
        found = [*topic_violations(cmd.terms, list(case.topics)), *duplicate_items(terms)]
        if cmd.term_end <= cmd.term_start:
            found.append(Violation(None, "合同终止日期须晚于起始日期", None, "term_end"))
        if found:
            raise ValidationFailed(found[0].message, found)
        profile = profile_for_region(case.region_code)
        floors = floor_violations(
            cmd.terms, term_start=cmd.term_start, term_end=cmd.term_end, profile=profile, region_code=case.region_code
        )
        if floors:
            raise rule_violation(floors)
        version = uow.repo.latest_draft_version(case.id or 0) + 1
        sha = draft_sha256(cmd.term_start.isoformat(), cmd.term_end.isoformat(), terms)
        draft = Draft(
            case_id=case.id or 0, version=version, sha256=sha, term_start=cmd.term_start, term_end=cmd.term_end,
            terms=terms, created_at=now_iso(), created_by=actor.user_id,
        )  # fmt: skip
        uow.repo.add(draft)
        case.current_draft_version = version
        case.record(approvals=[])
        texts.record_draft_text(uow, case, draft)
        record_change(uow, case, actor.label, "add_draft", {"version": version, "sha256": sha}, from_state=case.state)
        result = draft_view(draft)
        uow.commit(result)
    return result


def _terms_json(terms: Terms) -> dict[str, Any]:
    return terms.model_dump(mode="json", exclude_none=True)


def _written(summary: str, positions: Iterable[Any]) -> int:
    return len(summary) + sum(len(_field(p, "worker_position")) + len(_field(p, "employer_position")) for p in positions)


def _field(item: Any, name: str) -> str:
    return str(item.get(name, "") if isinstance(item, dict) else getattr(item, name))


def _within_text_caps(cmd: MeetingCreate, previous: Sequence[Meeting]) -> None:
    """The user text of one minutes, and of all minutes the filing pack prints again, stays within its cap."""
    written = _written(cmd.summary, cmd.positions)
    if written > MINUTES_TEXT_LIMIT:
        message = (
            f"一次会议纪要的文字（纪要和各方立场）合计不得超过 {MINUTES_TEXT_LIMIT} 字，本次为 {written} 字：请精简或分次记录"
        )
        raise ValidationFailed(message, [Violation(None, message, None, "summary")])
    before = sum(_written(m.summary, m.positions) for m in previous)
    if before + written > MEETINGS_TEXT_LIMIT:
        message = (
            f"本案全部会议纪要的文字合计不得超过 {MEETINGS_TEXT_LIMIT} 字（报送审查材料须全文附上），"
            f"已有 {before} 字，本次 {written} 字：请精简本次纪要"
        )
        raise ValidationFailed(message, [Violation(None, message, None, "summary")])


def _meeting(
    uow: UnitOfWork, actor: Actor, case_id: int, body: Any, at: str, *, planning: bool
) -> tuple[NegotiationCase, Meeting, list[docs.PlannedDocument]]:
    case = _consulting_union_change(uow, actor, case_id, body, "记录协商会议")
    cmd = parse(MeetingCreate, body)
    topics = set(case.topics)
    bad = [
        Violation(None, f"「{p.topic}」不是本案的协商议题", None, f"positions[{i}].topic")
        for i, p in enumerate(cmd.positions)
        if p.topic not in topics
    ]
    if bad:
        raise ValidationFailed(bad[0].message, bad)
    previous = uow.repo.meetings(case.id or 0)
    _within_text_caps(cmd, previous)
    if previous and previous[-1].chair_side == cmd.chair_side:
        side = "职工方" if cmd.chair_side == "worker" else "企业方"
        raise rule_violation([violation("R9", f"协商会议应由双方首席代表轮流主持：上次会议已由{side}主持", "chair_side")])
    meeting = Meeting(
        case_id=case.id or 0, held_on=cmd.held_on, location=cmd.location, chair_side=cmd.chair_side,
        recorder=cmd.recorder, summary=cmd.summary, positions=[p.model_dump(mode="json") for p in cmd.positions],
        created_at=at,
    )  # fmt: skip
    chain = list(uow.repo.audit_events(case.id or 0)) if planning else []
    data = cmd.model_dump(mode="json", exclude={"expected_version"})
    link = record_change(uow, case, actor.label, "record_meeting", data, from_state=case.state, at=at)
    planned = docs.plan_for_meeting(uow, case, meeting, [*chain, link]) if planning else []
    if not planning:
        uow.repo.add(meeting)
        uow.repo.flush()
    return case, meeting, planned


def add_meeting(uow: UnitOfWork, *, actor: Actor, case_id: int, body: Any) -> dict[str, Any]:
    """Minutes of a meeting; the chair alternates between the sides (R9). The minutes PDF is rendered before the write lock."""
    at = now_iso()
    with uow.reader() as reader:
        _case, _meeting_seen, planned = _meeting(reader, actor, case_id, body, at, planning=True)
    made = docs.render_all(planned)
    with uow:
        case, meeting, _ = _meeting(uow, actor, case_id, body, at, planning=False)
        docs.store_all(uow, case, made, at)
        result = meeting_view(meeting)
        uow.commit(result)
    return result


def add_comment(uow: UnitOfWork, *, actor: Actor, case_id: int, version: int, body: Any) -> dict[str, Any]:
    """A comment anchored to a clause of one draft; audited, the case's version unchanged."""
    with uow:
        case = visible_case(uow, actor, case_id)
        draft = uow.repo.draft(case.id or 0, version)
        if draft is None:
            raise NotFound(f"本案没有第 {version} 版草案")
        if not parties_of(actor, case) & COMMENTING_PARTIES:
            raise Forbidden("只有工会方、企业方代表组织和覆盖企业可以评论草案")
        cmd = parse(CommentCreate, body)
        clauses = [*case.topics, "term", "general"]
        if cmd.clause not in clauses:
            message = f"条款须为以下之一：{'、'.join(clauses)}"
            raise ValidationFailed(message, [Violation(None, message, None, "clause")])
        assert actor.organization_id is not None
        comment = Comment(
            case_id=case.id or 0, draft_version=version, clause=cmd.clause, body=cmd.body,
            author_id=actor.user_id, organization_id=actor.organization_id, created_at=now_iso(),
        )  # fmt: skip
        uow.repo.add(comment)
        uow.repo.flush()
        data = {"draft_version": version, "clause": cmd.clause, "body": cmd.body}
        record_change(uow, case, actor.label, "comment", data, from_state=case.state, bump=False)
        org = uow.repo.organization(actor.organization_id)
        result = comment_view(comment, uow.repo.user(actor.user_id), org)
        uow.commit(result)
    return result
