"""The document port: which event makes which document, built from the case's facts, rendered outside the write lock.

A document-making command runs twice over the same facts: first in a read-only unit of work to build the
documents' view models (and refuse an illegible contract), then — after rendering, with no lock held — in the
write unit of work that stores the files and rows under the usual version check. A render that lost a race is
discarded with the transaction that failed.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from negotiation import documents as docs
from negotiation.errors import DocumentError, Violation
from negotiation.events import is_registered
from negotiation.model import AuditEvent, Document, Draft, Meeting, NegotiationCase, Rendering, Vote
from negotiation.rules import rule_violation, violation
from negotiation.service_layer.document_facts import FACTS, Facts, case_facts, draft_facts
from negotiation.service_layer.unit_of_work import UnitOfWork
from negotiation.service_layer.views import audit_view

__all__ = [
    "DocumentFailed",
    "PlannedDocument",
    "check_legibility",
    "draft_context",
    "input_sha256",
    "keep_rendering",
    "kept_draft_pdf",
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
    """A rendered document waiting to be stored, with the HTML it was printed from (for its stored text)."""

    planned: PlannedDocument
    pdf: bytes
    sha256: str
    html: str = ""


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


def draft_context(uow: UnitOfWork, case: NegotiationCase, draft: Draft) -> docs.DocumentContext:
    """The view model of a draft document: the case and the draft alone."""
    facts = case_facts(uow, case)
    facts.pop("_enterprise_names")
    return _build("draft", {"case": facts, "draft": draft_facts(draft)})


def plan_for_draft(uow: UnitOfWork, case: NegotiationCase, draft: Draft, chain: Sequence[AuditEvent]) -> PlannedDocument:
    """The draft document: from the draft alone, its audit chain up to the draft's creation."""
    made_at = next(
        (e.seq for e in chain if e.event == "add_draft" and (e.data or {}).get("version") == draft.version), len(chain)
    )
    context = draft_context(uow, case, draft)
    attachments = {"terms.json": _terms_json(draft), "audit.json": _audit_json(chain, made_at)}
    return PlannedDocument("draft", context, attachments, draft.version)


def _plan(
    uow: UnitOfWork,
    case: NegotiationCase,
    kind: docs.DocumentKind,
    chain: Sequence[AuditEvent],
    vote: Vote | None = None,
    meeting: Meeting | None = None,
) -> PlannedDocument:
    facts = Facts(uow, case, vote, meeting)
    fields = {"case": facts.case_facts, **{name: FACTS[name](facts) for name in kind.facts}}
    attachments = {"audit.json": _audit_json(chain, chain[-1].seq if chain else 0)}
    draft = facts.draft_row if "draft" in kind.facts else None
    if draft is not None:
        attachments = {"terms.json": _terms_json(draft), **attachments}
    if kind.public:  # read by anyone: no record of who acted (the audit chain names people)
        attachments = {}
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
    facts = case_facts(uow, case)
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
        made.append(MadeDocument(p, rendered.pdf, rendered.sha256, rendered.html))
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


def input_sha256(planned: PlannedDocument) -> str:
    """The sha256 of everything a PDF is made from (kind, view model, attachments): equal inputs, equal bytes."""
    digest = hashlib.sha256(planned.kind.encode("ascii") + b"\0" + planned.context.model_dump_json().encode("utf-8"))
    for name, data in sorted(planned.attachments.items()):
        digest.update(b"\0" + name.encode("utf-8") + b"\0" + hashlib.sha256(data).digest())
    return digest.hexdigest()


def kept_draft_pdf(uow: UnitOfWork, case: NegotiationCase, draft: Draft) -> tuple[bytes, str] | PlannedDocument:
    """The draft's PDF when it was made before: the stored document once submitted, else the one kept from an
    earlier request for the same inputs (both verified against their sha256); otherwise the document to render."""
    assert case.id is not None
    for row in uow.repo.documents(case.id):
        if row.kind == "draft" and row.draft_version == draft.version:
            return read_verified(uow, row), row.sha256
    planned = plan_for_draft(uow, case, draft, uow.repo.audit_events(case.id))
    kept = uow.repo.rendering(input_sha256(planned))
    if kept is not None:
        return docs.ArchiveStore(uow.archive_dir).get(kept.sha256), kept.sha256
    return planned


def keep_rendering(uow: UnitOfWork, made: MadeDocument, at: str) -> None:
    """Keep a PDF made on request: the file in the archive (atomic, content-addressed), then its record."""
    with uow:
        docs.ArchiveStore(uow.archive_dir).put(made.pdf)
        uow.repo.keep_rendering(
            Rendering(input_sha256(made.planned), made.planned.kind, made.sha256, len(made.pdf), created_at=at)
        )
        uow.commit()


def read_verified(uow: UnitOfWork, row: Document) -> bytes:
    """The stored bytes of a document, verified against its sha256 (ArchiveIntegrityError otherwise)."""
    return docs.ArchiveStore(uow.archive_dir).get(row.sha256)
