"""An event that has no registry entry is refused as unknown (422) before anything is read for it, never a 500."""

from __future__ import annotations

import pytest

from negotiation import events
from tests.conftest import World


@pytest.mark.parametrize("event", ["accept", "sign"])
def test_an_event_of_the_table_without_a_registry_entry_is_a_422_not_a_500(
    world: World, monkeypatch: pytest.MonkeyPatch, event: str
) -> None:
    case_id = world.consulting_case()
    version = world.client.get(f"/api/v1/cases/{case_id}", headers=world.h("union")).json()["version"]
    monkeypatch.delitem(events._BY_KEY, event)  # as if the entry had been forgotten (the import check forbids it)
    r = world.client.post(
        f"/api/v1/cases/{case_id}/events",
        json={"event": event, "expected_version": version, "data": {}},
        headers=world.h("employer_body"),
    )
    assert r.status_code == 422, r.text
    error = r.json()["error"]
    assert error["message"] == f"未知事件 {event}"
    assert world.client.get(f"/api/v1/cases/{case_id}", headers=world.h("union")).json()["version"] == version
