"""`make run` seeds the demo in under_review; once the README's curl tour has published it, the portal shows it."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from negotiation import demo
from negotiation.bootstrap import Services

README = Path(__file__).resolve().parents[2] / "README.md"
EV = re.compile(r"^ev (\w+) (\w+)(?: '([^']*)')?")
LOOP = re.compile(r"^for who in ([\w ]+); do ev \$who (\w+); done")


def tour() -> list[tuple[str, str, dict[str, Any]]]:
    """The events of the README's curl session, in order: (who, event, data)."""
    steps: list[tuple[str, str, dict[str, Any]]] = []
    for line in README.read_text(encoding="utf-8").splitlines():
        if found := LOOP.match(line):
            steps += [(who, found.group(2), {}) for who in found.group(1).split()]
        elif found := EV.match(line):
            steps.append((found.group(1), found.group(2), json.loads(found.group(3) or "{}")))
    return steps


def test_the_demo_is_on_the_portal_once_the_readme_tour_has_published_it(services: Services, client: TestClient) -> None:
    seeded = demo.seed_demo(services)
    case_id, tokens = seeded["case_id"], seeded["tokens"]
    assert client.get("/api/v1/public/contracts").json()["items"] == []  # under review: not public yet
    steps = tour()
    assert steps[-1][1] == "publish" and len(steps) >= 10
    for who, event, data in steps:
        headers = {"Authorization": f"Bearer {tokens[who]}"}
        version = client.get(f"/api/v1/cases/{case_id}", headers=headers).json()["version"]
        r = client.post(
            f"/api/v1/cases/{case_id}/events", json={"event": event, "expected_version": version, "data": data}, headers=headers
        )
        assert r.status_code == 200, (event, r.text)
    assert r.json()["state"] == "in_force"

    listed = client.get("/contracts", params={"q": "每件1.65元"})
    assert listed.status_code == 200 and f'href="/contracts/{case_id}"' in listed.text
    page = client.get(f"/contracts/{case_id}").text
    assert demo.TITLE in page and demo.UNION in page and demo.EMPLOYER_BODY in page
    persons = {p["name"] for p in (*demo.WORKER_SIDE, *demo.EMPLOYER_SIDE)} | set(seeded["names"].values())
    for name in persons - {"系统管理员"} - {n for n in seeded["names"].values() if n.endswith("代表")}:
        assert name not in page, name
