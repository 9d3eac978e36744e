"""schemathesis over the served /openapi.json, with a token of each role: no 5xx, and every answer conforms to the
schema (status documented, content type, headers, body; an error documented as api.md's error shape, which the
response models state exactly: a field the server sends but the schema does not name fails) — at least 2,000
requests.

Every operation is driven with positive and negative data for each of the four roles. Path ids are pointed at a live
case (in consulting, with a draft and a document) half of the time, so that requests reach past 404; a user id is
always one of a few users made for the purpose, so that rotating or disabling it cannot lock the test's own roles out.
Derandomized: the same requests every run, so that a failure is reproduced by rerunning the test."""

from __future__ import annotations

import random
from typing import Any

import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.errors import FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.e2e.proof.conftest import Parties

ROLES = ("admin", "union", "employer_body", "bureau")  # admin, union_negotiator, enterprise_rep, labour_bureau
MODES = (schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE)
EXAMPLES = 12  # per operation, role and mode
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_headers_conformance,
          response_schema_conformance]  # fmt: skip
SETTINGS = settings(
    max_examples=EXAMPLES, deadline=None, derandomize=True, database=None, suppress_health_check=list(HealthCheck)
)


def _live(parties: Parties) -> dict[str, int]:
    flow = parties.flow()
    flow.to_consulting()
    flow.draft()
    documents = parties.client.get(f"/api/v1/cases/{flow.id}/documents", headers=parties.h("union")).json()
    return {"case_id": flow.id, "version": 1, "document_id": documents[0]["id"]}


def test_schemathesis_over_the_served_schema_with_every_role_finds_no_5xx_and_no_nonconforming_answer(parties: Parties) -> None:
    live = _live(parties)
    spare_ids = _spare_user_ids(parties, 3)  # the users whose tokens may be rotated and who may be disabled
    schema = schemathesis.openapi.from_url(f"{parties.served.base}/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 20
    run = Runner(parties.served.base, live, spare_ids, parties.client.get("/openapi.json").json())
    for role in ROLES:
        for operation in operations:
            for mode in MODES:
                run(operation, mode, role, parties.h(role))
    sent, failures = run.sent, run.failures
    server_errors = [s for s in sent if s[2] >= 500]
    print(f"\n{len(sent)} requests over {len(operations)} operations, {len(server_errors)} 5xx, {len(failures)} failures")
    assert not failures, "\n".join(failures[:10])
    assert server_errors == []
    assert len(sent) >= 2000
    assert parties.verify_audit()["ok"] is True


class Runner:
    """Drives one operation's strategy for one role and mode; keeps every request's status and every failed check."""

    def __init__(self, base: str, live: dict[str, int], spare_ids: list[int], openapi: dict[str, Any]) -> None:
        self.base, self.live, self.spare_ids, self.openapi = base, live, spare_ids, openapi
        self.sent: list[tuple[str, str, int]] = []
        self.failures: list[str] = []
        self.chooser = random.Random(11)

    def __call__(self, operation: Any, mode: schemathesis.GenerationMode, role: str, headers: dict[str, str]) -> None:
        @given(case=operation.as_strategy(generation_mode=mode))
        @SETTINGS
        def run(case: Any) -> None:
            for name in case.path_parameters or {}:
                if name == "user_id":
                    case.path_parameters[name] = self.chooser.choice(self.spare_ids)
                elif name in self.live and self.chooser.random() < 0.5:
                    case.path_parameters[name] = self.live[name]
            case.headers = {**(case.headers or {}), **headers}
            response = case.call(base_url=self.base)
            self.sent.append((case.method, case.path, response.status_code))
            try:
                case.validate_response(response, checks=CHECKS, headers=case.headers)
            except FailureGroup as exc:  # one or more checks failed
                self.failures.append(
                    f"{role} {mode.value} {case.method} {case.formatted_path} {response.status_code}: {exc}"[:2000]
                )
                return
            if response.status_code >= 400:  # and an error is documented as api.md's error shape, the one it has
                documented = self.openapi["paths"][case.path][case.method.lower()]["responses"][str(response.status_code)]
                if documented["content"]["application/json"]["schema"] != {"$ref": "#/components/schemas/ErrorOut"}:
                    self.failures.append(f"{case.method} {case.path} documents {response.status_code} as {documented}")

        try:
            run()
        except Unsatisfiable:  # an operation without parameters or body has no negative data
            assert mode is schemathesis.GenerationMode.NEGATIVE, operation.label


def _spare_user_ids(parties: Parties, count: int) -> list[int]:
    ids = []
    for i in range(count):
        r = parties.client.post("/api/v1/users", json={"name": f"备用用户{i}", "role": "enterprise_rep",
                                "organization_id": parties.orgs["outsider"]}, headers=parties.h("admin"))  # fmt: skip
        assert r.status_code == 201, r.text
        ids.append(r.json()["id"])
    return ids
