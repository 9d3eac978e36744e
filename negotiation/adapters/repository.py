"""Loading and saving the aggregate and its parts; the queries behind lists and the sweeper."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import exists, inspect, select
from sqlalchemy.orm import Session, joinedload
from sqlalchemy.orm.interfaces import ORMOption

from negotiation import model
from negotiation.adapters import orm

__all__ = ["Repository"]

_case_with_deadlines: list[ORMOption] = []


def _case_options() -> list[ORMOption]:
    """Load a case and its deadlines in one statement (a join) instead of two (the mapping's selectin)."""
    if not _case_with_deadlines:
        _case_with_deadlines.append(joinedload(inspect(model.NegotiationCase).attrs["deadlines"].class_attribute))
    return _case_with_deadlines


class Repository:
    """Queries over one session; it never commits."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, obj: object) -> None:
        """Stage a new object."""
        self.session.add(obj)

    def flush(self) -> None:
        """Send staged changes so that ids are assigned."""
        self.session.flush()

    # cases -------------------------------------------------------------------------------------
    def case(self, case_id: int) -> model.NegotiationCase | None:
        """The case with that id, or None."""
        return self.session.get(model.NegotiationCase, case_id, options=_case_options())

    def add_case_parties(self, case: model.NegotiationCase) -> None:
        """Index who may see the case."""
        assert case.id is not None
        parts = {case.union_org_id: "union", case.employer_org_id: "employer_body", case.bureau_org_id: "labour_bureau"}
        for org_id in case.covered_enterprise_ids:
            parts.setdefault(org_id, "covered_enterprise")
        self.session.execute(
            orm.case_parties.insert(),
            [{"case_id": case.id, "organization_id": org, "part": part} for org, part in parts.items()],
        )

    def cases(
        self,
        *,
        organization_id: int | None,
        state: str | None,
        sector: str | None,
        region_code: str | None,
        q: str | None,
        after_id: int | None,
        limit: int,
    ) -> Sequence[model.NegotiationCase]:
        """Cases ordered by creation; organization_id None means every case (admin)."""
        cases = orm.cases.c
        stmt = select(model.NegotiationCase).order_by(cases.id).limit(limit)
        if organization_id is not None:
            parties = orm.case_parties.c
            stmt = stmt.where(
                exists().where(parties.case_id == cases.id, parties.organization_id == organization_id)
            )
        if state:
            stmt = stmt.where(cases.state == state)
        if sector:
            stmt = stmt.where(cases.sector == sector)
        if region_code:
            stmt = stmt.where(cases.region_code == region_code)
        if q:
            escaped = q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            stmt = stmt.where(cases.title.like(f"%{escaped}%", escape="\\"))
        if after_id is not None:
            stmt = stmt.where(cases.id > after_id)
        return self.session.scalars(stmt).all()

    def case_ids_with_due_deadlines(self, as_of: date) -> list[int]:
        """Cases with an open deadline whose due date lies before as_of."""
        d = orm.deadlines.c
        stmt = select(d.case_id).where(d.status == "open", d.due_on < as_of).distinct().order_by(d.case_id)
        return list(self.session.scalars(stmt))

    def all_case_ids(self) -> list[int]:
        """Every case id, in order."""
        return list(self.session.scalars(select(orm.cases.c.id).order_by(orm.cases.c.id)))

    # organisations and users ------------------------------------------------------------------
    def organization(self, org_id: int) -> model.Organization | None:
        """The organisation with that id, or None."""
        return self.session.get(model.Organization, org_id)

    def organizations(self, ids: list[int]) -> dict[int, model.Organization]:
        """Organisations by id."""
        if not ids:
            return {}
        rows = self.session.scalars(select(model.Organization).where(orm.organizations.c.id.in_(ids)))
        return {o.id: o for o in rows if o.id is not None}

    def user_by_token_hash(self, token_hash: str) -> model.User | None:
        """The user whose token hashes to token_hash."""
        return self.session.scalars(select(model.User).where(orm.users.c.token_hash == token_hash)).first()

    def user(self, user_id: int) -> model.User | None:
        """The user with that id."""
        return self.session.get(model.User, user_id)

    def users(self, ids: list[int]) -> dict[int, model.User]:
        """Users by id."""
        if not ids:
            return {}
        rows = self.session.scalars(select(model.User).where(orm.users.c.id.in_(ids)))
        return {u.id: u for u in rows if u.id is not None}

    # drafts, meetings, votes, comments ------------------------------------------------------
    def drafts(self, case_id: int) -> Sequence[model.Draft]:
        """Every draft of a case, oldest first."""
        d = orm.drafts.c
        return self.session.scalars(select(model.Draft).where(d.case_id == case_id).order_by(d.version)).all()

    def draft(self, case_id: int, version: int) -> model.Draft | None:
        """One draft version of a case."""
        d = orm.drafts.c
        return self.session.scalars(select(model.Draft).where(d.case_id == case_id, d.version == version)).first()

    def latest_draft_version(self, case_id: int) -> int:
        """The highest draft version of a case, 0 when none."""
        d = orm.drafts.c
        found = self.session.scalar(select(d.version).where(d.case_id == case_id).order_by(d.version.desc()).limit(1))
        return int(found or 0)

    def meetings(self, case_id: int) -> Sequence[model.Meeting]:
        """The meetings of a case in the order they were recorded."""
        m = orm.meetings.c
        return self.session.scalars(select(model.Meeting).where(m.case_id == case_id).order_by(m.id)).all()

    def votes(self, case_id: int) -> Sequence[model.Vote]:
        """The votes of a case in order."""
        v = orm.votes.c
        return self.session.scalars(select(model.Vote).where(v.case_id == case_id).order_by(v.id)).all()

    def comments(self, case_id: int, draft_version: int) -> Sequence[model.Comment]:
        """Comments on one draft, oldest first."""
        c = orm.comments.c
        stmt = select(model.Comment).where(c.case_id == case_id, c.draft_version == draft_version).order_by(c.id)
        return self.session.scalars(stmt).all()

    # audit and documents ----------------------------------------------------------------------
    def audit_events(self, case_id: int) -> Sequence[model.AuditEvent]:
        """A case's audit chain in stored order."""
        a = orm.audit_events.c
        return self.session.scalars(select(model.AuditEvent).where(a.case_id == case_id).order_by(a.id)).all()

    def documents(self, case_id: int) -> Sequence[model.Document]:
        """A case's documents, oldest first."""
        d = orm.documents.c
        return self.session.scalars(select(model.Document).where(d.case_id == case_id).order_by(d.id)).all()

    def all_documents(self) -> Sequence[model.Document]:
        """Every stored document."""
        return self.session.scalars(select(model.Document).order_by(orm.documents.c.id)).all()

    def document(self, document_id: int) -> model.Document | None:
        """The document with that id."""
        return self.session.get(model.Document, document_id)

    # idempotency ------------------------------------------------------------------------------
    def idempotency_record(self, user_id: int, key: str) -> Any:
        """The stored response for a user's idempotency key, or None."""
        k = orm.idempotency_keys.c
        return self.session.execute(
            select(k.request_hash, k.status_code, k.body).where(k.user_id == user_id, k.key == key)
        ).first()

    def add_idempotency_record(self, *, user_id: int, key: str, request_hash: str, status_code: int, body: str, at: str) -> None:
        """Store the response given to a key."""
        self.session.execute(
            orm.idempotency_keys.insert().values(
                user_id=user_id, key=key, request_hash=request_hash, status_code=status_code, body=body, created_at=at
            )
        )
