"""The archive stores by sha256, atomically, never overwrites, and verifies every read."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from negotiation.documents import ArchiveIntegrityError, ArchiveStore, sha256_hex, verify_all


@pytest.fixture()
def store(tmp_path: Path) -> ArchiveStore:
    return ArchiveStore(tmp_path / "archive")


def test_put_names_the_file_by_sha256_in_sharded_folders_and_get_returns_the_bytes(store: ArchiveStore) -> None:
    digest = store.put(b"%PDF-1.7 contract")
    assert digest == sha256_hex(b"%PDF-1.7 contract")
    assert store.path_for(digest) == store.root / digest[:2] / digest[2:4] / digest
    assert store.get(digest) == b"%PDF-1.7 contract"


def test_write_leaves_no_temporary_file_and_a_read_only_result(store: ArchiveStore) -> None:
    digest = store.put(b"bytes")
    folder = store.path_for(digest).parent
    assert sorted(p.name for p in folder.iterdir()) == [digest]
    assert not os.access(store.path_for(digest), os.W_OK) or os.geteuid() == 0
    assert store.path_for(digest).stat().st_mode & 0o222 == 0


def test_storing_the_same_bytes_twice_is_a_no_op(store: ArchiveStore) -> None:
    first = store.put(b"same")
    mtime = store.path_for(first).stat().st_mtime_ns
    assert store.put(b"same") == first
    assert store.path_for(first).stat().st_mtime_ns == mtime


def test_a_flipped_byte_is_detected_on_read(store: ArchiveStore) -> None:
    digest = store.put(b"signed contract bytes")
    path = store.path_for(digest)
    path.chmod(0o644)
    data = bytearray(path.read_bytes())
    data[3] ^= 0x01
    path.write_bytes(bytes(data))
    with pytest.raises(ArchiveIntegrityError) as caught:
        store.get(digest)
    assert caught.value.sha256 == digest and "match" in caught.value.reason


def test_a_missing_file_is_an_integrity_error_not_a_not_found(store: ArchiveStore) -> None:
    digest = store.put(b"will vanish")
    store.path_for(digest).unlink()
    with pytest.raises(ArchiveIntegrityError) as caught:
        store.get(digest)
    assert caught.value.sha256 == digest and caught.value.reason == "missing"


def test_an_existing_file_with_other_bytes_is_never_overwritten(store: ArchiveStore) -> None:
    digest = sha256_hex(b"original")
    path = store.path_for(digest)
    path.parent.mkdir(parents=True)
    path.write_bytes(b"tampered")
    with pytest.raises(ArchiveIntegrityError):
        store.put(b"original")
    assert path.read_bytes() == b"tampered"


def test_verify_all_reports_one_failure_per_bad_row(store: ArchiveStore) -> None:
    good = store.put(b"good")
    gone = store.put(b"gone")
    store.path_for(gone).unlink()
    failures = verify_all(store, [(1, good), (2, gone), (3, "not-a-hash")])
    assert [(f.document_id, f.reason) for f in failures] == [(2, "missing"), (3, failures[1].reason)]
    assert list(store.iter_hashes()) == [good]


def test_paths_refuse_anything_but_a_lowercase_sha256(store: ArchiveStore) -> None:
    for bad in ("../../etc/passwd", "A" * 64, "0" * 63):
        with pytest.raises(ValueError):
            store.path_for(bad)


def test_the_temporary_file_of_a_write_killed_half_way_is_removed_and_stored_files_stay(tmp_path: Path) -> None:
    store = ArchiveStore(tmp_path / "archive")
    kept = store.put(b"%PDF-1.7 kept")
    folder = store.path_for(kept).parent
    leftover = folder / f".{kept[:8]}-abc123.tmp"  # what put() leaves when killed between write and link
    leftover.write_bytes(b"%PDF-1.7 half")
    assert store.remove_leftovers() == 1
    assert not leftover.exists() and store.get(kept) == b"%PDF-1.7 kept"
    assert store.remove_leftovers() == 0
