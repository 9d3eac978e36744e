"""The deliverer in a real `negotiation serve` with two workers, under the test clock (deliveries are no legal timer):
a change made over HTTP reaches a local receiver signed, is retried by the server 10 s after a failed attempt, and is
delivered once, not once per worker."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import httpx
import pytest

from tests.flows import XIAN_ORGANIZATIONS, seed_parties
from tests.webhook_receiver import Receiver

ROOT = Path(__file__).resolve().parents[2]
ADMIN = "served-webhooks-admin-token-0123456789abcdef"
SECRET = "served-whsec-0123456789abcdef"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@pytest.fixture
def served(tmp_path: Path) -> Iterator[str]:
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEGOTIATION_")}
    env.update(
        NEGOTIATION_DATABASE_URL=f"sqlite:///{tmp_path / 'hooks.sqlite3'}",
        NEGOTIATION_ARCHIVE_DIR=str(tmp_path / "archive"),
        NEGOTIATION_ADMIN_TOKEN=ADMIN,
        NEGOTIATION_TEST_CLOCK="1",
        NEGOTIATION_WEBHOOK_ALLOW_HOSTS="127.0.0.1",
    )
    log = tmp_path / "serve.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "negotiation.cli", "serve", "--port", str(port), "--workers", "2"],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert process.poll() is None, log.read_text()
            time.sleep(0.1)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=20)


def test_the_served_deliverer_retries_a_failed_delivery_and_delivers_it_once(served: str) -> None:
    with httpx.Client(base_url=served) as api, Receiver() as receiver:
        orgs, tokens = seed_parties(
            api, ADMIN, XIAN_ORGANIZATIONS,
            (("union", "王芳", "union_negotiator", "union"), ("other", "李雷", "enterprise_rep", "outsider")),
        )  # fmt: skip
        union = {"Authorization": f"Bearer {tokens['union']}"}
        hooks = {}
        for who, path in (("union", "/served"), ("other", "/outsider")):
            r = api.post(
                "/api/v1/webhooks", json={"url": receiver.url(path), "events": ["case.event"], "secret": SECRET},
                headers={"Authorization": f"Bearer {tokens[who]}"},
            )  # fmt: skip
            assert r.status_code == 201, r.text
            hooks[who] = r.json()
        receiver.answer("/served", 500)
        case = api.post(
            "/api/v1/cases",
            json={"title": "西安市快递行业集体协商", "level": "sector", "sector": "express_delivery", "region_code": "610100",
                  "kind": "comprehensive", "union_org_id": orgs["union"], "employer_org_id": orgs["employer_body"],
                  "bureau_org_id": orgs["bureau"], "covered_enterprise_ids": [orgs["ent1"], orgs["ent2"]],
                  "topics": ["piece_rates"]},
            headers=union,
        )  # fmt: skip
        assert case.status_code == 201, case.text

        arrived = receiver.wait_for("/served", 2, timeout=30)
        time.sleep(2.5)  # two workers deliver every second: a duplicate would have come by now
        arrived = receiver.at("/served")
        assert len(arrived) == 2, [r.json() for r in arrived]  # the failed attempt and its retry, each sent once
        assert all(r.signed_with(SECRET) for r in arrived) and arrived[0].body == arrived[1].body
        body = arrived[1].json()
        assert (body["type"], body["case_id"], body["data"]["event"]) == ("case.event", case.json()["id"], "create_case")
        assert receiver.at("/outsider") == []  # not a party of the case

        [delivery] = api.get(f"/api/v1/webhooks/{hooks['union']['id']}/deliveries", headers=union).json()
        assert (delivery["id"], delivery["status"], delivery["attempts"]) == (body["id"], "delivered", 2)
        first, second = (datetime.fromisoformat(a["at"]) for a in delivery["history"])
        assert [a["http_status"] for a in delivery["history"]] == [500, 200]
        assert 10 <= (second - first).total_seconds() < 15  # retried after 10 s, by the server on its own
