"""CaseState: the state names the API, the database and the transition table share."""

from __future__ import annotations

from enum import StrEnum

__all__ = ["TERMINAL_STATES", "CaseState"]


class CaseState(StrEnum):
    DRAFTING = "drafting"
    PROPOSED = "proposed"
    PREPARING = "preparing"
    CONSULTING = "consulting"
    SUSPENDED = "suspended"
    IN_DISPUTE = "in_dispute"
    UNDER_REVIEW = "under_review"
    AGREED = "agreed"
    RATIFYING = "ratifying"
    RATIFIED = "ratified"
    SIGNED = "signed"
    FILED = "filed"
    IN_REVIEW = "in_review"
    EFFECTIVE = "effective"
    IN_FORCE = "in_force"
    EXPIRED = "expired"
    WITHDRAWN = "withdrawn"


TERMINAL_STATES = frozenset({CaseState.WITHDRAWN, CaseState.EXPIRED})
