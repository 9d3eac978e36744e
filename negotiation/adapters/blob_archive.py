"""The database archive (NEGOTIATION_ARCHIVE_URL=database): documents as rows of ``archive_blobs``, by sha256.

An ``Archive`` (negotiation/documents/archive.py) bound to one unit of work's connection, so that several hosts
share one archive without a shared disk:

- A put is an INSERT in the unit of work's own transaction: the bytes and the document row that names them commit
  together or not at all (the unit of work's ``before_write`` begins its write transaction first, when it has read
  outside one).
- The key is computed here from the bytes, never taken from a caller, and a row is only ever inserted, with
  ``ON CONFLICT DO NOTHING``: a second put of the same bytes is a no-op (a concurrent one waits for the first and
  then does nothing), and no statement of the engine updates or deletes a row. Other bytes under an existing hash
  cannot be put: they would hash to another key.
- Every read hashes the bytes; a row whose bytes no longer hash to its key is refused like a tampered file
  (ArchiveIntegrityError), and so is a row that is missing.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, select
from sqlalchemy.dialects import postgresql, sqlite

from negotiation.adapters.orm import archive_blobs
from negotiation.adapters.repository import engine_errors
from negotiation.errors import ArchiveIntegrityError

__all__ = ["DatabaseArchive"]

_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_BLOBS = archive_blobs.c


def _key(sha256: str) -> str:
    if not _SHA256.fullmatch(sha256):
        raise ValueError(f"not a lowercase hex sha256: {sha256!r}")
    return sha256


class DatabaseArchive:
    """Store and fetch documents by the sha256 of their bytes in the ``archive_blobs`` table (an ``Archive``)."""

    def __init__(self, connection: Connection, before_write: Callable[[], None] | None = None) -> None:
        self.connection = connection
        self._before_write = before_write

    def where(self, sha256: str) -> str:
        """Where the bytes of this sha256 are kept, for messages and alerts."""
        return f"archive_blobs/{sha256}"

    def put(self, data: bytes) -> str:
        """Insert the bytes under their sha256 in the current transaction; a no-op when they are there already."""
        digest = hashlib.sha256(data).hexdigest()
        if self._before_write is not None:
            self._before_write()
        dialect = sqlite if self.connection.dialect.name == "sqlite" else postgresql
        statement: Any = dialect.insert(archive_blobs).values(
            sha256=digest, size=len(data), data=data, created_at=datetime.now(UTC).isoformat(timespec="milliseconds")
        )
        statement = statement.on_conflict_do_nothing(index_elements=["sha256"]).returning(archive_blobs.c.sha256)
        with engine_errors():
            inserted = self.connection.execute(statement).first()
        if inserted is None:  # already stored: it must still be these bytes, never replaced
            stored = self._read(digest)
            if stored is None or hashlib.sha256(stored).hexdigest() != digest:
                raise ArchiveIntegrityError(digest, "existing row holds other bytes; not overwritten", self.where(digest))
        return digest

    def _read(self, sha256: str) -> bytes | None:
        with engine_errors():
            data = self.connection.execute(select(_BLOBS.data).where(_BLOBS.sha256 == _key(sha256))).scalar_one_or_none()
        return None if data is None else bytes(data)

    def get(self, sha256: str) -> bytes:
        """The stored bytes after checking their hash; ArchiveIntegrityError when missing or altered."""
        data = self._read(sha256)
        if data is None:
            raise ArchiveIntegrityError(sha256, "missing", self.where(sha256))
        if hashlib.sha256(data).hexdigest() != sha256:
            raise ArchiveIntegrityError(sha256, "content does not match its sha256", self.where(sha256))
        return data

    def exists(self, sha256: str) -> bool:
        """Whether a row for this sha256 is present (not verified)."""
        with engine_errors():
            found = self.connection.execute(select(_BLOBS.sha256).where(_BLOBS.sha256 == _key(sha256))).first()
        return found is not None

    def verify(self, sha256: str) -> None:
        """Hash the stored row; raise ArchiveIntegrityError when it is missing or altered."""
        self.get(sha256)

    def iter_hashes(self) -> Iterator[str]:
        """Yield the sha256 of every stored row, in order."""
        with engine_errors():
            rows = self.connection.execute(select(_BLOBS.sha256).order_by(_BLOBS.sha256)).scalars().all()
        yield from rows
