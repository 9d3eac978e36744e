"""Files written whole or not at all (negotiation/atomic_files.py), on the real file system: a replaced file, a file
made once, a write that fails half way, writers racing for one name."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from negotiation.adapters.key_file import kept_random_key
from negotiation.atomic_files import write_atomic, write_once


def _names(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_a_file_is_replaced_whole_with_its_mode_and_nothing_else_is_left_in_the_folder(tmp_path: Path) -> None:
    target = tmp_path / "deep" / "tokens.json"
    write_atomic(target, b"first", mode=0o600)
    assert target.read_bytes() == b"first" and target.stat().st_mode & 0o777 == 0o600
    write_atomic(target, b"second, longer than the first")
    assert target.read_bytes() == b"second, longer than the first" and target.stat().st_mode & 0o777 == 0o644
    assert _names(target.parent) == ["tokens.json"]


def test_a_write_that_fails_half_way_leaves_the_old_file_and_no_temporary_one(tmp_path: Path) -> None:
    target = tmp_path / "manifest.json"
    write_atomic(target, b"old")
    with pytest.raises(TypeError):
        write_atomic(target, "not bytes", mode=0o644)  # type: ignore[arg-type]  # fails inside the temporary file's write
    assert target.read_bytes() == b"old" and _names(tmp_path) == ["manifest.json"]


def test_a_rename_that_fails_leaves_what_holds_the_name_and_no_temporary_file(tmp_path: Path) -> None:
    taken = tmp_path / "database.sqlite3"
    taken.mkdir()
    (taken / "inside").write_bytes(b"kept")
    with pytest.raises(OSError):
        write_atomic(taken, b"snapshot")  # a folder holds the name: the rename is refused
    assert (taken / "inside").read_bytes() == b"kept" and _names(tmp_path) == ["database.sqlite3"]


def test_a_file_made_once_is_never_replaced(tmp_path: Path) -> None:
    target = tmp_path / "aa" / "bb" / "document"
    assert write_once(target, b"archived", mode=0o444) is True
    assert write_once(target, b"other bytes", mode=0o444) is False
    assert target.read_bytes() == b"archived" and target.stat().st_mode & 0o777 == 0o444
    assert _names(target.parent) == ["document"]


def test_workers_racing_for_the_kept_key_all_read_the_one_key_made(tmp_path: Path) -> None:
    path = tmp_path / "session.key"
    with ThreadPoolExecutor(8) as pool:
        keys = set(pool.map(lambda _: kept_random_key(path, if_damaged="delete it"), range(32)))
    assert len(keys) == 1 and len(keys.pop()) == 64
    assert path.stat().st_mode & 0o777 == 0o600 and _names(tmp_path) == ["session.key"]


def test_a_damaged_key_file_is_refused_with_what_to_do(tmp_path: Path) -> None:
    path = tmp_path / "session.key"
    path.write_text("", encoding="ascii")  # e.g. left empty by an earlier version's crash
    with pytest.raises(RuntimeError, match="delete it to make a new one"):
        kept_random_key(path, if_damaged="delete it to make a new one")
    assert path.read_text(encoding="ascii") == ""
