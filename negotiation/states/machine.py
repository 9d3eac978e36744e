"""The one shared `transitions` Machine (model=None): fire an event on a case, list the events a party may fire."""

from __future__ import annotations

from typing import Any

from transitions import EventData, Machine, MachineError

from negotiation.model import NegotiationCase
from negotiation.states.guards import GUARDS
from negotiation.states.state import CaseState
from negotiation.states.table import ONCE_PER_ORGANIZATION, TRANSITIONS, Party, Transition, sources

__all__ = ["allowed_events", "can_fire", "fire"]


def _condition(name: str) -> Any:
    guard = GUARDS[name]

    def check(event: EventData) -> bool:
        case = event.model
        assert isinstance(case, NegotiationCase)
        return guard(case)

    check.__name__ = name
    return check


MACHINE = Machine(
    model=None,
    states=[s.value for s in CaseState],
    initial=CaseState.DRAFTING.value,
    transitions=[
        {
            "trigger": t.event,
            "source": [s.value for s in t.sources],
            "dest": t.dest.value if t.dest else None,
            "conditions": [_condition(t.guard)] if t.guard else [],
        }
        for t in TRANSITIONS
    ],
    auto_transitions=False,
    send_event=True,
    ignore_invalid_triggers=False,
)


# The transitions out of each state, in the table's order (what allowed_events looks through).
_FROM: dict[str, tuple[Transition, ...]] = {
    state.value: tuple(t for t in TRANSITIONS if state in t.sources) for state in CaseState
}


def fire(case: NegotiationCase, event: str) -> CaseState:
    """Move the case by an event whose checks already passed; returns the new state."""
    case.state = CaseState(case.state).value
    try:
        MACHINE.events[event].trigger(case)
    except (KeyError, MachineError) as exc:
        raise AssertionError(f"{event} fired from {case.state} without its checks") from exc
    return CaseState(case.state)


def can_fire(case: NegotiationCase, event: str) -> bool:
    """The event's source states include the case's state."""
    return CaseState(case.state) in sources(event)


def allowed_events(case: NegotiationCase, parties: frozenset[Party], organization_id: int | None) -> list[str]:
    """Events whose source matches and whose firing party includes the caller, minus what its organisation already did."""
    done = set()
    if organization_id in case.fact("approvals", []):
        done.add("approve_draft")
    signed_sides = case.fact("signatures", {})
    if Party.UNION in parties and "union" in signed_sides:
        done.add("sign")
    if Party.EMPLOYER_BODY in parties and "employer" in signed_sides:
        done.add("sign")
    result: list[str] = []
    for t in _FROM.get(case.state, ()):
        if t.event in result or t.event in done or Party.SYSTEM in t.fired_by:
            continue
        if parties & t.fired_by:
            result.append(t.event)
    assert all(e in ONCE_PER_ORGANIZATION or e not in done for e in result)
    return result
