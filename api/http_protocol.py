"""The HTTP protocol `negotiation serve` runs under uvicorn: the one-write httptools protocol of
negotiation/speedups.py, answering a request it cannot parse (bytes that are not ASCII in the path or the query, a
control character in a header, a request line past the parser's limit) in api.md's error shape — `400 bad_request`
with a request id, in its header and its body, and the security headers — where uvicorn answers plain text.

The warning uvicorn logs for it goes through the JSON lines of api/logs.py (negotiation/cli.py gives uvicorn that
logging)."""

from __future__ import annotations

from typing import Any

import orjson

from api.middleware import new_request_id
from negotiation.errors import UnreadableRequest

__all__ = ["unreadable_request_answer"]  # and ServedHttpProtocol, made on first use


def unreadable_request_answer(default_headers: list[tuple[bytes, bytes]]) -> bytes:
    """The whole HTTP answer to a request that could not be parsed; the connection closes after it."""
    request_id = new_request_id()
    error = UnreadableRequest()
    body = orjson.dumps({"error": {**error.body()["error"], "request_id": request_id}})
    head = [b"HTTP/1.1 400 Bad Request\r\n"]
    head.extend(name + b": " + value + b"\r\n" for name, value in default_headers)
    head.extend(
        [
            b"content-type: application/json\r\n",
            b"content-length: " + str(len(body)).encode("ascii") + b"\r\n",
            b"x-request-id: " + request_id.encode("ascii") + b"\r\n",
            b"x-content-type-options: nosniff\r\n",
            b"cache-control: no-store\r\n",
            b"connection: close\r\n\r\n",
        ]
    )
    return b"".join(head) + body


def __getattr__(name: str) -> Any:
    # Made on first use, like the protocol it extends, so that importing this module imports no server.
    if name != "ServedHttpProtocol":
        raise AttributeError(name)
    from negotiation.speedups import OneWriteHttpProtocol

    class ServedHttpProtocol(OneWriteHttpProtocol):  # type: ignore[misc]
        """The one-write protocol, with api.md's answer to a request it cannot parse."""

        def send_400_response(self, msg: str) -> None:
            self.transport.write(unreadable_request_answer(list(self.server_state.default_headers)))
            self.transport.close()

    globals()["ServedHttpProtocol"] = ServedHttpProtocol
    return ServedHttpProtocol
