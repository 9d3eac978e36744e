"""A document kind added the documented way (README "Add a document kind") is made by the engine at its event."""

from __future__ import annotations

import functools
import io
from pathlib import Path

import pytest
from pypdf import PdfReader

from negotiation import documents
from tests.conftest import World
from tests.documents.test_document_kinds import add_talks_notice
from tests.flows import Flow


def test_a_throw_away_kind_is_made_at_its_event_listed_and_served(
    world: World, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    overlay = add_talks_notice(monkeypatch, tmp_path)
    monkeypatch.setattr(documents, "render_pdf", functools.partial(documents.render_pdf, root=overlay))
    flow = Flow(world.client, {k: world.h(k) for k in world.tokens}, world.case_body())
    flow.to_consulting()  # … propose (makes the proposal), accept, open_talks (makes the notice)
    listing = world.client.get(f"/api/v1/cases/{flow.id}/documents", headers=world.h("ent1")).json()
    assert [d["kind"] for d in listing] == ["proposal", "proposal_reply", "talks_notice"]
    notice = listing[2]
    assert notice["draft_version"] is None and notice["superseded_by"] is None
    r = world.client.get(f"/api/v1/documents/{notice['id']}/content", headers=world.h("union"))
    assert r.status_code == 200 and r.headers["etag"] == f'"{notice["sha256"]}"'
    reader = PdfReader(io.BytesIO(r.content))
    assert "开始协商通知" in reader.pages[0].extract_text() and set(reader.attachments) == {"audit.json"}
