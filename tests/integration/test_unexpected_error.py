"""An unexpected error answers 500 in api.md's error shape with its request id (header and body) and the headers
every response carries, and is logged once as JSON with that id — never a bare Starlette answer without them."""

from __future__ import annotations

import logging

import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from negotiation.bootstrap import Services


def test_an_unexpected_error_is_a_500_with_its_request_id_and_the_usual_headers(
    services: Services, caplog: pytest.LogCaptureFixture
) -> None:
    app = create_app(services, sweeper=False)

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("a bug, not a user's mistake")

    with caplog.at_level(logging.ERROR, logger="negotiation.api"), TestClient(app, raise_server_exceptions=False) as client:
        r = client.get("/boom", headers={"X-Request-ID": "trace-500"})
    assert r.status_code == 500
    assert r.headers["x-request-id"] == "trace-500" and r.headers["x-content-type-options"] == "nosniff"
    error = r.json()["error"]
    assert (error["code"], error["request_id"]) == ("internal_error", "trace-500")
    assert "a bug" not in r.text  # the exception's words stay in the log
    logged = [rec for rec in caplog.records if rec.name == "negotiation.api"]
    assert len(logged) == 1 and getattr(logged[0], "request_id", None) == "trace-500" and logged[0].exc_info


@pytest.mark.parametrize("path", ["/review/boom", "/contracts/boom"])
def test_an_unexpected_error_on_a_page_is_a_chinese_page_with_its_request_id(services: Services, path: str) -> None:
    app = create_app(services, sweeper=False)

    @app.post(path)
    def boom() -> None:
        raise RuntimeError("a bug, not a user's mistake")

    with TestClient(app, raise_server_exceptions=False) as client:
        r = client.post(path, headers={"X-Request-ID": "trace-page-500"})
    assert r.status_code == 500 and r.headers["content-type"].startswith("text/html")
    assert r.headers["x-request-id"] == "trace-page-500" and "default-src 'none'" in r.headers["content-security-policy"]
    assert "服务器内部错误" in r.text and "trace-page-500" in r.text and "a bug" not in r.text
    assert '<html lang="zh-CN">' in r.text
