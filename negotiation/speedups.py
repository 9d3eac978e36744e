"""The engine's speed tricks, each a function named for what it buys; nothing else in the engine tunes the
interpreter or patches a library. Each was measured on a 2-core machine of this kind (bench/README.md):

| trick | what it buys | measured |
|---|---|---|
| ``fewer_collections()`` around a render | a warm render ~15 % faster: at the default generation-0 threshold (700) the cyclic collector ran ~35 times per contract, rescanning the live box tree each time; while a render runs it waits for 20 000 allocations, and the threshold is restored after | bench/pdf.py, warm median, before/after |
| ``renderer_module()`` imports WeasyPrint with one ``ldconfig -p`` listing | a cold ``negotiation render`` 1.0 → 0.57 s: cffi resolves each native library name with ``ctypes.util.find_library``, which runs ``ldconfig``, ``gcc`` and ``ld`` for every name it cannot find (~50 processes) | bench/pdf.py, cold median |
| ``request_only_route()`` for the events route | the busiest route called as its endpoint, without FastAPI's per-request dependency solving, parameter checks and telemetry that an endpoint taking only the Request does not use: ~100 fewer Python calls per event (~2,450 → ~2,350 with the in-process client) | bench/in_process.py ``--calls`` |
| ``OneWriteHttpProtocol`` (``HeadWithBody``), which ``negotiation serve`` runs (api/http_protocol.py) | one send per small answer instead of two: uvicorn writes a response's head and its body separately, and on a socket each write is a send, a segment and a delivery | bench/api.py, server CPU per event at 32 connections: ~490–620 → ~420–470 µs in alternating runs (bench/README.md) |
| ``compiled_template_cache()`` for the templates' Jinja environments | a cold ``negotiation render contract`` ~0.1 s sooner: a new process otherwise lexes, parses and compiles every template the document includes (~120 ms of its first ``render_html``, ~2.5 ms once compiled); Jinja keeps the compiled code per user, keyed by template and checked against the source's checksum | bench/README.md, issue 8, cold phases |
| ``one_shot_process()`` for ``negotiation render`` | a cold render ~3 % sooner (0.842 → 0.807 s in 8 alternating runs, 0.838 → 0.816 s in 16; the process's CPU time likewise): a process that renders one document and exits never runs the cyclic collector, which otherwise ran 214 young, 19 middle and one full collection over what the imports leave (pydantic's schemas, pycparser's tables, WeasyPrint's stylesheets), none of it garbage; its peak memory is the same (82 MB) | bench/README.md, issue 8, cold phases |
| ``freeze_worker()`` once a worker is built | 32-connection p99 of events ~90 → ~14 ms: the app, the renderer and its fonts leave the collector's generations, so a full collection walks only what requests left behind | bench/api.py, p99 at 32 connections |

The library look-up: WeasyPrint opens Pango, HarfBuzz, fontconfig and GObject through cffi, trying several names
per library (``libpango-1.0-0``, ``pango-1.0-0``, ``pango-1.0``, …). While the renderer is imported for the first
time, names are looked up in one ``ldconfig -p`` listing instead — the same answer ``find_library`` gives first.
Should WeasyPrint then miss a library that only the gcc/ld search would have found, the import is redone the
ordinary way.
"""

from __future__ import annotations

import contextlib
import ctypes.util
import gc
import importlib
import os
import re
import struct
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from types import ModuleType
from typing import Any

__all__ = [
    "RENDER_GC_THRESHOLD",
    "HeadWithBody",
    "compiled_template_cache",
    "fewer_collections",
    "freeze_worker",
    "listing_lookup",
    "one_shot_process",
    "renderer_module",
    "request_only_route",
]

# A render allocates some 100 000 short-lived objects (boxes, styles, layouts, many in reference cycles); while one
# runs, the generation-0 collection waits for this many allocations.
RENDER_GC_THRESHOLD = 20_000
_GC_LOCK = threading.Lock()
_gc_renders = 0
_gc_saved_threshold: tuple[int, int, int] = gc.get_threshold()


@contextlib.contextmanager
def fewer_collections() -> Iterator[None]:
    """Raise the generation-0 collection threshold while at least one render runs, then restore it.

    Nothing is left uncollected: the cycles a render leaves are collected by the next ordinary
    collection after it. Nested and concurrent renders share one raised threshold.
    """
    global _gc_renders, _gc_saved_threshold
    with _GC_LOCK:
        if _gc_renders == 0:
            _gc_saved_threshold = gc.get_threshold()
            first, *older = _gc_saved_threshold
            gc.set_threshold(max(first, RENDER_GC_THRESHOLD), *older)
        _gc_renders += 1
    try:
        yield
    finally:
        with _GC_LOCK:
            _gc_renders -= 1
            if _gc_renders == 0:
                gc.set_threshold(*_gc_saved_threshold)


def compiled_template_cache(directory: str | None = None) -> Any:
    """Return a Jinja bytecode cache in ``directory`` (by default the user's private one in the system's temporary
    directory), or None where there is none to be had.

    Jinja writes each entry to a temporary file and renames it, keys it by the template's name and file, and throws
    an entry away when the source's checksum or the interpreter differs; the default directory is refused unless it
    is the user's own with mode 0700. An entry that cannot be read or written only means the template is compiled
    again.
    """
    import pickle

    import jinja2

    class QuietBytecodeCache(jinja2.FileSystemBytecodeCache):
        def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
            try:
                super().load_bytecode(bucket)
            except (OSError, EOFError, ValueError, TypeError, pickle.UnpicklingError):  # unreadable or damaged
                bucket.reset()

        def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
            with contextlib.suppress(OSError):  # a full or read-only disk costs the next process a compile
                super().dump_bytecode(bucket)

    try:
        return QuietBytecodeCache(directory)
    except (OSError, RuntimeError):  # no private temporary directory
        return None


def request_only_route() -> type[Any]:
    """An APIRoute class for an endpoint that takes the Request alone and returns a Response: the endpoint is called
    as it is (it reads its own inputs), and the route is documented in /openapi.json like any other. FastAPI is
    imported here, when the API is built, not when the renderer is."""
    from fastapi.routing import APIRoute

    class RequestOnlyRoute(APIRoute):
        def get_route_handler(self) -> Callable[..., Any]:
            return self.endpoint

    return RequestOnlyRoute


def one_shot_process() -> None:
    """Turn the cyclic collector off for the rest of a process that does one piece of work and exits (``negotiation
    render``): what it allocates lives until the exit, and the reference counts still free everything acyclic."""
    gc.disable()


def freeze_worker() -> None:
    """Move everything allocated so far (the app, the renderer, its fonts, the mapped classes) out of the cyclic
    collector's generations for the life of the worker process."""
    gc.freeze()


RENDERER_MODULE = "negotiation.documents.pdf"
_LDCONFIG = "/sbin/ldconfig"
# The ABI tags ctypes.util looks for in `ldconfig -p` output (ctypes/util.py, _findSoname_ldconfig).
_ABI_TAGS = {
    "x86_64-64": "libc6,x86-64",
    "ppc64-64": "libc6,64bit",
    "sparc64-64": "libc6,64bit",
    "s390x-64": "libc6,64bit",
    "ia64-64": "libc6,IA-64",
}
_IMPORT_LOCK = threading.Lock()


def _ldconfig_listing() -> bytes | None:
    try:
        return subprocess.run(
            [_LDCONFIG, "-p"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env={"LC_ALL": "C", "LANG": "C"},
            timeout=10,
            check=False,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None


def listing_lookup(listing: bytes) -> Callable[[str], str | None]:
    """Return a ``find_library`` that answers from one ``ldconfig -p`` listing, as its first step does."""
    machine = os.uname().machine + ("-32" if struct.calcsize("l") == 4 else "-64")
    abi = _ABI_TAGS.get(machine, "libc6")

    def find_library(name: str) -> str | None:
        found = re.search(os.fsencode(rf"\s+(lib{re.escape(name)}\.[^\s]+)\s+\({abi}"), listing)
        return os.fsdecode(found.group(1)) if found else None

    return find_library


@contextlib.contextmanager
def _library_lookup(find_library: Callable[[str], str | None]) -> Iterator[None]:
    original = ctypes.util.find_library
    setattr(ctypes.util, "find_library", find_library)  # noqa: B010 (mypy: a narrower signature)
    try:
        yield
    finally:
        setattr(ctypes.util, "find_library", original)  # noqa: B010


def _forget_weasyprint() -> None:
    for name in [name for name in sys.modules if name.split(".")[0] == "weasyprint" or name == RENDERER_MODULE]:
        del sys.modules[name]


def renderer_module() -> ModuleType:
    """Return ``negotiation.documents.pdf``, importing it (and WeasyPrint) quickly the first time."""
    module = sys.modules.get(RENDERER_MODULE)
    if module is not None:
        return module
    with _IMPORT_LOCK:
        if "weasyprint" not in sys.modules and sys.platform.startswith("linux"):
            listing = _ldconfig_listing()
            if listing:
                try:
                    with _library_lookup(listing_lookup(listing)):
                        return importlib.import_module(RENDERER_MODULE)
                except OSError:  # a library the listing lacks: WeasyPrint's own search may still find it
                    _forget_weasyprint()
        return importlib.import_module(RENDERER_MODULE)


# ``OneWriteHttpProtocol`` (below): uvicorn's own httptools protocol, whose transport sends a response's head and its
# first body part in one write; `negotiation serve` runs it as api/http_protocol.py extends it.


class HeadWithBody:
    """A transport that sends a response's head together with the body part written right after it.

    uvicorn writes a response's status line and headers, then its body, each with its own ``transport.write``: two
    sends, so two TCP segments and two deliveries for one small answer. Here a write is held until the next write
    on the same connection, which is sent with it in one; or, when none comes before the event loop's next turn
    (a head whose body is still being made, a last part), it is sent on its own then. Bytes go out in the order
    written; closing or flow control sends what is held first. Everything else is the transport's own.
    """

    __slots__ = ("_held", "_loop", "_sending", "_transport")

    def __init__(self, transport: Any, loop: Any) -> None:
        self._transport = transport
        self._loop = loop
        self._held: bytes | None = None
        self._sending: Any = None  # the loop's handle that sends what is held at its next turn

    def write(self, data: bytes) -> None:
        held = self._held
        if held is None:
            self._held = bytes(data)
            self._sending = self._loop.call_soon(self._send_held)
            return
        self._held = None
        self._sending.cancel()
        self._transport.write(held + data)

    def _send_held(self) -> None:
        held = self._held
        if held is not None:
            self._held = None
            if not self._transport.is_closing():
                self._transport.write(held)

    def writelines(self, parts: Any) -> None:
        self.write(b"".join(parts))

    def get_write_buffer_size(self) -> int:
        return int(self._transport.get_write_buffer_size()) + len(self._held or b"")

    def write_eof(self) -> None:
        self._send_held()
        self._transport.write_eof()

    def close(self) -> None:
        self._send_held()
        self._transport.close()

    def abort(self) -> None:
        self._held = None
        self._transport.abort()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._transport, name)


def __getattr__(name: str) -> Any:
    # OneWriteHttpProtocol is made on first use, so that importing this module imports no server.
    if name != "OneWriteHttpProtocol":
        raise AttributeError(name)
    import asyncio

    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

    class OneWriteHttpProtocol(HttpToolsProtocol):
        """uvicorn's httptools protocol on a transport that sends a response's head with its body (HeadWithBody)."""

        def connection_made(self, transport: Any) -> None:
            # HeadWithBody passes everything but the writes on to the transport (duck-typed, not a subclass)
            super().connection_made(HeadWithBody(transport, asyncio.get_running_loop()))  # type: ignore[arg-type]

    globals()["OneWriteHttpProtocol"] = OneWriteHttpProtocol
    return OneWriteHttpProtocol
