"""Ratification: R10 quorum of all members, R11 more than half of ALL members, R12 per covered enterprise."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from negotiation.errors import ValidationFailed
from negotiation.event_data import RecordVoteData
from negotiation.events import apply_event
from negotiation.model import Draft, NegotiationCase
from negotiation.procedure import EventContext
from negotiation.rules import profile_for_region
from negotiation.states.guards import quorum_met, threshold_met
from negotiation.states.table import Party

SHAANXI = profile_for_region("610100")
ENT1, ENT2 = 4, 5


def ratifying_case() -> NegotiationCase:
    return NegotiationCase(
        title="西安市快递行业集体协商", level="sector", sector="express_delivery", region_code="610100",
        kind="comprehensive", topics=["piece_rates"], union_org_id=1, employer_org_id=2, bureau_org_id=3,
        covered_enterprise_ids=[ENT1, ENT2], created_at="", updated_at="", state="ratifying",
        current_draft_version=2, id=1,
    )  # fmt: skip


def draft(version: int = 2) -> Draft:
    return Draft(case_id=1, version=version, sha256=f"{version:064x}", term_start=date(2027, 1, 1),
                 term_end=date(2028, 12, 31), terms={}, created_at="", created_by=1)  # fmt: skip


def record(case: NegotiationCase, current: Draft | None = None, **tally: Any) -> Any:
    body = {"draft_version": 2, "held_on": "2026-12-01", **tally}
    ctx = EventContext(party=Party.UNION, organization_id=1, profile=SHAANXI, today=date(2026, 12, 1),
                       current_draft=current or draft())  # fmt: skip
    return apply_event(case, "record_vote", RecordVoteData.model_validate(body), ctx)


# R10 ------------------------------------------------------------------------------------------


def test_r10_quorum_is_two_thirds_of_all_members_present() -> None:
    assert quorum_met(30, 20, SHAANXI)
    assert not quorum_met(30, 19, SHAANXI)


def test_r10_quorum_rounds_up_for_members_not_divisible_by_three() -> None:
    assert not quorum_met(31, 20, SHAANXI)  # 20/31 < 2/3
    assert quorum_met(31, 21, SHAANXI)


@given(members=st.integers(min_value=1, max_value=5000), present=st.integers(min_value=0, max_value=5000))
@example(members=30, present=20)
@example(members=30, present=19)
def test_r10_quorum_holds_exactly_when_three_times_present_reaches_twice_the_members(members: int, present: int) -> None:
    assert quorum_met(members, present, SHAANXI) == (3 * present >= 2 * members)


# R11 ------------------------------------------------------------------------------------------


def test_r11_vote_needs_more_than_half_of_all_members_not_of_those_present() -> None:
    # 15 of 20 present is three quarters of those present, but only half of the 30 members.
    assert not threshold_met(30, 15, SHAANXI)
    assert threshold_met(30, 16, SHAANXI)


def test_r11_exactly_half_of_all_members_is_not_more_than_half() -> None:
    assert not threshold_met(40, 20, SHAANXI)
    assert threshold_met(40, 21, SHAANXI)


@given(members=st.integers(min_value=1, max_value=5000), yes=st.integers(min_value=0, max_value=5000))
@example(members=30, yes=16)
@example(members=30, yes=15)
def test_r11_threshold_holds_exactly_when_twice_yes_exceeds_the_members(members: int, yes: int) -> None:
    assert threshold_met(members, yes, SHAANXI) == (2 * yes > members)


# the recorded vote --------------------------------------------------------------------------


def test_a_vote_with_quorum_and_more_than_half_of_all_members_ratifies_the_current_draft() -> None:
    case = ratifying_case()
    outcome = record(case, members=30, present=20, yes=16, no=3, abstain=1)
    assert outcome.state == "ratified"
    assert outcome.vote.passed is True
    assert (outcome.vote.draft_version, outcome.vote.draft_sha256) == (2, draft().sha256)
    assert case.fact("ratified_draft_sha256") == draft().sha256
    assert case.fact("binding_enterprise_ids") == [ENT1, ENT2]


def test_a_vote_with_yes_from_most_of_those_present_but_not_of_all_members_fails_back_to_consulting() -> None:
    case = ratifying_case()
    outcome = record(case, members=30, present=20, yes=15, no=5, abstain=0)
    assert outcome.state == "consulting"
    assert outcome.vote.passed is False
    assert case.fact("vote_outcome") == {"quorum_met": True, "threshold_met": False, "passed": False}
    assert case.fact("ratified_draft_sha256") is None


def test_a_vote_without_quorum_fails_even_when_every_one_present_votes_yes() -> None:
    case = ratifying_case()
    outcome = record(case, members=30, present=19, yes=19, no=0, abstain=0)
    assert outcome.state == "consulting"
    assert case.fact("vote_outcome") == {"quorum_met": False, "threshold_met": True, "passed": False}


@given(
    st.integers(min_value=1, max_value=200).flatmap(
        lambda members: st.tuples(st.just(members), st.integers(min_value=0, max_value=members)).flatmap(
            lambda mp: st.tuples(st.just(mp[0]), st.just(mp[1]), st.integers(min_value=0, max_value=mp[1]))
        )
    )
)
@example((30, 20, 16))
@example((30, 20, 15))
@example((30, 19, 19))
def test_a_recorded_vote_ratifies_exactly_when_r10_and_r11_both_hold(tally: tuple[int, int, int]) -> None:
    members, present, yes = tally
    outcome = record(ratifying_case(), members=members, present=present, yes=yes, no=present - yes, abstain=0)
    passed = 3 * present >= 2 * members and 2 * yes > members
    assert outcome.vote.passed is passed
    assert outcome.state == ("ratified" if passed else "consulting")


# impossible tallies and stale drafts --------------------------------------------------------------


@pytest.mark.parametrize(
    ("tally", "path"),
    [
        ({"members": 30, "present": 31, "yes": 16, "no": 0, "abstain": 0}, "data.present"),
        ({"members": 30, "present": 20, "yes": 16, "no": 4, "abstain": 1}, "data.yes"),
        ({"members": 0, "present": 0, "yes": 0, "no": 0, "abstain": 0}, "data.members"),
    ],
)
def test_impossible_tallies_are_validation_errors_and_change_nothing(tally: dict[str, int], path: str) -> None:
    case = ratifying_case()
    with pytest.raises(ValidationFailed) as caught:
        record(case, **tally)
    assert path in [v.path for v in caught.value.violations]
    assert case.state == "ratifying" and case.facts == {}


def test_a_vote_on_a_draft_that_is_not_current_is_refused() -> None:
    case = ratifying_case()
    with pytest.raises(ValidationFailed) as caught:
        record(case, draft_version=1, members=30, present=20, yes=16, no=0, abstain=0)
    assert [v.path for v in caught.value.violations] == ["data.draft_version"]
    assert case.state == "ratifying"


# R12 ------------------------------------------------------------------------------------------


def tally(enterprise_id: int, members: int, present: int, yes: int) -> dict[str, int]:
    return {"enterprise_id": enterprise_id, "members": members, "present": present, "yes": yes, "no": present - yes, "abstain": 0}


def test_r12_the_contract_binds_only_the_enterprises_whose_own_tally_passes() -> None:
    case = ratifying_case()
    outcome = record(
        case, members=30, present=24, yes=20, no=4, abstain=0,
        per_enterprise=[tally(ENT1, 20, 16, 14), tally(ENT2, 10, 8, 5)],  # ENT2: 5 of 10 is not more than half
    )  # fmt: skip
    assert outcome.state == "ratified"
    assert case.fact("binding_enterprise_ids") == [ENT1]


def test_r12_each_enterprise_needs_its_own_quorum() -> None:
    case = ratifying_case()
    record(case, members=30, present=24, yes=20, no=4, abstain=0,
           per_enterprise=[tally(ENT1, 20, 17, 14), tally(ENT2, 10, 6, 6)])  # fmt: skip
    assert case.fact("binding_enterprise_ids") == [ENT1]


def test_r12_when_no_enterprise_tally_passes_the_vote_fails() -> None:
    case = ratifying_case()
    outcome = record(case, members=30, present=24, yes=20, no=4, abstain=0,
                     per_enterprise=[tally(ENT1, 20, 16, 10), tally(ENT2, 10, 6, 6)])  # fmt: skip
    assert outcome.state == "consulting"
    assert case.fact("binding_enterprise_ids") == []


def test_r12_an_enterprise_tally_of_an_enterprise_the_case_does_not_cover_is_refused() -> None:
    case = ratifying_case()
    with pytest.raises(ValidationFailed) as caught:
        record(case, members=30, present=24, yes=20, no=4, abstain=0, per_enterprise=[tally(99, 10, 8, 6)])
    assert [v.path for v in caught.value.violations] == ["data.per_enterprise[0].enterprise_id"]


def test_r12_an_impossible_enterprise_tally_names_its_index() -> None:
    case = ratifying_case()
    with pytest.raises(ValidationFailed) as caught:
        record(
            case, members=30, present=24, yes=20, no=4, abstain=0, per_enterprise=[tally(ENT1, 10, 8, 6), tally(ENT2, 5, 6, 6)]
        )
    assert [v.path for v in caught.value.violations] == ["data.per_enterprise[1].present"]


def test_without_per_enterprise_tallies_the_contract_binds_every_covered_enterprise() -> None:
    case = ratifying_case()
    record(case, members=30, present=24, yes=20, no=4, abstain=0)
    assert case.fact("binding_enterprise_ids") == [ENT1, ENT2]
