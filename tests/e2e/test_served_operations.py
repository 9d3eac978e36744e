"""What every response of a real `negotiation serve` carries — request id, security headers, request id in errors — and
the JSON line it logs per request, with no token in it; over https (NEGOTIATION_PUBLIC_URL) cookies are Secure and
HSTS is sent, and no request header can claim https."""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.flows import XIAN_ORGANIZATIONS, Flow, seed_parties
from tests.served import Served, serving

ADMIN = "served-ops-admin-token-0123456789abcdef"


def _serve(tmp_path: Path, public_url: str | None, workers: int = 1) -> Iterator[Served]:
    settings = {"NEGOTIATION_PUBLIC_URL": public_url} if public_url else {}
    with serving(tmp_path, workers=workers, admin_token=ADMIN, settings=settings) as served:
        yield served


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    yield from _serve(tmp_path, None)


@pytest.fixture
def served_two_workers(tmp_path: Path) -> Iterator[Served]:
    yield from _serve(tmp_path, None, workers=2)


@pytest.fixture
def served_https(tmp_path: Path) -> Iterator[Served]:
    yield from _serve(tmp_path, "https://xieshang.example.org")


def test_every_response_carries_a_request_id_and_errors_carry_it_in_their_body(served: Served) -> None:
    own = httpx.get(f"{served.base}/healthz", headers={"X-Request-ID": "client.id-42"})
    assert own.headers["x-request-id"] == "client.id-42"
    odd = httpx.get(f"{served.base}/healthz", headers={"X-Request-ID": "bad id with spaces"})
    assert odd.headers["x-request-id"] != "bad id with spaces" and len(odd.headers["x-request-id"]) == 32
    ids = {httpx.get(f"{served.base}/healthz").headers["x-request-id"] for _ in range(3)}
    assert len(ids) == 3  # a new one each time

    refused = httpx.get(f"{served.base}/api/v1/cases", headers={"X-Request-ID": "trace-401"})
    assert refused.status_code == 401
    assert refused.json()["error"]["request_id"] == "trace-401" == refused.headers["x-request-id"]
    assert refused.json()["error"]["code"] == "unauthenticated"
    missing = httpx.get(f"{served.base}/no/such/path")
    assert missing.status_code == 404 and missing.json()["error"]["request_id"] == missing.headers["x-request-id"]


def test_security_headers_on_every_response(served: Served) -> None:
    admin = {"Authorization": f"Bearer {ADMIN}"}
    for r in (httpx.get(f"{served.base}/healthz"), httpx.get(f"{served.base}/api/v1/cases", headers=admin),
              httpx.get(f"{served.base}/review"), httpx.get(f"{served.base}/openapi.json")):  # fmt: skip
        assert r.headers["x-content-type-options"] == "nosniff", r.url
        assert "strict-transport-security" not in r.headers  # plain http: no HSTS
    assert httpx.get(f"{served.base}/api/v1/cases", headers=admin).headers["cache-control"] == "no-store"
    assert "no-store" not in httpx.get(f"{served.base}/openapi.json").headers.get("cache-control", "")
    forwarded = httpx.get(f"{served.base}/review", headers={"X-Forwarded-Proto": "https"})
    assert "strict-transport-security" not in forwarded.headers
    assert "secure" not in forwarded.headers["set-cookie"].lower()


def test_one_json_log_line_per_request_without_secrets(served: Served) -> None:
    admin = {"Authorization": f"Bearer {ADMIN}", "X-Request-ID": "log-me-1"}
    org = httpx.post(f"{served.base}/api/v1/organizations", json={"name": "日志工会", "kind": "union", "region_code": "610100"},
                     headers=admin)  # fmt: skip
    assert org.status_code == 201
    user = httpx.post(f"{served.base}/api/v1/users", json={"name": "王芳", "role": "union_negotiator",
                      "organization_id": org.json()["id"]}, headers={**admin, "X-Request-ID": "log-me-2"})  # fmt: skip
    token = user.json()["token"]
    httpx.get(f"{served.base}/api/v1/cases", headers={"Authorization": f"Bearer {token}", "X-Request-ID": "log-me-3"})
    httpx.get(f"{served.base}/api/v1/cases", headers={"Authorization": "Bearer wrong-token", "X-Request-ID": "log-me-4"})
    lines = {line.get("request_id"): line for line in served.lines()}
    first = lines["log-me-1"]
    assert {"ts", "level", "event", "request_id", "method", "path", "status", "duration_ms", "user_id"} <= set(first)
    assert (first["method"], first["path"], first["status"]) == ("POST", "/api/v1/organizations", 201)
    assert isinstance(first["user_id"], int) and isinstance(first["duration_ms"], float)
    assert (lines["log-me-3"]["status"], lines["log-me-4"]["status"], lines["log-me-4"]["user_id"]) == (200, 401, None)
    text = served.log.read_text(encoding="utf-8")
    for secret in (ADMIN, token, "wrong-token", "王芳"):  # no token, and no request body
        assert secret not in text


def test_a_client_that_hangs_up_before_its_body_is_whole_is_a_499_line_and_no_error(served: Served) -> None:
    with socket.create_connection(("127.0.0.1", served.port)) as raw:
        raw.sendall(
            b"POST /api/v1/organizations HTTP/1.1\r\nHost: x\r\nX-Request-ID: hung-up-1\r\n"
            + f"Authorization: Bearer {ADMIN}\r\n".encode()
            + b"Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{}"
        )
        time.sleep(0.3)  # the server is reading the body when the client goes
    for _ in range(50):
        line = next((x for x in served.lines() if x.get("request_id") == "hung-up-1"), None)
        if line is not None:
            break
        time.sleep(0.1)
    assert line is not None and line["status"] == 499 and line["level"] == "info"
    assert not [x for x in served.lines() if x.get("level") == "error"]
    assert httpx.get(f"{served.base}/healthz").status_code == 200


@pytest.mark.parametrize(
    "request_line",
    [b"GET /api/v1/cases/\xff HTTP/1.1\r\nHost: x\r\n\r\n", b"GET /healthz?q=\xe8\xae\xa1 HTTP/1.1\r\nHost: x\r\n\r\n",
     b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Odd: a\x01b\r\n\r\n", b"GET /" + b"a" * 100_000 + b" HTTP/1.1\r\nHost: x\r\n\r\n"],
    ids=["path_not_ascii", "query_not_ascii", "control_in_header", "request_line_100_kb"],
)  # fmt: skip
def test_a_request_the_server_cannot_parse_is_a_json_400_with_its_request_id(served: Served, request_line: bytes) -> None:
    with socket.create_connection(("127.0.0.1", served.port)) as raw:
        raw.sendall(request_line)
        answer = b""
        while chunk := raw.recv(65536):
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    lines = head.decode("ascii").split("\r\n")
    headers = {k.lower(): v for k, _, v in (line.partition(": ") for line in lines[1:])}
    assert lines[0] == "HTTP/1.1 400 Bad Request" and headers["content-type"] == "application/json"
    error = json.loads(body)["error"]
    assert error["code"] == "bad_request" and "请求" in error["message"] and error["violations"] == []
    assert error["request_id"] == headers["x-request-id"] and headers["x-content-type-options"] == "nosniff"
    assert int(headers["content-length"]) == len(body)
    text = served.log.read_text(encoding="utf-8")
    assert "Invalid HTTP request" in text  # uvicorn's warning, as a JSON line like every other
    assert all(line.startswith("{") for line in text.splitlines() if "Invalid HTTP request" in line)
    assert httpx.get(f"{served.base}/healthz").status_code == 200


def test_over_https_cookies_are_secure_and_hsts_is_sent(served_https: Served) -> None:
    page = httpx.get(f"{served_https.base}/review")
    assert page.status_code == 200
    assert page.headers["strict-transport-security"].startswith("max-age=")
    assert "secure" in [part.strip().lower() for part in page.headers["set-cookie"].split(";")]
    assert httpx.get(f"{served_https.base}/healthz").headers["strict-transport-security"].startswith("max-age=")


def _metric(text: str, name: str, **labels: str) -> float:
    """The value of one sample of the exposition (0 when absent)."""
    wanted = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
    for line in text.splitlines():
        if line.startswith("#"):
            continue
        sample, _, value = line.rpartition(" ")
        metric, _, rest = sample.partition("{")
        found = ",".join(sorted(rest.rstrip("}").split(","))) if rest else ""
        if metric == name and found == wanted:
            return float(value)
    return 0.0


def test_metrics_are_summed_over_both_workers_and_count_requests_events_documents(served_two_workers: Served) -> None:
    base = served_two_workers.base
    admin = {"Authorization": f"Bearer {ADMIN}"}
    assert httpx.get(f"{base}/metrics").status_code == 401
    with httpx.Client(base_url=base) as client:  # new connections: both workers answer some of them
        for _ in range(40):
            with httpx.Client(base_url=base) as fresh:
                assert fresh.get("/healthz").status_code == 200
        orgs, tokens = seed_parties(client, ADMIN, XIAN_ORGANIZATIONS, (
            ("union", "工会用户", "union_negotiator", "union"), ("employer_body", "协会用户", "enterprise_rep", "employer_body"),
            ("bureau", "人社用户", "labour_bureau", "bureau"), ("ent1", "企业用户一", "enterprise_rep", "ent1"),
            ("ent2", "企业用户二", "enterprise_rep", "ent2")))  # fmt: skip
        body = {"title": "指标案件", "level": "sector", "sector": "express_delivery", "region_code": "610100",
                "kind": "comprehensive", "union_org_id": orgs["union"], "employer_org_id": orgs["employer_body"],
                "bureau_org_id": orgs["bureau"], "covered_enterprise_ids": [orgs["ent1"], orgs["ent2"]],
                "topics": ["piece_rates", "pay_method", "rest_leave"]}  # fmt: skip
        flow = Flow(client, {k: {"Authorization": f"Bearer {t}"} for k, t in tokens.items()}, body)  # type: ignore[arg-type]
        flow.to_consulting()
        for method in ("PROPFIND", "MKCOL"):  # methods outside the usual ones must not make new series
            assert client.request(method, "/healthz").status_code == 405
        text = httpx.get(f"{base}/metrics", headers=admin).text
    assert "PROPFIND" not in text and "MKCOL" not in text
    assert _metric(text, "negotiation_http_requests_total", method="other", route="/healthz", status="405") == 2
    assert _metric(text, "negotiation_http_requests_total", method="GET", route="/healthz", status="200") >= 40
    assert _metric(text, "negotiation_http_requests_total", method="POST", route="/api/v1/organizations", status="201") == 6
    assert _metric(text, "negotiation_events_total", event="propose") == 1
    assert _metric(text, "negotiation_events_total", event="accept") == 1
    assert _metric(text, "negotiation_documents_rendered_total", kind="proposal") >= 1
    assert _metric(text, "negotiation_http_request_duration_seconds_count") >= 50
    assert _metric(text, "negotiation_document_render_seconds_count") >= 1
    healthz = [line for line in served_two_workers.lines() if line.get("path") == "/healthz" and line["status"] == 200]
    assert len({line["pid"] for line in healthz}) == 2  # both workers answered, and the figure is their sum
    assert _metric(text, "negotiation_http_requests_total", method="GET", route="/healthz", status="200") == len(healthz)


def test_twenty_failed_authentications_from_one_address_are_429_in_every_worker(served_two_workers: Served) -> None:
    base = served_two_workers.base
    admin = {"Authorization": f"Bearer {ADMIN}"}
    for i in range(20):  # each on a new connection: the two workers share one count
        with httpx.Client(base_url=base) as fresh:
            r = fresh.get("/api/v1/cases", headers={"Authorization": f"Bearer wrong-{i}"})
            assert r.status_code == 401, i
    for headers in ({"Authorization": "Bearer wrong-again"}, {}):  # a wrong token, or none at all
        for _ in range(4):
            with httpx.Client(base_url=base) as fresh:
                held = fresh.get("/api/v1/cases", headers=headers)
                assert held.status_code == 429 and held.json()["error"]["code"] == "rate_limited"
                assert 1 <= int(held.headers["retry-after"]) <= 60
    assert httpx.get(f"{base}/api/v1/cases", headers=admin).status_code == 200  # a valid token is never held back
    page = httpx.get(f"{base}/review")
    csrf = page.text.split('name="csrf" value="', 1)[1].split('"', 1)[0]
    signin = httpx.post(f"{base}/review/login", data={"token": "wrong", "csrf": csrf}, cookies=page.cookies)
    assert signin.status_code == 429 and "认证失败次数过多" in signin.text and signin.headers["retry-after"]


def test_a_rotated_token_is_refused_at_once_by_every_worker(served_two_workers: Served) -> None:
    base = served_two_workers.base
    admin = {"Authorization": f"Bearer {ADMIN}"}
    org = httpx.post(f"{base}/api/v1/organizations", json={"name": "轮换工会", "kind": "union", "region_code": "610100"},
                     headers=admin).json()  # fmt: skip
    user = httpx.post(f"{base}/api/v1/users", json={"name": "赵六", "role": "union_negotiator", "organization_id": org["id"]},
                      headers=admin).json()  # fmt: skip
    old = {"Authorization": f"Bearer {user['token']}"}
    for _ in range(10):  # both workers have answered this token
        with httpx.Client(base_url=base) as fresh:
            assert fresh.get("/api/v1/cases", headers=old).status_code == 200
    new = httpx.post(f"{base}/api/v1/users/{user['id']}/token", headers=admin).json()["token"]
    for _ in range(10):
        with httpx.Client(base_url=base) as fresh:
            assert fresh.get("/api/v1/cases", headers=old).status_code == 401
            assert fresh.get("/api/v1/cases", headers={"Authorization": f"Bearer {new}"}).status_code == 200
    pids = {line["pid"] for line in served_two_workers.lines() if line.get("path") == "/api/v1/cases"}
    assert len(pids) == 2
