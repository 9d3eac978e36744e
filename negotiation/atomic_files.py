"""Files written whole or not at all: the bytes go to a temporary file in the target's own folder (made 0600, so
never readable by others on the way), are synced, and only then take the target's name; the folder is synced
after, so that a crash leaves the old file or the new one, never a part of one, and never a reader who sees half.

- ``write_atomic``: the file replaced (a backup's files, the demo's tokens, the document font);
- ``write_once``: the file made only if it is not there yet, never replaced (an archived document, a kept key):
  of two writers racing, one makes it and the other finds it whole;
- ``publish``: a temporary file another program wrote (``pg_dump``, SQLite's backup) synced and renamed into place.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

__all__ = ["fsync_dir", "publish", "write_atomic", "write_once"]


def fsync_dir(folder: Path) -> None:
    """Make a rename or link in ``folder`` durable."""
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _synced_temp(path: Path, data: bytes, mode: int) -> Path:
    """A temporary file beside ``path`` holding ``data``, synced, with ``mode``; removed again if that fails."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    tmp = Path(name)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(tmp, mode)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return tmp


def write_atomic(path: Path, data: bytes, *, mode: int = 0o644) -> None:
    """Put ``data`` at ``path`` with ``mode``, replacing what was there, in one rename."""
    tmp = _synced_temp(path, data, mode)
    try:
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    fsync_dir(path.parent)


def write_once(path: Path, data: bytes, *, mode: int) -> bool:
    """Make ``path`` hold ``data`` with ``mode`` unless a file of that name exists; whether this call made it.
    A link, not a rename: ``link()`` fails when the name is taken, so a file made by another writer meanwhile is
    never replaced (the caller checks what it holds)."""
    tmp = _synced_temp(path, data, mode)
    try:
        os.link(tmp, path)
    except FileExistsError:
        return False
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
    fsync_dir(path.parent)
    return True


def publish(tmp: Path, final: Path) -> None:
    """Sync a finished temporary file another program wrote and rename it to ``final`` (then sync the folder)."""
    with tmp.open("rb") as stream:
        os.fsync(stream.fileno())
    os.replace(tmp, final)
    fsync_dir(final.parent)
