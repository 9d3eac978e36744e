"""No client input produces a 5xx: schemathesis over /openapi.json, and hypothesis JSON bodies against a live case."""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import World
from tests.flows import TERMS
from tests.integration.support import new_flow

SETTINGS = settings(
    max_examples=20, deadline=None, derandomize=True, database=None,
    suppress_health_check=list(HealthCheck),
)  # fmt: skip


@pytest.fixture
def live_case(world: World) -> int:
    """A case in consulting with a draft, so that generated requests can reach past 404."""
    flow = new_flow(world)
    flow.to_consulting()
    flow.draft()
    return flow.id


def test_no_request_generated_from_the_openapi_schema_gets_a_5xx(world: World, live_case: int) -> None:
    # schemathesis.pytest.from_fixture does not run under pytest 9, so each operation's strategy is driven here.
    schema = schemathesis.openapi.from_asgi("/openapi.json", world.client.app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 20
    headers = world.h("union")
    for operation in operations:

        @given(case=operation.as_strategy())
        @SETTINGS
        def run(case: Any) -> None:
            case.headers = {**(case.headers or {}), **headers}
            if case.path_parameters and "case_id" in case.path_parameters and case.path_parameters["case_id"] % 2:
                case.path_parameters["case_id"] = live_case
            response = case.call()
            assert response.status_code < 500, (case.method, case.formatted_path, case.body, response.text)
            content_type = response.headers.get("content-type") or [""]
            if response.status_code >= 400 and content_type[0].startswith("application/json"):
                assert set(response.json()) == {"error"}, response.text

        run()


# JSON of any shape, including the odd corners: huge and negative integers, floats, NUL and control characters.
SCALARS = (
    st.none() | st.booleans() | st.integers(min_value=-(2**70), max_value=2**70) | st.floats(allow_nan=False)
    | st.text(max_size=30) | st.sampled_from(["\x00", "2026-02-30", "1e9", "NaN", "-1", "", "propose", "1.20", "2026-11-02"])
)  # fmt: skip
JSON = st.recursive(
    SCALARS, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4), max_leaves=12
)
EVENTS = st.sampled_from(["propose", "accept", "decline", "suspend", "resume", "submit_draft", "request_changes", "approve_draft",
                          "open_vote", "record_vote", "sign", "file", "record_receipt", "object", "approve", "publish", "settle",
                          "withdraw", "reply_overdue", "deemed_effective"])  # fmt: skip


def _envelope(event: str, version: Any, data: Any) -> dict[str, Any]:
    return {"event": event, "expected_version": version, "data": data}


@given(
    who=st.sampled_from(["union", "employer_body", "ent1", "bureau", "admin", "outsider"]),
    body=st.one_of(
        st.builds(
            _envelope,
            EVENTS,
            st.integers(min_value=1, max_value=12) | JSON,
            st.dictionaries(st.text(max_size=12), JSON, max_size=5),
        ),
        JSON,
    ),
)
@SETTINGS
def test_random_event_bodies_on_a_live_case_never_get_a_5xx(world: World, live_case: int, who: str, body: Any) -> None:
    r = world.client.post(f"/api/v1/cases/{live_case}/events", json=body, headers=world.h(who))
    assert r.status_code < 500, (body, r.text)


def _terms(patch: dict[str, Any]) -> dict[str, Any]:
    return {**TERMS, **patch}


@given(
    body=st.one_of(
        st.fixed_dictionaries(
            {"term_start": JSON | st.just("2027-01-01"), "term_end": JSON | st.just("2028-12-31")},
            optional={
                "terms": st.dictionaries(st.sampled_from(list(TERMS)), JSON, max_size=3).map(_terms),
                "expected_version": JSON,
            },
        ),
        JSON,
    )
)
@SETTINGS
def test_random_draft_and_representatives_bodies_never_get_a_5xx(world: World, live_case: int, body: Any) -> None:
    r = world.client.post(f"/api/v1/cases/{live_case}/drafts", json=body, headers=world.h("union"))
    assert r.status_code < 500, (body, r.text)
    r = world.client.put(f"/api/v1/cases/{live_case}/representatives", json=body, headers=world.h("union"))
    assert r.status_code < 500, (body, r.text)


@given(
    path=st.sampled_from(["/meetings", "/drafts/1/comments", "/events", "/drafts"]),
    body=JSON,
    query=st.text(max_size=20),
)
@SETTINGS
def test_random_bodies_and_queries_on_every_case_endpoint_never_get_a_5xx(
    world: World, live_case: int, path: str, body: Any, query: str
) -> None:
    r = world.client.post(f"/api/v1/cases/{live_case}{path}", json=body, headers=world.h("union"))
    assert r.status_code < 500, (path, body, r.text)
    r = world.client.get("/api/v1/cases", params={"q": query, "state": query, "cursor": query}, headers=world.h("union"))
    assert r.status_code < 500, (query, r.text)
