"""The proof's fixtures: `negotiation serve` with two workers on the test's database (a SQLite file, and PostgreSQL
when NEGOTIATION_TEST_DATABASE_URL is set: `make postgres-tests` selects those runs), and the parties of a Xi'an
express-delivery negotiation created through its API."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.flows import XIAN_ORGANIZATIONS, Flow, seed_parties
from tests.served import ADMIN, Served, serving

ORGANIZATIONS = (
    *XIAN_ORGANIZATIONS,
    ("other_union", "宝鸡市快递行业工会", "union"),
    ("other_bureau", "宝鸡市人力资源和社会保障局", "labour_bureau"),
)
# One user of each organisation, by the organisation's key; "outsider" is an enterprise the cases do not cover.
USERS = tuple(
    (key, f"{key}用户", role, key)
    for key, role in (
        ("union", "union_negotiator"),
        ("employer_body", "enterprise_rep"),
        ("bureau", "labour_bureau"),
        ("ent1", "enterprise_rep"),
        ("ent2", "enterprise_rep"),
        ("outsider", "enterprise_rep"),
        ("other_union", "union_negotiator"),
        ("other_bureau", "labour_bureau"),
    )
)


@dataclass
class Parties:
    """The organisations and users of the negotiation, made through the served API."""

    served: Served
    client: httpx.Client
    orgs: dict[str, int] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)

    def h(self, who: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[who]}"}

    def case_body(self, **overrides: Any) -> dict[str, Any]:
        body = {
            "title": "西安市快递行业集体协商",
            "level": "sector",
            "sector": "express_delivery",
            "region_code": "610100",
            "kind": "comprehensive",
            "union_org_id": self.orgs["union"],
            "employer_org_id": self.orgs["employer_body"],
            "bureau_org_id": self.orgs["bureau"],
            "covered_enterprise_ids": [self.orgs["ent1"], self.orgs["ent2"]],
            "topics": ["piece_rates", "pay_method", "rest_leave"],
        }
        body.update(overrides)
        return body

    def flow(self, **overrides: Any) -> Flow:
        """A new case of these parties, in drafting, and the calls that move it."""
        return Flow(self.client, {k: self.h(k) for k in self.tokens}, self.case_body(**overrides))  # type: ignore[arg-type]

    def users(self, org: str, role: str, count: int) -> list[str]:
        """`count` more users of one organisation; their tokens."""
        tokens = []
        for i in range(count):
            r = self.client.post("/api/v1/users", json={"name": f"{org}用户{i}", "role": role, "organization_id": self.orgs[org]},
                                 headers=self.h("admin"))  # fmt: skip
            assert r.status_code == 201, r.text
            tokens.append(r.json()["token"])
        return tokens

    def verify_audit(self) -> dict[str, Any]:
        r = self.client.get("/api/v1/audit/verify", headers=self.h("admin"))
        assert r.status_code == 200, r.text
        result: dict[str, Any] = r.json()
        return result


@pytest.fixture
def server(database_url: str, tmp_path: Path) -> Iterator[Served]:
    """`negotiation serve` with two workers, as it runs by default on a two-core machine."""
    with serving(tmp_path, database_url=database_url, workers=2) as served:
        yield served


@pytest.fixture
def parties(server: Served) -> Iterator[Parties]:
    with httpx.Client(base_url=server.base, timeout=60) as client:
        found = Parties(server, client)
        found.orgs, found.tokens = seed_parties(client, ADMIN, ORGANIZATIONS, USERS)
        found.tokens["admin"] = ADMIN
        yield found
