"""A random key kept in a file beside the archive when no secret is configured: made once, whole (negotiation/atomic_files.py),
by whichever worker comes first (mode 0600), read by every other (review-page sessions, sealed webhook secrets)."""

from __future__ import annotations

import secrets
from pathlib import Path

from negotiation.atomic_files import write_once

__all__ = ["kept_random_key"]


def kept_random_key(path: Path, *, if_damaged: str) -> str:
    """The 64 hex characters of the key in `path`, made now if there is none; RuntimeError (with `if_damaged`,
    what to do about it) when the file holds something else."""
    if not path.exists():
        write_once(path, secrets.token_hex(32).encode("ascii"), mode=0o600)  # whole or not there: never half a key
    text = path.read_text(encoding="ascii").strip()
    if len(text) != 64:
        raise RuntimeError(f"key file {path} is damaged; {if_damaged}")
    return text
