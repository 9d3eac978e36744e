"""TRANSITIONS as reviewable data: event, source states, destination, guard, and who may fire it."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from negotiation.states.state import CaseState as S

__all__ = ["EVENTS", "ONCE_PER_ORGANIZATION", "SYSTEM_EVENTS", "TRANSITIONS", "Party", "Transition", "fired_by"]


class Party(StrEnum):
    """The side a caller acts for in a case (api.md "Parties")."""

    UNION = "union"
    EMPLOYER_BODY = "employer_body"
    COVERED_ENTERPRISE = "covered_enterprise"
    LABOUR_BUREAU = "labour_bureau"
    SYSTEM = "system"


UNION = frozenset({Party.UNION})
EMPLOYER_BODY = frozenset({Party.EMPLOYER_BODY})
EMPLOYER_SIDE = frozenset({Party.EMPLOYER_BODY, Party.COVERED_ENTERPRISE})
EITHER_SIDE = frozenset({Party.UNION, Party.EMPLOYER_BODY})
BUREAU = frozenset({Party.LABOUR_BUREAU})
SYSTEM = frozenset({Party.SYSTEM})

BEFORE_SIGNED = (
    S.DRAFTING, S.PROPOSED, S.PREPARING, S.CONSULTING, S.SUSPENDED, S.IN_DISPUTE,
    S.UNDER_REVIEW, S.AGREED, S.RATIFYING, S.RATIFIED,
)  # fmt: skip


@dataclass(frozen=True)
class Transition:
    """One row of the table; rows of one event are tried in order, the first whose guard holds fires.

    `dest` None keeps the state (a partial approval or the first signature).
    """

    event: str
    sources: tuple[S, ...]
    dest: S | None
    fired_by: frozenset[Party]
    guard: str | None = None


TRANSITIONS: tuple[Transition, ...] = (
    Transition("propose", (S.DRAFTING,), S.PROPOSED, UNION),
    Transition("accept", (S.PROPOSED,), S.PREPARING, EMPLOYER_BODY),
    Transition("decline", (S.PROPOSED,), S.IN_DISPUTE, EMPLOYER_BODY),
    Transition("open_talks", (S.PREPARING,), S.CONSULTING, UNION),
    Transition("suspend", (S.CONSULTING,), S.SUSPENDED, EITHER_SIDE),
    Transition("resume", (S.SUSPENDED,), S.CONSULTING, EITHER_SIDE),
    Transition("submit_draft", (S.CONSULTING,), S.UNDER_REVIEW, UNION),
    Transition("request_changes", (S.UNDER_REVIEW,), S.CONSULTING, EMPLOYER_SIDE),
    Transition("approve_draft", (S.UNDER_REVIEW,), S.AGREED, EMPLOYER_SIDE, guard="all_enterprises_approved"),
    Transition("approve_draft", (S.UNDER_REVIEW,), None, EMPLOYER_SIDE),
    Transition("open_vote", (S.AGREED,), S.RATIFYING, UNION),
    Transition("record_vote", (S.RATIFYING,), S.RATIFIED, UNION, guard="vote_passed"),
    Transition("record_vote", (S.RATIFYING,), S.CONSULTING, UNION),
    Transition("sign", (S.RATIFIED,), S.SIGNED, EITHER_SIDE, guard="both_sides_signed"),
    Transition("sign", (S.RATIFIED,), None, EITHER_SIDE),
    Transition("file", (S.SIGNED,), S.FILED, EITHER_SIDE),
    Transition("record_receipt", (S.FILED,), S.IN_REVIEW, BUREAU),
    Transition("object", (S.IN_REVIEW,), S.CONSULTING, BUREAU),
    Transition("approve", (S.IN_REVIEW,), S.EFFECTIVE, BUREAU),
    Transition("publish", (S.EFFECTIVE,), S.IN_FORCE, UNION),
    Transition("settle", (S.IN_DISPUTE,), S.CONSULTING, BUREAU),
    Transition("withdraw", BEFORE_SIGNED, S.WITHDRAWN, UNION),
    Transition("reply_overdue", (S.PROPOSED,), S.IN_DISPUTE, SYSTEM),
    Transition("deemed_effective", (S.IN_REVIEW,), S.EFFECTIVE, SYSTEM),
    Transition("expire", (S.IN_FORCE,), S.EXPIRED, SYSTEM),
)

EVENTS: tuple[str, ...] = tuple(dict.fromkeys(t.event for t in TRANSITIONS))
SYSTEM_EVENTS = frozenset(t.event for t in TRANSITIONS if t.fired_by == SYSTEM)
# An organisation does these once per draft; a second time is an invalid transition.
ONCE_PER_ORGANIZATION = frozenset({"approve_draft", "sign"})


_FIRED_BY: dict[str, frozenset[Party]] = {}
for _t in TRANSITIONS:
    _FIRED_BY.setdefault(_t.event, _t.fired_by)
_SOURCES: dict[str, frozenset[S]] = {
    event: frozenset(s for t in TRANSITIONS if t.event == event for s in t.sources) for event in EVENTS
}


def fired_by(event: str) -> frozenset[Party]:
    """The parties that may fire an event (KeyError for an event not in the table)."""
    return _FIRED_BY[event]


def sources(event: str) -> frozenset[S]:
    """The states an event may be fired from (KeyError for an event not in the table)."""
    return _SOURCES[event]
