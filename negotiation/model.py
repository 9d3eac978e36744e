"""The negotiation case aggregate and its parts, as plain dataclasses mapped by the ORM from outside."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

from negotiation.states.state import CaseState

__all__ = [
    "AuditEvent",
    "Comment",
    "Deadline",
    "Document",
    "Draft",
    "Meeting",
    "NegotiationCase",
    "Organization",
    "Rendering",
    "Representative",
    "User",
    "Vote",
]

OrgKind = Literal["union", "employer_body", "enterprise", "labour_bureau"]
Role = Literal["admin", "union_negotiator", "enterprise_rep", "labour_bureau"]
Side = Literal["worker", "employer"]


@dataclass(eq=False)
class Organization:
    name: str
    kind: str
    region_code: str
    id: int | None = None


@dataclass(eq=False)
class User:
    name: str
    role: str
    organization_id: int | None
    token_hash: str
    created_at: str = ""
    disabled: bool = False
    id: int | None = None


@dataclass(frozen=True)
class Representative:
    """A negotiation representative of one side (R1–R4)."""

    name: str
    title: str
    is_chief: bool
    is_external: bool
    delegated_in_writing: bool

    @property
    def identity(self) -> str:
        """The person as R4 compares them: the NFC-normalised, trimmed name."""
        return unicodedata.normalize("NFC", self.name).strip()

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "title": self.title,
            "is_chief": self.is_chief,
            "is_external": self.is_external,
            "delegated_in_writing": self.delegated_in_writing,
        }


@dataclass(eq=False)
class Deadline:
    """A stored deadline: the rule behind it, when it started, when it falls due, and what became of it."""

    kind: str
    rule: str
    citation: str
    trigger_on: date
    due_on: date
    status: str
    calendar: str
    case_id: int | None = None
    id: int | None = None


@dataclass(eq=False)
class NegotiationCase:
    """One negotiation from proposal to contract in force; `version` counts accepted changes."""

    title: str
    level: str
    sector: str
    region_code: str
    kind: str
    topics: list[str]
    union_org_id: int
    employer_org_id: int
    bureau_org_id: int
    covered_enterprise_ids: list[int]
    created_at: str
    updated_at: str
    state: str = CaseState.DRAFTING.value
    version: int = 1
    worker_side: list[Representative] = field(default_factory=list)
    employer_side: list[Representative] = field(default_factory=list)
    current_draft_version: int | None = None
    amends_case_id: int | None = None
    # Facts reported with events (served_on, approvals, signatures…); a change in place is saved too (repository).
    facts: dict[str, Any] = field(default_factory=dict)
    flags: list[str] = field(default_factory=list)
    audit_seq: int = 0
    audit_head: str = "0" * 64
    deadlines: list[Deadline] = field(default_factory=list)
    id: int | None = None

    def fact(self, key: str, default: Any = None) -> Any:
        """A recorded fact, or default."""
        return self.facts.get(key, default)

    def record(self, **facts: Any) -> None:
        """Record facts (a new dict: what was read before stays as it was)."""
        self.facts = {**self.facts, **facts}

    def open_deadline(self, kind: str) -> Deadline | None:
        """The open deadline of a kind, if any."""
        return next((d for d in self.deadlines if d.kind == kind and d.status == "open"), None)

    def party_org_ids(self) -> set[int]:
        """Every organisation that takes part in the case."""
        return {self.union_org_id, self.employer_org_id, self.bureau_org_id, *self.covered_enterprise_ids}


@dataclass(eq=False)
class Draft:
    case_id: int
    version: int
    sha256: str
    term_start: date
    term_end: date
    terms: dict[str, Any]
    created_at: str
    created_by: int
    id: int | None = None


@dataclass(eq=False)
class Meeting:
    case_id: int
    held_on: date
    location: str
    chair_side: str
    recorder: str
    summary: str
    positions: list[dict[str, Any]]
    created_at: str
    purpose: str = "consultation"
    id: int | None = None


@dataclass(eq=False)
class Vote:
    case_id: int
    draft_version: int
    draft_sha256: str
    members: int
    present: int
    yes: int
    no: int
    abstain: int
    passed: bool
    per_enterprise: list[dict[str, Any]]
    held_on: date
    created_at: str
    id: int | None = None


@dataclass(eq=False)
class Comment:
    case_id: int
    draft_version: int
    clause: str
    body: str
    author_id: int
    organization_id: int
    created_at: str
    id: int | None = None


@dataclass(eq=False)
class AuditEvent:
    """One link of a case's hash chain."""

    case_id: int
    seq: int
    at: str
    actor: str
    event: str
    from_state: str | None
    to_state: str | None
    data: Any
    data_sha256: str
    prev_hash: str
    hash: str
    id: int | None = None


@dataclass(eq=False)
class Document:
    case_id: int
    kind: str
    draft_version: int | None
    sha256: str
    size: int
    created_at: str
    superseded_by: int | None = None
    id: int | None = None


@dataclass(eq=False)
class Rendering:
    """A PDF made on request (a draft not yet submitted), kept by the sha256 of what it was made from: rendered once,
    then served from the archive by its own sha256 until its inputs change."""

    input_sha256: str
    kind: str
    sha256: str
    size: int
    created_at: str
