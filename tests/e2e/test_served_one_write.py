"""`negotiation serve` sends a response's head and body in one write (negotiation/speedups.py, HeadWithBody), and
every byte still arrives, in order: small answers, pipelined requests on one connection, a large body, a closed
connection. Raw sockets against the real server process, so that what is checked is what a client receives."""

from __future__ import annotations

import json
import socket

import pytest

from tests.served import ADMIN, serving


def _connect(port: int) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return sock


def _request(path: str, *, close: bool = False, token: str | None = ADMIN) -> bytes:
    lines = [f"GET {path} HTTP/1.1", "Host: 127.0.0.1"]
    if token:
        lines.append(f"Authorization: Bearer {token}")
    if close:
        lines.append("Connection: close")
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def _read_response(sock: socket.socket, buffer: bytearray) -> tuple[bytes, bytes]:
    """(head, body) of the next response on the connection (Content-Length bodies), leaving the rest in buffer."""
    while b"\r\n\r\n" not in buffer:
        chunk = sock.recv(65536)
        assert chunk, "the connection closed before a whole head arrived"
        buffer += chunk
    head, _, rest = bytes(buffer).partition(b"\r\n\r\n")
    length = next(int(line.split(b":", 1)[1]) for line in head.split(b"\r\n") if line.lower().startswith(b"content-length:"))
    while len(rest) < length:
        chunk = sock.recv(65536)
        assert chunk, "the connection closed before the whole body arrived"
        rest += chunk
    buffer[:] = rest[length:]
    return head, rest[:length]


@pytest.fixture(scope="module")
def port(tmp_path_factory: pytest.TempPathFactory) -> object:
    with serving(tmp_path_factory.mktemp("one-write")) as served:
        yield served.port


def test_small_answers_arrive_whole_one_connection_after_another(port: int) -> None:
    for _ in range(20):
        with _connect(port) as sock:
            sock.sendall(_request("/api/v1/cases?limit=1"))
            head, body = _read_response(sock, bytearray())
            assert head.startswith(b"HTTP/1.1 200") and json.loads(body)["items"] == []


def test_pipelined_requests_on_one_connection_are_answered_whole_and_in_order(port: int) -> None:
    paths = ["/healthz", "/api/v1/cases?limit=1", "/api/v1/cases/999999", "/healthz", "/api/v1/cases?limit=2"]
    with _connect(port) as sock:
        sock.sendall(b"".join(_request(p) for p in paths))
        buffer = bytearray()
        statuses = [_read_response(sock, buffer)[0].split(b" ")[1] for _ in paths]
    assert statuses == [b"200", b"200", b"404", b"200", b"200"]


def test_an_unauthenticated_answer_and_a_closed_connection_send_everything_before_closing(port: int) -> None:
    with _connect(port) as sock:
        sock.sendall(_request("/api/v1/cases", close=True, token=None))
        received = b""
        while chunk := sock.recv(65536):  # until the server closes
            received += chunk
    head, _, body = received.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 401") and b"unauthenticated" in body and body.endswith(b"}")


def test_a_large_body_arrives_byte_for_byte(port: int) -> None:
    with _connect(port) as sock:
        sock.sendall(_request("/openapi.json"))
        head, body = _read_response(sock, bytearray())
        sock.sendall(_request("/openapi.json"))
        _, again = _read_response(sock, bytearray())
    assert head.startswith(b"HTTP/1.1 200") and len(body) > 50_000
    assert body == again and json.loads(body)["openapi"].startswith("3.")
