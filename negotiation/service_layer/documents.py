"""The document port: which event makes which document, built from the case's facts, rendered outside the write lock.

A document-making command runs twice over the same facts: first in a read-only unit of work to build the
documents' view models (and refuse an illegible contract), then — after rendering, with no lock held — in the
write unit of work that stores the files and rows under the usual version check. A render that lost a race is
discarded with the transaction that failed.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from negotiation import documents as docs
from negotiation.errors import ArchiveIntegrityError, DocumentError, Violation
from negotiation.events import is_registered
from negotiation.model import AuditEvent, Document, Draft, Meeting, NegotiationCase, Vote
from negotiation.rules import Profile, document_rules, profile_for_region, rule_violation, violation
from negotiation.service_layer.unit_of_work import UnitOfWork
from negotiation.service_layer.views import audit_view

__all__ = [
    "DocumentFailed",
    "PlannedDocument",
    "check_legibility",
    "draft_pdf",
    "makes_documents_at",
    "plan_for_draft",
    "plan_for_event",
    "plan_for_meeting",
    "read_verified",
    "render_all",
    "store_all",
]


def makes_documents_at(event: str) -> bool:
    """Whether an event of the registry may make a document (the document kind registry names its events)."""
    return is_registered(event) and bool(docs.kinds_made_at(event))


DocumentFailed = DocumentError


@dataclass(frozen=True)
class PlannedDocument:
    """A document to make: its kind, the view model, its attachments and the draft it speaks for."""

    kind: str
    context: docs.DocumentContext
    attachments: dict[str, bytes]
    draft_version: int | None


@dataclass(frozen=True)
class MadeDocument:
    """A rendered document waiting to be stored."""

    planned: PlannedDocument
    pdf: bytes
    sha256: str


def _case_facts(uow: UnitOfWork, case: NegotiationCase) -> dict[str, Any]:
    orgs = uow.repo.organizations([case.union_org_id, case.employer_org_id, case.bureau_org_id, *case.covered_enterprise_ids])

    def name(org_id: int) -> str:
        org = orgs.get(org_id)
        return org.name if org else str(org_id)

    def reps(side: Iterable[Any]) -> list[dict[str, Any]]:
        return [{"name": r.name, "title": r.title, "is_chief": r.is_chief, "is_external": r.is_external} for r in side]

    return {
        "case_id": str(case.id),
        "title": case.title,
        "level": case.level,
        "sector": case.sector,
        "region_code": case.region_code,
        "kind": case.kind,
        "parties": {
            "union": name(case.union_org_id),
            "employer_body": name(case.employer_org_id),
            "bureau": name(case.bureau_org_id),
            "covered_enterprises": [name(i) for i in case.covered_enterprise_ids],
        },
        "worker_representatives": reps(case.worker_side),
        "employer_representatives": reps(case.employer_side),
        "topics": list(case.topics),
        "rules": document_rules(case.kind, profile_for_region(case.region_code), case.region_code),
        "_enterprise_names": {i: name(i) for i in case.covered_enterprise_ids},
    }


def _draft(draft: Draft) -> dict[str, Any]:
    return {
        "version": draft.version,
        "sha256": draft.sha256,
        "term_start": draft.term_start,
        "term_end": draft.term_end,
        "terms": draft.terms,
        "created_on": date.fromisoformat(draft.created_at[:10]),
    }


def _vote(vote: Vote, profile: Profile, names: dict[int, str]) -> dict[str, Any]:
    from negotiation.states.guards import quorum_met, threshold_met

    def tally(t: Any) -> dict[str, Any]:
        return {
            "members": t["members"], "present": t["present"], "yes": t["yes"], "no": t["no"], "abstain": t["abstain"],
            "quorum_met": quorum_met(t["members"], t["present"], profile),
            "majority_met": threshold_met(t["members"], t["yes"], profile),
        }  # fmt: skip

    whole = tally({"members": vote.members, "present": vote.present, "yes": vote.yes, "no": vote.no, "abstain": vote.abstain})
    return {
        **whole,
        "held_on": vote.held_on,
        "draft_version": vote.draft_version,
        "draft_sha256": vote.draft_sha256,
        "per_enterprise": [
            {**tally(t), "enterprise": names.get(t["enterprise_id"], str(t["enterprise_id"]))} for t in vote.per_enterprise
        ],
    }


def _meeting(meeting: Meeting, number: int) -> dict[str, Any]:
    return {
        "number": number,
        "held_on": meeting.held_on,
        "location": meeting.location,
        "chair_side": meeting.chair_side,
        "recorder": meeting.recorder,
        "summary": meeting.summary,
        "positions": meeting.positions,
    }


def _audit_json(chain: Sequence[AuditEvent], upto_seq: int) -> bytes:
    links = [{**audit_view(e), "data": e.data} for e in chain if e.seq <= upto_seq]
    return json.dumps(links, ensure_ascii=False, indent=1, sort_keys=True).encode("utf-8")


def _terms_json(draft: Draft) -> bytes:
    data = {
        "term_start": draft.term_start.isoformat(),
        "term_end": draft.term_end.isoformat(),
        "terms": draft.terms,
        "sha256": draft.sha256,
    }
    return json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True).encode("utf-8")


def _build(kind: str, fields: dict[str, Any]) -> docs.DocumentContext:
    try:
        context = docs.document_kind(kind).context.model_validate(fields)
    except ValueError as exc:
        raise DocumentFailed(f"无法生成{kind}文书：案件数据不完整") from exc
    return context  # type: ignore[return-value]


def _signatures(case: NegotiationCase) -> list[dict[str, Any]]:
    sides = {"union": "worker", "employer": "employer"}
    return [
        {"side": sides[side], "signatory": s["signatory"], "signed_on": s["signed_on"]}
        for side, s in sorted(case.fact("signatures", {}).items())
    ]


def plan_for_draft(uow: UnitOfWork, case: NegotiationCase, draft: Draft, chain: Sequence[AuditEvent]) -> PlannedDocument:
    """The draft document: from the draft alone, its audit chain up to the draft's creation."""
    facts = _case_facts(uow, case)
    facts.pop("_enterprise_names")
    made_at = next(
        (e.seq for e in chain if e.event == "add_draft" and (e.data or {}).get("version") == draft.version), len(chain)
    )
    context = _build("draft", {"case": facts, "draft": _draft(draft)})
    attachments = {"terms.json": _terms_json(draft), "audit.json": _audit_json(chain, made_at)}
    return PlannedDocument("draft", context, attachments, draft.version)


class _Facts:
    """The facts a document may show, by the names document contexts declare them; each read once, when asked for."""

    def __init__(self, uow: UnitOfWork, case: NegotiationCase, vote: Vote | None, meeting: Meeting | None) -> None:
        assert case.id is not None
        self.uow, self.case, self.case_id, self.given_vote, self.given_meeting = uow, case, case.id, vote, meeting
        self.case_facts = _case_facts(uow, case)
        self.names: dict[int, str] = self.case_facts.pop("_enterprise_names")
        self.draft_row: Draft | None = None

    def current_draft(self) -> Draft:
        if self.draft_row is None:
            self.draft_row = self.uow.repo.draft(self.case_id, self.case.current_draft_version or 0)
            if self.draft_row is None:
                raise DocumentFailed("当前草案不存在，无法生成文书")
        return self.draft_row

    def served_on(self) -> Any:
        return self.case.fact("served_on")

    def demands(self) -> Any:
        return self.case.fact("demands")

    def draft(self) -> dict[str, Any]:
        return _draft(self.current_draft())

    def vote(self) -> dict[str, Any]:
        draft = self.current_draft()
        votes = [self.given_vote] if self.given_vote is not None else []
        if not votes:
            votes = [v for v in self.uow.repo.votes(self.case_id) if v.passed and v.draft_version == draft.version]
        if not votes:
            raise DocumentFailed("没有针对当前草案的表决结果，无法生成文书")
        return _vote(votes[-1], profile_for_region(self.case.region_code), self.names)

    def signatures(self) -> list[dict[str, Any]]:
        return _signatures(self.case)

    def meetings(self) -> list[dict[str, Any]]:
        return [_meeting(m, i + 1) for i, m in enumerate(self.uow.repo.meetings(self.case_id))]

    def meeting(self) -> dict[str, Any]:
        meeting = self.given_meeting
        assert meeting is not None
        return _meeting(meeting, len(self.uow.repo.meetings(self.case_id)) + (0 if meeting.id is not None else 1))

    def filing(self) -> dict[str, Any]:
        return {"filed_on": self.case.fact("filed_on")}

    def publication(self) -> dict[str, Any]:
        return {"published_on": self.case.fact("published_on"), "channels": self.case.fact("channels", [])}


FACTS: dict[str, Callable[[_Facts], Any]] = {
    "served_on": _Facts.served_on,
    "demands": _Facts.demands,
    "draft": _Facts.draft,
    "vote": _Facts.vote,
    "signatures": _Facts.signatures,
    "meetings": _Facts.meetings,
    "meeting": _Facts.meeting,
    "filing": _Facts.filing,
    "publication": _Facts.publication,
}
"""The facts the engine gives a document context, by name (a kind whose context declares another cannot be made)."""


def _plan(
    uow: UnitOfWork,
    case: NegotiationCase,
    kind: docs.DocumentKind,
    chain: Sequence[AuditEvent],
    vote: Vote | None = None,
    meeting: Meeting | None = None,
) -> PlannedDocument:
    facts = _Facts(uow, case, vote, meeting)
    fields = {"case": facts.case_facts, **{name: FACTS[name](facts) for name in kind.facts}}
    attachments = {"audit.json": _audit_json(chain, chain[-1].seq if chain else 0)}
    draft = facts.draft_row if "draft" in kind.facts else None
    if draft is not None:
        attachments = {"terms.json": _terms_json(draft), **attachments}
    return PlannedDocument(kind.key, _build(kind.key, fields), attachments, draft.version if draft else None)


def plan_for_event(
    uow: UnitOfWork, case: NegotiationCase, event: str, chain: Sequence[AuditEvent], vote: Vote | None
) -> list[PlannedDocument]:
    """The documents an event that just applied makes (none for most events)."""
    planned = []
    for kind in docs.kinds_made_at(event):
        if kind.made_only_in is not None and case.state != kind.made_only_in:
            continue
        if kind.key == "draft":  # made from the draft alone, with the audit chain up to the draft's creation
            assert case.id is not None
            draft = uow.repo.draft(case.id, case.current_draft_version or 0)
            if draft is None:
                raise DocumentFailed("当前草案不存在，无法生成文书")
            planned.append(plan_for_draft(uow, case, draft, chain))
        else:
            planned.append(_plan(uow, case, kind, chain, vote))
    return planned


def plan_for_meeting(
    uow: UnitOfWork, case: NegotiationCase, meeting: Meeting, chain: Sequence[AuditEvent]
) -> list[PlannedDocument]:
    """The documents of a meeting just recorded (its minutes)."""
    return [_plan(uow, case, kind, chain, meeting=meeting) for kind in docs.kinds_made_at("record_meeting")]


def _strings(value: Any, path: str) -> Iterable[tuple[str, str]]:
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(item, f"{path}.{key}" if path else str(key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _strings(item, f"{path}[{i}]")


def check_legibility(uow: UnitOfWork, case: NegotiationCase, draft: Draft | None, signatory: str) -> None:
    """Refuse to sign a contract whose text holds a character no font draws: one violation per character (rule `legibility`)."""
    facts = _case_facts(uow, case)
    facts.pop("_enterprise_names")
    facts.pop("rules")
    texts = dict(_strings(facts, ""))
    if draft is not None:
        texts.update(_strings(draft.terms, "terms"))
    texts["data.signatory"] = signatory
    found: list[Violation] = []
    for path, text in texts.items():
        for char, index in docs.illegible_characters(text):
            found.append(
                violation(
                    "legibility",
                    f"字符「{char}」（U+{ord(char):04X}）在任何字体中都无法显示，请改用可显示的字符",
                    f"{path}[{index}]",
                )
            )
    if found:
        raise rule_violation(found)


def render_all(planned: Sequence[PlannedDocument]) -> list[MadeDocument]:
    """Render every planned document (no database access, no lock held)."""
    made = []
    for p in planned:
        try:
            rendered = docs.render_pdf(p.kind, p.context, p.attachments)
        except docs.DocumentRenderError as exc:
            raise DocumentFailed(f"文书生成失败（{p.kind}），本次操作未生效") from exc
        made.append(MadeDocument(p, rendered.pdf, rendered.sha256))
    return made


def store_all(uow: UnitOfWork, case: NegotiationCase, made: Sequence[MadeDocument], at: str) -> list[Document]:
    """Write the files (atomically, content-addressed) and their rows; a new contract supersedes the earlier one."""
    if not made:
        return []
    assert case.id is not None
    store = docs.ArchiveStore(uow.archive_dir)
    rows = []
    existing = uow.repo.documents(case.id)
    earlier = {d.kind: d for d in existing if d.superseded_by is None}
    stored = {(d.kind, d.sha256) for d in existing}
    for m in made:
        if (m.planned.kind, m.sha256) in stored:
            continue  # a draft submitted again after changes were requested: the same bytes, kept once
        store.put(m.pdf)
        row = Document(
            case_id=case.id,
            kind=m.planned.kind,
            draft_version=m.planned.draft_version,
            sha256=m.sha256,
            size=len(m.pdf),
            created_at=at,
        )
        uow.repo.add(row)
        uow.repo.flush()
        previous = earlier.get(m.planned.kind)
        if docs.document_kind(m.planned.kind).supersedes and previous is not None:
            previous.superseded_by = row.id
        rows.append(row)
    return rows


def draft_pdf(uow: UnitOfWork, case: NegotiationCase, draft: Draft) -> tuple[bytes, str]:
    """The draft's PDF: the stored bytes once submitted, else rendered now from the draft alone (same bytes)."""
    assert case.id is not None
    for row in uow.repo.documents(case.id):
        if row.kind == "draft" and row.draft_version == draft.version:
            return read_verified(uow, row), row.sha256
    planned = plan_for_draft(uow, case, draft, uow.repo.audit_events(case.id))
    made = render_all([planned])[0]
    return made.pdf, made.sha256


def read_verified(uow: UnitOfWork, row: Document) -> bytes:
    """The stored bytes of a document, verified against its sha256 (ArchiveIntegrityError otherwise)."""
    try:
        return docs.ArchiveStore(uow.archive_dir).get(row.sha256)
    except docs.ArchiveIntegrityError as exc:
        raise ArchiveIntegrityError(
            f"存档文件 {row.sha256[:12]}… 与登记的哈希值不符或已丢失（{exc.reason}），已记录审计告警，文件不予提供"
        ) from exc
