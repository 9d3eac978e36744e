"""What the caller may not see looks exactly like what does not exist: the same 404 body for a hidden document or case
as for a missing one, and a list cursor whose answer does not depend on cases the caller cannot see."""

from __future__ import annotations

import base64
from typing import Any

from tests.conftest import World
from tests.flows import Flow


def _body_without(r: Any, number: int) -> dict[str, Any]:
    assert r.status_code == 404, r.text
    body: dict[str, Any] = r.json()
    body["error"]["message"] = body["error"]["message"].replace(str(number), "#")
    assert body["error"].pop("request_id") == r.headers["x-request-id"]  # each request its own id, nothing else differs
    return body


def test_a_hidden_document_answers_the_same_404_as_a_missing_one(world: World) -> None:
    flow = Flow(world.client, {k: world.h(k) for k in world.tokens}, world.case_body())
    flow.to_consulting()
    doc = world.client.get(f"/api/v1/cases/{flow.id}/documents", headers=world.h("union")).json()[0]
    pdf = world.client.get(f"/api/v1/documents/{doc['id']}/content", headers=world.h("union"))
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.headers["content-security-policy"] == "default-src 'none'; sandbox"  # a PDF is never a web page
    assert (pdf.headers["cache-control"], pdf.headers["x-content-type-options"]) == ("no-store", "nosniff")
    hidden = world.client.get(f"/api/v1/documents/{doc['id']}/content", headers=world.h("other_union"))
    missing = world.client.get("/api/v1/documents/987654/content", headers=world.h("other_union"))
    assert _body_without(hidden, doc["id"]) == _body_without(missing, 987654)
    assert str(flow.id) not in hidden.text.replace(str(doc["id"]), "#")  # it never names the case that owns it

    hidden_case = world.client.get(f"/api/v1/cases/{flow.id}", headers=world.h("other_union"))
    missing_case = world.client.get("/api/v1/cases/987654", headers=world.h("other_union"))
    assert _body_without(hidden_case, int(flow.id)) == _body_without(missing_case, 987654)


def _cursor_after(case_id: int) -> str:
    return base64.urlsafe_b64encode(f"after-case:{case_id}".encode()).decode().rstrip("=")


def test_a_cursor_answers_the_same_whether_or_not_a_hidden_case_has_that_id(world: World) -> None:
    mine = [world.consulting_case() for _ in range(2)]
    hidden = Flow(world.client, {k: world.h(k) for k in world.tokens}, world.case_body()).id  # other_union cannot see it
    page = world.client.get("/api/v1/cases?limit=1", headers=world.h("union")).json()
    assert page["next_cursor"] and str(mine[0]) not in page["next_cursor"]  # opaque, not a bare id

    as_other = world.h("other_union")
    after_hidden = world.client.get(f"/api/v1/cases?cursor={_cursor_after(int(hidden))}", headers=as_other)
    after_nothing = world.client.get(f"/api/v1/cases?cursor={_cursor_after(int(hidden) + 1000)}", headers=as_other)
    assert after_hidden.status_code == after_nothing.status_code == 200
    assert after_hidden.json() == after_nothing.json() == {"items": [], "next_cursor": None}
    for made_up in (str(hidden), "after-case:1", "x" * 41, "签名"):  # values the service never issues
        r = world.client.get("/api/v1/cases", params={"cursor": made_up}, headers=as_other)
        assert r.status_code == 422 and r.json()["error"]["code"] == "validation_error"
