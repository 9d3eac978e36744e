"""A draft's PDF is rendered once, on the first request for its inputs, then served from the archive by its sha256
(api.md "Rendering is bounded"); the submitted draft's document is those same bytes."""

from __future__ import annotations

from prometheus_client import REGISTRY
from sqlalchemy import text

from negotiation.bootstrap import Services
from negotiation.service_layer import documents
from negotiation.service_layer.clock import now_iso
from negotiation.service_layer.documents import MadeDocument
from tests.conftest import World
from tests.flows import Flow, terms


def _drafts_rendered() -> float:
    return REGISTRY.get_sample_value("negotiation_documents_rendered_total", {"kind": "draft"}) or 0.0


def _kept(services: Services) -> list[tuple[str, str, int]]:
    with services.engine.connect() as connection:
        return [tuple(r) for r in connection.execute(text("SELECT kind, sha256, size FROM renderings ORDER BY sha256"))]  # type: ignore[misc]


def test_a_draft_pdf_is_rendered_once_then_served_from_the_archive(world: World, services: Services) -> None:
    flow = Flow(world.client, {k: world.h(k) for k in world.tokens}, world.case_body())
    flow.to_consulting()
    first = flow.draft()
    path = f"/api/v1/cases/{flow.id}/drafts/{first['version']}/pdf"

    before = _drafts_rendered()
    made = world.client.get(path, headers=world.h("ent1"))
    assert made.status_code == 200 and made.content.startswith(b"%PDF-")
    assert _drafts_rendered() == before + 1
    sha256 = made.headers["etag"].strip('"')
    assert _kept(services) == [("draft", sha256, len(made.content))]
    with services.uow.reading() as uow:
        assert uow.archive.get(sha256) == made.content  # kept in the configured archive, verified

    for who in ("union", "ent2", "employer_body"):  # any party, any number of times: no second render
        again = world.client.get(path, headers=world.h(who))
        assert again.status_code == 200 and again.content == made.content
    assert _drafts_rendered() == before + 1

    second = flow.draft(terms(piece_rates=[{"service": "standard_parcel", "unit": "per_parcel", "rate_cny": "1.80"}]))
    other = world.client.get(f"/api/v1/cases/{flow.id}/drafts/{second['version']}/pdf", headers=world.h("union"))
    assert other.status_code == 200 and other.content != made.content
    assert _drafts_rendered() == before + 2 and len(_kept(services)) == 2

    flow.event("union", "submit_draft", {"draft_version": second["version"]})
    listing = world.client.get(f"/api/v1/cases/{flow.id}/documents", headers=world.h("union")).json()
    stored = next(d for d in listing if d["kind"] == "draft")
    assert stored["sha256"] == other.headers["etag"].strip('"')  # the submitted draft is the PDF the parties read
    assert world.client.get(path, headers=world.h("ent1")).content == made.content
    assert _drafts_rendered() == before + 3  # submit_draft renders its document; the kept ones were not rendered again


def test_two_requests_keeping_the_same_rendering_keep_one_record(world: World, services: Services) -> None:
    flow = Flow(world.client, {k: world.h(k) for k in world.tokens}, world.case_body())
    flow.to_consulting()
    flow.draft()
    with services.uow.reading() as uow:
        case = uow.repo.case(flow.id)
        assert case is not None
        planned = documents.kept_draft_pdf(uow, case, uow.repo.drafts(flow.id)[0])
    assert isinstance(planned, documents.PlannedDocument)
    made: MadeDocument = documents.render_all([planned])[0]
    for _ in range(2):  # as two workers that rendered the same draft at the same moment would
        documents.keep_rendering(services.uow(), made, now_iso())
    assert _kept(services) == [("draft", made.sha256, len(made.pdf))]
