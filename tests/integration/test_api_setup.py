"""Set-up over HTTP: organisations, users and their tokens, health, and the admin tick's clock rule."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from api.main import create_app
from negotiation.bootstrap import Services, bootstrap
from negotiation.config import Settings
from negotiation.service_layer.clock import today
from tests.conftest import ADMIN_TOKEN, World, bearer
from tests.integration.support import expect_error, nothing_changes

ADMIN = bearer(ADMIN_TOKEN)


def test_admin_creates_an_organization_and_gets_it_back(client: TestClient) -> None:
    r = client.post(
        "/api/v1/organizations", json={"name": "西安市外卖行业工会", "kind": "union", "region_code": "610100"}, headers=ADMIN
    )
    assert r.status_code == 201
    body = r.json()
    assert set(body) == {"id", "name", "kind", "region_code"}
    assert body["name"] == "西安市外卖行业工会" and body["kind"] == "union" and body["region_code"] == "610100"
    assert isinstance(body["id"], int)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("kind", "trade_union"),
        ("region_code", "61010"),
        ("region_code", "061000"),
        ("region_code", 610100),
        ("name", ""),
        ("name", "  "),
    ],
)
def test_organization_with_a_bad_field_is_a_validation_error_naming_it(
    client: TestClient, services: Services, field: str, value: object
) -> None:
    body = {"name": "西安市外卖行业工会", "kind": "union", "region_code": "610100", field: value}
    with nothing_changes(services.engine):
        r = client.post("/api/v1/organizations", json=body, headers=ADMIN)
    expect_error(r, 422, "validation_error", paths={field})


def test_only_an_admin_may_create_organizations_and_users(world: World, services: Services) -> None:
    with nothing_changes(services.engine):
        r = world.client.post(
            "/api/v1/organizations", json={"name": "某工会", "kind": "union", "region_code": "610100"}, headers=world.h("union")
        )
        expect_error(r, 403, "forbidden")
        r = world.client.post(
            "/api/v1/users",
            json={"name": "某人", "role": "union_negotiator", "organization_id": world.orgs["union"]},
            headers=world.h("bureau"),
        )
        expect_error(r, 403, "forbidden")


def test_a_new_users_token_is_shown_once_works_and_is_stored_only_hashed(world: World, services: Services) -> None:
    r = world.client.post(
        "/api/v1/users", json={"name": "赵磊", "role": "union_negotiator", "organization_id": world.orgs["union"]}, headers=ADMIN
    )
    assert r.status_code == 201
    body = r.json()
    assert set(body) == {"id", "name", "role", "organization_id", "token"}
    token = body["token"]
    assert len(token) >= 32
    assert world.client.get("/api/v1/cases", headers=bearer(token)).status_code == 200
    with services.engine.connect() as connection:
        stored = [str(v) for row in connection.execute(text("SELECT * FROM users")).all() for v in row]
    assert not any(token in value for value in stored)
    # the token is never shown again: no endpoint lists users, and the case list does not echo it
    assert token not in world.client.get("/api/v1/cases", headers=bearer(token)).text


@pytest.mark.parametrize(
    ("role", "org"),
    [
        ("union_negotiator", "employer_body"),
        ("union_negotiator", "bureau"),
        ("enterprise_rep", "union"),
        ("enterprise_rep", "bureau"),
        ("labour_bureau", "ent1"),
        ("labour_bureau", "union"),
    ],
)
def test_a_user_whose_role_does_not_fit_its_organizations_kind_is_refused(
    world: World, services: Services, role: str, org: str
) -> None:
    with nothing_changes(services.engine):
        r = world.client.post(
            "/api/v1/users", json={"name": "错配用户", "role": role, "organization_id": world.orgs[org]}, headers=ADMIN
        )
    expect_error(r, 422, "validation_error", paths={"organization_id"})


def test_enterprise_reps_may_belong_to_an_employer_body_or_an_enterprise(world: World) -> None:
    for org in ("employer_body", "ent2"):
        r = world.client.post(
            "/api/v1/users",
            json={"name": "企业代表", "role": "enterprise_rep", "organization_id": world.orgs[org]},
            headers=ADMIN,
        )
        assert r.status_code == 201, r.text


@pytest.mark.parametrize("role", ["union_negotiator", "admin"])  # an admin too (it was a 500, found by schemathesis)
def test_a_user_of_a_missing_organization_is_refused(world: World, services: Services, role: str) -> None:
    with nothing_changes(services.engine):
        r = world.client.post("/api/v1/users", json={"name": "无组织", "role": role, "organization_id": 999_999}, headers=ADMIN)
    expect_error(r, 422, "validation_error", paths={"organization_id"})


def test_an_admin_may_belong_to_no_organization_or_to_one(world: World) -> None:
    for organization_id in (None, world.orgs["bureau"]):
        r = world.client.post("/api/v1/users", json={"name": "管理员", "role": "admin", "organization_id": organization_id},
                              headers=ADMIN)  # fmt: skip
        assert r.status_code == 201 and r.json()["organization_id"] == organization_id, r.text


@pytest.mark.parametrize(
    "header", [{}, {"Authorization": "Bearer nope"}, {"Authorization": "Basic dXNlcjpwdw=="}, {"Authorization": "Bearer "}]
)
def test_calls_without_a_valid_token_are_unauthenticated(client: TestClient, header: dict[str, str]) -> None:
    for method, path in (
        ("GET", "/api/v1/cases"),
        ("GET", "/api/v1/cases/1"),
        ("POST", "/api/v1/cases"),
        ("GET", "/api/v1/audit/verify"),
    ):
        r = client.request(method, path, headers=header, json={})
        expect_error(r, 401, "unauthenticated")


def test_healthz_answers_ok_when_the_database_answers(client: TestClient) -> None:
    r = client.get("/healthz")
    assert r.status_code == 200
    assert r.json() == {"status": "ok"}


def test_tick_is_for_admins_only(world: World, services: Services) -> None:
    with nothing_changes(services.engine):
        r = world.client.post("/api/v1/admin/tick", json={"as_of": "2026-12-01"}, headers=world.h("union"))
    expect_error(r, 403, "forbidden")


def test_tick_without_as_of_runs_as_of_today(world: World) -> None:
    r = world.client.post("/api/v1/admin/tick", headers=world.h("admin"))
    assert r.status_code == 200 and r.json() == {"fired": []}
    r = world.client.post("/api/v1/admin/tick", json={}, headers=world.h("admin"))
    assert r.status_code == 200 and r.json() == {"fired": []}


@pytest.mark.parametrize("as_of", ["2026-13-01", "tomorrow", 20261201, "2026-12-01T00:00:00"])
def test_tick_with_a_malformed_as_of_is_a_validation_error(world: World, as_of: object) -> None:
    r = world.client.post("/api/v1/admin/tick", json={"as_of": as_of}, headers=world.h("admin"))
    expect_error(r, 422, "validation_error", paths={"as_of"})


def test_tick_with_an_unknown_field_is_a_validation_error(world: World) -> None:
    r = world.client.post("/api/v1/admin/tick", json={"as_of": "2026-12-01", "force": True}, headers=world.h("admin"))
    expect_error(r, 422, "validation_error")


@pytest.fixture
def real_clock_client(database_url: str, tmp_path: Path) -> Iterator[TestClient]:
    """The API as it runs without NEGOTIATION_TEST_CLOCK (the sweeper task itself stays off in tests)."""
    settings = Settings(database_url=database_url, archive_dir=tmp_path / "archive", admin_token=ADMIN_TOKEN, test_clock=False)
    services = bootstrap(settings)
    with TestClient(create_app(services, sweeper=False), raise_server_exceptions=False) as test_client:
        yield test_client
    services.engine.dispose()


def test_without_the_test_clock_as_of_other_than_today_is_refused(real_clock_client: TestClient) -> None:
    for other in (today() - timedelta(days=1), today() + timedelta(days=30), date(2027, 6, 1)):
        r = real_clock_client.post("/api/v1/admin/tick", json={"as_of": other.isoformat()}, headers=ADMIN)
        expect_error(r, 422, "validation_error", paths={"as_of"}, message_has="NEGOTIATION_TEST_CLOCK")
    r = real_clock_client.post("/api/v1/admin/tick", json={"as_of": today().isoformat()}, headers=ADMIN)
    assert r.status_code == 200 and r.json() == {"fired": []}


def test_with_the_test_clock_any_as_of_is_accepted(world: World) -> None:
    for as_of in ("2020-01-01", "2027-06-01", "2031-12-31"):
        r = world.client.post("/api/v1/admin/tick", json={"as_of": as_of}, headers=world.h("admin"))
        assert r.status_code == 200 and r.json() == {"fired": []}
