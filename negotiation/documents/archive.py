"""Content-addressed document archive: the ``Archive`` protocol and its file store.

Two stores keep documents by the sha256 of their bytes, verify every read and never rewrite what they hold:
``ArchiveStore`` here (files, the default) and ``DatabaseArchive`` (negotiation/adapters/blob_archive.py, rows in
the database written in the transaction of the document row, NEGOTIATION_ARCHIVE_URL=database). Which one a process
uses is chosen once, in negotiation/bootstrap.py; everything else sees an ``Archive``.

File layout: ``<root>/<aa>/<bb>/<sha256>`` where aa and bb are the first two byte pairs of the hash.
A file is written to a temporary name in its final folder, fsynced, renamed into place, and the
folder fsynced, so a crash leaves either no file or the whole file. An existing file is never
replaced: storing the same bytes again is a no-op, and a file that exists with other bytes is
an integrity error. Every read hashes the bytes before returning them.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from negotiation.atomic_files import write_once
from negotiation.errors import ArchiveIntegrityError  # the engine's own: raised here, where the file is met

_SHA256 = re.compile(r"^[0-9a-f]{64}$")


@dataclass(frozen=True, slots=True)
class VerificationFailure:
    """One document whose stored file failed verification."""

    document_id: object
    sha256: str
    reason: str


class Archive(Protocol):
    """Where documents are kept, by the sha256 of their bytes."""

    def put(self, data: bytes) -> str:
        """Store ``data`` (a no-op when it is already there) and return its sha256; never rewrite stored bytes."""
        ...

    def get(self, sha256: str) -> bytes:
        """The stored bytes after checking their hash; ArchiveIntegrityError when missing or altered."""
        ...

    def exists(self, sha256: str) -> bool:
        """Whether something is stored under this sha256 (not verified)."""
        ...

    def verify(self, sha256: str) -> None:
        """Hash what is stored; ArchiveIntegrityError when it is missing or altered."""
        ...

    def iter_hashes(self) -> Iterator[str]:
        """The sha256 of everything stored."""
        ...


def sha256_hex(data: bytes) -> str:
    """Return the lowercase hex sha256 of ``data``."""
    return hashlib.sha256(data).hexdigest()


class ArchiveStore:
    """Store and fetch documents by the sha256 of their bytes under one root folder (an ``Archive``)."""

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root)

    def path_for(self, sha256: str) -> Path:
        """Return where the file with this sha256 lives (whether or not it exists)."""
        if not _SHA256.fullmatch(sha256):
            raise ValueError(f"not a lowercase hex sha256: {sha256!r}")
        return self.root / sha256[:2] / sha256[2:4] / sha256

    def remove_leftovers(self) -> int:
        """Delete the temporary files of writes that never finished (a process killed between writing and linking);
        how many. Only while nothing writes here: `negotiation serve` calls it before its workers start."""
        removed = 0
        for leftover in self.root.glob("??/??/.*.tmp"):
            leftover.unlink(missing_ok=True)
            removed += 1
        return removed

    def put(self, data: bytes) -> str:
        """Store ``data`` atomically and return its sha256; never overwrite other bytes."""
        digest = sha256_hex(data)
        target = self.path_for(digest)
        if target.exists():
            self._check(digest, target)
            return digest
        if not write_once(target, data, mode=0o444):  # another writer stored it meanwhile
            self._check(digest, target)
        return digest

    def get(self, sha256: str) -> bytes:
        """Return the stored bytes after checking their hash; raise ArchiveIntegrityError if not."""
        path = self.path_for(sha256)
        try:
            data = path.read_bytes()
        except FileNotFoundError as exc:
            raise ArchiveIntegrityError(sha256, "missing", path) from exc
        if sha256_hex(data) != sha256:
            raise ArchiveIntegrityError(sha256, "content does not match its sha256", path)
        return data

    def exists(self, sha256: str) -> bool:
        """Whether a file for this sha256 is present (not verified)."""
        return self.path_for(sha256).is_file()

    def verify(self, sha256: str) -> None:
        """Hash the stored file; raise ArchiveIntegrityError when it is missing or altered."""
        self.get(sha256)

    def _check(self, sha256: str, path: Path) -> None:
        if sha256_hex(path.read_bytes()) != sha256:
            raise ArchiveIntegrityError(sha256, "existing file holds other bytes; not overwritten", path)

    def iter_hashes(self) -> Iterator[str]:
        """Yield the sha256 names of every stored file."""
        for path in sorted(self.root.glob("??/??/*")):
            if _SHA256.fullmatch(path.name):
                yield path.name


def verify_all(store: Archive, rows: Iterable[tuple[object, str]]) -> list[VerificationFailure]:
    """Verify (document id, sha256) rows against the store; return one failure per bad document."""
    failures: list[VerificationFailure] = []
    for document_id, sha256 in rows:
        try:
            store.verify(sha256)
        except ArchiveIntegrityError as exc:
            failures.append(VerificationFailure(document_id, sha256, exc.reason))
        except ValueError as exc:
            failures.append(VerificationFailure(document_id, sha256, str(exc)))
    return failures
