"""The event registry (negotiation/events.py) against the transition table, the service layer and the review pages."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from pydantic import BaseModel

from api.review import labels
from api.schemas import BODY_MODELS
from negotiation import events
from negotiation.events import ACTIONS, EVENT_DATA, EVENT_LABELS, REGISTRY, RegistryMismatch, check_registry
from negotiation.states.table import EVENTS, SYSTEM_EVENTS

ROOT = Path(__file__).resolve().parents[2]
CHINESE = re.compile(r"[\u4e00-\u9fff]")


def test_every_event_of_the_table_and_every_system_event_has_a_schema_a_procedure_and_a_label() -> None:
    by_key = {e.key: e for e in REGISTRY}
    for key in (*EVENTS, *SYSTEM_EVENTS):
        entry = by_key[key]
        assert issubclass(entry.data, BaseModel), key
        assert callable(entry.procedure), key
        assert CHINESE.search(entry.label), key


def test_the_registry_names_no_event_the_table_does_not_have() -> None:
    assert [e.key for e in REGISTRY] == list(EVENTS)


def test_a_registry_that_misses_an_event_of_the_table_is_refused() -> None:
    with pytest.raises(RegistryMismatch, match="without a registry entry: \\['publish'\\]"):
        check_registry([e for e in REGISTRY if e.key != "publish"], EVENTS)


def test_a_registry_that_names_an_event_the_table_does_not_have_is_refused() -> None:
    extra = events.Event("renew", "续订", REGISTRY[0].data, REGISTRY[0].procedure)
    with pytest.raises(RegistryMismatch, match="the table does not have: \\['renew'\\]"):
        check_registry([*REGISTRY, extra], EVENTS)
    with pytest.raises(RegistryMismatch, match="registered twice: \\['propose'\\]"):
        check_registry([*REGISTRY, REGISTRY[0]], EVENTS)


def test_the_request_schemas_of_api_md_are_those_of_the_events_a_caller_may_fire() -> None:
    assert set(EVENT_DATA) == set(EVENTS) - SYSTEM_EVENTS
    for key, model in EVENT_DATA.items():
        assert BODY_MODELS[f"EventData_{key}"] is model


def test_the_review_pages_label_every_event_and_action_from_the_registry() -> None:
    assert labels.EVENT_LABELS is EVENT_LABELS
    assert set(EVENT_LABELS) == {e.key for e in REGISTRY} | set(ACTIONS)
    assert all(CHINESE.search(label) for label in EVENT_LABELS.values())


def _audit_kinds_written_by_the_service_layer() -> set[str]:
    """The literal kinds passed to record_change(uow, case, actor, KIND, …) anywhere in the service layer."""
    kinds = set()
    for path in (ROOT / "negotiation" / "service_layer").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "record_change" and len(node.args) >= 4:
                kind = node.args[3]
                if isinstance(kind, ast.Constant) and isinstance(kind.value, str):
                    kinds.add(kind.value)
    return kinds


def test_every_action_the_service_layer_audits_has_a_label_and_every_label_is_written() -> None:
    written = _audit_kinds_written_by_the_service_layer()
    assert "create_case" in written and "comment" in written  # the scan sees the calls
    assert written == set(ACTIONS)
