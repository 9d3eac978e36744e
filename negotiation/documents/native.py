"""Import the PDF renderer (and WeasyPrint) without ~50 ldconfig/gcc/ld processes on a cold start.

WeasyPrint opens Pango, HarfBuzz, fontconfig and GObject through cffi, trying several names per
library (``libpango-1.0-0``, ``pango-1.0-0``, ``pango-1.0``, …). cffi resolves each name with
``ctypes.util.find_library``, which on Linux runs ``ldconfig -p``, then ``gcc`` and ``ld`` for every
name it cannot find: some fifty processes and 0.2–0.4 s of a cold ``negotiation render``. While the
renderer is imported for the first time, names are looked up in one ``ldconfig -p`` listing
instead — the same answer ``find_library`` gives first. Should WeasyPrint then miss a library that
only the gcc/ld search would have found, the import is redone the ordinary way.
"""

from __future__ import annotations

import contextlib
import ctypes.util
import importlib
import os
import re
import struct
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from types import ModuleType

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
