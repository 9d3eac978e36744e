"""The event registry: every event once, as data — its key, Chinese label, the model of its `data`, its procedure.

The transition table (negotiation/states/table.py) says from where an event moves a case and who may fire it;
this registry says what the event is. Every other list of events is derived from these two: EVENT_DATA (the
request schemas of api.md), the procedures, the labels of the review pages. The two are checked against each
other on import, so an event without a procedure or a schema cannot be served. The documents an event makes are
registered with the document kinds (negotiation/documents/kinds.py), which name their events by key.

ACTIONS are the audit link kinds that are not events of the table (creating a case, a meeting, a draft…), with
their labels.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from pydantic import BaseModel

from negotiation import event_data as ed
from negotiation import procedure as p
from negotiation.calendar import LIBRARY, HolidayCalendar
from negotiation.model import Deadline, NegotiationCase
from negotiation.procedure import EventContext, EventOutcome, Procedure
from negotiation.rules import Profile
from negotiation.states.machine import fire
from negotiation.states.state import CaseState
from negotiation.states.table import EVENTS as TABLE_EVENTS
from negotiation.states.table import SYSTEM_EVENTS, Party

__all__ = [
    "ACTIONS",
    "EVENT_DATA",
    "EVENT_LABELS",
    "PROCEDURES",
    "REGISTRY",
    "Event",
    "RegistryMismatch",
    "apply_event",
    "apply_system_event",
    "check_registry",
    "is_registered",
]


@dataclass(frozen=True)
class Event:
    """One event: its key (as in the table and api.md), its label, the model of its `data`, its procedure."""

    key: str
    label: str
    data: type[BaseModel]
    procedure: Procedure


REGISTRY: tuple[Event, ...] = (
    Event("propose", "发出协商要约", ed.ProposeData, p.propose),
    Event("accept", "同意协商", ed.AcceptData, p.accept),
    Event("decline", "拒绝协商", ed.DeclineData, p.decline),
    Event("open_talks", "开始协商", ed.Empty, p.nothing),
    Event("suspend", "中止协商", ed.SuspendData, p.suspend),
    Event("resume", "恢复协商", ed.Empty, p.nothing),
    Event("submit_draft", "提交草案供审阅", ed.SubmitDraftData, p.submit_draft),
    Event("request_changes", "退回修改", ed.RequestChangesData, p.request_changes),
    Event("approve_draft", "批准草案", ed.Empty, p.approve_draft),
    Event("open_vote", "提交职代会审议", ed.Empty, p.nothing),
    Event("record_vote", "记录表决结果", ed.RecordVoteData, p.record_vote),
    Event("sign", "签字", ed.SignData, p.sign),
    Event("file", "报送审查", ed.FileData, p.file),
    Event("record_receipt", "人社部门收文", ed.RecordReceiptData, p.record_receipt),
    Event("object", "人社部门提出审查意见", ed.ObjectData, p.object_),
    Event("approve", "人社部门审查同意", ed.ApproveData, p.approve),
    Event("publish", "公布", ed.PublishData, p.publish),
    Event("settle", "协调处理", ed.SettleData, p.settle),
    Event("withdraw", "撤回", ed.WithdrawData, p.withdraw),
    Event("reply_overdue", "逾期未答复，转入争议", ed.DeadlinePassedData, p.reply_overdue),
    Event("deemed_effective", "审查期满视为生效", ed.DeadlinePassedData, p.deemed_effective),
    Event("expire", "合同期满终止", ed.DeadlinePassedData, p.expire),
)

# Audit link kinds written by the service layer that are not events of the table.
ACTIONS: dict[str, str] = {
    "create_case": "创建案件",
    "set_representatives": "确定协商代表",
    "record_meeting": "记录协商会议",
    "add_draft": "提交新版草案",
    "comment": "发表意见",
    "archive_integrity_alert": "存档文件校验告警",
    "recompute_deadlines": "按载入的节假日安排重新计算期限",
    "renewal_opened": "续订协商已开启",
    "notify_rule_change": "告知平台规则变更",
    "respond_rule_change": "工会回应规则变更",
    "record_inspection": "记录履约检查",
    "issue_supervision_letter": "发出劳动法律监督文书",
}


class RegistryMismatch(RuntimeError):
    """The event registry and the transition table do not name the same events."""


def check_registry(registry: Iterable[Event], table_events: Iterable[str]) -> None:
    """Raise RegistryMismatch unless the registry names each event of the table exactly once, and nothing else."""
    keys = [e.key for e in registry]
    table = set(table_events)
    problems = []
    if missing := [k for k in table if k not in keys]:
        problems.append(f"events of the table without a registry entry: {sorted(missing)}")
    if unknown := [k for k in keys if k not in table]:
        problems.append(f"registry entries for events the table does not have: {sorted(unknown)}")
    if twice := sorted({k for k in keys if keys.count(k) > 1}):
        problems.append(f"events registered twice: {twice}")
    if clash := sorted(set(keys) & set(ACTIONS)):
        problems.append(f"actions that are also events: {clash}")
    if problems:
        raise RegistryMismatch("; ".join(problems))


check_registry(REGISTRY, TABLE_EVENTS)

_BY_KEY: dict[str, Event] = {e.key: e for e in REGISTRY}
# The `data` schema of each event a caller may fire (api.md "Events"); time-driven events are fired by the sweeper.
EVENT_DATA: dict[str, type[BaseModel]] = {e.key: e.data for e in REGISTRY if e.key not in SYSTEM_EVENTS}
PROCEDURES: dict[str, Procedure] = {e.key: e.procedure for e in REGISTRY}
# Every kind of audit link in words: the actions, then the events.
EVENT_LABELS: dict[str, str] = {**ACTIONS, **{e.key: e.label for e in REGISTRY}}


def is_registered(event: str) -> bool:
    """Whether an event has a registry entry (and so a schema and a procedure)."""
    return event in _BY_KEY


def apply_event(case: NegotiationCase, event: str, data: BaseModel, ctx: EventContext) -> EventOutcome:
    """Check and record an event's facts with its procedure, then move the case; raises before changing anything it checks."""
    vote = _BY_KEY[event].procedure(case, data, ctx)
    return EventOutcome(state=fire(case, event), vote=vote)


def apply_system_event(
    case: NegotiationCase, deadline: Deadline, profile: Profile, as_of: date, calendar: HolidayCalendar = LIBRARY
) -> tuple[str, ed.DeadlinePassedData]:
    """The time-driven consequence of a deadline that has passed: (event or overdue flag, the data to record)."""
    data = ed.DeadlinePassedData(rule=deadline.rule, due_on=deadline.due_on, as_of=as_of)
    event = p.SYSTEM_EVENT_FOR.get((deadline.kind, CaseState(case.state)))
    if event is None:
        return p.flag_overdue(case, deadline), data
    deadline.status = "fired"
    ctx = EventContext(party=Party.SYSTEM, organization_id=None, profile=profile, today=as_of, calendar=calendar)
    apply_event(case, event, data, ctx)
    return event, data
