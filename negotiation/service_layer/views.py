"""The shapes of api.md for cases, drafts, comments, audit and documents, as plain dicts."""

from __future__ import annotations

from typing import Any

from negotiation import model
from negotiation.service_layer.access import Actor, parties_of
from negotiation.states.machine import allowed_events

__all__ = ["audit_view", "case_view", "comment_view", "deadline_view", "document_view", "draft_view", "meeting_view"]


def deadline_view(d: model.Deadline) -> dict[str, Any]:
    return {
        "kind": d.kind,
        "rule": d.rule,
        "citation": d.citation,
        "trigger_on": d.trigger_on.isoformat(),
        "due_on": d.due_on.isoformat(),
        "status": d.status,
        "calendar": d.calendar,
    }


def case_view(case: model.NegotiationCase, actor: Actor) -> dict[str, Any]:
    """A case as this caller sees it, allowed_events computed for the caller."""
    return {
        "id": case.id,
        "title": case.title,
        "state": case.state,
        "version": case.version,
        "level": case.level,
        "sector": case.sector,
        "region_code": case.region_code,
        "kind": case.kind,
        "topics": list(case.topics),
        "union_org_id": case.union_org_id,
        "employer_org_id": case.employer_org_id,
        "bureau_org_id": case.bureau_org_id,
        "covered_enterprise_ids": list(case.covered_enterprise_ids),
        "representatives": {
            "worker_side": [r.as_dict() for r in case.worker_side],
            "employer_side": [r.as_dict() for r in case.employer_side],
        },
        "current_draft_version": case.current_draft_version,
        "amends_case_id": case.amends_case_id,
        "deadlines": [deadline_view(d) for d in case.deadlines],
        "allowed_events": allowed_events(case, parties_of(actor, case), actor.organization_id),
        "approvals": list(case.fact("approvals", [])),
        "signatures": dict(case.fact("signatures", {})),
        "flags": list(case.flags),
        "created_at": case.created_at,
        "updated_at": case.updated_at,
    }


def draft_view(d: model.Draft) -> dict[str, Any]:
    return {
        "version": d.version,
        "sha256": d.sha256,
        "term_start": d.term_start.isoformat(),
        "term_end": d.term_end.isoformat(),
        "terms": d.terms,
        "created_at": d.created_at,
    }


def meeting_view(m: model.Meeting) -> dict[str, Any]:
    return {
        "id": m.id,
        "purpose": m.purpose,
        "held_on": m.held_on.isoformat(),
        "location": m.location,
        "chair_side": m.chair_side,
        "recorder": m.recorder,
        "summary": m.summary,
        "positions": m.positions,
        "created_at": m.created_at,
    }


def comment_view(c: model.Comment, author: model.User | None, org: model.Organization | None) -> dict[str, Any]:
    return {
        "id": c.id,
        "draft_version": c.draft_version,
        "clause": c.clause,
        "body": c.body,
        "author": {"id": c.author_id, "name": author.name if author else ""},
        "organization": {"id": c.organization_id, "name": org.name if org else ""},
        "created_at": c.created_at,
    }


def audit_view(e: model.AuditEvent) -> dict[str, Any]:
    return {
        "seq": e.seq,
        "at": e.at,
        "actor": e.actor,
        "event": e.event,
        "from_state": e.from_state,
        "to_state": e.to_state,
        "data_sha256": e.data_sha256,
        "prev_hash": e.prev_hash,
        "hash": e.hash,
    }


def document_view(d: model.Document) -> dict[str, Any]:
    return {
        "id": d.id,
        "kind": d.kind,
        "draft_version": d.draft_version,
        "sha256": d.sha256,
        "size": d.size,
        "created_at": d.created_at,
        "superseded_by": d.superseded_by,
    }
