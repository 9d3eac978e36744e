"""Who the caller is in a case: its parties, whether it may see the case at all."""

from __future__ import annotations

from dataclasses import dataclass

from negotiation.model import NegotiationCase
from negotiation.states.table import Party

__all__ = ["Actor", "can_see", "parties_of"]


@dataclass(frozen=True)
class Actor:
    """The authenticated user behind a request."""

    user_id: int
    name: str
    role: str
    organization_id: int | None

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def label(self) -> str:
        """How the audit log names the actor."""
        return f"user:{self.user_id}:{self.name}"


def parties_of(actor: Actor, case: NegotiationCase) -> frozenset[Party]:
    """The parts the caller's organisation plays in the case, for its role."""
    org = actor.organization_id
    found: set[Party] = set()
    if actor.role == "union_negotiator" and org == case.union_org_id:
        found.add(Party.UNION)
    if actor.role == "enterprise_rep":
        if org == case.employer_org_id:
            found.add(Party.EMPLOYER_BODY)
        if org in case.covered_enterprise_ids:
            found.add(Party.COVERED_ENTERPRISE)
    if actor.role == "labour_bureau" and org == case.bureau_org_id:
        found.add(Party.LABOUR_BUREAU)
    return frozenset(found)


def can_see(actor: Actor, case: NegotiationCase) -> bool:
    """Admins see every case; others only cases their organisation takes part in."""
    return actor.is_admin or bool(parties_of(actor, case))
