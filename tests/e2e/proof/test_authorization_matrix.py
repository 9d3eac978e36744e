"""docs/authorization.md's table, checked cell by cell against a served process: every route of the application (and
every event of the registry) has its row, and every caller gets what its cell says.

How each kind of cell is probed is told in docs/authorization.md: reads are made; a write that carries
`expected_version` is sent with a stale one (`yes` is then `409 version_conflict`, nothing changes); other writes are
made for real. Requests without valid credentials come from addresses of their own (127.2.x.y), so that the hold-back
after 20 failed authentications from one address does not answer them instead.
"""

from __future__ import annotations

import itertools
import re
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.routing import iter_route_contexts

from api.main import create_app
from api.review.sessions import SESSION_COOKIE
from negotiation.bootstrap import bootstrap
from negotiation.config import Settings
from negotiation.events import REGISTRY
from tests.e2e.proof.conftest import Parties
from tests.flows import EMPLOYERS, TERMS, WORKERS

TABLE = Path(__file__).resolve().parents[3] / "docs" / "authorization.md"
# A year no case's deadline falls in, installed for real by the admin's cell (the statutory days a schedule must hold).
SCHEDULE_2031 = {
    "holidays": ["2031-01-01", "2031-04-05", "2031-05-01", "2031-05-02", "2031-10-01", "2031-10-02", "2031-10-03"],
    "workdays": [], "source": "矩阵测试用 2031 年放假安排（非国务院办公厅通知）",
}  # fmt: skip
COLUMNS = ("union", "employer", "covered", "uncovered", "bureau", "other bureau", "other union", "admin", "no token", "bad token")
WHO = {"union": "union", "employer": "employer_body", "covered": "ent1", "uncovered": "outsider", "bureau": "bureau",
       "other bureau": "other_bureau", "other union": "other_union", "admin": "admin"}  # fmt: skip
EVENTS_ROUTE = ("POST", "/api/v1/cases/{case_id}/events")
REVIEW_EVENTS_ROUTE = ("POST", "/review/cases/{case_id}/drafts/{version}/events")
# Writes that carry expected_version: probed with a stale one.
PAGE_EVENTS_ROUTE = ("POST", "/review/cases/{case_id}/events")
STALE_PAGES = {("POST", "/review/cases/{case_id}/drafts"), ("POST", "/review/cases/{case_id}/meetings"),
               ("POST", "/review/cases/{case_id}/representatives")}  # fmt: skip
STALE = {("PUT", "/api/v1/cases/{case_id}/representatives"), EVENTS_ROUTE, ("POST", "/api/v1/cases/{case_id}/meetings"),
         ("POST", "/api/v1/cases/{case_id}/drafts"), REVIEW_EVENTS_ROUTE, PAGE_EVENTS_ROUTE, *STALE_PAGES}  # fmt: skip
CSRF = re.compile(r'name="csrf" value="([^"]+)"')

Row = tuple[str, str, str]  # method, path, event ("" when the row is not about one event)


def read_table() -> dict[Row, dict[str, str]]:
    """The table of docs/authorization.md: each row's cells by column."""
    rows: dict[Row, dict[str, str]] = {}
    lines = [line for line in TABLE.read_text(encoding="utf-8").splitlines() if line.startswith("| `")]
    for line in lines:
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if not cells[0].startswith("`") or " " not in cells[0].strip("`"):
            continue  # the table of columns
        method, path = cells[0].strip("`").split(" ", 1)
        key = (method, path, cells[1].strip("`"))
        assert key not in rows, f"two rows for {key}"
        assert len(cells) == 2 + len(COLUMNS), line
        rows[key] = dict(zip(COLUMNS, cells[2:], strict=True))
    return rows


def app_routes() -> set[tuple[str, str]]:
    """(method, path) of every route the application serves, HEAD left out (it follows GET)."""
    with tempfile.TemporaryDirectory() as folder:
        settings = Settings(database_url=f"sqlite:///{folder}/routes.sqlite3", archive_dir=Path(folder) / "archive")
        services = bootstrap(settings)
        app = create_app(services, sweeper=False)
        found = {
            (method, route.path)
            for route in iter_route_contexts(app.routes)
            for method in route.methods or ()
            if method != "HEAD"
        }
        services.engine.dispose()
    return found


def test_every_route_and_every_event_has_its_row_and_every_row_its_route() -> None:
    rows = read_table()
    routes, listed = app_routes(), {(m, p) for m, p, _ in rows}
    assert routes - listed == set(), f"routes without a row in docs/authorization.md: {sorted(routes - listed)}"
    assert listed - routes == set(), f"rows of docs/authorization.md for no route: {sorted(listed - routes)}"
    events = {e for m, p, e in rows if (m, p) == EVENTS_ROUTE}
    assert events == {event.key for event in REGISTRY}, f"events without a row: {sorted({e.key for e in REGISTRY} - events)}"
    assert all(cell in {"yes", "401", "403", "404", "409"} for cells in rows.values() for cell in cells.values())


@dataclass
class Probe:
    """The served process, the case the table speaks of, and a signed-in review session per caller."""

    parties: Parties
    ids: dict[str, Any]
    stale: int
    pages: dict[str, httpx.Client]
    csrf: dict[str, str]
    addresses: Iterator[str]
    counter: Iterator[int]

    @contextmanager
    def anonymous(self, cookies: dict[str, str] | None = None) -> Iterator[httpx.Client]:
        """A client from an address of its own."""
        transport = httpx.HTTPTransport(local_address=next(self.addresses))
        with httpx.Client(base_url=self.parties.served.base, transport=transport, cookies=cookies, timeout=60) as client:
            yield client


def sign_in(client: httpx.Client, token: str) -> httpx.Response:
    """Sign a review client in with a token (the sign-in form's CSRF token and cookie first)."""
    page = client.get("/review")
    return client.post("/review/login", data={"token": token, "csrf": CSRF.findall(page.text)[0]})


def _verdict(r: httpx.Response, *, stale: bool, page: bool, method: str) -> str:
    """What a response says in the table's words (anything else is shown as it is)."""
    status = r.status_code
    code = ""
    if "application/json" in r.headers.get("content-type", "") and status >= 400:
        code = r.json()["error"]["code"]
    if page and status == 303:
        return "401" if method == "GET" and r.headers["location"] == "/review" else "yes"
    if status in (200, 201) and not stale:
        return "yes"
    if stale and status == 409 and (page or code == "version_conflict"):
        return "yes"
    if status in (401, 403, 404) and (page or code == {401: "unauthenticated", 403: "forbidden", 404: "not_found"}[status]):
        return str(status)
    if status == 409 and (page or code == "invalid_transition") and not stale:  # allowed, but not in this state
        return "409"
    return f"{status} {code}".strip()


def _body(probe: Probe, method: str, path: str, event: str) -> Any:
    n = next(probe.counter)
    stale = probe.stale
    return {
        ("POST", "/api/v1/organizations"): lambda: {"name": f"矩阵测试工会{n}", "kind": "union", "region_code": "610100"},
        ("POST", "/api/v1/users"): lambda: {"name": f"矩阵用户{n}", "role": "enterprise_rep", "organization_id": probe.parties.orgs["outsider"]},
        ("POST", "/api/v1/cases"): lambda: probe.parties.case_body(title=f"矩阵案件{n}"),
        ("PUT", "/api/v1/cases/{case_id}/representatives"): lambda: {"expected_version": stale, "worker_side": WORKERS, "employer_side": EMPLOYERS},
        EVENTS_ROUTE: lambda: {"event": event, "expected_version": stale, "data": {}},
        ("POST", "/api/v1/cases/{case_id}/meetings"): lambda: {"expected_version": stale, "held_on": "2026-11-20", "location": "西安市总工会",
                                                               "chair_side": "worker", "recorder": "周静", "summary": "交换意见", "positions": []},
        ("POST", "/api/v1/cases/{case_id}/drafts"): lambda: {"expected_version": stale, "term_start": "2027-01-01", "term_end": "2028-12-31", "terms": TERMS},
        ("POST", "/api/v1/cases/{case_id}/drafts/{version}/comments"): lambda: {"clause": "piece_rates", "body": f"矩阵意见{n}"},
        ("POST", "/api/v1/admin/tick"): lambda: {"as_of": "2026-11-03"},
        ("PUT", "/api/v1/admin/calendar/{year}"): lambda: dict(SCHEDULE_2031),
        ("POST", "/api/v1/webhooks"): lambda: {"url": f"https://hooks.example.com/matrix/{n}", "events": ["case.event"],
                                               "secret": "matrix-webhook-secret-0123456789"},
        ("POST", "/api/v1/cases/{case_id}/rule_changes"): lambda: {"title": "派单规则调整", "summary": "高峰时段派单权重调整",
            "topics": ["order_allocation"], "notified_on": "2026-12-01", "effective_on": "2027-01-15"},
        ("POST", "/api/v1/cases/{case_id}/rule_changes/{change_id}/responses"): lambda: {"position": "agree", "comment": "同意"},
        ("POST", "/api/v1/cases/{case_id}/inspections"): lambda: {"held_on": "2026-12-01", "inspectors": ["周静"],
            "findings": [{"clause": "piece_rates", "status": "complied", "note": "按约执行"}]},
        ("POST", "/api/v1/cases/{case_id}/supervision_letters"): lambda: {"kind": "prompt", "addressee_org_id": probe.parties.orgs["employer_body"],
            "issued_on": "2026-12-01", "text": "请按约定支付夜间补贴", "reply_within_days": 15},
    }.get((method, path), lambda: None)()  # fmt: skip


def _form(probe: Probe, column: str, path: str, event: str) -> dict[str, Any]:
    form: dict[str, Any] = {"csrf": probe.csrf.get(column, "not-a-csrf-token")}
    if path.endswith("/comments"):
        form.update(clause="piece_rates", body="矩阵意见")
    if event:
        form.update(event=event, expected_version=str(probe.stale))
    if ("POST", path) in STALE_PAGES:
        form.update(expected_version=str(probe.stale))
    if path == "/review/cases":  # a case opened for real, through the form
        body = probe.parties.case_body(title=f"矩阵表单案件{next(probe.counter)}")
        form.update({k: [str(x) for x in v] if isinstance(v, list) else str(v) for k, v in body.items()})  # choices repeat
    return form


def _observe(probe: Probe, row: Row, column: str) -> str:
    method, template, event = row
    path = template.replace("{rest:path}", "no/such/page").format(**probe.ids)
    stale = (method, template) in STALE
    if template.startswith("/review"):
        return _observe_page(probe, method, template, path, event, column, stale)
    request: Callable[[httpx.Client, dict[str, str]], httpx.Response] = lambda client, headers: client.request(  # noqa: E731
        method, path, json=_body(probe, method, template, event), params={"against": 1} if path.endswith("/diff") else None,
        headers=headers,
    )  # fmt: skip
    if column in WHO:
        r = request(probe.parties.client, probe.parties.h(WHO[column]))
    else:
        with probe.anonymous() as client:
            r = request(client, {} if column == "no token" else {"Authorization": f"Bearer not-a-token-{next(probe.counter)}"})
    verdict = _verdict(r, stale=stale, page=template.startswith("/contracts"), method=method)
    if (method, template) == ("GET", "/api/v1/cases") and verdict == "yes":  # listed exactly where it may be read
        listed = probe.ids["case_id"] in [c["id"] for c in r.json()["items"]]
        verdict = "yes" if listed == (read_table()[("GET", "/api/v1/cases/{case_id}", "")][column] == "yes") else "listed wrongly"
    if template in ("/api/v1/public/contracts", "/contracts") and verdict == "yes":  # a case in talks is never public
        listed = probe.ids["case_id"] in [c["id"] for c in r.json()["items"]] if template.startswith("/api") else (
            f"/contracts/{probe.ids['case_id']}" in r.text
        )  # fmt: skip
        verdict = "listed wrongly" if listed else verdict
    return verdict


def _observe_page(probe: Probe, method: str, template: str, path: str, event: str, column: str, stale: bool) -> str:
    if template == "/review/login":
        with probe.anonymous() as client:
            token = probe.parties.tokens[WHO[column]] if column in WHO else {"no token": "", "bad token": "not-a-token"}[column]
            return _verdict(sign_in(client, token), stale=False, page=True, method=method)
    if template == "/review/logout" and column in WHO:  # a session of its own, so that the caller's stays signed in
        with probe.anonymous() as client:
            sign_in(client, probe.parties.tokens[WHO[column]])
            csrf = CSRF.findall(client.get("/review/cases").text)[0]
            return _verdict(client.post(path, data={"csrf": csrf}), stale=False, page=True, method=method)
    send: Callable[[httpx.Client], httpx.Response] = lambda client: (  # noqa: E731
        client.get(path) if method == "GET" else client.post(path, data=_form(probe, column, template, event))
    )
    if column in WHO:
        r = send(probe.pages[column])
    else:
        with probe.anonymous({} if column == "no token" else {SESSION_COOKIE: "forged.session.cookie"}) as client:
            r = send(client)
    verdict = _verdict(r, stale=stale, page=True, method=method)
    if (method, template) == ("GET", "/review/cases") and verdict == "yes":
        listed = f"/review/cases/{probe.ids['case_id']}" in r.text
        verdict = "yes" if listed == (read_table()[("GET", "/review/cases/{case_id}", "")][column] == "yes") else "listed wrongly"
    return verdict


@pytest.fixture
def probe(parties: Parties) -> Iterator[Probe]:
    flow = parties.flow()
    flow.to_consulting()
    flow.draft()
    case = flow.refresh()
    documents = parties.client.get(f"/api/v1/cases/{flow.id}/documents", headers=parties.h("union")).json()
    spare = parties.client.post("/api/v1/users", json={"name": "矩阵备用用户", "role": "enterprise_rep",
                                "organization_id": parties.orgs["outsider"]}, headers=parties.h("admin")).json()  # fmt: skip
    hook = parties.client.post("/api/v1/webhooks", json={"url": "https://hooks.example.com/matrix", "events": ["case.event"],
                               "secret": "matrix-webhook-secret-0123456789"}, headers=parties.h("union"))  # fmt: skip
    assert hook.status_code == 201, hook.text
    ids = {"case_id": flow.id, "version": 1, "document_id": documents[0]["id"], "user_id": spare["id"], "name": "review.css",
           "year": 2031, "subscription_id": hook.json()["id"], "change_id": 1}  # fmt: skip
    addresses = (f"127.2.{a}.{b}" for a in range(256) for b in range(1, 255))
    pages, csrf = {}, {}
    for column, who in WHO.items():
        client = httpx.Client(base_url=parties.served.base, timeout=60)
        signed = sign_in(client, parties.tokens[who])
        assert signed.status_code == 303, (column, signed.text[:300])
        pages[column], csrf[column] = client, CSRF.findall(client.get("/review/cases").text)[0]
    try:
        yield Probe(parties, ids, case["version"] - 1, pages, csrf, addresses, itertools.count())
    finally:
        for client in pages.values():
            client.close()


def test_every_cell_of_the_authorization_table_holds_against_the_served_process(probe: Probe) -> None:
    table = read_table()
    version = probe.parties.client.get(f"/api/v1/cases/{probe.ids['case_id']}", headers=probe.parties.h("admin")).json()[
        "version"
    ]
    wrong = []
    for row, cells in table.items():
        for column in COLUMNS:
            observed = _observe(probe, row, column)
            if observed != cells[column]:
                wrong.append(
                    f"{' '.join(row).strip()} · {column}: the table says {cells[column]}, the server answered {observed}"
                )
    assert not wrong, "\n".join(wrong)
    after = probe.parties.client.get(f"/api/v1/cases/{probe.ids['case_id']}", headers=probe.parties.h("admin")).json()
    assert after["version"] == version, "a probe changed the case (stale writes must change nothing)"
    print(f"\n{len(table)} rows × {len(COLUMNS)} callers = {len(table) * len(COLUMNS)} cells checked")
