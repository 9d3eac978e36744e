"""SQLAlchemy tables and the imperative mapping of the domain classes, with the case's version column."""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    event,
    false,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import registry, relationship
from sqlalchemy.types import TypeDecorator

from negotiation import model
from negotiation.adapters.frozen_json import freeze

__all__ = ["metadata", "start_mappers"]

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
metadata = MetaData(naming_convention=NAMING)
mapper_registry = registry(metadata=metadata)


class RepresentativeList(TypeDecorator[list[model.Representative]]):
    """A side's representatives stored as a JSON list."""

    impl = JSON
    cache_ok = True

    def process_bind_param(self, value: list[model.Representative] | None, dialect: Dialect) -> Any:
        return [r.as_dict() for r in value or []]

    def process_result_value(self, value: Any, dialect: Dialect) -> list[model.Representative]:
        return [model.Representative(**r) for r in value or []]


class RecordJSON(TypeDecorator[Any]):
    """The JSON column of a record written once (draft, meeting, vote, audit link): read back frozen, so that a
    change in place raises instead of being lost (negotiation/adapters/frozen_json.py)."""

    impl = JSON
    cache_ok = True

    def process_result_value(self, value: Any, dialect: Dialect) -> Any:
        return freeze(value)


# The mapped attributes that hold a RecordJSON column: frozen when assigned too (a new draft's terms, a vote's…).
RECORD_JSON_ATTRIBUTES: tuple[tuple[type[Any], str], ...] = (
    (model.Draft, "terms"),
    (model.Meeting, "positions"),
    (model.Vote, "per_enterprise"),
    (model.AuditEvent, "data"),
)


def _frozen_on_set(target: Any, value: Any, oldvalue: Any, initiator: Any) -> Any:
    return freeze(value)


organizations = Table(
    "organizations",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(200), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("region_code", String(6), nullable=False),
)

users = Table(
    "users",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(200), nullable=False),
    Column("role", String(20), nullable=False),
    Column("organization_id", ForeignKey("organizations.id"), nullable=True),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("created_at", String(40), nullable=False),
    Column("disabled", Boolean, nullable=False, default=False, server_default=false()),
)

cases = Table(
    "cases",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("title", String(200), nullable=False),
    Column("state", String(20), nullable=False, index=True),
    Column("version", Integer, nullable=False, server_default="1"),
    Column("level", String(20), nullable=False),
    Column("sector", String(200), nullable=False, index=True),
    Column("region_code", String(6), nullable=False, index=True),
    Column("kind", String(20), nullable=False),
    Column("topics", JSON, nullable=False),
    Column("union_org_id", ForeignKey("organizations.id"), nullable=False, index=True),
    Column("employer_org_id", ForeignKey("organizations.id"), nullable=False),
    Column("bureau_org_id", ForeignKey("organizations.id"), nullable=False),
    Column("covered_enterprise_ids", JSON, nullable=False),
    Column("worker_side", RepresentativeList, nullable=False),
    Column("employer_side", RepresentativeList, nullable=False),
    Column("current_draft_version", Integer, nullable=True),
    Column("amends_case_id", ForeignKey("cases.id"), nullable=True),
    Column("facts", JSON, nullable=False),
    Column("flags", JSON, nullable=False),
    Column("audit_seq", Integer, nullable=False),
    Column("audit_head", String(64), nullable=False),
    Column("created_at", String(40), nullable=False),
    Column("updated_at", String(40), nullable=False),
)

# Who may see a case, one row per organisation and its part: the index behind every list query.
case_parties = Table(
    "case_parties",
    metadata,
    Column("case_id", ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True),
    Column("organization_id", ForeignKey("organizations.id"), primary_key=True),
    Column("part", String(20), nullable=False),
    Index("ix_case_parties_org", "organization_id", "case_id"),
)

deadlines = Table(
    "deadlines",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("case_id", ForeignKey("cases.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("kind", String(20), nullable=False),
    Column("rule", String(10), nullable=False),
    Column("citation", String(200), nullable=False),
    Column("trigger_on", Date, nullable=False),
    Column("due_on", Date, nullable=False),
    Column("status", String(20), nullable=False),
    Column("calendar", String(20), nullable=False),
    Index("ix_deadlines_open_due", "status", "due_on"),
)

drafts = Table(
    "drafts",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("case_id", ForeignKey("cases.id", ondelete="CASCADE"), nullable=False),
    Column("version", Integer, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("term_start", Date, nullable=False),
    Column("term_end", Date, nullable=False),
    Column("terms", RecordJSON, nullable=False),
    Column("created_at", String(40), nullable=False),
    Column("created_by", ForeignKey("users.id"), nullable=False),
    UniqueConstraint("case_id", "version", name="uq_drafts_case_version"),
)

meetings = Table(
    "meetings",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("case_id", ForeignKey("cases.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("held_on", Date, nullable=False),
    Column("location", String(200), nullable=False),
    Column("chair_side", String(20), nullable=False),
    Column("recorder", String(200), nullable=False),
    Column("summary", Text, nullable=False),
    Column("positions", RecordJSON, nullable=False),
    Column("created_at", String(40), nullable=False),
)

votes = Table(
    "votes",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("case_id", ForeignKey("cases.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("draft_version", Integer, nullable=False),
    Column("draft_sha256", String(64), nullable=False),
    Column("members", Integer, nullable=False),
    Column("present", Integer, nullable=False),
    Column("yes", Integer, nullable=False),
    Column("no", Integer, nullable=False),
    Column("abstain", Integer, nullable=False),
    Column("passed", Boolean, nullable=False),
    Column("per_enterprise", RecordJSON, nullable=False),
    Column("held_on", Date, nullable=False),
    Column("created_at", String(40), nullable=False),
)

comments = Table(
    "comments",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("case_id", ForeignKey("cases.id", ondelete="CASCADE"), nullable=False),
    Column("draft_version", Integer, nullable=False),
    Column("clause", String(40), nullable=False),
    Column("body", Text, nullable=False),
    Column("author_id", ForeignKey("users.id"), nullable=False),
    Column("organization_id", ForeignKey("organizations.id"), nullable=False),
    Column("created_at", String(40), nullable=False),
    Index("ix_comments_case_draft", "case_id", "draft_version"),
)

audit_events = Table(
    "audit_events",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("case_id", ForeignKey("cases.id", ondelete="CASCADE"), nullable=False),
    Column("seq", Integer, nullable=False),
    Column("at", String(40), nullable=False),
    Column("actor", String(200), nullable=False),
    Column("event", String(40), nullable=False),
    Column("from_state", String(20), nullable=True),
    Column("to_state", String(20), nullable=True),
    Column("data", RecordJSON, nullable=True),
    Column("data_sha256", String(64), nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
    UniqueConstraint("case_id", "seq", name="uq_audit_events_case_seq"),
)

documents = Table(
    "documents",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("case_id", ForeignKey("cases.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("kind", String(20), nullable=False),
    Column("draft_version", Integer, nullable=True),
    Column("sha256", String(64), nullable=False),
    Column("size", Integer, nullable=False),
    Column("created_at", String(40), nullable=False),
    Column("superseded_by", Integer, nullable=True),
)

renderings = Table(
    "renderings",
    metadata,
    Column("input_sha256", String(64), primary_key=True),
    Column("kind", String(20), nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("size", Integer, nullable=False),
    Column("created_at", String(40), nullable=False),
)

idempotency_keys = Table(
    "idempotency_keys",
    metadata,
    Column("user_id", ForeignKey("users.id"), primary_key=True),
    Column("key", String(200), primary_key=True),
    Column("request_hash", String(64), nullable=False),
    Column("status_code", Integer, nullable=False),
    Column("body", Text, nullable=False),
    Column("created_at", String(40), nullable=False),
)

# Review-page sessions that were signed out: their cookie is refused even before it expires.
ended_sessions = Table(
    "ended_sessions",
    metadata,
    Column("sid", String(64), primary_key=True),
    Column("user_id", ForeignKey("users.id"), nullable=False),
    Column("expires_at", Integer, nullable=False),
    Column("ended_at", String(40), nullable=False),
)

# Failed authentications by client address (api.md "Secrets, tokens and abuse": 20 within 60 s → 429), in the
# database so that every worker and every host counts the same failures.
auth_failures = Table(
    "auth_failures",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("address", String(64), nullable=False),
    Column("at", Float, nullable=False),
    Index("ix_auth_failures_address_at", "address", "at"),
)

# The searchable text of each case: its current draft's, or its contract's once signed, in the search form of
# negotiation/documents/plain_text.py (written in the transaction of the change; GET /api/v1/cases?q=).
case_texts = Table(
    "case_texts",
    metadata,
    Column("case_id", ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True),
    Column("source", String(20), nullable=False),
    Column("draft_version", Integer, nullable=False),
    Column("text", Text, nullable=False),
)

# The public text of each published contract (the public portal): made at `publish` with its anonymised PDF, it
# names no person. `html` is the document's body as the portal page shows it, `text` its search form.
public_contracts = Table(
    "public_contracts",
    metadata,
    Column("case_id", ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True),
    Column("document_id", ForeignKey("documents.id"), nullable=False),
    Column("published_on", Date, nullable=False),
    Column("term_start", Date, nullable=False),
    Column("term_end", Date, nullable=False),
    Column("html", Text, nullable=False),
    Column("text", Text, nullable=False),
    Index("ix_public_contracts_published", "published_on", "case_id"),
)

_started = False


def start_mappers() -> None:
    """Map the domain classes onto the tables, once per process."""
    global _started
    if _started:
        return
    _started = True
    mapper_registry.map_imperatively(model.Organization, organizations)
    mapper_registry.map_imperatively(model.User, users)
    mapper_registry.map_imperatively(model.Deadline, deadlines)
    mapper_registry.map_imperatively(
        model.NegotiationCase,
        cases,
        properties={
            "deadlines": relationship(model.Deadline, lazy="selectin", order_by=deadlines.c.id, cascade="all, delete-orphan"),
        },
        version_id_col=cases.c.version,
        version_id_generator=False,
    )
    mapper_registry.map_imperatively(model.Draft, drafts)
    mapper_registry.map_imperatively(model.Meeting, meetings)
    mapper_registry.map_imperatively(model.Vote, votes)
    mapper_registry.map_imperatively(model.Comment, comments)
    mapper_registry.map_imperatively(model.AuditEvent, audit_events)
    mapper_registry.map_imperatively(model.Document, documents)
    mapper_registry.map_imperatively(model.Rendering, renderings)
    for cls, name in RECORD_JSON_ATTRIBUTES:
        event.listen(getattr(cls, name), "set", _frozen_on_set, retval=True)
