"""The lifecycle state machine of tests/integration/test_state_machine_properties.py, driven over HTTP against a
served process: the same rules, model and expectations, every command sent as a request with the caller's token.

Checked at every step: a refused call answers the status and code the order of checks predicts and changes nothing
(the case as the admin sees it, its audit chain and its documents are the same before and after); an accepted event
was in the caller's `allowed_events` and moves the case where the transition table says; every accepted change
raises `version` by one and adds one audit link (a comment adds a link only); each case's chain links up; and after
each example /api/v1/audit/verify recomputes every chain. Real documents: the served process renders every PDF the events make.
"""

from __future__ import annotations

from collections import Counter
from datetime import date
from itertools import pairwise
from typing import Any, ClassVar

from hypothesis import HealthCheck, settings
from hypothesis.stateful import RuleBasedStateMachine, invariant, run_state_machine_as_test

from negotiation import errors
from negotiation.errors import NegotiationError, Violation
from tests.e2e.proof.conftest import Parties
from tests.integration.test_state_machine_properties import REACHABLE, START, CaseLifecycle, CaseModel

ROUTES = {
    "create_case": ("POST", "/api/v1/cases"),
    "put_representatives": ("PUT", "/api/v1/cases/{case_id}/representatives"),
    "fire_event": ("POST", "/api/v1/cases/{case_id}/events"),
    "add_draft": ("POST", "/api/v1/cases/{case_id}/drafts"),
    "add_meeting": ("POST", "/api/v1/cases/{case_id}/meetings"),
    "add_comment": ("POST", "/api/v1/cases/{case_id}/drafts/{version}/comments"),
}
ERRORS: dict[str, type[NegotiationError]] = {
    cls.code: cls for cls in vars(errors).values() if isinstance(cls, type) and issubclass(cls, NegotiationError)
}
SETTINGS = settings(
    # Derandomized, as the in-process machine's real-render run: the test asserts how far its examples reached (past
    # talks), which a random draw of 15 examples missed once (2026-12-02: 12 drafting, 9 withdrawn); a fixed draw checks
    # the same invariants every time, and the in-process broad run stays random.
    derandomize=True,
    max_examples=15,
    stateful_step_count=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.function_scoped_fixture],
)


class HttpCaseLifecycle(CaseLifecycle):
    """CaseLifecycle with its commands, views, ticks and invariants over HTTP; one served database for all examples
    (each example makes its own cases and looks only at them)."""

    parties: ClassVar[Parties]
    reached: ClassVar[Counter[str]]

    def __init__(self) -> None:
        RuleBasedStateMachine.__init__(self)  # not CaseLifecycle's: no database of its own
        self.http = self.parties.client
        self.org = dict(self.parties.orgs)
        self.cases: list[CaseModel] = []
        self.day = START
        self.known: dict[int, tuple[Any, ...]] = {}  # what was stored after the last refusal, until a call succeeds

    def teardown(self) -> None:
        for case in self.cases:
            self.reached[case.state] += 1
        verify = self.get("/api/v1/audit/verify")  # every chain of the database, hashes recomputed, once per example
        assert verify["ok"] is True, verify

    def get(self, path: str, who: str = "admin") -> Any:
        r = self.http.get(path, headers=self.parties.h(who))
        assert r.status_code == 200, (path, who, r.text)
        return r.json()

    def stored(self, case_id: int) -> tuple[Any, ...]:
        """What a refused call must leave as it was: the case, its chain, its documents."""
        return tuple(self.get(f"/api/v1/cases/{case_id}{part}") for part in ("", "/audit", "/documents"))

    def call(self, command: str, who: str, **arguments: Any) -> dict[str, Any]:
        method, path = ROUTES[command]
        body = arguments.pop("body")
        case_id = arguments.get("case_id")
        before = None if case_id is None else self.known.pop(case_id, None) or self.stored(case_id)
        r = self.http.request(method, path.format(**arguments), json=body, headers=self.parties.h(who))
        if r.status_code < 300:
            result: dict[str, Any] = r.json()
            return result
        error = r.json()["error"]
        refusal = ERRORS[error["code"]]
        assert r.status_code == refusal.status and r.status_code < 500, (command, r.status_code, r.text)
        if case_id is not None:
            after = self.stored(case_id)
            assert after == before, f"a refused {command} ({error['code']}) changed the case"
            self.known[case_id] = after
        raise refusal(error["message"], [Violation(**v) for v in error["violations"]])

    def view(self, case: CaseModel, who: str = "union") -> dict[str, Any]:
        found: dict[str, Any] = self.get(f"/api/v1/cases/{case.id}", who)
        return found

    def sweep(self, as_of: date) -> list[dict[str, Any]]:
        self.known.clear()
        r = self.http.post("/api/v1/admin/tick", json={"as_of": as_of.isoformat()}, headers=self.parties.h("admin"))
        assert r.status_code == 200, r.text
        mine = {c.id for c in self.cases}  # cases of earlier examples share the database and may fire too
        return [f for f in r.json()["fired"] if f["case_id"] in mine]

    @invariant()
    def audit_chains_verify(self) -> None:
        for model in self.cases:
            chain = self.get(f"/api/v1/cases/{model.id}/audit")
            assert [link["seq"] for link in chain] == list(range(1, model.audit_links + 1)), (model.history, chain[-1])
            assert all(link["prev_hash"] == previous["hash"] for previous, link in pairwise(chain))

    @invariant()
    def cases_match_the_model(self) -> None:
        for model in self.cases:
            case = self.view(model, "admin")
            assert case["state"] in REACHABLE
            assert (case["state"], case["version"]) == (model.state, model.version), (model.history, case["state"])
            assert case["current_draft_version"] == model.current_draft
            if case["state"] == "withdrawn":
                assert all(d["status"] != "open" for d in case["deadlines"])


def test_random_event_sequences_over_http_keep_the_invariants(parties: Parties) -> None:
    reached: Counter[str] = Counter()
    machine = type("HttpCaseLifecycleRun", (HttpCaseLifecycle,), {"parties": parties, "reached": reached})
    run_state_machine_as_test(machine, settings=SETTINGS)
    print(f"\ncases ended in: {dict(reached)}")
    assert sum(reached.values()) >= SETTINGS.max_examples
    assert set(reached) - {"drafting", "proposed", "withdrawn"}, f"no case got as far as talks: {dict(reached)}"
