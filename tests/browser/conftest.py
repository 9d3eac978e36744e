"""A real server (uvicorn, temp SQLite, test clock) and real headless Chromium driven by Playwright."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

from tests.flows import XIAN_ORGANIZATIONS, Flow, seed_parties

ADMIN_TOKEN = "browser-admin-token-0123456789abcdef"
SESSION_SECRET = "browser-test-session-secret-0123456789"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`negotiation serve` on a free localhost port over a fresh SQLite file, with the test clock."""
    root = tmp_path_factory.mktemp("review-server")
    port = _free_port()
    env = {
        **os.environ,
        "NEGOTIATION_DATABASE_URL": f"sqlite:///{root / 'negotiation.sqlite3'}",
        "NEGOTIATION_ARCHIVE_DIR": str(root / "archive"),
        "NEGOTIATION_ADMIN_TOKEN": ADMIN_TOKEN,
        "NEGOTIATION_TEST_CLOCK": "1",
        "NEGOTIATION_SESSION_SECRET": SESSION_SECRET,
    }
    log = open(root / "server.log", "wb")  # closed below, after the process
    cli = Path(sys.executable).with_name("negotiation")
    proc = subprocess.Popen(
        [str(cli), "serve", "--host", "127.0.0.1", "--port", str(port)], env=env, stdout=log, stderr=subprocess.STDOUT
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            if proc.poll() is not None:
                raise RuntimeError(f"server exited: {(root / 'server.log').read_text(errors='replace')}")
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        else:
            raise RuntimeError("server did not answer /healthz within 30 s")
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@dataclass
class People:
    """Organisations and users of a Xi'an negotiation, created through the API of the running server."""

    api: httpx.Client
    orgs: dict[str, int] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)

    def headers(self) -> dict[str, dict[str, str]]:
        return {k: {"Authorization": f"Bearer {t}"} for k, t in self.tokens.items()}

    def new_case(self, title: str) -> Flow:
        body: dict[str, Any] = {
            "title": title, "level": "sector", "sector": "express_delivery", "region_code": "610100",
            "kind": "comprehensive", "union_org_id": self.orgs["union"], "employer_org_id": self.orgs["employer_body"],
            "bureau_org_id": self.orgs["bureau"], "covered_enterprise_ids": [self.orgs["ent1"], self.orgs["ent2"]],
            "topics": ["piece_rates", "pay_method", "rest_leave"],
        }  # fmt: skip
        return Flow(self.api, self.headers(), body)  # type: ignore[arg-type]


@pytest.fixture(scope="session")
def people(server: str) -> Iterator[People]:
    with httpx.Client(base_url=server, timeout=30) as api:
        found = People(api)
        people = (
            ("union", "李建国", "union_negotiator"),
            ("employer_body", "张伟", "enterprise_rep"),
            ("bureau", "赵敏", "labour_bureau"),
            ("ent1", "王芳", "enterprise_rep"),
            ("ent2", "刘强", "enterprise_rep"),
            ("outsider", "陈杰", "enterprise_rep"),
        )
        found.orgs, found.tokens = seed_parties(
            api,
            ADMIN_TOKEN,
            XIAN_ORGANIZATIONS,
            tuple((key, person, role, key) for key, person, role in people),
        )
        found.names = {key: person for key, person, _role in people}
        yield found


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    ctx = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    yield ctx
    ctx.close()


@pytest.fixture
def page(context: BrowserContext) -> Page:
    return context.new_page()


def shot(page: Page, name: str) -> None:
    """A full-page screenshot kept as a test artefact."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def sign_in(page: Page, server: str, token: str) -> None:
    """Sign in through the form at /review/login, by keyboard: type the token, press Enter."""
    page.goto(f"{server}/review/login")
    page.get_by_test_id("login-token").fill(token)
    page.get_by_test_id("login-token").press("Enter")
    page.wait_for_url(f"{server}/review/cases")
