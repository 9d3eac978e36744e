"""Public reads for the contract portal: the contracts in force, found by a phrase of their public text; no caller.

Only the public text made at ``publish`` is read here (negotiation/service_layer/texts.py): it names no person, and
a case that is not in force — or not published, or unknown — answers the same NotFound, whatever it is.
"""

from __future__ import annotations

import base64
import re
from datetime import date
from typing import Any

from negotiation.documents.plain_text import search_form
from negotiation.errors import NotFound, ValidationFailed, Violation
from negotiation.formats import CONTROL
from negotiation.service_layer import documents
from negotiation.service_layer.unit_of_work import UnitOfWork

__all__ = [
    "MAX_LIMIT",
    "MAX_QUERY",
    "MIN_QUERY",
    "NOT_PUBLISHED",
    "contract",
    "contract_document",
    "contract_pdf",
    "contracts",
    "query_form",
]

MIN_QUERY = 2  # characters: a shorter phrase would match nearly every contract
MAX_QUERY = 100  # characters: a longer query is no phrase a reader types, and costs every comparison more
MAX_LIMIT = 100
NOT_PUBLISHED = "没有找到这份合同：它不存在，或尚未公布施行"

_CURSOR_PREFIX = b"after-contract:"
_CURSOR = re.compile(rb"after-contract:(\d{4}-\d{2}-\d{2}):(\d{1,10})")


def _bad(path: str, message: str) -> ValidationFailed:
    return ValidationFailed(message, [Violation(None, message, None, path)])


def query_form(q: str) -> str:
    """The search form of a query (ValidationFailed when it is too short, too long or holds control characters)."""
    if len(q) > MAX_QUERY:
        raise _bad("q", f"检索词最多 {MAX_QUERY} 个字，请输入合同中的一个短语")
    if CONTROL.search(q):  # the same characters any text of the API refuses (C1 too)
        raise _bad("q", "检索词含有不允许的控制字符")
    form = search_form(q)
    if len(form) < MIN_QUERY:
        raise _bad("q", f"检索词至少 {MIN_QUERY} 个字：请输入合同中的一个词语或短语")
    return form


def _cursor(published_on: date, case_id: int) -> str:
    raw = _CURSOR_PREFIX + f"{published_on.isoformat()}:{case_id}".encode("ascii")
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def _position(cursor: str) -> tuple[date, int]:
    """The position a cursor names; a value this service does not issue is ValidationFailed."""
    raw = b""
    if len(cursor) <= 64:
        try:
            raw = base64.urlsafe_b64decode(cursor.encode("ascii") + b"=" * (-len(cursor) % 4))
        except (ValueError, UnicodeEncodeError):
            raw = b""
    found = _CURSOR.fullmatch(raw)
    try:
        if found is None:
            raise ValueError(cursor)
        return date.fromisoformat(found.group(1).decode("ascii")), int(found.group(2))
    except ValueError:
        raise _bad("cursor", "cursor 无效：请使用上一页返回的 next_cursor") from None


def _item(row: Any) -> dict[str, Any]:
    return {
        "id": row.id,
        "title": row.title,
        "sector": row.sector,
        "region_code": row.region_code,
        "term_start": row.term_start.isoformat(),
        "term_end": row.term_end.isoformat(),
        "published_on": row.published_on.isoformat(),
    }


def contracts(uow: UnitOfWork, *, q: str | None = None, cursor: str | None = None, limit: int = 50) -> dict[str, Any]:
    """One page of the contracts in force, newest publication first; ``q``: only those whose text holds the phrase
    (an empty or blank ``q`` is no filter, as for the case list)."""
    if not 1 <= limit <= MAX_LIMIT:
        raise _bad("limit", f"limit 须在 1 至 {MAX_LIMIT} 之间")
    form = query_form(q) if q is not None and q.strip() else None
    after = _position(cursor) if cursor else None
    with uow:
        rows = uow.repo.texts.public_contracts(form=form, after=after, limit=limit + 1)
    items = [_item(r) for r in rows[:limit]]
    last = rows[limit - 1] if len(rows) > limit else None
    return {"items": items, "next_cursor": _cursor(last.published_on, last.id) if last is not None else None}


def contract(uow: UnitOfWork, *, case_id: int) -> dict[str, Any]:
    """One contract in force: its listing fields, the parties' names and its public HTML (NotFound otherwise)."""
    with uow:
        row = uow.repo.texts.public_contract(case_id)
        if row is None:
            raise NotFound(NOT_PUBLISHED)
        orgs = uow.repo.organizations([row.union_org_id, row.employer_org_id])
    return {
        **_item(row),
        "document_id": row.document_id,
        "parties": [orgs[i].name for i in (row.union_org_id, row.employer_org_id) if i in orgs],
        "html": row.html,
    }


def contract_document(uow: UnitOfWork, *, case_id: int) -> int:
    """The id of the public contract's document (its PDF, archived at publish) of a case in force (NotFound otherwise)."""
    with uow:
        row = uow.repo.texts.public_contract(case_id)
        if row is None:
            raise NotFound(NOT_PUBLISHED)
        return int(row.document_id)


def contract_pdf(uow: UnitOfWork, *, document_id: int) -> tuple[bytes, str]:
    """A public contract's PDF bytes as archived, verified against their sha256 (ArchiveIntegrityError otherwise)."""
    with uow:
        document = uow.repo.document(document_id)
        if document is None:
            raise NotFound(NOT_PUBLISHED)
        return documents.read_verified(uow, document), document.sha256
