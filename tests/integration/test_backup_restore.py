"""`negotiation backup DIR` and `negotiation restore DIR`, run as the operator runs them (the CLI, in a process of its
own), on SQLite and on PostgreSQL, with the file archive and with the database archive.

A case carried to in_force is backed up and restored into an empty place (a new SQLite file and a new archive
folder; on PostgreSQL a second database): `audit verify` and `archive verify` pass there and every row of every
table and every archived byte is the same. A backup taken while a real `negotiation serve` receives writes restores
to a database whose chains and documents verify. Bad input — a folder that is not empty, a manifest entry that does
not match, a missing or unlisted file, a manifest that does not parse, a backup of the other database, a target that
is not empty without --force — exits 1 with a message and loads nothing.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, inspect, select, text
from sqlalchemy.engine import make_url

from api.main import create_app
from negotiation.adapters.orm import metadata
from negotiation.bootstrap import Services, bootstrap
from negotiation.config import Settings
from tests.conftest import ADMIN_TOKEN, PG_URL, World
from tests.flows import XIAN_ORGANIZATIONS, Flow, seed_parties
from tests.served import free_port

ROOT = Path(__file__).resolve().parents[2]
APPROVERS = ("employer_body", "ent1", "ent2")


@pytest.fixture
def archive_kind() -> str:
    """The source's archive; the identity test runs with both."""
    return "files"


def _settings(url: str, archive: Path, kind: str) -> Settings:
    return Settings(
        database_url=url, archive_dir=archive, archive_url="database" if kind == "database" else None,
        admin_token=ADMIN_TOKEN, test_clock=True,
    )  # fmt: skip


@pytest.fixture
def services(database_url: str, tmp_path: Path, archive_kind: str) -> Iterator[Services]:
    """The shared fixtures' services (and so their client and world), with the archive this test asks for."""
    built = bootstrap(_settings(database_url, tmp_path / "archive", archive_kind))
    yield built
    built.engine.dispose()


@pytest.fixture
def target_url(database_url: str, tmp_path: Path) -> Iterator[str]:
    """An empty place of the same kind: a new SQLite file, or a second PostgreSQL database on the same server."""
    if not database_url.startswith("postgresql"):
        yield f"sqlite:///{tmp_path / 'restored' / 'negotiation.sqlite3'}"
        return
    assert PG_URL is not None
    name = f"{make_url(PG_URL).database}_restored"
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    yield make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _env(url: str, archive: Path, kind: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEGOTIATION_")}
    env.update(PYTHONPATH=str(ROOT), NEGOTIATION_DATABASE_URL=url, NEGOTIATION_ARCHIVE_DIR=str(archive))
    if kind == "database":
        env["NEGOTIATION_ARCHIVE_URL"] = "database"
    return env


def _cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "negotiation.cli", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )


def _source_env(services: Services) -> dict[str, str]:
    kind = "database" if services.settings.archive_in_database else "files"
    return _env(services.settings.database_url, services.settings.archive_dir, kind)


def _contents(url: str) -> dict[str, list[str]]:
    """Every row of every table of the schema (by the ORM's own column types), as sorted text."""
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return {
                table.name: sorted(repr(tuple(row)) for row in connection.execute(select(table)))
                for table in metadata.sorted_tables
            }
    finally:
        engine.dispose()


def _files(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest() for p in root.rglob("*") if p.is_file()}


def _assert_ok(done: subprocess.CompletedProcess[str]) -> None:
    assert done.returncode == 0, done.stdout + done.stderr


def _verified(env: dict[str, str]) -> None:
    audit = _cli(env, "audit", "verify")
    _assert_ok(audit)
    assert json.loads(audit.stdout)["ok"] is True
    _assert_ok(_cli(env, "archive", "verify"))


def _in_force(world: World) -> Flow:
    flow = Flow(world.client, {k: world.h(k) for k in world.tokens}, world.case_body())
    flow.to_in_force(APPROVERS)
    return flow


@pytest.mark.parametrize("archive_kind", ["files", "database"])
def test_a_case_in_force_restored_into_an_empty_place_is_identical_row_for_row_and_byte_for_byte(
    world: World, services: Services, tmp_path: Path, target_url: str, archive_kind: str
) -> None:
    flow = _in_force(world)
    Flow(world.client, {k: world.h(k) for k in world.tokens}, world.case_body(title="另一案件")).to_consulting()
    commented = world.client.post(  # a comment and an idempotency record: rows of other tables
        f"/api/v1/cases/{flow.id}/drafts/1/comments", json={"clause": "general", "body": "同意"},
        headers={**world.h("ent1"), "Idempotency-Key": "comment-1"},
    )  # fmt: skip
    assert commented.status_code == 201, commented.text
    folder = tmp_path / "backup"
    made = _cli(_source_env(services), "backup", str(folder))
    _assert_ok(made)
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    with services.uow.reading() as uow:
        documents = [{"id": d.id, "sha256": d.sha256} for d in uow.repo.all_documents()]
    in_force = world.client.get(f"/api/v1/cases/{flow.id}/documents", headers=world.h("union")).json()
    assert len(in_force) >= 8 and len(documents) == len(in_force) + 2  # and the other's proposal and its reply
    archived = {k for k in manifest["files"] if k.startswith("archive/")}
    if archive_kind == "files":
        assert archived == {f"archive/{d['sha256'][:2]}/{d['sha256'][2:4]}/{d['sha256']}" for d in documents}
    else:
        assert archived == set()  # the documents are rows of the dump
    assert _files(folder) == {name: entry["sha256"] for name, entry in manifest["files"].items()} | {
        "manifest.json": hashlib.sha256((folder / "manifest.json").read_bytes()).hexdigest()
    }

    restored_archive = tmp_path / "restored-archive"
    target = _env(target_url, restored_archive, archive_kind)
    done = _cli(target, "restore", str(folder))
    _assert_ok(done)
    _verified(target)
    assert _contents(target_url) == _contents(services.settings.database_url)
    if archive_kind == "files":
        assert _files(restored_archive) == _files(services.settings.archive_root)
    else:
        assert not restored_archive.exists()
    restored = bootstrap(_settings(target_url, restored_archive, archive_kind))
    try:
        with restored.uow.reading() as uow:
            for doc in documents:
                assert hashlib.sha256(uow.archive.get(doc["sha256"])).hexdigest() == doc["sha256"]
        # The restored place takes new writes: the users' tokens, the ids (PostgreSQL's sequences) and the chains go on.
        with TestClient(create_app(restored, sweeper=False)) as client:
            again = Flow(client, {k: world.h(k) for k in world.tokens}, world.case_body(title="恢复之后的案件"))
            again.to_consulting()
            assert again.id > flow.id
            served = client.get(f"/api/v1/documents/{documents[-1]['id']}/content", headers=world.h("union"))
            assert served.status_code == 200 and hashlib.sha256(served.content).hexdigest() == documents[-1]["sha256"]
    finally:
        restored.engine.dispose()
    _verified(target)


@pytest.mark.parametrize(("archive_kind", "into"), [("files", "database"), ("database", "files")])
def test_a_backup_restores_into_the_other_kind_of_archive(
    world: World, services: Services, tmp_path: Path, target_url: str, archive_kind: str, into: str
) -> None:
    Flow(world.client, {k: world.h(k) for k in world.tokens}, world.case_body()).to_consulting()
    with services.uow.reading() as uow:
        documents = {d.sha256 for d in uow.repo.all_documents()}
    assert len(documents) == 2  # the proposal and its reply
    _assert_ok(_cli(_source_env(services), "backup", str(tmp_path / "backup")))
    restored_archive = tmp_path / "restored-archive"
    target = _env(target_url, restored_archive, into)
    _assert_ok(_cli(target, "db", "upgrade"))  # a schema without rows is an empty target
    _assert_ok(_cli(target, "restore", str(tmp_path / "backup")))
    _verified(target)
    source, moved = _contents(services.settings.database_url), _contents(target_url)
    if into == "database":  # the files became rows
        assert not restored_archive.exists()
        assert {row.split("'")[1] for row in moved.pop("archive_blobs")} == documents
        assert source.pop("archive_blobs") == []
    else:  # the rows became files (and stay in the restored database, unused)
        assert {Path(name).name for name in _files(restored_archive)} == documents
    assert moved == source


# A backup while a real server takes writes -------------------------------------------------------------------------


def _writes(base: str, tokens: dict[str, str], orgs: dict[str, int], stop: threading.Event, made: list[int]) -> None:
    headers = {k: {"Authorization": f"Bearer {t}"} for k, t in tokens.items()}
    body = {
        "title": "西安市快递行业集体协商", "level": "sector", "sector": "express_delivery", "region_code": "610100",
        "kind": "comprehensive", "union_org_id": orgs["union"], "employer_org_id": orgs["employer_body"],
        "bureau_org_id": orgs["bureau"], "covered_enterprise_ids": [orgs["ent1"], orgs["ent2"]],
        "topics": ["piece_rates", "pay_method", "rest_leave"],
    }  # fmt: skip
    with httpx.Client(base_url=base, timeout=60) as client:
        while not stop.is_set():
            flow = Flow(client, headers, body)  # type: ignore[arg-type]
            flow.to_consulting()  # five audited changes and two documents (proposal, proposal_reply)
            made.append(int(flow.id))


@pytest.fixture
def served(database_url: str, tmp_path: Path) -> Iterator[tuple[str, dict[str, str]]]:
    port = free_port()
    env = _env(database_url, tmp_path / "archive", "files")
    env.update(NEGOTIATION_ADMIN_TOKEN=ADMIN_TOKEN, NEGOTIATION_TEST_CLOCK="1")
    log = (tmp_path / "serve.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "negotiation.cli", "serve", "--port", str(port), "--workers", "1"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert process.poll() is None, (tmp_path / "serve.log").read_text()
            time.sleep(0.1)
        yield base, env
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()


def test_a_backup_taken_while_serve_receives_writes_restores_to_a_database_that_verifies(
    served: tuple[str, dict[str, str]], tmp_path: Path, target_url: str
) -> None:
    base, env = served
    with httpx.Client(base_url=base, timeout=30) as client:
        orgs, tokens = seed_parties(
            client, ADMIN_TOKEN, XIAN_ORGANIZATIONS,
            tuple((k, f"{k}用户", r, k) for k, r in (("union", "union_negotiator"), ("employer_body", "enterprise_rep"))),
        )  # fmt: skip
    stop, made = threading.Event(), []
    failures: list[BaseException] = []

    def writer() -> None:
        try:
            _writes(base, tokens, orgs, stop, made)
        except BaseException as exc:  # reported below: a writer that failed proves nothing
            failures.append(exc)

    writers = [threading.Thread(target=writer) for _ in range(2)]
    for thread in writers:
        thread.start()
    try:
        while len(made) < 3 and not failures:
            time.sleep(0.05)
        backed_up = _cli(env, "backup", str(tmp_path / "backup"))
        during = len(made)
        while len(made) < during + 2 and not failures:  # the server kept taking writes after the backup
            time.sleep(0.05)
    finally:
        stop.set()
        for thread in writers:
            thread.join(timeout=120)
    assert not failures, failures
    _assert_ok(backed_up)
    target = _env(target_url, tmp_path / "restored-archive", "files")
    _assert_ok(_cli(target, "restore", str(tmp_path / "backup")))
    _verified(target)
    restored, final = _contents(target_url), _contents(env["NEGOTIATION_DATABASE_URL"])
    assert 3 <= len(restored["cases"]) < len(final["cases"])  # taken mid-way: some cases, not all of them
    assert len(restored["documents"]) >= 2 * 3
    # What the snapshot holds is what the server had written: every restored document and audit row is a source row.
    assert set(restored["documents"]) <= set(final["documents"])
    assert set(restored["audit_events"]) <= set(final["audit_events"])


# Bad input ---------------------------------------------------------------------------------------------------------


@pytest.fixture
def backed_up(world: World, services: Services, tmp_path: Path) -> Path:
    Flow(world.client, {k: world.h(k) for k in world.tokens}, world.case_body()).to_consulting()
    folder = tmp_path / "backup"
    _assert_ok(_cli(_source_env(services), "backup", str(folder)))
    return folder


def _nothing_loaded(url: str, archive: Path) -> None:
    if url.startswith("sqlite"):
        database = Path(make_url(url).database or "")
        assert not database.exists() or not inspect(create_engine(url)).get_table_names()
    else:
        engine = create_engine(url)
        assert inspect(engine).get_table_names() == []
        engine.dispose()
    assert not archive.exists() or not any(archive.rglob("*"))


def test_backup_refuses_a_folder_that_is_not_empty(services: Services, tmp_path: Path) -> None:
    folder = tmp_path / "taken"
    folder.mkdir()
    (folder / "notes.txt").write_text("上周的备份说明", encoding="utf-8")
    done = _cli(_source_env(services), "backup", str(folder))
    assert done.returncode == 1 and "不是空的" in done.stderr and "Traceback" not in done.stderr
    assert sorted(p.name for p in folder.iterdir()) == ["notes.txt"]


def test_backup_refuses_an_archive_file_that_fails_its_hash_and_leaves_the_folder_empty(
    world: World, services: Services, tmp_path: Path
) -> None:
    Flow(world.client, {k: world.h(k) for k in world.tokens}, world.case_body()).to_consulting()
    damaged = next(p for p in services.settings.archive_root.rglob("*") if p.is_file())
    damaged.chmod(0o644)
    damaged.write_bytes(b"%PDF-1.7 damaged on disk")
    folder = tmp_path / "backup"
    done = _cli(_source_env(services), "backup", str(folder))
    assert done.returncode == 1 and damaged.name in done.stderr and "archive verify" in done.stderr
    assert list(folder.iterdir()) == []


def _edit_manifest(folder: Path, change: Any) -> None:
    path = folder / "manifest.json"
    manifest = json.loads(path.read_text(encoding="utf-8"))
    change(manifest)
    path.write_text(json.dumps(manifest), encoding="utf-8")


def _first_archive_file(folder: Path) -> str:
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    return next(k for k in sorted(manifest["files"]) if k.startswith("archive/"))


BAD_BACKUPS = {
    "manifest entry altered": lambda f: _edit_manifest(
        f, lambda m: m["files"]["database.sqlite3" if "database.sqlite3" in m["files"] else "database.pgdump"].update(
            sha256="0" * 64)
    ),
    "archive file altered": lambda f: (f / _first_archive_file(f)).write_bytes(b"%PDF-1.7 forged"),
    "archive file missing": lambda f: (f / _first_archive_file(f)).unlink(),
    "file not in the manifest": lambda f: (f / "archive" / "extra.pdf").write_bytes(b"%PDF-1.7"),
    "manifest truncated": lambda f: (f / "manifest.json").write_bytes((f / "manifest.json").read_bytes()[:50]),
    "manifest missing": lambda f: (f / "manifest.json").unlink(),
}  # fmt: skip
MESSAGES = {
    "manifest entry altered": "与清单不符",
    "archive file altered": "与清单不符",
    "archive file missing": "缺少文件",
    "file not in the manifest": "清单中没有列出文件 archive/extra.pdf",
    "manifest truncated": "无法解析",
    "manifest missing": "没有 manifest.json",
}


@pytest.mark.parametrize("how", list(BAD_BACKUPS))
def test_restore_refuses_a_backup_that_does_not_match_its_manifest_and_loads_nothing(
    backed_up: Path, tmp_path: Path, target_url: str, how: str
) -> None:
    BAD_BACKUPS[how](backed_up)
    target = _env(target_url, tmp_path / "restored-archive", "files")
    done = _cli(target, "restore", str(backed_up))
    assert done.returncode == 1, done.stdout + done.stderr
    assert MESSAGES[how] in done.stderr and "Traceback" not in done.stderr
    _nothing_loaded(target_url, tmp_path / "restored-archive")


def _replace_database_file(folder: Path, name: str, data: bytes, dialect: str) -> None:
    """Put `data` in the backup as its database file `name`, with a manifest that agrees (so only the dialect is off)."""
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    (folder / manifest["database"]).unlink()
    del manifest["files"][manifest["database"]]
    (folder / name).write_bytes(data)
    manifest.update(dialect=dialect, database=name)
    manifest["files"][name] = {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")


def test_restore_refuses_a_backup_of_the_other_database(backed_up: Path, tmp_path: Path, database_url: str) -> None:
    archive = tmp_path / "restored-archive"
    if database_url.startswith("postgresql"):  # a real pg_dump, restored where SQLite is configured
        sqlite_target = f"sqlite:///{tmp_path / 'other.sqlite3'}"
        done = _cli(_env(sqlite_target, archive, "files"), "restore", str(backed_up))
        assert done.returncode == 1 and "这份备份来自 postgresql 数据库，不能载入当前配置的 sqlite 数据库" in done.stderr
        _nothing_loaded(sqlite_target, archive)
        return
    sqlite_file = (backed_up / "database.sqlite3").read_bytes()
    _replace_database_file(backed_up, "database.pgdump", sqlite_file, "postgresql")  # a manifest of PostgreSQL
    done = _cli(_env(database_url.replace(".sqlite3", "-2.sqlite3"), archive, "files"), "restore", str(backed_up))
    assert done.returncode == 1 and "这份备份来自 postgresql 数据库，不能载入当前配置的 sqlite 数据库" in done.stderr
    _replace_database_file(backed_up, "database.sqlite3", b"PGDMP\x01\x0f" + sqlite_file[7:], "sqlite")  # not SQLite
    done = _cli(_env(database_url.replace(".sqlite3", "-2.sqlite3"), archive, "files"), "restore", str(backed_up))
    assert done.returncode == 1 and "database.sqlite3 不是 sqlite 的备份文件" in done.stderr
    _nothing_loaded(database_url.replace(".sqlite3", "-2.sqlite3"), archive)


def test_restore_into_a_target_that_is_not_empty_needs_force(
    world: World, services: Services, backed_up: Path, tmp_path: Path, target_url: str
) -> None:
    target = _env(target_url, tmp_path / "restored-archive", "files")
    _assert_ok(_cli(target, "restore", str(backed_up)))
    before = _contents(target_url)
    Flow(world.client, {k: world.h(k) for k in world.tokens}, world.case_body(title="备份之后的案件")).to_consulting()
    later = tmp_path / "later"
    _assert_ok(_cli(_source_env(services), "backup", str(later)))

    refused = _cli(target, "restore", str(later))
    assert refused.returncode == 1 and "不是空的" in refused.stderr and "--force" in refused.stderr
    assert _contents(target_url) == before  # nothing loaded

    _assert_ok(_cli(target, "restore", "--force", str(later)))
    _verified(target)
    assert _contents(target_url) == _contents(services.settings.database_url)
