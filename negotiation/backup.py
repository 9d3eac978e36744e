"""`negotiation backup DIR` and `negotiation restore DIR`: a consistent copy of the database and the archive.

A backup folder holds exactly what its ``manifest.json`` lists, each file with its sha256 and size:

- ``database.sqlite3``: SQLite's online backup API, in one step (``sqlite3.Connection.backup``), which copies one
  read snapshot while the server's writers go on (WAL); or ``database.pgdump``: ``pg_dump`` in custom format, which
  dumps one snapshot of a PostgreSQL database while it serves.
- ``archive/<aa>/<bb>/<sha256>``: every file of the file archive, each read through the store (so verified) and
  copied after the database snapshot was taken. Files are written before the rows that name them and never
  removed, so every document row of the snapshot finds its file. With the database archive nothing is added: its
  rows are in the snapshot.

Every file is written to a temporary name, fsynced and renamed; the manifest is written last, so a folder without
one is not a backup. ``restore`` checks the manifest against every file (a missing, altered or unlisted file, a
manifest that does not parse, a dump of the other database) before loading anything, refuses a configured
database or archive that is not empty unless ``force``, and loads: the archive files through the store (each
verified again), the SQLite file through the backup API into the configured file (one transaction: a reader sees
the old database or the new one), the PostgreSQL dump with ``pg_restore --clean --single-transaction``. Then the
schema is brought to the code's revision. Restore is for a stopped service: no server should use the target.
"""

from __future__ import annotations

import glob
import hashlib
import json
import os
import re
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect, text

from negotiation.adapters import orm
from negotiation.adapters.blob_archive import DatabaseArchive
from negotiation.atomic_files import publish, write_atomic
from negotiation.bootstrap import Services, alembic_config, archive_opener, upgrade_database
from negotiation.documents.archive import ArchiveStore
from negotiation.errors import ArchiveIntegrityError

__all__ = ["BackupError", "backup", "restore"]

MANIFEST = "manifest.json"
FORMAT = "negotiation-backup/1"
DATABASE_FILES = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}
MAGIC = {"sqlite": b"SQLite format 3\x00", "postgresql": b"PGDMP"}  # the first bytes of each kind of dump
_ARCHIVE_PATH = re.compile(r"^archive/([0-9a-f]{2})/([0-9a-f]{2})/([0-9a-f]{64})$")
_CHUNK = 1 << 20


class BackupError(Exception):
    """What stops a backup or a restore, in words for the operator (the command exits 1 with it)."""


@dataclass(frozen=True)
class Summary:
    """What a backup wrote or a restore loaded."""

    dialect: str
    archive: str
    files: int
    documents: int | None  # in the restored database (a backup counts files: the server may be writing meanwhile)


# files -------------------------------------------------------------------------------------------------------------


def _hash_file(path: Path) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    with path.open("rb") as stream:
        while chunk := stream.read(_CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


# the two databases -------------------------------------------------------------------------------------------------


def _dialect(engine: Engine) -> str:
    name = engine.dialect.name
    if name not in DATABASE_FILES:
        raise BackupError(f"不支持备份 {name} 数据库")
    return name


def _sqlite_path(engine: Engine) -> Path:
    database = engine.url.database
    if not database or database == ":memory:":
        raise BackupError("内存数据库无法备份或恢复，请把 NEGOTIATION_DATABASE_URL 设为一个 SQLite 文件")
    return Path(database)


def _pg_tool(name: str) -> str:
    """pg_dump or pg_restore: on PATH, else the newest under /usr/lib/postgresql/*/bin."""
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), key=lambda p: int(Path(p).parts[-3]))
    if not candidates:
        raise BackupError(f"找不到 {name}：请安装 PostgreSQL 客户端工具")
    return candidates[-1]


def _quoted(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _pg_connection(engine: Engine) -> tuple[str, dict[str, str]]:
    """A libpq connection string for the engine's URL, and the environment that carries its password (never the
    command line, which other users of the machine can read)."""
    url = engine.url
    keywords = {key: value if isinstance(value, str) else value[-1] for key, value in url.query.items()}
    for key, value in (("host", url.host), ("port", url.port), ("user", url.username), ("dbname", url.database)):
        if value:
            keywords[key] = str(value)
    env = {**os.environ}
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    return " ".join(f"{key}={_quoted(value)}" for key, value in keywords.items()), env


def _run(command: list[str], env: dict[str, str]) -> None:
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise BackupError(f"{Path(command[0]).name} 失败：{done.stderr.strip()[-2000:]}")


def _snapshot_database(engine: Engine, target: Path) -> None:
    tmp = target.with_name(f".{target.name}.tmp")
    if _dialect(engine) == "sqlite":
        source_path = _sqlite_path(engine)
        if not source_path.is_file():
            raise BackupError(f"数据库文件 {source_path} 不存在")
        source = sqlite3.connect(source_path, timeout=30)
        copy = sqlite3.connect(tmp)
        try:
            source.backup(copy)  # pages=-1: all pages in one step, one read snapshot; writers are not held up (WAL)
            copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
        finally:
            copy.close()
            source.close()
    else:
        conninfo, env = _pg_connection(engine)
        command = [_pg_tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges", f"--file={tmp}"]
        _run([*command, f"--dbname={conninfo}"], env)
    publish(tmp, target)


def _load_database(engine: Engine, dump: Path) -> None:
    if _dialect(engine) == "sqlite":
        target = _sqlite_path(engine)
        target.parent.mkdir(parents=True, exist_ok=True)
        source = sqlite3.connect(f"{dump.resolve().as_uri()}?mode=ro", uri=True)
        destination = sqlite3.connect(target, timeout=30)
        try:
            source.backup(destination)  # one transaction on the target: the old database or the new, never a mix
        finally:
            destination.close()
            source.close()
    else:
        conninfo, env = _pg_connection(engine)
        command = [_pg_tool("pg_restore"), "--clean", "--if-exists", "--no-owner", "--no-privileges"]
        _run([*command, "--single-transaction", "--exit-on-error", f"--dbname={conninfo}", str(dump)], env)


def _revision_of(engine: Engine) -> str | None:
    with engine.connect() as connection:
        if not inspect(connection).has_table("alembic_version"):
            return None
        return connection.execute(text("SELECT version_num FROM alembic_version")).scalar_one_or_none()


def _tables_with_rows(engine: Engine) -> list[str]:
    """The engine's own tables that hold a row (the search index's FTS5 tables follow the texts: not counted)."""
    with engine.connect() as connection:
        names = [n for n in inspect(connection).get_table_names() if n in orm.metadata.tables]
        return [n for n in sorted(names) if connection.execute(text(f'SELECT 1 FROM "{n}" LIMIT 1')).first() is not None]


# backup ------------------------------------------------------------------------------------------------------------


def _new_or_empty(folder: Path) -> None:
    if folder.exists() and not folder.is_dir():
        raise BackupError(f"{folder} 已存在且不是目录")
    if folder.is_dir() and any(folder.iterdir()):
        raise BackupError(f"备份目录 {folder} 不是空的：请指定一个新的或空的目录")
    folder.mkdir(parents=True, exist_ok=True)


def backup(services: Services, folder: Path) -> Summary:
    """Write a consistent copy of the configured database and archive into a new or empty folder."""
    _new_or_empty(folder)
    try:
        return _backup_into(services, folder)
    except BaseException:
        for entry in folder.iterdir():  # the folder was empty: what is in it now is this run's, unfinished
            shutil.rmtree(entry) if entry.is_dir() else entry.unlink()
        raise


def _backup_into(services: Services, folder: Path) -> Summary:
    dialect = _dialect(services.engine)
    in_database = services.settings.archive_in_database
    revision = _revision_of(services.engine)
    if revision is None:
        raise BackupError("数据库中还没有本程序的表：没有可备份的内容（先运行 negotiation db upgrade）")
    database_file = folder / DATABASE_FILES[dialect]
    _snapshot_database(services.engine, database_file)  # first: every row it holds names a file already written
    files = {database_file.name: _hash_file(database_file)}
    if not in_database:
        store = ArchiveStore(services.settings.archive_root)
        for sha256 in store.iter_hashes() if store.root.is_dir() else ():
            try:
                data = store.get(sha256)
            except ArchiveIntegrityError as exc:
                raise BackupError(
                    f"存档文件 {exc.path} 校验失败（{exc.reason}），未写入备份：请先用 negotiation archive verify 查明"
                ) from exc
            relative = f"archive/{sha256[:2]}/{sha256[2:4]}/{sha256}"
            write_atomic(folder / relative, data)
            files[relative] = (sha256, len(data))
    manifest = {
        "format": FORMAT,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "dialect": dialect,
        "database": database_file.name,
        "archive": "database" if in_database else "files",
        "revision": revision,
        "files": {name: {"sha256": digest, "size": size} for name, (digest, size) in sorted(files.items())},
    }
    write_atomic(folder / MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=2).encode("utf-8"))
    return Summary(dialect, str(manifest["archive"]), len(files), None)


# restore -----------------------------------------------------------------------------------------------------------


def _read_manifest(folder: Path) -> dict[str, Any]:
    path = folder / MANIFEST
    if not path.is_file():
        raise BackupError(f"{folder} 中没有 {MANIFEST}：这不是一份完整的备份")
    try:
        manifest = json.loads(path.read_bytes())
    except (ValueError, UnicodeDecodeError) as exc:
        raise BackupError(f"{MANIFEST} 无法解析：{exc}") from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(f"{MANIFEST} 不是本程序写的备份清单（format 应为 {FORMAT}）")
    files = manifest.get("files")
    dialect = manifest.get("dialect")
    if dialect not in DATABASE_FILES or manifest.get("database") != DATABASE_FILES[dialect]:
        raise BackupError(f"{MANIFEST} 的 dialect/database 项无效")
    if manifest.get("archive") not in ("files", "database") or not isinstance(files, dict):
        raise BackupError(f"{MANIFEST} 的 archive/files 项无效")
    return manifest


def _check_files(folder: Path, manifest: dict[str, Any]) -> None:
    """Every listed file present with its sha256 and size, nothing unlisted, archive files named by their hash."""
    files: dict[str, Any] = manifest["files"]
    problems: list[str] = []
    if manifest["database"] not in files:
        problems.append(f"清单中没有数据库文件 {manifest['database']}")
    for name, entry in sorted(files.items()):
        path = folder / name
        if not isinstance(entry, dict) or not isinstance(entry.get("sha256"), str) or ".." in Path(name).parts:
            problems.append(f"清单项 {name} 无效")
            continue
        if name != manifest["database"]:
            match = _ARCHIVE_PATH.fullmatch(name)
            if match is None or match[3] != entry["sha256"] or match[3][:4] != match[1] + match[2]:
                problems.append(f"清单项 {name} 不是按哈希命名的存档文件")
                continue
        if not path.is_file():
            problems.append(f"缺少文件 {name}")
            continue
        digest, size = _hash_file(path)
        if digest != entry["sha256"] or size != entry.get("size"):
            problems.append(f"文件 {name} 与清单不符（sha256 {digest}，{size} 字节）")
    listed = {*files, MANIFEST}
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        if path.relative_to(folder).as_posix() not in listed:
            problems.append(f"清单中没有列出文件 {path.relative_to(folder).as_posix()}")
    if problems:
        raise BackupError("备份校验未通过，未载入任何内容：\n  " + "\n  ".join(problems))


def _check_fits(services: Services, folder: Path, manifest: dict[str, Any]) -> None:
    dialect = _dialect(services.engine)
    if manifest["dialect"] != dialect:
        raise BackupError(f"这份备份来自 {manifest['dialect']} 数据库，不能载入当前配置的 {dialect} 数据库")
    with (folder / manifest["database"]).open("rb") as stream:
        if stream.read(len(MAGIC[dialect])) != MAGIC[dialect]:
            raise BackupError(f"{manifest['database']} 不是 {dialect} 的备份文件")
    known = {s.revision for s in ScriptDirectory.from_config(alembic_config()).walk_revisions()}
    if manifest.get("revision") not in known:
        raise BackupError(f"备份的数据库结构版本 {manifest.get('revision')} 不为本程序所知：请用更新的版本恢复")


def _check_empty(services: Services) -> None:
    problems = []
    if services.engine.dialect.name != "sqlite" or _sqlite_path(services.engine).exists():
        filled = _tables_with_rows(services.engine)
        if filled:
            problems.append(f"数据库中已有数据（{', '.join(filled)}）")
    root = services.settings.archive_root
    if not services.settings.archive_in_database and root.is_dir() and any(p.is_file() for p in root.rglob("*")):
        problems.append(f"存档目录 {root} 不是空的")
    if problems:
        raise BackupError("恢复目标不是空的：" + "；".join(problems) + "。确需覆盖请加 --force")


def _backup_files(folder: Path, manifest: dict[str, Any]) -> Iterator[tuple[str, bytes]]:
    store = ArchiveStore(folder / "archive")
    for name, entry in sorted(manifest["files"].items()):
        if name != manifest["database"]:
            yield entry["sha256"], store.get(entry["sha256"])


def _put_files(store: ArchiveStore, blobs: Iterator[tuple[str, bytes]], *, force: bool) -> None:
    for sha256, data in blobs:
        try:
            store.put(data)
        except ArchiveIntegrityError:
            if not force:
                raise
            path = store.path_for(sha256)  # --force: a damaged file of the same name is replaced by the good copy
            path.chmod(0o644)
            path.unlink()
            store.put(data)


def restore(services: Services, folder: Path, *, force: bool = False) -> Summary:
    """Check a backup folder against its manifest, then load it into the configured database and archive."""
    if not folder.is_dir():
        raise BackupError(f"备份目录 {folder} 不存在")
    manifest = _read_manifest(folder)
    _check_files(folder, manifest)
    _check_fits(services, folder, manifest)
    if not force:
        _check_empty(services)
    settings = services.settings
    from_files = manifest["archive"] == "files"
    if from_files and not settings.archive_in_database:  # files first: no row is loaded before its file
        _put_files(ArchiveStore(settings.archive_root), _backup_files(folder, manifest), force=force)
    services.engine.dispose()  # no pooled connection of this process holds the target while it is replaced
    _load_database(services.engine, folder / manifest["database"])
    upgrade_database(services.engine)
    open_archive = archive_opener(settings)
    with services.engine.begin() as connection:  # the stores differ: move the documents across
        target = open_archive(connection, lambda: None)
        if from_files and settings.archive_in_database:
            for _sha256, data in _backup_files(folder, manifest):
                target.put(data)
        elif not from_files and not settings.archive_in_database:
            source = DatabaseArchive(connection)
            blobs = ((sha256, source.get(sha256)) for sha256 in source.iter_hashes())
            _put_files(ArchiveStore(settings.archive_root), blobs, force=force)
    with services.uow.reading() as uow:
        documents = len(uow.repo.all_documents())
    return Summary(str(manifest["dialect"]), str(manifest["archive"]), len(manifest["files"]), documents)
