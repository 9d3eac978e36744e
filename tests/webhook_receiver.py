"""A real HTTP receiver for webhook tests: a threaded http.server on 127.0.0.1 that answers each path with a scripted
sequence of statuses (then 200) and keeps every request exactly as it arrived."""

from __future__ import annotations

import hashlib
import hmac
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import orjson


@dataclass(frozen=True)
class Received:
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return orjson.loads(self.body)

    def signed_with(self, secret: str) -> bool:
        """The signature header is HMAC-SHA256 of exactly these bytes under the secret."""
        expected = "sha256=" + hmac.new(secret.encode("utf-8"), self.body, hashlib.sha256).hexdigest()
        return hmac.compare_digest(self.headers.get("x-negotiation-signature", ""), expected)


class Receiver:
    """Scripted answers per path: `answer("/hook", 500, 503)` fails twice, then 200; a 3xx points to /target;
    /stall answers nothing for 7 s, /drip sends a header one byte a second for 20 s."""

    def __init__(self) -> None:
        self._script: dict[str, list[int]] = {}
        self._lock = threading.Lock()
        self.received: list[Received] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                with receiver._lock:
                    receiver.received.append(Received(self.path, {k.lower(): v for k, v in self.headers.items()}, body))
                    script = receiver._script.get(self.path, [])
                    status = script.pop(0) if script else 200
                if self.path == "/stall":  # no answer at all for a while
                    time.sleep(7)
                elif self.path == "/drip":  # an answer that never ends: a header byte each second
                    try:
                        self.wfile.write(b"HTTP/1.1 200 OK\r\nX-Drip: ")
                        for _ in range(20):
                            self.wfile.write(b"a")
                            self.wfile.flush()
                            time.sleep(1)
                    except OSError:
                        pass
                    self.close_connection = True
                    return
                self.send_response(status)
                if 300 <= status < 400:
                    self.send_header("Location", receiver.url("/target"))
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> Receiver:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}{path}"

    def answer(self, path: str, *statuses: int) -> None:
        with self._lock:
            self._script[path] = list(statuses)

    def at(self, path: str) -> list[Received]:
        with self._lock:
            return [r for r in self.received if r.path == path]

    def wait_for(self, path: str, count: int, timeout: float) -> list[Received]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.at(path)
            if len(found) >= count:
                return found
            time.sleep(0.05)
        return self.at(path)
