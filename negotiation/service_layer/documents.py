"""The document port: which event makes which document. Filled by the documents issue; a no-op until then."""

from __future__ import annotations

from negotiation.model import Draft, NegotiationCase
from negotiation.service_layer.unit_of_work import UnitOfWork

__all__ = ["after_event", "check_legibility"]


def check_legibility(uow: UnitOfWork, case: NegotiationCase, draft: Draft | None) -> None:
    """Refuse to sign a contract text that holds a character no font draws (rule `legibility`)."""
    return None


def after_event(uow: UnitOfWork, case: NegotiationCase, event: str, from_state: str) -> None:
    """Make and store the documents an event produces, inside the same unit of work."""
    return None


def after_meeting(uow: UnitOfWork, case: NegotiationCase, meeting: object) -> None:
    """Make and store the minutes of a meeting."""
    return None
