"""Review-page sign-out ends the session on the server: a copied cookie is refused afterwards."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from tests.conftest import World


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found is not None, html
    return found.group(1)


def _sign_in(client: TestClient, token: str) -> str:
    page = client.get("/review")
    r = client.post("/review/login", data={"token": token, "csrf": _csrf(page.text)}, follow_redirects=False)
    assert r.status_code == 303, r.text
    return r.cookies.get("review_session") or client.cookies.get("review_session")


def test_a_signed_out_session_cookie_is_refused_even_before_it_expires(world: World) -> None:
    client = world.client
    cookie = _sign_in(client, world.tokens["ent1"])
    cases = client.get("/review/cases")
    assert cases.status_code == 200 and "我的案件" in cases.text
    client.post("/review/logout", data={"csrf": _csrf(cases.text)}, follow_redirects=False)
    client.cookies.clear()
    client.cookies.set("review_session", cookie, path="/review")
    replay = client.get("/review/cases", follow_redirects=False)
    assert replay.status_code == 401
    assert "您已退出登录" in replay.text


def test_signing_out_one_session_leaves_the_users_other_sessions_alive(world: World) -> None:
    first = TestClient(world.client.app)
    second = TestClient(world.client.app)
    _sign_in(first, world.tokens["ent1"])
    _sign_in(second, world.tokens["ent1"])
    page = first.get("/review/cases")
    first.post("/review/logout", data={"csrf": _csrf(page.text)})
    assert second.get("/review/cases").status_code == 200
