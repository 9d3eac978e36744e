"""Token rotation and user disabling take effect at once: the old token, a disabled user's token and its review
sessions are refused from the next request on; the new token is shown once and never replayed."""

from __future__ import annotations

import re

from negotiation.bootstrap import Services
from tests.conftest import ADMIN_TOKEN, World, bearer
from tests.integration.support import expect_error, nothing_changes


def _user(world: World, name: str = "临时用户") -> dict[str, object]:
    body = {"name": name, "role": "union_negotiator", "organization_id": world.orgs["union"]}
    r = world.client.post("/api/v1/users", json=body, headers=bearer(ADMIN_TOKEN))
    assert r.status_code == 201
    return dict(r.json())


def test_a_rotated_token_replaces_the_old_one_and_is_shown_once(world: World) -> None:
    user = _user(world)
    old = str(user["token"])
    assert world.client.get("/api/v1/cases", headers=bearer(old)).status_code == 200
    headers = {**bearer(ADMIN_TOKEN), "Idempotency-Key": "rotate-1"}
    r = world.client.post(f"/api/v1/users/{user['id']}/token", headers=headers)
    assert r.status_code == 200 and r.json()["id"] == user["id"]
    new = r.json()["token"]
    assert isinstance(new, str) and len(new) >= 32 and new != old
    expect_error(world.client.get("/api/v1/cases", headers=bearer(old)), 401, "unauthenticated")
    assert world.client.get("/api/v1/cases", headers=bearer(new)).status_code == 200
    replay = world.client.post(f"/api/v1/users/{user['id']}/token", headers=headers)
    assert replay.status_code == 200 and replay.json() == {"id": user["id"], "token": None}
    assert world.client.get("/api/v1/cases", headers=bearer(new)).status_code == 200  # the replay changed nothing


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found is not None, html
    return found.group(1)


def test_a_disabled_user_is_refused_on_the_api_and_in_its_open_review_session(world: World) -> None:
    client = world.client
    token = world.tokens["ent1"]
    page = client.get("/review")
    assert client.post("/review/login", data={"token": token, "csrf": _csrf(page.text)}).status_code == 200
    assert client.get("/review/cases").status_code == 200
    assert client.get("/api/v1/cases", headers=bearer(token)).status_code == 200
    ent1_id = _id_of(world, "ent1")
    r = client.post(f"/api/v1/users/{ent1_id}/disable", headers=bearer(ADMIN_TOKEN))
    assert r.status_code == 200
    assert r.json() == {"id": ent1_id, "name": "ent1用户", "role": "enterprise_rep",
                        "organization_id": world.orgs["ent1"], "disabled": True}  # fmt: skip
    expect_error(client.get("/api/v1/cases", headers=bearer(token)), 401, "unauthenticated")
    refused = client.get("/review/cases", follow_redirects=False)
    assert refused.status_code == 401 and "已被停用" in refused.text
    page = client.get("/review")
    again = client.post("/review/login", data={"token": token, "csrf": _csrf(page.text)})
    assert again.status_code == 401


def _id_of(world: World, key: str) -> int:
    from sqlalchemy import text

    engine = world.client.app.state.services.engine  # type: ignore[attr-defined]
    with engine.connect() as connection:
        return int(connection.execute(text("SELECT id FROM users WHERE name = :n"), {"n": f"{key}用户"}).scalar_one())


def test_only_the_admin_rotates_or_disables_and_unknown_users_are_404(world: World, services: Services) -> None:
    user = _user(world)
    with nothing_changes(services.engine):
        expect_error(world.client.post(f"/api/v1/users/{user['id']}/token", headers=world.h("union")), 403, "forbidden")
        expect_error(world.client.post(f"/api/v1/users/{user['id']}/disable", headers=world.h("bureau")), 403, "forbidden")
        expect_error(world.client.post("/api/v1/users/987654/token", headers=bearer(ADMIN_TOKEN)), 404, "not_found")
        expect_error(world.client.post("/api/v1/users/987654/disable", headers=bearer(ADMIN_TOKEN)), 404, "not_found")
    assert world.client.get("/api/v1/cases", headers=bearer(str(user["token"]))).status_code == 200
