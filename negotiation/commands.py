"""The inputs of each command as pydantic models (the request bodies of api.md), validated in the service layer."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StrictBool, field_validator

from negotiation.formats import FIRST_DAY, LAST_DAY, MAX_INT, Day, Name, PersonName, Post, RequiredText, Text, clean_text
from negotiation.terms import TOPICS, Terms, terms_size
from negotiation.vocabularies import Words
from negotiation.webhook_events import WEBHOOK_EVENTS

__all__ = [
    "COVERED_ENTERPRISES_LIMIT",
    "INSPECTION_TEXT_LIMIT",
    "MEETINGS_LIMIT",
    "MEETINGS_LINES_LIMIT",
    "MEETINGS_TEXT_LIMIT",
    "MEETING_PURPOSES",
    "MINUTES_TEXT_LIMIT",
    "ORGANIZATION_NAME_LIMIT",
    "POSITIONS_TEXT_LIMIT",
    "REPRESENTATIVES_LIMIT",
    "TERMS_ITEMS_LIMIT",
    "TERMS_TEXT_LIMIT",
    "CalendarYearPut",
    "CaseCreate",
    "CommentCreate",
    "DraftCreate",
    "EventEnvelope",
    "InspectionCreate",
    "MeetingCreate",
    "OptionalVersionEnvelope",
    "OrganizationCreate",
    "RepresentativeIn",
    "RepresentativesPut",
    "RuleChangeCreate",
    "RuleChangeResponseCreate",
    "SupervisionLetterCreate",
    "UserCreate",
    "VersionEnvelope",
    "WebhookCreate",
]

Id = Annotated[int, Field(ge=1, le=MAX_INT, strict=True)]
# Every document of a case lists its covered enterprises (the resolution and the contract with a tally or a
# signature line each) and both sides' representatives: lists without bound made one filing pack take 65 s.
COVERED_ENTERPRISES_LIMIT = 100
ORGANIZATION_NAME_LIMIT = 60  # characters; 200 covered enterprises of 200-character names made a filing pack take 8 s
REPRESENTATIVES_LIMIT = 20  # per side; the legal minimum is the profile's reps_min_per_side (R1), the law sets no maximum
Version = Annotated[int, Field(ge=1, le=MAX_INT, strict=True)]
_REGION = re.compile(r"^[1-9][0-9]{5}$")


def _region(value: Any) -> str:
    if not isinstance(value, str) or not _REGION.match(value):
        raise ValueError("地区代码须为 6 位行政区划代码，例如 610100（西安市）")
    return value


RegionCode = Annotated[str, BeforeValidator(_region)]
if TYPE_CHECKING:
    Topic = str
else:
    Topic = Literal[TOPICS]  # the registry's keys, in its order: an enum in /openapi.json
if TYPE_CHECKING:
    WebhookEvent = str
else:
    WebhookEvent = Literal[tuple(WEBHOOK_EVENTS)]  # negotiation/webhook_events.py, in its order
Sector = Annotated[str, BeforeValidator(lambda v: clean_text(v, limit=200, required=True))]


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class OrganizationCreate(_Body):
    name: Annotated[str, BeforeValidator(lambda v: clean_text(v, limit=ORGANIZATION_NAME_LIMIT, required=True))]
    kind: Literal["union", "employer_body", "enterprise", "labour_bureau"]
    region_code: RegionCode


class UserCreate(_Body):
    name: Name
    role: Literal["admin", "union_negotiator", "enterprise_rep", "labour_bureau"]
    organization_id: Id | None = None


class CaseCreate(_Body):
    title: Name = Field(title="案件名称")
    level: Annotated[Literal["sector", "regional", "enterprise"], Words("levels")] = Field(title="协商层级")
    sector: Annotated[Sector, Words("sectors")] = Field(title="行业")
    region_code: RegionCode = Field(title="地区代码（6 位行政区划代码）")
    kind: Annotated[Literal["comprehensive", "wage", "safety", "women"], Words("contract_kinds")] = Field(title="合同类型")
    union_org_id: Id = Field(title="工会（职工方）")
    employer_org_id: Id = Field(title="企业方代表组织")
    bureau_org_id: Id = Field(title="审查机关（人社部门）")
    covered_enterprise_ids: list[Id] = Field(max_length=COVERED_ENTERPRISES_LIMIT, title="覆盖企业")
    topics: list[Topic] = Field(min_length=1, max_length=len(TOPICS), title="协商议题")
    # The contract in force this case renews or varies (R19, R20); its drafts are compared with that contract.
    amends_case_id: Id | None = Field(default=None, title="续订或变更的现行合同（案件）")


class RepresentativeIn(_Body):
    name: PersonName = Field(title="姓名")
    title: Post = Field(title="职务")
    is_chief: StrictBool = Field(default=False, title="首席代表")
    is_external: StrictBool = Field(default=False, title="外聘代表")
    delegated_in_writing: StrictBool = Field(default=False, title="持有书面委托")


class RepresentativesPut(_Body):
    expected_version: Version
    worker_side: list[RepresentativeIn] = Field(max_length=REPRESENTATIVES_LIMIT, title="职工方协商代表")
    employer_side: list[RepresentativeIn] = Field(max_length=REPRESENTATIVES_LIMIT, title="企业方协商代表")


class VersionEnvelope(BaseModel):
    """The expected_version of a request that changes the case, checked before the caller's rights."""

    model_config = ConfigDict(extra="allow", frozen=True)

    expected_version: Version


class OptionalVersionEnvelope(BaseModel):
    """Drafts and meetings may carry expected_version; it is checked when present."""

    model_config = ConfigDict(extra="allow", frozen=True)

    expected_version: Version | None = None


class EventEnvelope(BaseModel):
    """The part of an event request checked before the caller's rights: which event, which version."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    event: str = Field(max_length=40)
    expected_version: Version
    data: dict[str, Any] = Field(default_factory=dict)


# Caps on the user text a document prints (docs/api.md "Rendering is bounded", bench/largest_document.py). A draft's
# terms, which the contract, the draft, the public text and the filing pack print: the items of all its
# lists together, and all its text (the names of services, units, conditions, equipment). Each list and name alone
# is capped by its type, but 100 rates of 50 supplements each with long names made one draft's PDF take 36 s.
TERMS_ITEMS_LIMIT = 200
TERMS_TEXT_LIMIT = 6_000


class DraftCreate(_Body):
    expected_version: Version | None = None
    term_start: Day = Field(title="合同起始日")
    term_end: Day = Field(title="合同终止日")
    terms: Terms = Field(title="合同条款")

    @field_validator("terms")
    @classmethod
    def _within_the_document_cap(cls, terms: Terms) -> Terms:
        items, characters = terms_size(terms)
        if items > TERMS_ITEMS_LIMIT:
            raise ValueError(
                f"合同条款各表的条目合计不得超过 {TERMS_ITEMS_LIMIT} 项（单价、补贴、防护用品等），本次为 {items} 项：请合并或精简"
            )
        if characters > TERMS_TEXT_LIMIT:
            raise ValueError(
                f"合同条款中的名称文字合计不得超过 {TERMS_TEXT_LIMIT} 个字符，本次为 {characters} 个：请使用简短的名称"
            )
        return terms


class Position(_Body):
    topic: Topic = Field(title="议题")
    worker_position: Text = Field(default="", title="职工方意见")
    employer_position: Text = Field(default="", title="企业方意见")
    agreed: StrictBool = Field(default=False, title="本次会议已达成一致")


# Caps on the user text a document prints, so that no input makes a document expensive (docs/api.md "Rendering is
# bounded"): one meeting's minutes, and all of a case's minutes together (the filing pack prints every one again).
# With every other cap below reached too, the filing pack renders in about 2.8 s (bench/largest_document.py,
# bench/README.md); with 100,000 characters of minutes it had taken 3.9 s.
MINUTES_TEXT_LIMIT = 20_000
MEETINGS_TEXT_LIMIT = 50_000
# Of that text, the sides' positions of all a series' meetings together: each is a cell of a table, which costs
# several times what a paragraph does (50,000 characters of positions made the filing pack take 3.5 s, of 々 5.7 s).
POSITIONS_TEXT_LIMIT = 10_000
# Meetings of one series: each is a section of the filing pack, whatever its text (100 empty ones took 36 s).
MEETINGS_LIMIT = 12
# And the lines of all a series' minutes: each is a paragraph of the filing pack (0.5 ms each).
MEETINGS_LINES_LIMIT = 1_000
# An inspection report prints every finding's note: all of them together.
INSPECTION_TEXT_LIMIT = 20_000


# What a meeting is for: the talks on the contract (in consulting), and, once it is in force, the yearly talks on
# the platforms' rules and algorithms (R24) and the review of how it is kept (履约监督).
MEETING_PURPOSES = ("consultation", "algorithm_talks", "performance_review")
MeetingPurpose = Literal["consultation", "algorithm_talks", "performance_review"]


class MeetingCreate(_Body):
    expected_version: Version | None = None
    purpose: Annotated[MeetingPurpose, Words("meeting_purposes")] = Field(default="consultation", title="会议类别")
    held_on: Day = Field(title="会议日期")
    location: Name = Field(title="会议地点")
    chair_side: Annotated[Literal["worker", "employer"], Words("sides")] = Field(title="主持方（R9 双方轮流主持）")
    recorder: Name = Field(title="记录人")
    summary: Text = Field(default="", title="会议纪要")
    positions: list[Position] = Field(default_factory=list, max_length=len(TOPICS), title="各议题双方意见")

    @field_validator("positions")
    @classmethod
    def _one_per_topic(cls, positions: list[Position]) -> list[Position]:
        topics = [p.topic for p in positions]
        if len(set(topics)) != len(topics):
            raise ValueError("每个议题只记录一次双方意见")
        return positions


class CommentCreate(_Body):
    clause: Annotated[str, Field(max_length=40)]
    body: RequiredText


# After the contract takes effect (api.md "After the contract takes effect"): R23 rule changes, inspections and
# supervision letters. Each prints into a document or a list of the case, so each is capped like the minutes.
FINDINGS_LIMIT = 100
FINDING_NOTE_LIMIT = 2_000
Clause = Annotated[str, Field(min_length=1, max_length=40)]
Note = Annotated[str, BeforeValidator(lambda v: clean_text(v, limit=FINDING_NOTE_LIMIT, required=False, lines=50))]


class RuleChangeCreate(_Body):
    expected_version: Version | None = None
    title: Name
    summary: RequiredText
    topics: list[Topic] = Field(min_length=1, max_length=len(TOPICS))
    notified_on: Day
    effective_on: Day


class RuleChangeResponseCreate(_Body):
    expected_version: Version | None = None
    position: Literal["agree", "object", "request_talks"]
    comment: Text = ""


class Finding(_Body):
    clause: Clause
    status: Literal["complied", "partly", "breached"]
    note: Note = ""


class InspectionCreate(_Body):
    expected_version: Version | None = None
    held_on: Day
    inspectors: list[Name] = Field(min_length=1, max_length=20)
    findings: list[Finding] = Field(min_length=1, max_length=FINDINGS_LIMIT)

    @field_validator("findings")
    @classmethod
    def _within_the_document_cap(cls, findings: list[Finding]) -> list[Finding]:
        written = sum(len(f.note) for f in findings)
        if written > INSPECTION_TEXT_LIMIT:
            raise ValueError(f"各项检查情况的说明合计不得超过 {INSPECTION_TEXT_LIMIT} 个字符，本次为 {written} 个：请精简")
        return findings


class SupervisionLetterCreate(_Body):
    expected_version: Version | None = None
    kind: Literal["prompt", "opinion", "proposal"]
    addressee_org_id: Id
    issued_on: Day
    text: RequiredText
    clauses: list[Clause] = Field(default_factory=list, max_length=len(TOPICS) + 2)
    reply_within_days: Annotated[int, Field(ge=1, le=365, strict=True)]


class CalendarYearPut(_Body):
    """A year's holiday schedule as the State Council's notice gives it (PUT /api/v1/admin/calendar/{year})."""

    year: Annotated[int, Field(ge=FIRST_DAY.year, le=LAST_DAY.year, strict=True)] | None = (
        None  # in a file; the path names it otherwise
    )
    holidays: list[Day] = Field(max_length=366)
    workdays: list[Day] = Field(max_length=366)
    source: Name  # the notice, e.g. 国务院办公厅关于2027年部分节假日安排的通知


def _webhook_secret(value: Any) -> str:
    if not isinstance(value, str) or not value.isascii() or not value.isprintable():
        raise ValueError("签名密钥须为可打印的 ASCII 字符")
    if not 16 <= len(value) <= 200:
        raise ValueError(f"签名密钥须为 16 至 200 个字符，实际 {len(value) if isinstance(value, str) else 0} 个")
    return value


class WebhookCreate(_Body):
    url: str = Field(min_length=1, max_length=2000)
    events: list[WebhookEvent] = Field(min_length=1, max_length=len(WEBHOOK_EVENTS))
    # The HMAC-SHA256 key of every delivery: never answered back, stored sealed (negotiation/adapters/secret_box.py).
    secret: Annotated[str, BeforeValidator(_webhook_secret)]
