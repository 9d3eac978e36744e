"""No posted form produces a 5xx: hypothesis forms — the pages' own field names with odd values, and names of no
field — against every form route of a live case; each answer is a page (HTML), never the API's JSON."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from negotiation.events import EVENT_DATA
from tests.conftest import World
from tests.integration.page_forms import Visitor, forms_of
from tests.integration.support import new_flow

SETTINGS = settings(max_examples=200, deadline=None, derandomize=True, database=None, suppress_health_check=list(HealthCheck))
VALUES = st.text(max_size=40) | st.sampled_from(
    ["", " ", "\x00", "\x1f", "2026-02-30", "2026-11-02", "99999999999", "-1", "1.2345", "1e9", "true", "on", "NaN",
     "piece_rates", "term", "worker", "\ud7ff", "计件单价" * 300]
)  # fmt: skip
INDEXED = st.builds(
    lambda base, i, leaf: f"{base}[{i}].{leaf}",
    st.sampled_from(["items", "per_enterprise", "positions", "worker_side", "terms.piece_rates", "channels"]),
    st.integers(min_value=0, max_value=20000),
    st.sampled_from(["clause", "text", "members", "enterprise_id", "name", "is_chief", "rate_cny", "supplements[0].amount_cny"]),
)


def test_no_form_posted_to_any_page_route_gets_a_5xx(world: World) -> None:
    flow = new_flow(world)
    flow.to_consulting()
    flow.draft()
    union = Visitor(world, "union")
    pages = [f"/review/cases/{flow.id}", f"/review/cases/{flow.id}/drafts/new", f"/review/cases/{flow.id}/meetings/new"]
    known = sorted({n for p in pages for f in forms_of(union.get(p).text) for n in f.names()} - {"csrf"})
    csrf = forms_of(union.get(pages[0]).text)[0].hidden()["csrf"]
    routes = [f"/review/cases/{flow.id}/events", f"/review/cases/{flow.id}/drafts", f"/review/cases/{flow.id}/meetings",
              f"/review/cases/{flow.id}/representatives", "/review/cases", f"/review/cases/{flow.id}/drafts/1/events",
              f"/review/cases/{flow.id}/drafts/1/comments"]  # fmt: skip

    @given(
        route=st.sampled_from(routes),
        event=st.sampled_from([*EVENT_DATA, "deemed_effective", "", "x" * 80]),
        version=st.sampled_from(["", "0", "abc", "99999999999", str(flow.refresh()["version"])]),
        fields=st.lists(st.tuples(st.sampled_from(known) | INDEXED | st.text(max_size=20), VALUES), max_size=25),
        more=st.sampled_from(
            [None, "items", "worker_side", "terms.piece_rates", "positions", "terms.piece_rates[0].supplements", "x[9999]"]
        ),
    )
    @SETTINGS
    def run(route: str, event: str, version: str, fields: list[tuple[str, str]], more: str | None) -> None:
        pairs = [("csrf", csrf), ("event", event), ("expected_version", version), *fields]
        if more is not None:
            pairs.append(("_more", more))
        r = union.post(route, pairs)
        assert r.status_code < 500, (route, pairs, r.text[:3000])
        assert r.status_code == 303 or r.headers["content-type"].startswith("text/html"), (route, r.headers)

    run()
