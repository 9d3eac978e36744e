"""Helpers for the webhook tests: services that let the local receiver through, subscribing, delivering, reading."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import text

from negotiation.bootstrap import Services, bootstrap
from negotiation.config import Settings
from negotiation.service_layer.webhook_delivery import deliver_pass
from negotiation.service_layer.webhooks import webhook_policy
from tests.conftest import ADMIN_TOKEN, World
from tests.flows import Flow

SECRET = "whsec-0123456789abcdef-test"


def allowing_services(database_url: str, tmp_path: Path) -> Iterator[Services]:
    """The shared fixture's services, with the test receiver's host (127.0.0.1) on the allow-list."""
    settings = Settings(
        database_url=database_url, archive_dir=tmp_path / "archive", admin_token=ADMIN_TOKEN, test_clock=True,
        webhook_allow_hosts="127.0.0.1",
    )  # fmt: skip
    built = bootstrap(settings)
    yield built
    built.engine.dispose()


def subscribe(world: World, who: str, url: str, events: list[str], secret: str = SECRET) -> dict[str, Any]:
    r = world.client.post("/api/v1/webhooks", json={"url": url, "events": events, "secret": secret}, headers=world.h(who))
    assert r.status_code == 201, r.text
    body: dict[str, Any] = r.json()
    return body


def new_flow(world: World) -> Flow:
    return Flow(world.client, {k: world.h(k) for k in world.tokens}, world.case_body())


def deliver(services: Services, at: float) -> dict[str, int]:
    """One delivery pass with the clock standing at `at` (epoch seconds)."""
    return deliver_pass(services.uow, webhook_policy(services.settings), clock=lambda: at).as_dict()


def deliveries(world: World, who: str, subscription_id: int) -> list[dict[str, Any]]:
    r = world.client.get(f"/api/v1/webhooks/{subscription_id}/deliveries", headers=world.h(who))
    assert r.status_code == 200, r.text
    found: list[dict[str, Any]] = r.json()
    return found


def outbox(services: Services) -> list[tuple[str, int, dict[str, Any]]]:
    """(type, case id, data) of every outbox row, oldest first."""
    with services.uow.reading() as uow:
        return [(row.type, row.case_id, row.data) for row in uow.repo.webhooks.outbox()]


def audit_seqs(services: Services, case_id: int) -> list[int]:
    with services.engine.connect() as connection:
        rows = connection.execute(text("SELECT seq FROM audit_events WHERE case_id = :c ORDER BY seq"), {"c": case_id})
        return [row[0] for row in rows]
