"""Reads: case lists, one case, drafts and their diff, meetings, comments, documents and the audit chain."""

from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Any

from negotiation import audit
from negotiation.diff import terms_diff
from negotiation.documents.plain_text import search_form
from negotiation.errors import Forbidden, NotFound, ValidationFailed, Violation
from negotiation.model import Draft
from negotiation.service_layer import documents
from negotiation.service_layer.access import Actor, can_see
from negotiation.service_layer.clock import now_iso
from negotiation.service_layer.handlers import visible_case
from negotiation.service_layer.unit_of_work import UnitOfWork, UnitOfWorkFactory
from negotiation.service_layer.views import audit_view, case_view, comment_view, document_view, draft_view, meeting_view

__all__ = [
    "actor_for_token_hash",
    "case",
    "case_audit",
    "case_documents",
    "cases",
    "comments",
    "contract_in_force",
    "diff_against_contract_in_force",
    "document_content",
    "draft",
    "draft_diff",
    "draft_pdf",
    "drafts",
    "meetings",
    "verify_audit",
]

MAX_LIMIT = 100


def _bad(path: str, message: str) -> ValidationFailed:
    return ValidationFailed(message, [Violation(None, message, None, path)])


_CURSOR_PREFIX = b"after-case:"


def _cursor(case_id: int) -> str:
    """The opaque cursor of a position in the list: after this (visible) case."""
    return base64.urlsafe_b64encode(_CURSOR_PREFIX + str(case_id).encode()).decode("ascii").rstrip("=")


def _position(cursor: str) -> int:
    """The position a cursor names; a value this service does not issue is 422. Whether a case with that id
    exists, or whether the caller may see it, changes nothing: the list goes on after the position either way."""
    try:
        raw = base64.urlsafe_b64decode(cursor.encode("ascii") + b"=" * (-len(cursor) % 4)) if len(cursor) <= 40 else b""
    except (ValueError, UnicodeEncodeError):
        raw = b""
    digits = raw.removeprefix(_CURSOR_PREFIX)
    if raw[: len(_CURSOR_PREFIX)] != _CURSOR_PREFIX or not digits.isdigit() or len(digits) > 10:
        raise _bad("cursor", "cursor 无效：请使用上一页返回的 next_cursor")
    return int(digits)


def cases(
    uow: UnitOfWork,
    *,
    actor: Actor,
    state: str | None = None,
    sector: str | None = None,
    region_code: str | None = None,
    q: str | None = None,
    limit: int = 50,
    cursor: str | None = None,
) -> dict[str, Any]:
    """One page of the cases the caller may see, ordered by creation; ``q`` matches the title or the text of the
    case's current draft or contract."""
    if not 1 <= limit <= MAX_LIMIT:
        raise _bad("limit", f"limit 须在 1 至 {MAX_LIMIT} 之间")
    after_id = _position(cursor) if cursor else None
    for name, value in (("state", state), ("sector", sector), ("region_code", region_code), ("q", q)):
        if value is not None and (len(value) > 200 or "\x00" in value):
            raise _bad(name, f"{name} 过长或含有不允许的字符")
    with uow:
        org = None if actor.is_admin else (actor.organization_id or -1)
        page = uow.repo.cases(
            organization_id=org, state=state, sector=sector, region_code=region_code, after_id=after_id,
            limit=limit + 1, q_form=search_form(q) if q else None,
        )  # fmt: skip
        items = [case_view(c, actor) for c in page[:limit]]
        next_cursor = _cursor(page[limit - 1].id or 0) if len(page) > limit else None
    return {"items": items, "next_cursor": next_cursor}


def case(uow: UnitOfWork, *, actor: Actor, case_id: int) -> dict[str, Any]:
    """One case as the caller sees it."""
    with uow:
        return case_view(visible_case(uow, actor, case_id), actor)


def drafts(uow: UnitOfWork, *, actor: Actor, case_id: int) -> list[dict[str, Any]]:
    """Every draft of a case."""
    with uow:
        visible_case(uow, actor, case_id)
        return [draft_view(d) for d in uow.repo.drafts(case_id)]


def _draft(uow: UnitOfWork, case_id: int, version: int) -> Draft:
    found = uow.repo.draft(case_id, version)
    if found is None:
        raise NotFound(f"本案没有第 {version} 版草案")
    return found


def draft(uow: UnitOfWork, *, actor: Actor, case_id: int, version: int) -> dict[str, Any]:
    """One draft version."""
    with uow:
        visible_case(uow, actor, case_id)
        return draft_view(_draft(uow, case_id, version))


def draft_diff(uow: UnitOfWork, *, actor: Actor, case_id: int, version: int, against: int) -> dict[str, Any]:
    """What changed from draft `against` to draft `version`."""
    with uow:
        visible_case(uow, actor, case_id)
        new, old = _draft(uow, case_id, version), _draft(uow, case_id, against)
        before = {"term_start": old.term_start.isoformat(), "term_end": old.term_end.isoformat(), "terms": old.terms}
        after = {"term_start": new.term_start.isoformat(), "term_end": new.term_end.isoformat(), "terms": new.terms}
        return {"changes": terms_diff(before, after)}


def meetings(uow: UnitOfWork, *, actor: Actor, case_id: int) -> list[dict[str, Any]]:
    """The meetings of a case."""
    with uow:
        visible_case(uow, actor, case_id)
        return [meeting_view(m) for m in uow.repo.meetings(case_id)]


def comments(uow: UnitOfWork, *, actor: Actor, case_id: int, version: int) -> list[dict[str, Any]]:
    """The comments on one draft with author and organisation."""
    with uow:
        visible_case(uow, actor, case_id)
        _draft(uow, case_id, version)
        found = uow.repo.comments(case_id, version)
        users = uow.repo.users(sorted({c.author_id for c in found}))
        orgs = uow.repo.organizations(sorted({c.organization_id for c in found}))
        return [comment_view(c, users.get(c.author_id), orgs.get(c.organization_id)) for c in found]


def case_documents(uow: UnitOfWork, *, actor: Actor, case_id: int) -> list[dict[str, Any]]:
    """The documents of a case."""
    with uow:
        visible_case(uow, actor, case_id)
        return [document_view(d) for d in uow.repo.documents(case_id)]


def case_audit(uow: UnitOfWork, *, actor: Actor, case_id: int) -> list[dict[str, Any]]:
    """A case's audit chain."""
    with uow:
        visible_case(uow, actor, case_id)
        return [audit_view(e) for e in uow.repo.audit_events(case_id)]


def verify_audit(uow: UnitOfWork, *, actor: Actor | None, progress: Callable[[int, int], None] | None = None) -> dict[str, Any]:
    """Check every case's chain and head; the first bad link is named (admin, or the CLI with actor None).
    ``progress`` hears (cases checked, cases) as it goes."""
    if actor is not None and not actor.is_admin:
        raise Forbidden("只有系统管理员可以核验全部审计链")
    checked = 0
    with uow:
        case_ids = uow.repo.all_case_ids()
        for done, case_id in enumerate(case_ids, start=1):
            if progress is not None:
                progress(done, len(case_ids))
            case = uow.repo.case(case_id)
            assert case is not None
            result = audit.verify_chain(uow.repo.audit_events(case_id), head_seq=case.audit_seq, head_hash=case.audit_head)
            checked += result.events_checked
            if not result.ok:
                return {"ok": False, "events_checked": checked, "first_bad_seq": result.first_bad_seq, "case_id": case_id}
    return {"ok": True, "events_checked": checked, "first_bad_seq": None}


def draft_pdf(uows: UnitOfWorkFactory, *, actor: Actor, case_id: int, version: int) -> tuple[bytes, str]:
    """The PDF of a draft version, marked 草案, and its sha256: rendered on the first request for these inputs (one
    render slot per process), then served from the archive."""
    with uows.reading() as uow:
        case = visible_case(uow, actor, case_id)
        found = documents.kept_draft_pdf(uow, case, _draft(uow, case_id, version))
    if isinstance(found, tuple):
        return found
    made = documents.render_all([found])[0]
    documents.keep_rendering(uows(), made, now_iso())
    return made.pdf, made.sha256


def document_content(uow: UnitOfWork, *, actor: Actor, document_id: int) -> tuple[bytes, str, str]:
    """A stored document's verified bytes, its sha256 and kind; a mismatch is an integrity error, never the bytes."""
    with uow:
        row = uow.repo.document(document_id)
        owner = uow.repo.case(row.case_id) if row is not None else None
        if row is None or owner is None or not can_see(actor, owner):  # the same answer: it never names the case
            raise NotFound(f"未找到文书 {document_id}，或您无权查看")
        return documents.read_verified(uow, row), row.sha256, row.kind


def contract_in_force(uow: UnitOfWork, *, actor: Actor, case_id: int) -> dict[str, Any] | None:
    """The signed terms of the contract this case renews or varies, when the caller may see that case too."""
    with uow:
        case = visible_case(uow, actor, case_id)
        if case.amends_case_id is None:
            return None
        earlier = uow.repo.case(case.amends_case_id)
        if earlier is None or not can_see(actor, earlier):
            return None
        version = earlier.fact("ratified_draft_version") or earlier.current_draft_version
        found = uow.repo.draft(earlier.id or 0, version or 0)
        if found is None:
            return None
        return {"case_id": earlier.id, "title": earlier.title, "draft": draft_view(found)}


def diff_against_contract_in_force(uow: UnitOfWork, *, actor: Actor, case_id: int, version: int) -> dict[str, Any] | None:
    """What a draft changes in the contract in force ({changes, contract}), or None when there is none to compare."""
    contract = contract_in_force(uow, actor=actor, case_id=case_id)
    if contract is None:
        return None
    with uow:
        new = draft_view(_draft(uow, case_id, version))
    old = contract["draft"]
    before = {k: old[k] for k in ("term_start", "term_end", "terms")}
    after = {k: new[k] for k in ("term_start", "term_end", "terms")}
    return {"changes": terms_diff(before, after), "contract": contract}


def database_answers(uow: UnitOfWork) -> None:
    """Return when the database answers a query (StorageUnavailable otherwise): the health check."""
    with uow:
        uow.repo.ping()


def actor_for_token_hash(uow: UnitOfWork, *, token_hash: str) -> Actor | None:
    """The enabled user whose token hashes so, as an Actor; None for an unknown token or a disabled user."""
    with uow:
        found = uow.repo.enabled_user_for_token(token_hash)
    if found is None:
        return None
    user_id, name, role, organization_id = found
    return Actor(user_id=user_id, name=name, role=role, organization_id=organization_id)
