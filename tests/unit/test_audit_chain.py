"""The audit hash chain: canonical JSON, one link per change, and verification naming the first bad link."""

from __future__ import annotations

import dataclasses
import itertools
import json
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from negotiation.audit import GENESIS, append_event, canonical_json, sha256_hex, verify_chain
from negotiation.model import AuditEvent, NegotiationCase


def new_case() -> NegotiationCase:
    return NegotiationCase(
        title="西安市快递行业集体协商", level="sector", sector="express_delivery", region_code="610100",
        kind="comprehensive", topics=["piece_rates"], union_org_id=1, employer_org_id=2, bureau_org_id=3,
        covered_enterprise_ids=[4], created_at="", updated_at="", id=7,
    )  # fmt: skip


def chain(n: int = 5) -> tuple[NegotiationCase, list[AuditEvent]]:
    case = new_case()
    states = ["drafting", "drafting", "proposed", "preparing", "consulting", "under_review", "agreed"]
    links = [
        append_event(
            case,
            at=f"2026-11-0{i + 1}T09:00:00.000+08:00",
            actor="user:1:工会",
            event=f"event{i}",
            from_state=states[i],
            to_state=states[i + 1],
            data={"n": i, "备注": "提高计件单价"},
        )
        for i in range(n)
    ]
    return case, links


def check(case: NegotiationCase, links: list[AuditEvent]) -> tuple[bool, int | None]:
    result = verify_chain(links, head_seq=case.audit_seq, head_hash=case.audit_head)
    return result.ok, result.first_bad_seq


def test_canonical_json_sorts_keys_drops_spaces_and_keeps_chinese_as_utf8() -> None:
    assert canonical_json({"b": 1, "a": [1, {"d": None, "c": "工会"}]}) == '{"a":[1,{"c":"工会","d":null}],"b":1}'.encode()


def test_canonical_json_is_the_same_whatever_the_key_order() -> None:
    assert canonical_json({"x": 1, "y": {"p": 1, "q": 2}}) == canonical_json({"y": {"q": 2, "p": 1}, "x": 1})


def test_canonical_json_writes_dates_and_decimals_as_strings() -> None:
    assert canonical_json({"on": date(2026, 11, 2), "rate": Decimal("1.20")}) == b'{"on":"2026-11-02","rate":"1.20"}'


def test_the_first_link_starts_from_64_zeros_and_each_link_points_to_the_one_before() -> None:
    case, links = chain()
    assert links[0].prev_hash == GENESIS == "0" * 64
    assert [link.seq for link in links] == [1, 2, 3, 4, 5]
    for before, after in itertools.pairwise(links):
        assert after.prev_hash == before.hash
    assert (case.audit_seq, case.audit_head) == (5, links[-1].hash)


def test_each_link_stores_its_data_as_hashed() -> None:
    _, links = chain(1)
    assert links[0].data_sha256 == sha256_hex(canonical_json(links[0].data))
    assert json.loads(canonical_json(links[0].data)) == {"n": 0, "备注": "提高计件单价"}


def test_an_untouched_chain_verifies() -> None:
    case, links = chain()
    assert check(case, links) == (True, None)
    result = verify_chain(links, head_seq=case.audit_seq, head_hash=case.audit_head)
    assert result.events_checked == 5


def test_an_empty_chain_of_a_case_without_changes_verifies() -> None:
    assert verify_chain([], head_seq=0, head_hash=GENESIS).ok


def test_an_edited_data_field_is_found_at_its_seq() -> None:
    case, links = chain()
    links[2].data = {**links[2].data, "n": 99}
    assert check(case, links) == (False, 3)


def test_an_edited_actor_or_state_is_found_at_its_seq() -> None:
    case, links = chain()
    links[1].actor = "user:9:他人"
    assert check(case, links) == (False, 2)
    case, links = chain()
    links[3].to_state = "agreed"
    assert check(case, links) == (False, 4)


def test_an_edited_hash_is_found_at_its_seq() -> None:
    case, links = chain()
    links[1].hash = "f" * 64
    assert check(case, links) == (False, 2)


def test_a_rehashed_edit_breaks_the_next_link() -> None:
    case, links = chain()
    links[1].data = {"n": 42}
    links[1].data_sha256 = sha256_hex(canonical_json(links[1].data))
    links[1].hash = verify_rehash(links[1])
    assert check(case, links) == (False, 3)


def verify_rehash(link: AuditEvent) -> str:
    probe = new_case()
    probe.audit_seq, probe.audit_head = link.seq - 1, link.prev_hash
    return append_event(
        probe, at=link.at, actor=link.actor, event=link.event, from_state=link.from_state, to_state=link.to_state, data=link.data
    ).hash


def test_a_deleted_link_is_found_at_the_missing_seq() -> None:
    case, links = chain()
    del links[2]
    assert check(case, links) == (False, 3)


def test_a_deleted_last_link_is_found_against_the_cases_head() -> None:
    case, links = chain()
    del links[-1]
    assert check(case, links) == (False, 5)


def test_two_swapped_links_are_found_at_the_first_of_them() -> None:
    case, links = chain()
    links[1], links[2] = links[2], links[1]
    assert check(case, links) == (False, 2)


def test_a_head_that_does_not_match_the_last_link_is_found() -> None:
    case, links = chain()
    ok, bad = check(dataclasses.replace(case, audit_head="e" * 64), links)
    assert ok is False and bad == 5


def test_a_head_seq_beyond_the_chain_names_the_first_missing_seq() -> None:
    case, links = chain()
    result = verify_chain(links, head_seq=7, head_hash=case.audit_head)
    assert (result.ok, result.first_bad_seq) == (False, 6)


_JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False)
    | st.text()
    | st.dates()
    | st.decimals(allow_nan=False),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=20,
)


@given(_JSON)
def test_the_canonical_form_is_json_dumps_with_sorted_keys_no_spaces_and_utf8(value: object) -> None:
    # the chain's hashes were taken over exactly this form; the encoder built once must give the same bytes
    try:
        expected = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str).encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate cannot be UTF-8: refused the same way
        with pytest.raises(UnicodeEncodeError):
            canonical_json(value)
        return
    assert canonical_json(value) == expected
