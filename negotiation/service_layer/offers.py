"""What a caller may do on a case besides its `allowed_events`, and what a new case of its union may name.

The pages offer a form only for what the service layer would accept: the events come from `allowed_events`
(the transition table), the other changes from the same checks their commands make (who, in which state), read here
from the constants those commands use.
"""

from __future__ import annotations

from typing import Any

from negotiation.errors import Forbidden
from negotiation.service_layer import drafting, handlers
from negotiation.service_layer.access import Actor, parties_of
from negotiation.service_layer.unit_of_work import UnitOfWork
from negotiation.states.state import CaseState
from negotiation.states.table import Party

__all__ = ["CASE_ACTIONS", "IN_FORCE_STATES", "MAX_CHOICES", "case_actions", "new_case_choices"]

CASE_ACTIONS = ("set_representatives", "add_draft", "record_meeting", "comment")
# Drafts and meetings are the union's, while consulting (drafting.add_draft, drafting.add_meeting).
CONSULTING_ACTIONS = {"add_draft": CaseState.CONSULTING, "record_meeting": CaseState.CONSULTING}
IN_FORCE_STATES = handlers.IN_FORCE_STATES
MAX_CHOICES = 1000


def case_actions(uow: UnitOfWork, *, actor: Actor, case_id: int) -> list[str]:
    """The changes besides events the caller may make on the case now (keys of negotiation/events.py ACTIONS)."""
    with uow:
        case = handlers.visible_case(uow, actor, case_id)
        parties = parties_of(actor, case)
        found: list[str] = []
        union = Party.UNION in parties
        if union and case.state in handlers.EDITABLE_REPRESENTATIVES:
            found.append("set_representatives")
        found.extend(action for action, state in CONSULTING_ACTIONS.items() if union and case.state == state)
        if parties & drafting.COMMENTING_PARTIES and case.current_draft_version is not None:
            found.append("comment")
        return found


def _options(orgs: Any) -> list[dict[str, Any]]:
    return [{"id": o.id, "name": o.name, "region_code": o.region_code} for o in orgs]


def _cases_in(uow: UnitOfWork, organization_id: int, state: str) -> Any:
    return uow.repo.cases(
        organization_id=organization_id, state=state, sector=None, region_code=None, q=None, after_id=None, limit=MAX_CHOICES
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
