"""The state table of api.md as data, allowed_events for the caller, and the shared transitions Machine."""

from __future__ import annotations

from typing import Any

import pytest

from negotiation.model import NegotiationCase
from negotiation.states.machine import MACHINE, allowed_events, can_fire, fire
from negotiation.states.state import TERMINAL_STATES, CaseState
from negotiation.states.table import EVENTS, SYSTEM_EVENTS, TRANSITIONS, Party, fired_by, sources

S = CaseState
U, EB, CE, LB = Party.UNION, Party.EMPLOYER_BODY, Party.COVERED_ENTERPRISE, Party.LABOUR_BUREAU
BEFORE_SIGNED = [S.DRAFTING, S.PROPOSED, S.PREPARING, S.CONSULTING, S.SUSPENDED, S.IN_DISPUTE,
                 S.UNDER_REVIEW, S.AGREED, S.RATIFYING, S.RATIFIED]  # fmt: skip
FROM_SIGNED_ON = [S.SIGNED, S.FILED, S.IN_REVIEW, S.EFFECTIVE, S.IN_FORCE, S.EXPIRED, S.WITHDRAWN]

# api.md "Events": event → (sources, destinations, who fires it)
API_TABLE: dict[str, tuple[set[S], set[S], set[Party]]] = {
    "propose": ({S.DRAFTING}, {S.PROPOSED}, {U}),
    "accept": ({S.PROPOSED}, {S.PREPARING}, {EB}),
    "decline": ({S.PROPOSED}, {S.IN_DISPUTE}, {EB}),
    "open_talks": ({S.PREPARING}, {S.CONSULTING}, {U}),
    "suspend": ({S.CONSULTING}, {S.SUSPENDED}, {U, EB}),
    "resume": ({S.SUSPENDED}, {S.CONSULTING}, {U, EB}),
    "submit_draft": ({S.CONSULTING}, {S.UNDER_REVIEW}, {U}),
    "request_changes": ({S.UNDER_REVIEW}, {S.CONSULTING}, {EB, CE}),
    "approve_draft": ({S.UNDER_REVIEW}, {S.AGREED, S.UNDER_REVIEW}, {EB, CE}),
    "open_vote": ({S.AGREED}, {S.RATIFYING}, {U}),
    "record_vote": ({S.RATIFYING}, {S.RATIFIED, S.CONSULTING}, {U}),
    "sign": ({S.RATIFIED}, {S.SIGNED, S.RATIFIED}, {U, EB}),
    "file": ({S.SIGNED}, {S.FILED}, {U, EB}),
    "record_receipt": ({S.FILED}, {S.IN_REVIEW}, {LB}),
    "object": ({S.IN_REVIEW}, {S.CONSULTING}, {LB}),
    "approve": ({S.IN_REVIEW}, {S.EFFECTIVE}, {LB}),
    "publish": ({S.EFFECTIVE}, {S.IN_FORCE}, {U}),
    "settle": ({S.IN_DISPUTE}, {S.CONSULTING}, {LB}),
    "withdraw": (set(BEFORE_SIGNED), {S.WITHDRAWN}, {U}),
}
TIME_DRIVEN = {
    "reply_overdue": (S.PROPOSED, S.IN_DISPUTE),
    "deemed_effective": (S.IN_REVIEW, S.EFFECTIVE),
    "expire": (S.IN_FORCE, S.EXPIRED),  # R18: a tick after term_end
}


def case_in(state: S, **facts: Any) -> NegotiationCase:
    return NegotiationCase(
        title="西安市快递行业集体协商", level="sector", sector="express_delivery", region_code="610100",
        kind="comprehensive", topics=["piece_rates"], union_org_id=1, employer_org_id=2, bureau_org_id=3,
        covered_enterprise_ids=[4, 5], created_at="", updated_at="", state=state.value, facts=dict(facts), id=1,
    )  # fmt: skip


def table_of(event: str) -> tuple[set[S], set[S], set[Party]]:
    rows = [t for t in TRANSITIONS if t.event == event]
    srcs = {s for t in rows for s in t.sources}
    dests = {t.dest if t.dest is not None else s for t in rows for s in t.sources}
    parties = {p for t in rows for p in t.fired_by}
    return srcs, dests, parties


def test_the_table_has_exactly_the_events_of_api_md_plus_the_time_driven_ones() -> None:
    assert set(EVENTS) == set(API_TABLE) | set(TIME_DRIVEN)
    assert set(SYSTEM_EVENTS) == set(TIME_DRIVEN)


@pytest.mark.parametrize("event", sorted(API_TABLE))
def test_each_event_has_the_source_destination_and_firing_parties_of_api_md(event: str) -> None:
    assert table_of(event) == API_TABLE[event]
    assert fired_by(event) == frozenset(API_TABLE[event][2])
    assert sources(event) == frozenset(API_TABLE[event][0])


@pytest.mark.parametrize(("event", "move"), sorted(TIME_DRIVEN.items()))
def test_time_driven_events_are_fired_only_by_the_system(event: str, move: tuple[S, S]) -> None:
    assert table_of(event) == ({move[0]}, {move[1]}, {Party.SYSTEM})


def test_every_state_is_reachable_from_drafting() -> None:
    seen, todo = {S.DRAFTING}, [S.DRAFTING]
    while todo:
        state = todo.pop()
        for t in TRANSITIONS:
            if state in t.sources and t.dest is not None and t.dest not in seen:
                seen.add(t.dest)
                todo.append(t.dest)
    assert seen == set(CaseState)


@pytest.mark.parametrize("state", BEFORE_SIGNED)
def test_withdraw_is_possible_from_every_state_before_signed(state: S) -> None:
    case = case_in(state)
    assert can_fire(case, "withdraw")
    assert "withdraw" in allowed_events(case, frozenset({U}), 1)
    assert fire(case, "withdraw") is S.WITHDRAWN


@pytest.mark.parametrize("state", FROM_SIGNED_ON)
def test_withdraw_is_impossible_from_signed_on(state: S) -> None:
    case = case_in(state)
    assert not can_fire(case, "withdraw")
    assert "withdraw" not in allowed_events(case, frozenset({U}), 1)


def test_withdraw_is_for_the_union_alone() -> None:
    case = case_in(S.CONSULTING)
    assert "withdraw" not in allowed_events(case, frozenset({EB}), 2)
    assert "withdraw" not in allowed_events(case, frozenset({LB}), 3)


@pytest.mark.parametrize("state", [S.WITHDRAWN, S.EXPIRED])
def test_withdrawn_and_expired_are_terminal_with_no_outgoing_event_for_anyone(state: S) -> None:
    assert TERMINAL_STATES == {S.WITHDRAWN, S.EXPIRED}
    assert not [t.event for t in TRANSITIONS if state in t.sources]
    case = case_in(state)
    for parties in ({U}, {EB}, {CE}, {LB}, {EB, CE}):
        assert allowed_events(case, frozenset(parties), 1) == []
    assert all(not can_fire(case, e) for e in EVENTS)


def test_in_force_is_left_only_by_the_system_when_the_term_ends() -> None:
    assert [(t.event, t.dest, t.fired_by) for t in TRANSITIONS if S.IN_FORCE in t.sources] == [
        ("expire", S.EXPIRED, frozenset({Party.SYSTEM}))
    ]
    for parties in ({U}, {EB}, {CE}, {LB}):
        assert allowed_events(case_in(S.IN_FORCE), frozenset(parties), 1) == []


@pytest.mark.parametrize(
    ("state", "parties", "expected"),
    [
        (S.DRAFTING, {U}, ["propose", "withdraw"]),
        (S.PROPOSED, {EB}, ["accept", "decline"]),
        (S.PROPOSED, {CE}, []),
        (S.CONSULTING, {U}, ["suspend", "submit_draft", "withdraw"]),
        (S.CONSULTING, {EB}, ["suspend"]),
        (S.UNDER_REVIEW, {CE}, ["request_changes", "approve_draft"]),
        (S.RATIFIED, {EB}, ["sign"]),
        (S.SIGNED, {U}, ["file"]),
        (S.FILED, {LB}, ["record_receipt"]),
        (S.IN_REVIEW, {LB}, ["object", "approve"]),
        (S.IN_REVIEW, {U}, []),
        (S.IN_DISPUTE, {LB}, ["settle"]),
        (S.EFFECTIVE, {U}, ["publish"]),
    ],
)
def test_allowed_events_are_those_of_the_state_that_the_callers_party_may_fire(
    state: S, parties: set[Party], expected: list[str]
) -> None:
    assert allowed_events(case_in(state), frozenset(parties), 1) == expected


def test_allowed_events_never_list_time_driven_events() -> None:
    for state in (S.PROPOSED, S.IN_REVIEW):
        events = allowed_events(case_in(state), frozenset({U, EB, CE, LB, Party.SYSTEM}), 1)
        assert not set(events) & SYSTEM_EVENTS


def test_allowed_events_exclude_approve_draft_for_an_organisation_that_already_approved() -> None:
    case = case_in(S.UNDER_REVIEW, approvals=[4])
    assert allowed_events(case, frozenset({CE}), 4) == ["request_changes"]
    assert allowed_events(case, frozenset({CE}), 5) == ["request_changes", "approve_draft"]
    assert allowed_events(case, frozenset({EB}), 2) == ["request_changes", "approve_draft"]


def test_allowed_events_exclude_sign_for_a_side_that_already_signed() -> None:
    case = case_in(S.RATIFIED, signatures={"union": {"signed_on": "2026-12-02", "signatory": "李建国"}})
    assert "sign" not in allowed_events(case, frozenset({U}), 1)
    assert allowed_events(case, frozenset({EB}), 2) == ["sign"]


def test_the_machine_is_one_shared_instance_without_a_model_or_auto_transitions() -> None:
    assert MACHINE.models == []
    assert MACHINE.send_event is True
    assert not any(name.startswith("to_") for name in MACHINE.events)


def test_a_partial_approval_keeps_the_case_under_review() -> None:
    case = case_in(S.UNDER_REVIEW, approvals=[2, 4])
    assert fire(case, "approve_draft") is S.UNDER_REVIEW
    assert case.state == "under_review"


def test_approval_by_the_employer_body_and_every_covered_enterprise_makes_the_draft_agreed() -> None:
    case = case_in(S.UNDER_REVIEW, approvals=[2, 4, 5])
    assert fire(case, "approve_draft") is S.AGREED
    assert case.state == "agreed"


def test_the_covered_enterprises_without_the_employer_body_do_not_make_the_draft_agreed() -> None:
    assert fire(case_in(S.UNDER_REVIEW, approvals=[4, 5]), "approve_draft") is S.UNDER_REVIEW


def test_the_first_signature_keeps_the_case_ratified_and_the_second_signs_it() -> None:
    one = {"union": {"signed_on": "2026-12-02", "signatory": "李建国"}}
    assert fire(case_in(S.RATIFIED, signatures=one), "sign") is S.RATIFIED
    both = {**one, "employer": {"signed_on": "2026-12-03", "signatory": "张伟"}}
    assert fire(case_in(S.RATIFIED, signatures=both), "sign") is S.SIGNED


def test_a_recorded_vote_moves_to_ratified_when_it_passed_and_back_to_consulting_when_not() -> None:
    assert fire(case_in(S.RATIFYING, last_vote_passed=True), "record_vote") is S.RATIFIED
    assert fire(case_in(S.RATIFYING, last_vote_passed=False), "record_vote") is S.CONSULTING


def test_firing_an_event_from_a_state_outside_its_sources_is_a_programming_error_not_a_move() -> None:
    case = case_in(S.DRAFTING)
    with pytest.raises(AssertionError):
        fire(case, "accept")
    assert case.state == "drafting"


def test_the_machine_serves_many_cases_without_holding_any() -> None:
    first, second = case_in(S.DRAFTING), case_in(S.PROPOSED)
    fire(first, "propose")
    fire(second, "accept")
    assert (first.state, second.state) == ("proposed", "preparing")
    assert MACHINE.models == []
