"""Shared fixtures: a real database (a SQLite file, or PostgreSQL when NEGOTIATION_TEST_DATABASE_URL is set), the app, a seeded world."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from api.main import create_app
from negotiation.bootstrap import Services, bootstrap
from negotiation.config import Settings
from tests.flows import XIAN_ORGANIZATIONS, Flow, seed_parties

ADMIN_TOKEN = "test-admin-token-0123456789abcdef-xyz"
PG_URL = os.environ.get("NEGOTIATION_TEST_DATABASE_URL")


def reset_postgres(url: str) -> None:
    """An empty public schema on the PostgreSQL test database."""
    from sqlalchemy import create_engine

    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgres"] if PG_URL else ["sqlite"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh database per test: a SQLite file, and PostgreSQL too when configured."""
    if request.param == "postgres":
        assert PG_URL is not None
        reset_postgres(PG_URL)
        return PG_URL
    return f"sqlite:///{tmp_path / 'negotiation.sqlite3'}"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark the PostgreSQL runs; leave out (deselect, never skip) the SQLite runs of tests that only mean something on
    a shared PostgreSQL server (`postgres_only`): they run in `make postgres-tests`."""
    kept, dropped = [], []
    for item in items:
        callspec = getattr(item, "callspec", None)
        on_postgres = callspec is not None and callspec.params.get("database_url") == "postgres"
        if on_postgres:
            item.add_marker(pytest.mark.postgres)
        (dropped if item.get_closest_marker("postgres_only") and not on_postgres else kept).append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept


@pytest.fixture
def services(database_url: str, tmp_path: Path) -> Iterator[Services]:
    settings = Settings(database_url=database_url, archive_dir=tmp_path / "archive", admin_token=ADMIN_TOKEN, test_clock=True)
    built = bootstrap(settings)
    yield built
    built.engine.dispose()


@pytest.fixture
def client(services: Services) -> Iterator[TestClient]:
    with TestClient(create_app(services, sweeper=False), raise_server_exceptions=False) as test_client:
        yield test_client


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@dataclass
class World:
    """Organisations and users of a Xi'an express-delivery negotiation, created through the API."""

    client: TestClient
    orgs: dict[str, int] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)

    def h(self, who: str) -> dict[str, str]:
        return bearer(self.tokens[who])

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

    def consulting_case(self) -> int:
        """A new case of these parties brought to consulting through the API; its id."""
        flow = Flow(self.client, {k: self.h(k) for k in self.tokens}, self.case_body())
        flow.to_consulting()
        return int(flow.id)


@pytest.fixture
def world(client: TestClient) -> World:
    w = World(client)
    w.orgs, w.tokens = seed_parties(
        client,
        ADMIN_TOKEN,
        (
            *XIAN_ORGANIZATIONS,
            ("other_union", "宝鸡市快递行业工会", "union"),
            ("other_bureau", "宝鸡市人力资源和社会保障局", "labour_bureau"),
        ),
        tuple(
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
        ),
    )
    w.tokens["admin"] = ADMIN_TOKEN
    return w
