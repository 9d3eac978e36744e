"""Request and response models of api.md, for /openapi.json; requests are validated in the service layer."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict

from negotiation import commands
from negotiation.events import EVENT_DATA, REGISTRY

__all__ = ["BODY_MODELS", "ErrorOut", "body_doc", "error_responses", "extend_openapi"]


class _Out(BaseModel):
    """A response body exactly as documented: a field the server sends but /openapi.json does not name is a schema
    violation (tests/e2e/proof/test_schema_conformance.py)."""

    model_config = ConfigDict(extra="forbid")


class ViolationOut(_Out):
    rule: str | None
    message: str
    citation: str | None
    path: str | None


class ErrorDetail(_Out):
    code: str
    message: str
    violations: list[ViolationOut]
    request_id: str


class ErrorOut(_Out):
    error: ErrorDetail


class DeadlineOut(_Out):
    kind: str
    rule: str
    citation: str
    trigger_on: str
    due_on: str
    status: str
    calendar: str


class CaseOut(_Out):
    id: int
    title: str
    state: str
    version: int
    level: str
    sector: str
    region_code: str
    kind: str
    topics: list[str]
    union_org_id: int
    employer_org_id: int
    bureau_org_id: int
    covered_enterprise_ids: list[int]
    representatives: dict[str, list[dict[str, Any]]]
    current_draft_version: int | None
    amends_case_id: int | None
    deadlines: list[DeadlineOut]
    allowed_events: list[str]
    approvals: list[int]
    signatures: dict[str, Any]
    flags: list[str]
    created_at: str
    updated_at: str


class CaseList(_Out):
    items: list[CaseOut]
    next_cursor: str | None


class DraftOut(_Out):
    version: int
    sha256: str
    term_start: str
    term_end: str
    terms: dict[str, Any]
    created_at: str


class DiffOut(_Out):
    changes: list[dict[str, Any]]


class DocumentOut(_Out):
    id: int
    kind: str
    draft_version: int | None
    sha256: str
    size: int
    created_at: str
    superseded_by: int | None


class AuditEventOut(_Out):
    seq: int
    at: str
    actor: str
    event: str
    from_state: str | None
    to_state: str | None
    data_sha256: str
    prev_hash: str
    hash: str


class AuditVerifyOut(_Out):
    ok: bool
    events_checked: int
    first_bad_seq: int | None


class RecomputedDeadlineOut(BaseModel):
    case_id: int
    kind: str
    rule: str
    due_on_before: str
    calendar_before: str
    due_on: str
    calendar: str


class CalendarYearOut(BaseModel):
    year: int
    holidays: list[str]
    workdays: list[str]
    source: str
    notice: str | None
    loaded_at: str | None
    recomputed: list[RecomputedDeadlineOut] | None = None


class TickIn(BaseModel):
    as_of: str | None = None


class TickOut(_Out):
    fired: list[dict[str, Any]]


class WebhookOut(BaseModel):
    id: int
    url: str
    events: list[str]
    created_at: str


class WebhookAttemptOut(BaseModel):
    attempt: int
    at: str
    http_status: int | None
    error: str | None


class WebhookDeliveryOut(BaseModel):
    id: str
    type: str
    case_id: int
    status: str
    attempts: int
    http_status: int | None
    error: str | None
    next_attempt_at: str | None
    created_at: str
    delivered_at: str | None
    history: list[WebhookAttemptOut]


BODY_MODELS: dict[str, type[BaseModel]] = {
    "OrganizationCreate": commands.OrganizationCreate,
    "UserCreate": commands.UserCreate,
    "CaseCreate": commands.CaseCreate,
    "RepresentativesPut": commands.RepresentativesPut,
    "EventEnvelope": commands.EventEnvelope,
    "DraftCreate": commands.DraftCreate,
    "MeetingCreate": commands.MeetingCreate,
    "CommentCreate": commands.CommentCreate,
    "TickIn": TickIn,
    "CalendarYearPut": commands.CalendarYearPut,
    "WebhookCreate": commands.WebhookCreate,
    "RuleChangeCreate": commands.RuleChangeCreate,
    "RuleChangeResponseCreate": commands.RuleChangeResponseCreate,
    "InspectionCreate": commands.InspectionCreate,
    "SupervisionLetterCreate": commands.SupervisionLetterCreate,
    **{f"EventData_{name}": model for name, model in EVENT_DATA.items()},
}


def body_doc(name: str) -> dict[str, Any]:
    """openapi_extra that documents a JSON request body by its model."""
    return {
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{name}"}}},
        }
    }


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The error shape of api.md for the given statuses."""
    return {status: {"model": ErrorOut} for status in statuses}


def extend_openapi(schema: dict[str, Any]) -> dict[str, Any]:
    """Add the request models (and their nested models) to the components; a 422 is api.md's error, not FastAPI's."""
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    error = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}}}
    for operations in schema.get("paths", {}).values():
        for operation in operations.values():
            refused = operation.get("responses", {}).get("422")
            if refused is not None:
                refused["content"] = error
    for fastapi_only in ("HTTPValidationError", "ValidationError"):
        components.pop(fastapi_only, None)
    for name, model in BODY_MODELS.items():
        js = model.model_json_schema(ref_template="#/components/schemas/{model}", mode="validation")
        for def_name, definition in js.pop("$defs", {}).items():
            components.setdefault(def_name, definition)
        components[name] = js
    # The registry's event names: any other is refused (validation_error).
    components["EventEnvelope"]["properties"]["event"]["enum"] = [event.key for event in REGISTRY]
    return schema
