"""Commands that change things: set-up, cases, representatives and events; one transaction each, audited."""

from __future__ import annotations

import hashlib
import secrets
from datetime import date
from typing import Any

from negotiation import audit
from negotiation.commands import CaseCreate, EventEnvelope, OrganizationCreate, RepresentativesPut, UserCreate, VersionEnvelope
from negotiation.errors import Forbidden, InvalidTransition, NotFound, ValidationFailed, VersionConflict, Violation
from negotiation.event_data import SignData
from negotiation.events import EVENT_DATA, apply_event, is_registered
from negotiation.model import AuditEvent, NegotiationCase, Organization, Representative, User
from negotiation.procedure import EventContext
from negotiation.rules import profile_for_region, rule_violation
from negotiation.service_layer import documents as docs
from negotiation.service_layer import outbox, texts
from negotiation.service_layer.access import Actor, can_see, parties_of
from negotiation.service_layer.clock import now_iso, today
from negotiation.service_layer.stored_calendar import stored_calendar
from negotiation.service_layer.unit_of_work import UnitOfWork
from negotiation.service_layer.views import case_view
from negotiation.states.guards import representative_violations
from negotiation.states.machine import allowed_events, can_fire
from negotiation.states.state import CaseState
from negotiation.states.table import ONCE_PER_ORGANIZATION, SYSTEM_EVENTS, Party, fired_by
from negotiation.validation import parse

__all__ = [
    "create_case",
    "create_organization",
    "create_user",
    "ensure_admin",
    "fire_event",
    "hash_token",
    "makes_documents",
    "put_representatives",
    "record_change",
    "visible_case",
]

ORG_KIND_FOR_ROLE = {
    "union_negotiator": ("union",),
    "enterprise_rep": ("employer_body", "enterprise"),
    "labour_bureau": ("labour_bureau",),
}
FIRING_ORDER = (Party.UNION, Party.EMPLOYER_BODY, Party.COVERED_ENTERPRISE, Party.LABOUR_BUREAU)
EDITABLE_REPRESENTATIVES = (CaseState.DRAFTING, CaseState.PREPARING)


def hash_token(token: str) -> str:
    """How a token is stored: its sha256, never the token."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _require_admin(actor: Actor) -> None:
    if not actor.is_admin:
        raise Forbidden("只有系统管理员可以进行此操作")


def visible_case(uow: UnitOfWork, actor: Actor, case_id: int) -> NegotiationCase:
    """The case if the caller may see it; otherwise NotFound, never revealing that it exists."""
    case = uow.repo.case(case_id)
    if case is None or not can_see(actor, case):
        raise NotFound(f"未找到案件 {case_id}，或您无权查看")
    return case


def record_change(
    uow: UnitOfWork,
    case: NegotiationCase,
    actor: str,
    event: str,
    data: Any,
    *,
    from_state: str | None,
    bump: bool = True,
    at: str | None = None,
) -> AuditEvent:
    """Append the change's audit link and, for a change of the case, bump its version: part of the same transaction.

    Every change of a case passes here. The repository then saves the case at commit with a version-checked
    UPDATE (the version it was loaded at), its new or changed deadlines and this link, all in the unit of work's
    transaction (see negotiation/adapters/repository.py); a case changed without passing here is not saved.
    """
    at = at or now_iso()
    if bump:
        case.version += 1
        case.updated_at = at
    link = audit.append_event(
        case, at=at, actor=actor, event=event, from_state=from_state, to_state=case.state, data=data, make=uow.repo.new_link
    )
    uow.repo.case_changed(case, link)
    outbox.stage_change(uow, case, link)  # its webhook events, written with it
    uow.recorded.append(event)
    return link


def create_organization(uow: UnitOfWork, *, actor: Actor, body: Any) -> dict[str, Any]:
    """An organisation (admin)."""
    _require_admin(actor)
    cmd = parse(OrganizationCreate, body)
    with uow:
        org = Organization(name=cmd.name, kind=cmd.kind, region_code=cmd.region_code)
        uow.repo.add(org)
        uow.repo.flush()
        result = {"id": org.id, "name": org.name, "kind": org.kind, "region_code": org.region_code}
        uow.commit(result)
    return result


def create_user(uow: UnitOfWork, *, actor: Actor, body: Any) -> dict[str, Any]:
    """A user with a fresh random token, shown once (admin)."""
    _require_admin(actor)
    cmd = parse(UserCreate, body)
    with uow:
        org = uow.repo.organization(cmd.organization_id) if cmd.organization_id else None
        if org is None and (cmd.role != "admin" or cmd.organization_id is not None):  # an admin may name none, not a missing one
            raise ValidationFailed("须指定用户所属的组织", [Violation(None, "组织不存在", None, "organization_id")])
        if org is not None and cmd.role != "admin" and org.kind not in ORG_KIND_FOR_ROLE[cmd.role]:
            message = f"角色 {cmd.role} 不能属于类型为 {org.kind} 的组织"
            raise ValidationFailed(message, [Violation(None, message, None, "organization_id")])
        token = secrets.token_urlsafe(32)
        user = User(
            name=cmd.name, role=cmd.role, organization_id=cmd.organization_id, token_hash=hash_token(token), created_at=now_iso()
        )
        uow.repo.add(user)
        uow.repo.flush()
        result = {"id": user.id, "name": user.name, "role": user.role, "organization_id": user.organization_id}
        uow.commit({**result, "token": None})  # what an Idempotency-Key replays: the token is never stored
    return {**result, "token": token}


def _user(uow: UnitOfWork, user_id: int) -> User:
    user = uow.repo.user(user_id)
    if user is None:
        raise NotFound(f"未找到用户 {user_id}")
    return user


def rotate_token(uow: UnitOfWork, *, actor: Actor, user_id: int) -> dict[str, Any]:
    """A new token for a user, shown once; the previous one is refused from the moment this commits (admin)."""
    _require_admin(actor)
    with uow:
        user = _user(uow, user_id)
        token = secrets.token_urlsafe(32)
        user.token_hash = hash_token(token)
        uow.commit({"id": user_id, "token": None})  # what an Idempotency-Key replays: never the token
    return {"id": user_id, "token": token}


def disable_user(uow: UnitOfWork, *, actor: Actor, user_id: int) -> dict[str, Any]:
    """Disable a user: its token and its review sessions are refused from the moment this commits (admin)."""
    _require_admin(actor)
    with uow:
        user = _user(uow, user_id)
        if user.id == actor.user_id:
            raise ValidationFailed("不能停用自己的账户", [Violation(None, "不能停用自己的账户", None, "id")])
        user.disabled = True
        result = {"id": user_id, "name": user.name, "role": user.role, "organization_id": user.organization_id, "disabled": True}
        uow.commit(result)
    return result


CONFIGURED_ADMIN = "admin"


def ensure_admin(uow: UnitOfWork, *, token: str) -> None:
    """The admin user for NEGOTIATION_ADMIN_TOKEN exists and holds that token alone (idempotent): a changed token
    replaces the previous one, which is refused from then on."""
    digest = hash_token(token)
    with uow:
        if uow.repo.user_by_token_hash(digest) is not None:
            return
        admin = uow.repo.configured_admin(CONFIGURED_ADMIN)
        if admin is None:
            uow.repo.add(User(name=CONFIGURED_ADMIN, role="admin", organization_id=None, token_hash=digest, created_at=now_iso()))
        else:
            admin.token_hash = digest
        uow.commit()


def _org_violations(uow: UnitOfWork, cmd: CaseCreate) -> list[Violation]:
    wanted = {
        "union_org_id": (cmd.union_org_id, "union"),
        "employer_org_id": (cmd.employer_org_id, "employer_body"),
        "bureau_org_id": (cmd.bureau_org_id, "labour_bureau"),
    }
    ids = [cmd.union_org_id, cmd.employer_org_id, cmd.bureau_org_id, *cmd.covered_enterprise_ids]
    orgs = uow.repo.organizations(ids)
    found: list[Violation] = []
    for path, (org_id, kind) in wanted.items():
        org = orgs.get(org_id)
        if org is None or org.kind != kind:
            found.append(Violation(None, f"组织 {org_id} 不存在或类型不是 {kind}", None, path))
    for i, org_id in enumerate(cmd.covered_enterprise_ids):
        org = orgs.get(org_id)
        if org is None or org.kind not in ("enterprise", "employer_body"):
            found.append(Violation(None, f"组织 {org_id} 不存在或不是企业", None, f"covered_enterprise_ids[{i}]"))
    if len(set(cmd.covered_enterprise_ids)) != len(cmd.covered_enterprise_ids):
        found.append(Violation(None, "覆盖企业不得重复", None, "covered_enterprise_ids"))
    if len(set(cmd.topics)) != len(cmd.topics):
        found.append(Violation(None, "协商议题不得重复", None, "topics"))
    return found


# A renewal or variation names a contract that took effect; an expired one may still be renewed (its standards
# continue until the new contract takes effect).
IN_FORCE_STATES = (CaseState.EFFECTIVE, CaseState.IN_FORCE, CaseState.EXPIRED)


def _amended_violations(uow: UnitOfWork, actor: Actor, cmd: CaseCreate) -> list[Violation]:
    """A renewal or variation names a contract of the same union that is in force (R19, R20)."""
    if cmd.amends_case_id is None:
        return []
    earlier = uow.repo.case(cmd.amends_case_id)
    if earlier is None or not can_see(actor, earlier) or earlier.union_org_id != cmd.union_org_id:
        return [Violation(None, f"未找到本工会的案件 {cmd.amends_case_id}", None, "amends_case_id")]
    if earlier.state not in IN_FORCE_STATES:
        return [
            Violation(
                None,
                f"案件 {cmd.amends_case_id} 的集体合同尚未生效（当前状态「{earlier.state}」），不能续订或变更",
                None,
                "amends_case_id",
            )
        ]
    return []


def create_case(uow: UnitOfWork, *, actor: Actor, body: Any) -> dict[str, Any]:
    """A new case in drafting, version 1 (union negotiator of the case's union)."""
    if actor.role != "union_negotiator":
        raise Forbidden("只有工会协商代表可以发起集体协商案件")
    cmd = parse(CaseCreate, body)
    if cmd.union_org_id != actor.organization_id:
        raise Forbidden("只能以本人所在工会的名义发起案件")
    profile_for_region(cmd.region_code)  # a region outside every profile cannot be checked: refused now
    with uow:
        found = _org_violations(uow, cmd) + _amended_violations(uow, actor, cmd)
        if found:
            raise ValidationFailed(found[0].message, found)
        at = now_iso()
        case = NegotiationCase(
            title=cmd.title, level=cmd.level, sector=cmd.sector, region_code=cmd.region_code, kind=cmd.kind,
            topics=list(cmd.topics), union_org_id=cmd.union_org_id, employer_org_id=cmd.employer_org_id,
            bureau_org_id=cmd.bureau_org_id, covered_enterprise_ids=list(cmd.covered_enterprise_ids),
            amends_case_id=cmd.amends_case_id, created_at=at, updated_at=at,
        )  # fmt: skip
        wage = profile_for_region(cmd.region_code).minimum_wage(cmd.region_code)
        if wage is not None and not wage.verified:
            case.flags = ["minimum_wage_unverified"]
        uow.repo.add_case(case)
        uow.repo.add_case_parties(case)
        texts.record_title(uow, case)
        record_change(uow, case, actor.label, "create_case", cmd.model_dump(mode="json"), from_state=None, bump=False)
        result = case_view(case, actor)
        uow.commit(result)
    return result


def put_representatives(uow: UnitOfWork, *, actor: Actor, case_id: int, body: Any) -> dict[str, Any]:
    """Replace both sides' representatives (union, in drafting or preparing); R1–R4 are checked when proposing."""
    with uow:
        case = visible_case(uow, actor, case_id)
        envelope = parse(VersionEnvelope, body)
        if Party.UNION not in parties_of(actor, case):
            raise Forbidden("只有本案工会方协商代表可以确定协商代表名单")
        if envelope.expected_version != case.version:
            raise VersionConflict(envelope.expected_version, case.version)
        if case.state not in EDITABLE_REPRESENTATIVES:
            raise InvalidTransition(f"案件处于「{case.state}」状态，只有在 drafting 或 preparing 状态下才能修改协商代表")
        cmd = parse(RepresentativesPut, body)
        worker_side = [Representative(**r.model_dump()) for r in cmd.worker_side]
        employer_side = [Representative(**r.model_dump()) for r in cmd.employer_side]
        found = representative_violations(worker_side, employer_side, profile_for_region(case.region_code))
        if found:
            raise rule_violation(found)
        case.worker_side, case.employer_side = worker_side, employer_side
        record_change(uow, case, actor.label, "set_representatives", cmd.model_dump(mode="json"), from_state=case.state)
        result = case_view(case, actor)
        uow.commit(result)
    return result


def _check_event(case: NegotiationCase, actor: Actor, envelope: EventEnvelope) -> frozenset[Party]:
    event = envelope.event
    parties = parties_of(actor, case)
    if event in SYSTEM_EVENTS:
        raise Forbidden(f"事件 {event} 只能由系统按期限自动触发")
    if not parties & fired_by(event):
        raise Forbidden(f"您所在的一方无权触发事件 {event}")
    if envelope.expected_version != case.version:
        raise VersionConflict(envelope.expected_version, case.version)
    fireable = can_fire(case, event)
    if fireable and event not in ONCE_PER_ORGANIZATION:
        return parties
    allowed = allowed_events(case, parties, actor.organization_id)
    if not fireable or event not in allowed:
        already = "您所在的组织已就当前草案做过此操作；" if fireable else ""
        raise InvalidTransition(
            f"{already}案件当前状态为「{case.state}」，不能触发 {event}；当前允许的事件：{'、'.join(allowed) or '无'}"
        )
    return parties


def _fire(
    uow: UnitOfWork, actor: Actor, case_id: int, body: Any, at: str, day: date, *, planning: bool
) -> tuple[NegotiationCase, list[docs.PlannedDocument]]:
    case = visible_case(uow, actor, case_id)
    envelope = parse(EventEnvelope, body)
    if not is_registered(envelope.event):  # the registry is checked against the table on import
        message = f"未知事件 {envelope.event}"
        raise ValidationFailed(message, [Violation(None, message, None, "event")])
    parties = _check_event(case, actor, envelope)
    data = parse(EVENT_DATA[envelope.event], envelope.data, "data")
    party = next(p for p in FIRING_ORDER if p in parties & fired_by(envelope.event))
    ctx = EventContext(
        party=party, organization_id=actor.organization_id, profile=profile_for_region(case.region_code),
        today=day, created_at=at, calendar=stored_calendar(uow),
    )  # fmt: skip
    if case.current_draft_version is not None and envelope.event in ("record_vote", "sign", "publish"):
        ctx.current_draft = uow.repo.draft(case.id or 0, case.current_draft_version)
    if planning and isinstance(data, SignData):
        docs.check_legibility(uow, case, ctx.current_draft, data.signatory)
    chain = list(uow.repo.audit_events(case.id or 0)) if planning else []
    from_state = case.state
    outcome = apply_event(case, envelope.event, data, ctx)
    if outcome.vote is not None:
        uow.repo.add(outcome.vote)
    link = record_change(uow, case, actor.label, envelope.event, data.model_dump(mode="json"), from_state=from_state, at=at)
    planned = docs.plan_for_event(uow, case, envelope.event, [*chain, link], outcome.vote) if planning else []
    return case, planned


def makes_documents(body: Any) -> bool:
    """Whether an event body names an event that renders a document (slow, CPU-bound) before its transaction."""
    return isinstance(body, dict) and isinstance(body.get("event"), str) and docs.makes_documents_at(body["event"])


def fire_event(uow: UnitOfWork, *, actor: Actor, case_id: int, body: Any) -> dict[str, Any]:
    """Fire one event of api.md's table, in the order of checks of api.md's Precise semantics.

    An event that makes a document is first applied in a read-only unit of work to build the document, which is
    rendered with no lock held; the write transaction then applies the same facts and stores it.
    """
    at, day = now_iso(), today()
    made: list[docs.MadeDocument] = []
    if makes_documents(body):
        with uow.reader() as reader:
            _case, planned = _fire(reader, actor, case_id, body, at, day, planning=True)
        made = docs.render_all(planned)
    with uow:
        case, _ = _fire(uow, actor, case_id, body, at, day, planning=False)
        docs.store_all(uow, case, made, at)
        texts.record_document_texts(uow, case, made)
        result = case_view(case, actor)
        uow.commit(result)
    return result


def record_archive_alert(uow: UnitOfWork, *, document_id: int) -> None:
    """Write an audit alert on the document's case: its stored file no longer matches its sha256."""
    with uow:
        row = uow.repo.document(document_id)
        case = uow.repo.case(row.case_id) if row is not None else None
        if row is None or case is None:
            return
        data = {"document_id": document_id, "kind": row.kind, "sha256": row.sha256}
        record_change(uow, case, "system", "archive_integrity_alert", data, from_state=case.state, bump=False)
        uow.commit()
