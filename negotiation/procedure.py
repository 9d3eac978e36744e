"""What each event checks and records on the case before the state machine moves it (pure, no I/O).

One function per event; negotiation/events.py names which function is whose.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from pydantic import BaseModel

from negotiation import event_data as ed
from negotiation.calendar import LIBRARY, HolidayCalendar, add_months
from negotiation.deadlines import open_deadline, open_term_deadlines
from negotiation.errors import ValidationFailed, Violation
from negotiation.model import Deadline, Draft, NegotiationCase, Vote
from negotiation.rules import Profile, rule_violation
from negotiation.states import guards
from negotiation.states.state import CaseState
from negotiation.states.table import Party

__all__ = [
    "SYSTEM_EVENT_FOR",
    "EventContext",
    "EventOutcome",
    "Procedure",
    "algorithm_talks_held",
    "flag_overdue",
    "open_deadline",
    "renewal_opened",
]


@dataclass
class EventContext:
    """Who fires the event and what the procedure needs to know besides the case."""

    party: Party
    organization_id: int | None
    profile: Profile
    today: date
    current_draft: Draft | None = None
    created_at: str = ""
    # Which days are rest days: the service layer gives the years loaded into the database as well.
    calendar: HolidayCalendar = LIBRARY


@dataclass
class EventOutcome:
    """The new state and any record the event adds besides the case row."""

    state: CaseState
    vote: Vote | None = None
    effects: list[str] = field(default_factory=list)


Procedure = Callable[[NegotiationCase, Any, EventContext], Vote | None]
"""What an event checks and records: (case, the event's data, context) → the vote it adds, if any."""


def _date_error(path: str, message: str) -> ValidationFailed:
    return ValidationFailed(message, [Violation(None, message, None, path)])


def _iso(value: Any) -> date | None:
    return date.fromisoformat(value) if value else None


def _close(case: NegotiationCase, kind: str, on: date | None = None) -> None:
    deadline = case.open_deadline(kind)
    if deadline is not None:
        deadline.status = "overdue" if on is not None and on > deadline.due_on else "met"


def propose(case: NegotiationCase, data: ed.ProposeData, ctx: EventContext) -> None:
    found = guards.representative_violations(case.worker_side, case.employer_side, ctx.profile)
    if found:
        raise rule_violation(found)
    case.record(served_on=data.served_on.isoformat(), demands=data.demands)
    open_deadline(case, "reply", data.served_on, ctx.profile, calendar=ctx.calendar)


def _answer(case: NegotiationCase, received_on: date, **facts: Any) -> None:
    served_on = _iso(case.fact("served_on"))
    if served_on and received_on < served_on:
        raise _date_error("data.received_on", f"收到要约的日期（{received_on}）不能早于要约送达日期（{served_on}）")
    case.record(received_on=received_on.isoformat(), **facts)
    _close(case, "reply", received_on)


def accept(case: NegotiationCase, data: ed.AcceptData, ctx: EventContext) -> None:
    _answer(case, data.received_on, reply=data.reply)


def decline(case: NegotiationCase, data: ed.DeclineData, ctx: EventContext) -> None:
    _answer(case, data.received_on, decline_reason=data.reason)


def suspend(case: NegotiationCase, data: ed.SuspendData, ctx: EventContext) -> None:
    case.record(suspension={"reason": data.reason, "resume_on": data.resume_on.isoformat()})


def submit_draft(case: NegotiationCase, data: ed.SubmitDraftData, ctx: EventContext) -> None:
    if case.current_draft_version is None:
        raise _date_error("data.draft_version", "尚未提交任何草案，请先新建草案")
    if data.draft_version != case.current_draft_version:
        raise _date_error(
            "data.draft_version", f"只能提交当前草案（第 {case.current_draft_version} 版），不能提交第 {data.draft_version} 版"
        )
    case.record(approvals=[], submitted_draft_version=data.draft_version)


def request_changes(case: NegotiationCase, data: ed.RequestChangesData, ctx: EventContext) -> None:
    case.record(approvals=[], last_change_request=data.comment)


def approve_draft(case: NegotiationCase, data: ed.Empty, ctx: EventContext) -> None:
    case.record(approvals=sorted({*case.fact("approvals", []), ctx.organization_id}))


def _tally(tally: ed.Tally, profile: Profile) -> tuple[bool, bool]:
    return (
        guards.quorum_met(tally.members, tally.present, profile),
        guards.threshold_met(tally.members, tally.yes, profile),
    )


def record_vote(case: NegotiationCase, data: ed.RecordVoteData, ctx: EventContext) -> Vote:
    draft = ctx.current_draft
    if draft is None or data.draft_version != draft.version:
        raise _date_error(
            "data.draft_version",
            f"表决须针对当前草案（第 {case.current_draft_version} 版），第 {data.draft_version} 版不是当前草案",
        )
    found = guards.vote_violations(data.members, data.present, data.yes, data.no, data.abstain, "data")
    covered = set(case.covered_enterprise_ids)
    for i, t in enumerate(data.per_enterprise or []):
        found += guards.vote_violations(t.members, t.present, t.yes, t.no, t.abstain, f"data.per_enterprise[{i}]")
        if t.enterprise_id not in covered:
            found.append(
                Violation(None, f"企业 {t.enterprise_id} 不是本案覆盖的企业", None, f"data.per_enterprise[{i}].enterprise_id")
            )
    if found:
        raise ValidationFailed(found[0].message, found)
    quorum, threshold = _tally(data, ctx.profile)
    binding = list(case.covered_enterprise_ids)
    if data.per_enterprise is not None:
        binding = [t.enterprise_id for t in data.per_enterprise if all(_tally(t, ctx.profile))]
    passed = quorum and threshold and bool(binding)
    held_on = data.held_on or ctx.today
    case.record(
        last_vote_passed=passed,
        vote_outcome={"quorum_met": quorum, "threshold_met": threshold, "passed": passed},
        ratified_draft_sha256=draft.sha256 if passed else None,
        ratified_draft_version=draft.version if passed else None,
        ratified_on=held_on.isoformat() if passed else None,
        binding_enterprise_ids=binding if passed else [],
    )
    return Vote(
        case_id=case.id or 0, draft_version=draft.version, draft_sha256=draft.sha256, members=data.members,
        present=data.present, yes=data.yes, no=data.no, abstain=data.abstain, passed=passed,
        per_enterprise=[t.model_dump(mode="json") for t in data.per_enterprise or []],
        held_on=held_on, created_at=ctx.created_at,
    )  # fmt: skip


def sign(case: NegotiationCase, data: ed.SignData, ctx: EventContext) -> None:
    ratified_on = _iso(case.fact("ratified_on"))
    if ratified_on and data.signed_on < ratified_on:
        raise _date_error("data.signed_on", f"签字日期（{data.signed_on}）不能早于草案表决通过日期（{ratified_on}）")
    side = "union" if ctx.party is Party.UNION else "employer"
    signature = {"signed_on": data.signed_on.isoformat(), "signatory": data.signatory}
    if data.place is not None:
        signature["place"] = data.place
    signatures = {**case.fact("signatures", {}), side: signature}
    case.record(signatures=signatures)
    if guards.both_sides_signed(case):
        last = max(date.fromisoformat(s["signed_on"]) for s in signatures.values())
        case.record(signed_on=last.isoformat())
        open_deadline(case, "filing", last, ctx.profile, calendar=ctx.calendar)  # R13: 7 days for a wage agreement


def file(case: NegotiationCase, data: ed.FileData, ctx: EventContext) -> None:
    signed_on = _iso(case.fact("signed_on"))
    if signed_on and data.filed_on < signed_on:
        raise _date_error("data.filed_on", f"报送日期（{data.filed_on}）不能早于双方签字日期（{signed_on}）")
    case.record(filed_on=data.filed_on.isoformat())
    _close(case, "filing", data.filed_on)


def record_receipt(case: NegotiationCase, data: ed.RecordReceiptData, ctx: EventContext) -> None:
    filed_on = _iso(case.fact("filed_on"))
    if filed_on and data.received_on < filed_on:
        raise _date_error("data.received_on", f"收文日期（{data.received_on}）不能早于报送日期（{filed_on}）")
    case.record(receipt={"received_on": data.received_on.isoformat(), "receipt_no": data.receipt_no})
    open_deadline(case, "review", data.received_on, ctx.profile, calendar=ctx.calendar)


def object_(case: NegotiationCase, data: ed.ObjectData, ctx: EventContext) -> None:
    # R16: renegotiate, re-ratify, re-sign and re-file; the earlier approvals and signatures no longer count.
    received = _iso(case.fact("receipt", {}).get("received_on"))
    objected_on = data.objected_on or max(ctx.today, received or ctx.today)
    if received and objected_on < received:
        raise _date_error("data.objected_on", f"审查意见日期（{objected_on}）不能早于收文日期（{received}）")
    clauses = [*case.topics, "term", "general"]
    for i, item in enumerate(data.items):
        if item.clause not in clauses:
            raise _date_error(f"data.items[{i}].clause", f"条款须为以下之一：{'、'.join(clauses)}")
    _close(case, "review")
    objections = [*case.fact("objections", []), data.opinion]
    objection = {
        "opinion": data.opinion,
        "items": [{"clause": item.clause, "text": item.text} for item in data.items],
        "objected_on": objected_on.isoformat(),
        "received_on": received.isoformat() if received else None,
    }
    case.record(objections=objections, objection=objection, approvals=[], signatures={}, last_vote_passed=False)


def _take_effect(case: NegotiationCase, effective_on: date, ctx: EventContext) -> None:
    case.record(effective_on=effective_on.isoformat())
    open_deadline(case, "publication", effective_on, ctx.profile, calendar=ctx.calendar)


def approve(case: NegotiationCase, data: ed.ApproveData, ctx: EventContext) -> None:
    received = _iso(case.fact("receipt", {}).get("received_on"))
    # Without a reported date the approval is dated today, never before the receipt the caller reported.
    approved_on = data.approved_on or max(ctx.today, received or ctx.today)
    if received and approved_on < received:
        raise _date_error("data.approved_on", f"审查同意日期（{approved_on}）不能早于收文日期（{received}）")
    _close(case, "review")
    _take_effect(case, approved_on, ctx)


def publish(case: NegotiationCase, data: ed.PublishData, ctx: EventContext) -> None:
    effective_on = _iso(case.fact("effective_on"))
    if effective_on and data.published_on < effective_on:
        raise _date_error("data.published_on", f"公布日期（{data.published_on}）不能早于合同生效日期（{effective_on}）")
    case.record(published_on=data.published_on.isoformat(), channels=list(data.channels))
    _close(case, "publication", data.published_on)
    _come_into_force(case, ctx)


def _come_into_force(case: NegotiationCase, ctx: EventContext) -> None:
    """In force: the renewal window and the expiry of the term (R19, R18), and the yearly algorithm talks (R24)."""
    draft = ctx.current_draft
    if draft is None:  # a contract comes into force from its ratified draft; without one there is no term to watch
        return
    case.record(term_start=draft.term_start.isoformat(), term_end=draft.term_end.isoformat())
    open_term_deadlines(case, draft.term_end, ctx.profile, calendar=ctx.calendar)
    effective_on = _iso(case.fact("effective_on")) or draft.term_start
    open_deadline(case, "algorithm_talks", effective_on, ctx.profile, calendar=ctx.calendar)


def settle(case: NegotiationCase, data: ed.SettleData, ctx: EventContext) -> None:
    case.record(settlement=data.agreement)


def withdraw(case: NegotiationCase, data: ed.WithdrawData, ctx: EventContext) -> None:
    for deadline in case.deadlines:
        if deadline.status == "open":
            deadline.status = "cancelled"
    case.record(withdraw_reason=data.reason)


def nothing(case: NegotiationCase, data: BaseModel, ctx: EventContext) -> None:
    """An event that records nothing besides its move (open_talks, resume, open_vote)."""
    return None


def reply_overdue(case: NegotiationCase, data: ed.DeadlinePassedData, ctx: EventContext) -> None:
    """R6: the employer side did not answer the proposal in time; the case goes to dispute."""
    return None


def deemed_effective(case: NegotiationCase, data: ed.DeadlinePassedData, ctx: EventContext) -> None:
    """R15: the bureau raised no objection within the review period; the contract takes effect the day after."""
    _take_effect(case, data.due_on + timedelta(days=1), ctx)


def expire(case: NegotiationCase, data: ed.DeadlinePassedData, ctx: EventContext) -> None:
    """R18: the term has ended; the contract is no longer in force and nothing more falls due under it."""
    for deadline in case.deadlines:
        if deadline.status == "open":
            deadline.status = "cancelled"
    case.record(expired_on=(data.due_on + timedelta(days=1)).isoformat())


def algorithm_talks_held(case: NegotiationCase, held_on: date, profile: Profile, calendar: HolidayCalendar) -> None:
    """R24: a meeting for the yearly algorithm talks meets the open deadline (late if after its due date) and
    starts the next year's, unless that would fall due after the contract's term."""
    _close(case, "algorithm_talks", held_on)
    term_end = _iso(case.fact("term_end"))
    interval = profile.number("algorithm_talks_interval_months").days
    if term_end is None or add_months(held_on, interval) <= term_end:
        open_deadline(case, "algorithm_talks", held_on, profile, calendar=calendar)


def renewal_opened(case: NegotiationCase, term_start: date) -> bool:
    """R19: a case renewing this contract for a term that starts after this one ends meets the renewal window;
    whether it did (False when the window is no longer open or the term starts within this one: a variation, R20)."""
    deadline = case.open_deadline("renewal")
    term_end = _iso(case.fact("term_end"))
    if deadline is None or term_end is None or term_start <= term_end:
        return False
    deadline.status = "met"
    return True


# (deadline kind, state) → the event a passed deadline fires; any other passed deadline only flags the case.
SYSTEM_EVENT_FOR: dict[tuple[str, CaseState], str] = {
    ("reply", CaseState.PROPOSED): "reply_overdue",
    ("review", CaseState.IN_REVIEW): "deemed_effective",
    ("expiry", CaseState.IN_FORCE): "expire",
}


def flag_overdue(case: NegotiationCase, deadline: Deadline) -> str:
    """Mark a passed deadline overdue and flag the case once; return the flag (also the audit link's kind)."""
    deadline.status = "overdue"
    flag = f"{deadline.kind}_overdue"
    if flag not in case.flags:
        case.flags = [*case.flags, flag]
    return flag
