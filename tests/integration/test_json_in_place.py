"""A JSON field changed in place is saved (the case aggregate) or refused at the mutation (the records written once)."""

from __future__ import annotations

import copy
import json
import pickle
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from sqlalchemy import text

from negotiation.adapters import repository
from negotiation.adapters.frozen_json import FrozenDict, FrozenList
from negotiation.bootstrap import Services
from negotiation.model import Meeting, NegotiationCase, Representative, Vote
from negotiation.service_layer.handlers import record_change
from tests.conftest import World
from tests.flows import TERMS

NEW_REP = Representative(name="赵磊", title="快递员代表", is_chief=False, is_external=False, delegated_in_writing=False)

# Each JSON column of the case: a change in place, and what the stored value then holds.
CASE_CHANGES: dict[str, tuple[Callable[[NegotiationCase], None], Callable[[Any], bool]]] = {
    "flags": (lambda c: c.flags.append("filing_overdue"), lambda v: v[-1] == "filing_overdue"),
    "topics": (lambda c: c.topics.append("rewards_penalties"), lambda v: v[-1] == "rewards_penalties"),
    "covered_enterprise_ids": (lambda c: c.covered_enterprise_ids.reverse(), lambda v: v == sorted(v, reverse=True)),
    "worker_side": (lambda c: c.worker_side.append(NEW_REP), lambda v: v[-1]["name"] == "赵磊"),
    "employer_side": (lambda c: c.employer_side.pop(), lambda v: len(v) == 2),
    "facts": (lambda c: c.facts.__setitem__("served_on", "2026-12-02"), lambda v: v["served_on"] == "2026-12-02"),
}


def _stored(services: Services, case_id: int, column: str) -> Any:
    """A JSON column of the case as the database holds it."""
    with services.engine.connect() as connection:
        row = connection.execute(text(f"SELECT {column} FROM cases WHERE id = :id"), {"id": case_id}).scalar_one()
    return json.loads(row) if isinstance(row, (str, bytes)) else row


def test_every_json_column_of_the_case_is_either_compared_shallowly_or_written_whole() -> None:
    assert set(repository._CASE_JSON_KEYS) == {
        "topics",
        "covered_enterprise_ids",
        "worker_side",
        "employer_side",
        "facts",
        "flags",
    }
    assert set(repository._CASE_FLAT_LIST_KEYS) <= set(repository._CASE_JSON_KEYS)
    case = NegotiationCase(
        title="t", level="sector", sector="快递", region_code="610100", kind="new", topics=["piece_rates"],
        union_org_id=1, employer_org_id=2, bureau_org_id=3, covered_enterprise_ids=[4, 5], created_at="", updated_at="",
        worker_side=[NEW_REP], flags=["filing_overdue"],
    )  # fmt: skip
    expected = tuple(tuple(getattr(case, k)) for k in repository._CASE_FLAT_LIST_KEYS)
    assert repository._flat_lists(case) == expected


@pytest.mark.parametrize("column", sorted(CASE_CHANGES))
def test_a_case_json_column_changed_in_place_is_saved_with_the_change(services: Services, world: World, column: str) -> None:
    case_id = world.consulting_case()
    change, holds = CASE_CHANGES[column]
    before = _stored(services, case_id, column)
    with services.uow() as uow:
        case = uow.repo.case(case_id)
        assert case is not None
        change(case)
        record_change(uow, case, "测试", "comment", {}, from_state=case.state, bump=False)
        uow.commit()
    stored = _stored(services, case_id, column)
    assert stored != before and holds(stored)
    with services.uow() as uow:
        again = uow.repo.case(case_id)
        assert again is not None
        loaded = getattr(again, column)
        assert (loaded if column not in ("worker_side", "employer_side") else [r.as_dict() for r in loaded]) == stored


def test_a_value_nested_in_the_facts_changed_in_place_is_saved(services: Services, world: World) -> None:
    case_id = world.consulting_case()
    with services.uow() as uow:
        case = uow.repo.case(case_id)
        assert case is not None
        case.record(signatures={"union": {"signed_on": "2026-12-01", "signatory": "李建国"}})
        record_change(uow, case, "测试", "comment", {}, from_state=case.state, bump=False)
        uow.commit()
    with services.uow() as uow:
        case = uow.repo.case(case_id)
        assert case is not None
        case.fact("signatures")["employer"] = {"signed_on": "2026-12-02", "signatory": "张伟"}
        record_change(uow, case, "测试", "comment", {}, from_state=case.state, bump=False)
        uow.commit()
    assert set(_stored(services, case_id, "facts")["signatures"]) == {"union", "employer"}


def test_two_changes_in_place_in_one_unit_of_work_after_a_save_are_both_saved(services: Services, world: World) -> None:
    case_id = world.consulting_case()
    with services.uow() as uow:
        case = uow.repo.case(case_id)
        assert case is not None
        case.flags.append("filing_overdue")
        record_change(uow, case, "测试", "comment", {}, from_state=case.state, bump=False)
        uow.repo.save_changes()
        case.flags.append("publication_overdue")
        record_change(uow, case, "测试", "comment", {}, from_state=case.state, bump=False)
        uow.commit()
    assert _stored(services, case_id, "flags")[-2:] == ["filing_overdue", "publication_overdue"]


def _records(services: Services, world: World) -> int:
    case_id = world.consulting_case()
    body = {"term_start": "2027-01-01", "term_end": "2028-12-31", "terms": TERMS}
    assert world.client.post(f"/api/v1/cases/{case_id}/drafts", json=body, headers=world.h("union")).status_code == 201
    with services.uow() as uow:
        uow.repo.add(
            Meeting(
                case_id=case_id, held_on=date(2026, 12, 1), location="工会会议室", chair_side="worker", recorder="王堃",
                summary="议定单价", positions=[{"topic": "piece_rates", "worker": "1.60", "employer": "1.40"}],
                created_at="2026-12-01T10:00:00+08:00",
            )
        )  # fmt: skip
        uow.repo.add(
            Vote(
                case_id=case_id, draft_version=1, draft_sha256="0" * 64, members=40, present=30, yes=25, no=3,
                abstain=2, passed=True, per_enterprise=[{"organization_id": 3, "yes": 25}], held_on=date(2026, 12, 1),
                created_at="2026-12-01T10:00:00+08:00",
            )
        )  # fmt: skip
        uow.commit()
    return case_id


# Each JSON column of a record written once, as loaded: changes in place that must raise.
RECORD_CHANGES: dict[str, Callable[[Any], Any]] = {
    "draft.terms append": lambda r: r["draft"].terms["piece_rates"].append({}),
    "draft.terms nested": lambda r: r["draft"].terms["piece_rates"][0].__setitem__("rate_cny", "9.99"),
    "draft.terms key": lambda r: r["draft"].terms.update(order_allocation={}),
    "meeting.positions": lambda r: r["meeting"].positions[0].pop("worker"),
    "vote.per_enterprise": lambda r: r["vote"].per_enterprise.clear(),
    "audit.data": lambda r: r["link"].data.setdefault("x", 1),
}


@pytest.mark.parametrize("change", sorted(RECORD_CHANGES))
def test_a_loaded_record_json_value_refuses_a_change_in_place(services: Services, world: World, change: str) -> None:
    case_id = _records(services, world)
    with services.uow() as uow:
        records = {
            "draft": uow.repo.draft(case_id, 1),
            "meeting": uow.repo.meetings(case_id)[0],
            "vote": uow.repo.votes(case_id)[0],
            "link": next(e for e in uow.repo.audit_events(case_id) if isinstance(e.data, dict) and e.data),
        }
        with pytest.raises(TypeError, match="does not change in place"):
            RECORD_CHANGES[change](records)
        uow.commit()
    with services.uow() as uow:
        draft = uow.repo.draft(case_id, 1)
        assert draft is not None and draft.terms == TERMS


def test_a_new_record_holds_its_json_frozen_and_copies_of_it_are_plain(services: Services, world: World) -> None:
    case_id = _records(services, world)
    meeting = Meeting(
        case_id=case_id, held_on=date(2026, 12, 2), location="协会", chair_side="employer", recorder="刘洋", summary="",
        positions=[{"topic": "piece_rates", "worker": "1.60"}], created_at="2026-12-02T10:00:00+08:00",
    )  # fmt: skip
    with pytest.raises(TypeError):
        meeting.positions.append({})
    with pytest.raises(TypeError):
        meeting.positions[0]["worker"] = "1.70"
    with services.uow() as uow:
        draft = uow.repo.draft(case_id, 1)
        assert draft is not None
        assert isinstance(draft.terms, FrozenDict) and isinstance(draft.terms["piece_rates"], FrozenList)
        for plain in (copy.deepcopy(draft.terms), pickle.loads(pickle.dumps(draft.terms))):
            assert type(plain) is dict and type(plain["piece_rates"]) is list and type(plain["piece_rates"][0]) is dict
            assert plain == TERMS
            plain["piece_rates"][0]["rate_cny"] = "1.60"
        assert draft.terms == TERMS
