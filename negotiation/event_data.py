"""The `data` of each event of api.md as a pydantic model; unknown fields are refused.

Which model is whose event: negotiation/events.py.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationInfo, field_validator

from negotiation.commands import COVERED_ENTERPRISES_LIMIT
from negotiation.formats import Count, Day, Name, RequiredText, Text, clean_text
from negotiation.terms import TOPICS


class _Data(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Empty(_Data):
    pass


class ProposeData(_Data):
    served_on: Day = Field(title="要约送达日期")
    demands: RequiredText = Field(title="协商要求（议题及主要诉求）")


class AcceptData(_Data):
    received_on: Day = Field(title="收到要约日期")
    reply: Text = Field(default="", title="答复意见")


class DeclineData(_Data):
    received_on: Day = Field(title="收到要约日期")
    reason: RequiredText = Field(title="拒绝协商的理由")


class SuspendData(_Data):
    reason: RequiredText = Field(title="中止协商的原因")
    resume_on: Day = Field(title="预定恢复协商日期")


class SubmitDraftData(_Data):
    draft_version: int = Field(ge=1, le=2**31 - 1, strict=True, title="草案版本")


class RequestChangesData(_Data):
    comment: RequiredText = Field(title="退回理由")


class Tally(_Data):
    members: Count = Field(title="应到人数（全体职工或职工代表）")
    present: Count = Field(title="实到人数")
    yes: Count = Field(title="赞成票")
    no: Count = Field(title="反对票")
    abstain: Count = Field(title="弃权票")


class EnterpriseTally(Tally):
    enterprise_id: int = Field(ge=1, le=2**31 - 1, strict=True, title="企业")


class RecordVoteData(Tally):
    draft_version: int = Field(ge=1, le=2**31 - 1, strict=True, title="表决的草案版本")
    per_enterprise: list[EnterpriseTally] | None = Field(
        default=None, max_length=COVERED_ENTERPRISES_LIMIT, title="分企业表决结果"
    )
    held_on: Day | None = Field(default=None, title="会议日期")

    @field_validator("per_enterprise")
    @classmethod
    def _each_enterprise_once(cls, tallies: list[EnterpriseTally] | None) -> list[EnterpriseTally] | None:
        ids = [t.enterprise_id for t in tallies or []]
        if len(set(ids)) != len(ids):
            raise ValueError("每家企业的表决结果只填写一次")
        return tallies


class SignData(_Data):
    signed_on: Day = Field(title="签字日期")
    signatory: Name = Field(title="签字人（首席代表）")
    place: Name | None = Field(default=None, title="签字地点")


class FileData(_Data):
    filed_on: Day = Field(title="报送日期")


class RecordReceiptData(_Data):
    received_on: Day = Field(title="收文日期")
    receipt_no: Name = Field(title="收文编号")


OBJECTION_CLAUSES: tuple[str, ...] = (*TOPICS, "term", "general")
"""What an objection item may be anchored to: a topic's chapter, the term of validity, or the contract in general
(the clauses draft comments use; the case's own topics are checked when the event applies)."""

ObjectionClause = Literal[OBJECTION_CLAUSES]  # type: ignore[valid-type]
ItemText = Annotated[str, BeforeValidator(lambda v: clean_text(v, limit=2_000, required=True, lines=50))]


class ObjectionItem(_Data):
    clause: ObjectionClause = Field(title="条款")
    text: ItemText = Field(title="意见")


# The user text one review opinion (审查意见书) prints: the opinion and its items together (docs/api.md "Rendering
# is bounded"); each alone is capped by its type.
OPINION_TEXT_LIMIT = 20_000


class ObjectData(_Data):
    opinion: RequiredText = Field(title="审查意见")
    items: list[ObjectionItem] = Field(default_factory=list, max_length=50, title="逐条意见")
    objected_on: Day | None = Field(default=None, title="审查意见日期")

    @field_validator("items")
    @classmethod
    def _within_the_document_cap(cls, items: list[ObjectionItem], info: ValidationInfo) -> list[ObjectionItem]:
        written = len(info.data.get("opinion", "")) + sum(len(i.text) for i in items)
        if written > OPINION_TEXT_LIMIT:
            raise ValueError(f"审查意见和各项意见合计不得超过 {OPINION_TEXT_LIMIT} 个字符，本次为 {written} 个：请精简")
        return items


class ApproveData(_Data):
    approved_on: Day | None = Field(default=None, title="审查同意日期")


class PublishData(_Data):
    published_on: Day = Field(title="公布日期")
    channels: list[Name] = Field(min_length=1, max_length=50, title="公布渠道")


class SettleData(_Data):
    agreement: RequiredText = Field(title="协调处理意见")


class WithdrawData(_Data):
    reason: RequiredText = Field(title="撤回理由")


class DeadlinePassedData(_Data):
    """What the sweeper records for a time-driven event: the rule whose deadline passed, its day and the sweep's day."""

    rule: str
    due_on: Day
    as_of: Day
