"""What a caller may do on a case besides its `allowed_events`, and what a new case of its union may name.

The pages offer a form only for what the service layer would accept: the events come from `allowed_events`
(the transition table), the other changes from the same checks their commands make (who, in which state), read here
from the constants those commands use.
"""

from __future__ import annotations

from typing import Any

from negotiation.errors import Forbidden, InvalidTransition, NegotiationError
from negotiation.events import ACTIONS
from negotiation.service_layer import drafting, handlers
from negotiation.service_layer.access import Actor, parties_of
from negotiation.service_layer.unit_of_work import UnitOfWork
from negotiation.states.state import CaseState
from negotiation.states.table import Party

__all__ = [
    "CASE_ACTIONS",
    "IN_FORCE_STATES",
    "MAX_CHOICES",
    "UNION_STATES",
    "case_actions",
    "check_action",
    "meeting_purposes",
    "new_case_choices",
]

CASE_ACTIONS = ("set_representatives", "add_draft", "record_meeting", "comment")
# Drafts are the union's while consulting (drafting.add_draft), meetings the union's in the states that take one of
# some purpose (drafting.MEETING_PURPOSES_BY_STATE), representatives the union's in the states
# handlers.put_representatives takes; comments any party's but the bureau's, on a draft.
UNION_STATES: dict[str, tuple[CaseState, ...]] = {
    "set_representatives": handlers.EDITABLE_REPRESENTATIVES,
    "add_draft": (CaseState.CONSULTING,),
    "record_meeting": tuple(drafting.MEETING_PURPOSES_BY_STATE),
}
IN_FORCE_STATES = handlers.IN_FORCE_STATES
MAX_CHOICES = 1000


def _refusal(case: Any, parties: frozenset[Party], action: str) -> NegotiationError | None:
    """Why the caller may not make this change now (as its command would answer), or None when it may."""
    words = ACTIONS[action]
    if action == "comment":
        if not parties & drafting.COMMENTING_PARTIES:
            return Forbidden(f"您所在的一方无权{words}")
        return None if case.current_draft_version is not None else InvalidTransition("本案尚无草案，不能发表意见")
    if Party.UNION not in parties:
        return Forbidden(f"只有本案工会方协商代表可以{words}")
    if case.state not in UNION_STATES[action]:
        return InvalidTransition(f"案件当前状态为「{case.state}」，现在不能{words}")
    return None


def case_actions(uow: UnitOfWork, *, actor: Actor, case_id: int) -> list[str]:
    """The changes besides events the caller may make on the case now (keys of negotiation/events.py ACTIONS)."""
    with uow:
        case = handlers.visible_case(uow, actor, case_id)
        parties = parties_of(actor, case)
        return [a for a in CASE_ACTIONS if _refusal(case, parties, a) is None]


def check_action(uow: UnitOfWork, *, actor: Actor, case_id: int, action: str) -> None:
    """Raise what the command would answer (NotFound, Forbidden, InvalidTransition) unless the caller may make it now."""
    with uow:
        case = handlers.visible_case(uow, actor, case_id)
        refused = _refusal(case, parties_of(actor, case), action)
    if refused is not None:
        raise refused


def meeting_purposes(state: str) -> tuple[str, ...]:
    """The purposes a meeting recorded now may have (drafting.MEETING_PURPOSES_BY_STATE)."""
    return drafting.MEETING_PURPOSES_BY_STATE.get(CaseState(state), ())


def _options(orgs: Any) -> list[dict[str, Any]]:
    return [{"id": o.id, "name": o.name, "region_code": o.region_code} for o in orgs]


def _cases_in(uow: UnitOfWork, organization_id: int, state: str) -> Any:
    return uow.repo.cases(
        organization_id=organization_id, state=state, sector=None, region_code=None, after_id=None, limit=MAX_CHOICES
    )


def new_case_choices(uow: UnitOfWork, *, actor: Actor) -> dict[str, list[dict[str, Any]]]:
    """What a new case of the caller's union may name: its own union, the employer bodies, enterprises and bureaus,
    and the union's contracts in force a case may renew or vary (union negotiator)."""
    if actor.role != "union_negotiator" or actor.organization_id is None:
        raise Forbidden("只有工会协商代表可以发起集体协商案件")
    with uow:
        own = uow.repo.organizations([actor.organization_id])
        amendable = [
            {"id": c.id, "name": c.title, "region_code": c.region_code}
            for state in IN_FORCE_STATES
            for c in _cases_in(uow, actor.organization_id, state)
            if c.union_org_id == actor.organization_id
        ]
        return {
            "union": _options(own.values()),
            "employer_body": _options(uow.repo.organizations_of_kinds(("employer_body",), MAX_CHOICES)),
            "enterprise": _options(uow.repo.organizations_of_kinds(("enterprise",), MAX_CHOICES)),
            "labour_bureau": _options(uow.repo.organizations_of_kinds(("labour_bureau",), MAX_CHOICES)),
            "amendable": sorted(amendable, key=lambda c: c["id"]),
        }
