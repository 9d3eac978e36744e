"""The `data` of each event of api.md as a pydantic model; unknown fields are refused.

Which model is whose event: negotiation/events.py.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationInfo, field_validator

from negotiation.formats import Count, Day, Name, RequiredText, Text, clean_text
from negotiation.terms import TOPICS


class _Data(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Empty(_Data):
    pass


class ProposeData(_Data):
    served_on: Day
    demands: RequiredText


class AcceptData(_Data):
    received_on: Day
    reply: Text = ""


class DeclineData(_Data):
    received_on: Day
    reason: RequiredText


class SuspendData(_Data):
    reason: RequiredText
    resume_on: Day


class SubmitDraftData(_Data):
    draft_version: int = Field(ge=1, le=2**31 - 1, strict=True)


class RequestChangesData(_Data):
    comment: RequiredText


class Tally(_Data):
    members: Count
    present: Count
    yes: Count
    no: Count
    abstain: Count


class EnterpriseTally(Tally):
    enterprise_id: int = Field(ge=1, le=2**31 - 1, strict=True)


class RecordVoteData(Tally):
    draft_version: int = Field(ge=1, le=2**31 - 1, strict=True)
    per_enterprise: list[EnterpriseTally] | None = Field(default=None, max_length=1000)
    held_on: Day | None = None


class SignData(_Data):
    signed_on: Day
    signatory: Name
    place: Name | None = None


class FileData(_Data):
    filed_on: Day


class RecordReceiptData(_Data):
    received_on: Day
    receipt_no: Name


OBJECTION_CLAUSES: tuple[str, ...] = (*TOPICS, "term", "general")
"""What an objection item may be anchored to: a topic's chapter, the term of validity, or the contract in general
(the clauses draft comments use; the case's own topics are checked when the event applies)."""

ObjectionClause = Literal[OBJECTION_CLAUSES]  # type: ignore[valid-type]
ItemText = Annotated[str, BeforeValidator(lambda v: clean_text(v, limit=2_000, required=True))]


class ObjectionItem(_Data):
    clause: ObjectionClause
    text: ItemText


# The user text one review opinion (审查意见书) prints: the opinion and its items together (docs/api.md "Rendering
# is bounded"); each alone is capped by its type.
OPINION_TEXT_LIMIT = 20_000


class ObjectData(_Data):
    opinion: RequiredText
    items: list[ObjectionItem] = Field(default_factory=list, max_length=50)
    objected_on: Day | None = None

    @field_validator("items")
    @classmethod
    def _within_the_document_cap(cls, items: list[ObjectionItem], info: ValidationInfo) -> list[ObjectionItem]:
        written = len(info.data.get("opinion", "")) + sum(len(i.text) for i in items)
        if written > OPINION_TEXT_LIMIT:
            raise ValueError(f"审查意见和各项意见合计不得超过 {OPINION_TEXT_LIMIT} 个字符，本次为 {written} 个：请精简")
        return items


class ApproveData(_Data):
    approved_on: Day | None = None


class PublishData(_Data):
    published_on: Day
    channels: list[Name] = Field(min_length=1, max_length=50)


class SettleData(_Data):
    agreement: RequiredText


class WithdrawData(_Data):
    reason: RequiredText


class DeadlinePassedData(_Data):
    """What the sweeper records for a time-driven event: the rule whose deadline passed, its day and the sweep's day."""

    rule: str
    due_on: Day
    as_of: Day
