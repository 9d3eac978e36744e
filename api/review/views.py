"""What the review templates see: cases, drafts, their diff and comments, built from the service layer's reads."""

from __future__ import annotations

import re
from typing import Any

from api.review import case_forms
from api.review.case_forms import Filled
from api.review.clauses import render_clauses
from api.review.labels import (
    CLAUSE_TITLES,
    DEADLINE_KINDS,
    DEADLINE_STATUS,
    EVENT_LABELS,
    SIDES,
    STATE_LABELS,
    field_label,
    format_value,
    topic_of,
)
from negotiation.bootstrap import Services
from negotiation.diff import flatten
from negotiation.service_layer import offers, queries
from negotiation.service_layer.access import Actor
from negotiation.terms import TOPICS

__all__ = ["case_page", "case_rows", "diff_entries", "draft_page", "organization_names", "state_of"]

_ITEM = re.compile(r"terms\.piece_rates\[\d+\]")
_SUPPLEMENT = re.compile(r"terms\.piece_rates\[\d+\]\.supplements\[\d+\]")


def organization_names(services: Services, ids: list[int]) -> dict[int, str]:
    """Names of organisations a visible case refers to (the caller has passed the visibility check already)."""
    with services.uow.reading() as uow:
        return {i: o.name for i, o in uow.repo.organizations(sorted(set(ids))).items()}


def _deadline(d: dict[str, Any]) -> dict[str, Any]:
    return {
        **d,
        "kind_label": DEADLINE_KINDS.get(d["kind"], d["kind"]),
        "status_label": DEADLINE_STATUS.get(d["status"], d["status"]),
    }


def next_deadline(case: dict[str, Any]) -> dict[str, Any] | None:
    """The earliest deadline still running (open or overdue)."""
    running = [d for d in case["deadlines"] if d["status"] in ("open", "overdue")]
    return _deadline(min(running, key=lambda d: d["due_on"])) if running else None


def state_of(case: dict[str, Any]) -> dict[str, str]:
    """A case's state key and its words."""
    return {"key": case["state"], "label": STATE_LABELS.get(case["state"], case["state"])}


def case_rows(services: Services, actor: Actor) -> list[dict[str, Any]]:
    """Every case the user's organisation is party to, page by page as the API lists them."""
    rows: list[dict[str, Any]] = []
    cursor: str | None = None
    while True:
        page = queries.cases(services.uow.reading(), actor=actor, limit=100, cursor=cursor)
        for case in page["items"]:
            rows.append({"case": case, "state": state_of(case), "next_deadline": next_deadline(case)})
        cursor = page["next_cursor"]
        if cursor is None:
            return rows


def _actor_name(label: str) -> str:
    if label == "system":
        return "系统（按期限自动）"
    parts = label.split(":", 2)
    return parts[2] if len(parts) == 3 and parts[0] == "user" else label


def case_page(
    services: Services, actor: Actor, case_id: int, failed: str | None = None, filled: Filled | None = None
) -> dict[str, Any]:
    """A case with its parties, representatives, approvals, deadlines, the current draft's changes and comments,
    meetings, timeline, drafts and documents, and a form for each event the caller may fire (`failed` as `filled`)."""
    case = queries.case(services.uow.reading(), actor=actor, case_id=case_id)
    names = organization_names(
        services, [case["union_org_id"], case["employer_org_id"], case["bureau_org_id"], *case["covered_enterprise_ids"]]
    )
    approvals = set(case["approvals"])
    approvers = [
        {"id": org_id, "name": names.get(org_id, str(org_id)), "role": role, "approved": org_id in approvals}
        for org_id, role in [
            (case["employer_org_id"], "企业方代表组织"),
            *((i, "覆盖企业") for i in case["covered_enterprise_ids"]),
        ]
    ]
    timeline = [
        {
            **e,
            "actor_name": _actor_name(e["actor"]),
            "event_label": EVENT_LABELS.get(e["event"], e["event"]),
            "from_label": STATE_LABELS.get(e["from_state"] or "", e["from_state"] or ""),
            "to_label": STATE_LABELS.get(e["to_state"] or "", e["to_state"] or ""),
        }
        for e in queries.case_audit(services.uow.reading(), actor=actor, case_id=case_id)
    ]
    drafts = queries.drafts(services.uow.reading(), actor=actor, case_id=case_id)
    return {
        **_current_draft(services, actor, case, [d["version"] for d in drafts]),
        "forms": case_forms.event_forms(case, names, failed, filled),
        "actions": offers.case_actions(services.uow.reading(), actor=actor, case_id=case_id),
        "representatives": [
            {"side": SIDES.get(side, side), "key": side, "people": case["representatives"][side]}
            for side in ("worker_side", "employer_side")
        ],
        "meetings": queries.meetings(services.uow.reading(), actor=actor, case_id=case_id),
        "case": case,
        "state": state_of(case),
        "parties": {
            "union": names.get(case["union_org_id"], ""),
            "employer_body": names.get(case["employer_org_id"], ""),
            "bureau": names.get(case["bureau_org_id"], ""),
        },
        "approvers": approvers,
        "deadlines": [_deadline(d) for d in case["deadlines"]],
        "timeline": list(reversed(timeline)),
        "drafts": list(reversed(drafts)),
        "documents": queries.case_documents(services.uow.reading(), actor=actor, case_id=case_id),
        "topics": [CLAUSE_TITLES[t] for t in TOPICS if t in case["topics"]],
    }


def _current_draft(services: Services, actor: Actor, case: dict[str, Any], versions: list[int]) -> dict[str, Any]:
    """The current draft's changes from the version before it, and the comments on it."""
    current = case["current_draft_version"]
    if current is None:
        return {"current_diff": None, "current_comments": []}
    diff = None
    if current - 1 in versions:
        reading = services.uow.reading
        old = queries.draft(reading(), actor=actor, case_id=case["id"], version=current - 1)
        new = queries.draft(reading(), actor=actor, case_id=case["id"], version=current)
        changes = queries.draft_diff(reading(), actor=actor, case_id=case["id"], version=current, against=current - 1)
        diff = diff_entries(changes["changes"], old, new)
    comments = queries.comments(services.uow.reading(), actor=actor, case_id=case["id"], version=current)
    return {"current_diff": diff, "current_comments": comments}


def diff_entries(changes: list[dict[str, Any]], old: dict[str, Any], new: dict[str, Any]) -> list[dict[str, Any]]:
    """Each changed figure, and each clause or piece-rate item added or removed, in words. A change's path
    addresses the version it exists in (negotiation/diff.py): a removed item is named from `old`, the rest from `new`."""
    entries: list[dict[str, Any]] = []
    whole: set[str] = set()
    old_terms, new_terms = old["terms"], new["terms"]
    for change in changes:
        path, before, after = change["path"], change["before"], change["after"]
        topic = topic_of(path)
        if topic in TOPICS and (topic in old_terms) != (topic in new_terms):
            if topic not in whole:
                whole.add(topic)
                kind = "added" if topic in new_terms else "removed"
                text = f"{'新增' if kind == 'added' else '删除'}条款「{CLAUSE_TITLES[topic]}」"
                entries.append({"topic": topic, "kind": kind, "label": CLAUSE_TITLES[topic], "text": text})
            continue
        terms = old_terms if after is None else new_terms
        item = after if after is not None else before
        whole_item = (before is None) != (after is None) and isinstance(item, dict)
        if whole_item and _SUPPLEMENT.fullmatch(path):
            label = field_label(f"{path}.amount_cny", terms)
            text = f"{'新增' if before is None else '删除'}{label}：¥{item.get('amount_cny')}"
            entries.append({"topic": topic, "kind": "added" if before is None else "removed", "label": label, "text": text})
            continue
        if whole_item and _ITEM.fullmatch(path):
            label = field_label(path, terms)
            text = f"{'新增' if before is None else '删除'}{label}：每{format_value('unit', item.get('unit'))} ¥{item.get('rate_cny')}"
            entries.append({"topic": topic, "kind": "added" if before is None else "removed", "label": label, "text": text})
            continue
        label = field_label(path, terms)
        if before is None:
            entries.append({"topic": topic, "kind": "added", "label": label, "text": f"新增 {label} {format_value(path, after)}"})
        elif after is None:
            entries.append(
                {"topic": topic, "kind": "removed", "label": label, "text": f"删除 {label} {format_value(path, before)}"}
            )
        else:
            text = f"{label} {format_value(path, before)} → {format_value(path, after)}"
            entries.append({"topic": topic, "kind": "changed", "label": label, "text": text})
    return entries


def _figures(draft: dict[str, Any], topic: str) -> list[dict[str, str]]:
    if topic == "term":
        section: dict[str, Any] = {"term_start": draft["term_start"], "term_end": draft["term_end"]}
        flat = flatten(section)
    else:
        flat = {f"terms.{k}": v for k, v in flatten({topic: draft["terms"].get(topic)}).items()}
    return [{"label": field_label(p, draft["terms"]), "value": format_value(p, v)} for p, v in flat.items()]


def draft_page(services: Services, actor: Actor, case_id: int, version: int, against: int | None) -> dict[str, Any]:
    """A draft's clauses, its diff against an earlier version, the comments per clause, and what the user may do."""
    case = queries.case(services.uow.reading(), actor=actor, case_id=case_id)
    draft = queries.draft(services.uow.reading(), actor=actor, case_id=case_id, version=version)
    versions = [d["version"] for d in queries.drafts(services.uow.reading(), actor=actor, case_id=case_id)]
    if against is None and version - 1 in versions:
        against = version - 1
    diff: list[dict[str, Any]] | None = None
    if against is not None and against != version:
        old = queries.draft(services.uow.reading(), actor=actor, case_id=case_id, version=against)
        changes = queries.draft_diff(services.uow.reading(), actor=actor, case_id=case_id, version=version, against=against)
        diff = diff_entries(changes["changes"], old, draft)
    in_force = queries.diff_against_contract_in_force(services.uow.reading(), actor=actor, case_id=case_id, version=version)
    in_force_diff = None
    if in_force is not None:
        in_force_diff = diff_entries(in_force["changes"], in_force["contract"]["draft"], draft)
    comments = queries.comments(services.uow.reading(), actor=actor, case_id=case_id, version=version)
    html = render_clauses(case, draft)
    keys = [*(t for t in TOPICS if t in case["topics"]), "term", "general"]
    clauses = [
        {
            "key": key,
            "title": CLAUSE_TITLES[key],
            "html": html.get(key),
            "figures": _figures(draft, key) if key != "general" else [],
            "changes": [e for e in diff or [] if e["topic"] == key],
            "comments": [c for c in comments if c["clause"] == key],
        }
        for key in keys
    ]
    current = case["current_draft_version"] == version
    allowed = set(case["allowed_events"]) if current else set()
    return {
        "case": case,
        "state": state_of(case),
        "draft": draft,
        "versions": versions,
        "against": against,
        "diff": diff,
        "contract_in_force": in_force["contract"] if in_force else None,
        "in_force_diff": in_force_diff,
        "clauses": clauses,
        "comment_count": len(comments),
        "is_current": current,
        "can_approve": "approve_draft" in allowed,
        "can_request_changes": "request_changes" in allowed,
        "can_comment": actor.role in ("union_negotiator", "enterprise_rep"),
    }
