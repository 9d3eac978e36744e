"""Secrets at rest and at the door: no token kept in plaintext, a changed admin token replaces the old one, short
secrets stop the server before it listens, and odd characters in a CSRF token or cookie are refused, never a 500."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import text

from api.main import create_app
from negotiation.bootstrap import Services, bootstrap
from negotiation.config import Settings
from tests.conftest import ADMIN_TOKEN, World, bearer
from tests.integration.support import stored_tables

ROOT = Path(__file__).resolve().parents[2]


def _every_stored_text(services: Services) -> str:
    """Every value in every table of the database, as text."""
    found: list[str] = []
    with services.engine.connect() as connection:
        for table in stored_tables(connection):
            for row in connection.execute(text(f'SELECT * FROM "{table}"')):
                found.extend(str(value) for value in row)
    return "\n".join(found)


def test_a_replayed_user_creation_answers_the_first_body_without_the_token(world: World, services: Services) -> None:
    body = {"name": "新用户", "role": "union_negotiator", "organization_id": world.orgs["union"]}
    headers = {**bearer(ADMIN_TOKEN), "Idempotency-Key": "new-user-1"}
    first = world.client.post("/api/v1/users", json=body, headers=headers)
    assert first.status_code == 201
    token = first.json()["token"]
    assert isinstance(token, str) and len(token) >= 32

    again = world.client.post("/api/v1/users", json=body, headers=headers)
    assert again.status_code == 201
    assert again.json() == {**first.json(), "token": None}
    assert token not in _every_stored_text(services)  # nor in the idempotency record, nor anywhere else
    assert world.client.get("/api/v1/cases", headers=bearer(token)).status_code == 200  # the token itself works


def test_a_changed_admin_token_replaces_the_previous_one(database_url: str, tmp_path: Path) -> None:
    old, new = "old-admin-token-" + "a" * 24, "new-admin-token-" + "b" * 24

    def app_with(token: str) -> TestClient:
        settings = Settings(database_url=database_url, archive_dir=tmp_path / "archive", admin_token=token)
        return TestClient(create_app(bootstrap(settings), sweeper=False), raise_server_exceptions=False)

    with app_with(old) as client:
        assert client.get("/api/v1/cases", headers=bearer(old)).status_code == 200
    with app_with(new) as client:  # the service restarted with another NEGOTIATION_ADMIN_TOKEN
        assert client.get("/api/v1/cases", headers=bearer(new)).status_code == 200
        refused = client.get("/api/v1/cases", headers=bearer(old))
        assert refused.status_code == 401 and refused.json()["error"]["code"] == "unauthenticated"
    engine = bootstrap(Settings(database_url=database_url, archive_dir=tmp_path / "archive"), migrate=False).engine
    with engine.connect() as connection:  # one admin made from the environment, not one per token ever configured
        admins = connection.execute(text("SELECT COUNT(*) FROM users WHERE role = 'admin'")).scalar_one()
    engine.dispose()
    assert admins == 1


def _serve(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("NEGOTIATION_")}
    environment.update(
        PYTHONPATH=str(ROOT),
        NEGOTIATION_DATABASE_URL=f"sqlite:///{tmp_path / 'serve.sqlite3'}",
        NEGOTIATION_ARCHIVE_DIR=str(tmp_path / "archive"),
        **env,
    )
    return subprocess.run(
        [sys.executable, "-m", "negotiation.cli", "serve", "--port", "1"],  # port 1: it must stop before listening
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_serve_refuses_a_short_admin_token_or_session_secret_before_listening(tmp_path: Path) -> None:
    for variable in ("NEGOTIATION_ADMIN_TOKEN", "NEGOTIATION_SESSION_SECRET"):
        done = _serve(tmp_path, **{variable: "x" * 31})
        assert done.returncode == 2, done.stderr
        assert variable in done.stderr and "32" in done.stderr
        assert "Traceback" not in done.stderr
    assert not (tmp_path / "serve.sqlite3").exists()  # refused before anything was made


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found is not None, html
    return found.group(1)


def test_a_csrf_token_or_cookie_with_characters_outside_ascii_is_refused_not_a_500(world: World) -> None:
    client = world.client
    page = client.get("/review")
    refused = client.post("/review/login", data={"token": world.tokens["ent1"], "csrf": "校验码" + _csrf(page.text)[3:]})
    assert refused.status_code == 403

    signed_in = client.post("/review/login", data={"token": world.tokens["ent1"], "csrf": _csrf(client.get("/review").text)})
    assert signed_in.status_code == 200
    cases = client.get("/review/cases")
    assert cases.status_code == 200
    logout = client.post("/review/logout", data={"csrf": "签名ü" + _csrf(cases.text)}, follow_redirects=False)
    assert logout.status_code == 403
    assert client.get("/review/cases").status_code == 200  # the forged sign-out changed nothing

    cookie = "review_session=" + "ü签名.é签名"
    raw = TestClient(client.app, raise_server_exceptions=False)
    odd = raw.get("/review/cases", headers={"Cookie": cookie.encode("utf-8")}, follow_redirects=False)
    assert odd.status_code == 401
    encoded, _, signature = (client.cookies.get("review_session") or "").partition(".")
    forged = raw.get(
        "/review/cases",
        headers={"Cookie": f"review_session={encoded}.{'é' + signature[1:]}".encode()},
        follow_redirects=False,
    )
    assert forged.status_code == 401


def test_failed_authentications_are_held_back_only_within_the_window(world: World, services: Services) -> None:
    wrong = {"Authorization": "Bearer not-a-token"}
    for _ in range(20):
        assert world.client.get("/api/v1/cases", headers=wrong).status_code == 401
    held = world.client.get("/api/v1/cases", headers=wrong)
    assert held.status_code == 429 and int(held.headers["retry-after"]) <= 60
    assert world.client.get("/api/v1/cases", headers=world.h("union")).status_code == 200
    with services.engine.begin() as connection:  # a minute later: the failures have left the window
        connection.execute(text("UPDATE auth_failures SET at = at - 61"))
    again = world.client.get("/api/v1/cases", headers=wrong)
    assert again.status_code == 401 and again.json()["error"]["code"] == "unauthenticated"


def test_a_rotated_session_key_keeps_signed_in_users_until_the_old_key_is_dropped(
    world: World, database_url: str, tmp_path: Path
) -> None:
    """Sessions are signed by itsdangerous: the key named in NEGOTIATION_SESSION_PREVIOUS_SECRETS still verifies
    cookies and forms it signed, new ones are signed with NEGOTIATION_SESSION_SECRET, and a dropped key signs nothing."""
    old, new = "old-session-key-" + "o" * 24, "new-session-key-" + "n" * 24

    def app_with(**keys: str) -> TestClient:
        settings = Settings(database_url=database_url, archive_dir=tmp_path / "archive", admin_token=ADMIN_TOKEN, **keys)
        return TestClient(create_app(bootstrap(settings, migrate=False), sweeper=False), raise_server_exceptions=False)

    with app_with(session_secret=old) as before:
        assert (
            before.post(
                "/review/login", data={"token": world.tokens["ent1"], "csrf": _csrf(before.get("/review").text)}
            ).status_code
            == 200
        )
        cookie = before.cookies.get("review_session")
        form_token = _csrf(before.get("/review/cases").text)
    assert cookie

    with app_with(session_secret=new, session_previous_secrets=old) as rotating:
        rotating.cookies.set("review_session", cookie, path="/review")
        assert rotating.get("/review/cases").status_code == 200  # signed with the old key, still accepted
        rotating.cookies.clear()
        fresh = rotating.post("/review/login", data={"token": world.tokens["ent2"], "csrf": _csrf(rotating.get("/review").text)})
        assert fresh.status_code == 200
        fresh_cookie = rotating.cookies.get("review_session")
    assert fresh_cookie and fresh_cookie != cookie

    with app_with(session_secret=new) as after:
        after.cookies.set("review_session", cookie, path="/review")
        assert after.get("/review/cases", follow_redirects=False).status_code == 401  # the old key was dropped
        after.cookies.set("review_session", fresh_cookie, path="/review")
        assert after.get("/review/cases").status_code == 200  # signed with the new key
        refused = after.post("/review/logout", data={"csrf": form_token}, follow_redirects=False)
        assert refused.status_code == 403  # a form signed by the dropped key is refused like a forged one


def test_a_previous_session_key_shorter_than_32_characters_stops_serve(tmp_path: Path) -> None:
    done = _serve(tmp_path, NEGOTIATION_SESSION_SECRET="k" * 32, NEGOTIATION_SESSION_PREVIOUS_SECRETS="k" * 32 + " short")
    assert done.returncode == 2, done.stderr
    assert "NEGOTIATION_SESSION_PREVIOUS_SECRETS" in done.stderr and "32" in done.stderr
    assert "Traceback" not in done.stderr
