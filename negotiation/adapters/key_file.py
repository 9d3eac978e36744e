"""A random key kept in a file beside the archive when no secret is configured: made once, atomically, by whichever
worker comes first (mode 0600), read by every other (review-page sessions, sealed webhook secrets)."""

from __future__ import annotations

import os
import secrets
import time
from pathlib import Path

__all__ = ["kept_random_key"]


def kept_random_key(path: Path, *, if_damaged: str) -> str:
    """The 64 hex characters of the key in `path`, made now if there is none; RuntimeError (with `if_damaged`,
    what to do about it) when the file holds something else."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        pass
    else:
        with os.fdopen(fd, "w", encoding="ascii") as out:
            out.write(secrets.token_hex(32))
    for _ in range(50):  # another worker may be writing it this very moment
        text = path.read_text(encoding="ascii").strip()
        if len(text) == 64:
            return text
        time.sleep(0.01)
    raise RuntimeError(f"key file {path} is damaged; {if_damaged}")
