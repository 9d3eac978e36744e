"""Commands of the consulting phase: drafts, meetings and comments."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from negotiation import audit, procedure
from negotiation.commands import (
    MEETING_PURPOSES,
    MEETINGS_LIMIT,
    MEETINGS_LINES_LIMIT,
    MEETINGS_TEXT_LIMIT,
    MINUTES_TEXT_LIMIT,
    POSITIONS_TEXT_LIMIT,
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
from negotiation.service_layer.stored_calendar import stored_calendar
from negotiation.service_layer.unit_of_work import UnitOfWork
from negotiation.service_layer.views import comment_view, draft_view, meeting_view
from negotiation.states.state import CaseState
from negotiation.states.table import Party
from negotiation.terms import Terms, floor_violations, topic_violations
from negotiation.validation import parse

__all__ = ["add_comment", "add_draft", "add_meeting", "draft_sha256"]

COMMENTING_PARTIES = frozenset({Party.UNION, Party.EMPLOYER_BODY, Party.COVERED_ENTERPRISE})
# The meetings each state accepts, by purpose: the talks on the contract while consulting; once it is in force, the
# yearly talks on the platforms' rules and algorithms (R24) and the review of how the contract is kept.
MEETING_PURPOSES_BY_STATE: dict[CaseState, tuple[str, ...]] = {
    CaseState.CONSULTING: ("consultation",),
    CaseState.IN_FORCE: ("algorithm_talks", "performance_review"),
}


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
        _renews(uow, actor, case, cmd.term_start)
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


def _renews(uow: UnitOfWork, actor: Actor, case: NegotiationCase, term_start: Any) -> None:
    """R19: a draft whose term starts after the contract it amends ends makes this case that contract's renewal;
    the contract's renewal window is met, audited on it, in this transaction."""
    if case.amends_case_id is None:
        return
    earlier = uow.repo.case(case.amends_case_id)
    if earlier is None or not procedure.renewal_opened(earlier, term_start):
        return
    data = {"renewal_case_id": case.id, "term_start": term_start.isoformat()}
    record_change(uow, earlier, actor.label, "renewal_opened", data, from_state=earlier.state)


def _terms_json(terms: Terms) -> dict[str, Any]:
    return terms.model_dump(mode="json", exclude_none=True)


def _written(summary: str, positions: Iterable[Any]) -> int:
    return len(summary) + sum(len(_field(p, "worker_position")) + len(_field(p, "employer_position")) for p in positions)


def _lines(summary: str, positions: Iterable[Any]) -> int:
    texts = [summary, *(_field(p, side) for p in positions for side in ("worker_position", "employer_position"))]
    return sum(t.count("\n") + 1 for t in texts if t)


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
    if len(previous) >= MEETINGS_LIMIT:
        message = f"同一类别的协商会议最多记录 {MEETINGS_LIMIT} 次（报送审查材料须逐次附上纪要），本案已有 {len(previous)} 次"
        raise ValidationFailed(message, [Violation(None, message, None, "purpose")])
    positions = _written("", cmd.positions)
    positions_before = sum(_written("", m.positions) for m in previous)
    if positions_before + positions > POSITIONS_TEXT_LIMIT:
        message = (
            f"本案全部会议纪要中各方意见的文字合计不得超过 {POSITIONS_TEXT_LIMIT} 字，已有 {positions_before} 字，"
            f"本次 {positions} 字：较长的内容请写入会议纪要正文"
        )
        raise ValidationFailed(message, [Violation(None, message, None, "positions")])
    lines = _lines(cmd.summary, cmd.positions)
    lines_before = sum(_lines(m.summary, m.positions) for m in previous)
    if lines_before + lines > MEETINGS_LINES_LIMIT:
        message = (
            f"本案全部会议纪要合计不得超过 {MEETINGS_LINES_LIMIT} 行（段），已有 {lines_before} 行，本次 {lines} 行：请合并段落"
        )
        raise ValidationFailed(message, [Violation(None, message, None, "summary")])
    before = sum(_written(m.summary, m.positions) for m in previous)
    if before + written > MEETINGS_TEXT_LIMIT:
        message = (
            f"本案全部会议纪要的文字合计不得超过 {MEETINGS_TEXT_LIMIT} 字（报送审查材料须全文附上），"
            f"已有 {before} 字，本次 {written} 字：请精简本次纪要"
        )
        raise ValidationFailed(message, [Violation(None, message, None, "summary")])


def _meeting_case(uow: UnitOfWork, actor: Actor, case_id: int, body: Any) -> NegotiationCase:
    """The case, if the union may record a meeting of this purpose on it now (checks in api.md's order)."""
    case = visible_case(uow, actor, case_id)
    envelope = parse(OptionalVersionEnvelope, body)
    if Party.UNION not in parties_of(actor, case):
        raise Forbidden("只有本案工会方协商代表可以记录协商会议")
    if envelope.expected_version is not None and envelope.expected_version != case.version:
        raise VersionConflict(envelope.expected_version, case.version)
    accepted = MEETING_PURPOSES_BY_STATE.get(CaseState(case.state), ())
    purpose = body.get("purpose", "consultation") if isinstance(body, dict) else "consultation"
    if not accepted:
        raise InvalidTransition(f"案件当前状态为「{case.state}」，只有在协商中（consulting）或合同施行中（in_force）才能记录会议")
    if purpose in MEETING_PURPOSES and purpose not in accepted:
        raise InvalidTransition(
            f"案件当前状态为「{case.state}」，不能记录 purpose 为 {purpose} 的会议；当前可记录：{'、'.join(accepted)}"
        )
    return case


def _meeting(
    uow: UnitOfWork, actor: Actor, case_id: int, body: Any, at: str, *, planning: bool
) -> tuple[NegotiationCase, Meeting, list[docs.PlannedDocument]]:
    case = _meeting_case(uow, actor, case_id, body)
    cmd = parse(MeetingCreate, body)
    topics = set(case.topics)
    bad = [
        Violation(None, f"「{x.topic}」不是本案的协商议题", None, f"positions[{i}].topic")
        for i, x in enumerate(cmd.positions)
        if x.topic not in topics
    ]
    if bad:
        raise ValidationFailed(bad[0].message, bad)
    effective_on = case.fact("effective_on")
    if cmd.purpose != "consultation" and effective_on and cmd.held_on.isoformat() < effective_on:
        message = f"会议日期（{cmd.held_on}）不能早于合同生效日期（{effective_on}）"
        raise ValidationFailed(message, [Violation(None, message, None, "held_on")])
    # Meetings of one purpose form one series: its chairs alternate (R9) and its minutes share one text cap.
    previous = [m for m in uow.repo.meetings(case.id or 0) if m.purpose == cmd.purpose]
    _within_text_caps(cmd, previous)
    if previous and previous[-1].chair_side == cmd.chair_side:
        side = "职工方" if cmd.chair_side == "worker" else "企业方"
        raise rule_violation([violation("R9", f"协商会议应由双方首席代表轮流主持：上次会议已由{side}主持", "chair_side")])
    meeting = Meeting(
        case_id=case.id or 0, held_on=cmd.held_on, location=cmd.location, chair_side=cmd.chair_side,
        recorder=cmd.recorder, summary=cmd.summary, positions=[x.model_dump(mode="json") for x in cmd.positions],
        created_at=at, purpose=cmd.purpose,
    )  # fmt: skip
    if cmd.purpose == "algorithm_talks":
        procedure.algorithm_talks_held(case, cmd.held_on, profile_for_region(case.region_code), stored_calendar(uow))
    chain = list(uow.repo.audit_events(case.id or 0)) if planning else []
    data = cmd.model_dump(mode="json", exclude={"expected_version"})
    link = record_change(uow, case, actor.label, "record_meeting", data, from_state=case.state, at=at)
    planned = docs.plan_for_meeting(uow, case, meeting, [*chain, link]) if planning else []
    if not planning:
        uow.repo.add(meeting)
        uow.repo.flush()
    return case, meeting, planned


def add_meeting(uow: UnitOfWork, *, actor: Actor, case_id: int, body: Any) -> dict[str, Any]:
    """Minutes of a meeting; the chair alternates between the sides (R9); an algorithm-talks meeting meets the yearly
    R24 deadline. The minutes PDF is rendered before the write lock."""
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
