"""The audit hash chain: canonical JSON, one link per change, and verification that names the first bad link."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from negotiation.model import AuditEvent, NegotiationCase

__all__ = ["GENESIS", "ChainCheck", "append_event", "canonical_json", "sha256_hex", "verify_chain"]

GENESIS = "0" * 64


# json.dumps with these options builds a new encoder on every call; this one is built once (the same output).
_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def canonical_json(value: Any) -> bytes:
    """The one serialisation every hash is taken over: sorted keys, no spaces, UTF-8."""
    return _CANONICAL.encode(value).encode("utf-8")


def sha256_hex(data: bytes) -> str:
    """The hex sha256 of bytes."""
    return hashlib.sha256(data).hexdigest()


def _link_hash(event: AuditEvent) -> str:
    return sha256_hex(
        canonical_json(
            {
                "case_id": event.case_id,
                "seq": event.seq,
                "at": event.at,
                "actor": event.actor,
                "event": event.event,
                "from_state": event.from_state,
                "to_state": event.to_state,
                "data_sha256": event.data_sha256,
                "prev_hash": event.prev_hash,
            }
        )
    )


def append_event(
    case: NegotiationCase,
    *,
    at: str,
    actor: str,
    event: str,
    from_state: str | None,
    to_state: str | None,
    data: Any,
    make: Callable[..., AuditEvent] = AuditEvent,
) -> AuditEvent:
    """The next link of the case's chain; moves the case's head to it. ``make`` builds the link from its fields
    (the repository passes a constructor that skips the mapping's per-attribute bookkeeping)."""
    assert case.id is not None
    raw = canonical_json(data)
    data = json.loads(raw)  # stored as it is hashed: plain JSON, dates and decimals as strings (raw is its canonical form)
    link = make(
        case_id=case.id,
        seq=case.audit_seq + 1,
        at=at,
        actor=actor,
        event=event,
        from_state=from_state,
        to_state=to_state,
        data=data,
        data_sha256=sha256_hex(raw),
        prev_hash=case.audit_head,
        hash="",
    )
    link.hash = _link_hash(link)
    case.audit_seq = link.seq
    case.audit_head = link.hash
    return link


@dataclass(frozen=True)
class ChainCheck:
    """The result of checking one chain."""

    ok: bool
    events_checked: int
    first_bad_seq: int | None


def verify_chain(events: Sequence[AuditEvent], *, head_seq: int, head_hash: str) -> ChainCheck:
    """Check each link's data hash, own hash, predecessor and sequence, then the case's stored head."""
    prev = GENESIS
    for i, event in enumerate(events):
        expected_seq = i + 1
        if (
            event.seq != expected_seq
            or event.prev_hash != prev
            or event.data_sha256 != sha256_hex(canonical_json(event.data))
            or event.hash != _link_hash(event)
        ):
            return ChainCheck(False, i + 1, min(event.seq, expected_seq))
        prev = event.hash
    if len(events) != head_seq or prev != head_hash:
        return ChainCheck(False, len(events), len(events) + 1 if len(events) < head_seq else len(events))
    return ChainCheck(True, len(events), None)
