"""NEGOTIATION_ARCHIVE_URL=database: documents kept as rows of the database, by sha256, written in the transaction of
their document row, verified on every read (a tampered row is refused by the API and by `archive verify`), never
rewritten; a bad NEGOTIATION_ARCHIVE_URL stops `serve` naming the variable. On SQLite and on PostgreSQL."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select, update

from negotiation.adapters.blob_archive import DatabaseArchive
from negotiation.adapters.orm import archive_blobs
from negotiation.bootstrap import Services, bootstrap
from negotiation.config import Settings
from negotiation.errors import ArchiveIntegrityError
from tests.conftest import ADMIN_TOKEN, World
from tests.flows import Flow

ROOT = Path(__file__).resolve().parents[2]
APPROVERS = ("employer_body", "ent1", "ent2")


@pytest.fixture
def services(database_url: str, tmp_path: Path) -> Iterator[Services]:
    """The shared fixtures' services (and so their client and world), with the database archive."""
    settings = Settings(
        database_url=database_url, archive_url="database", archive_dir=tmp_path / "archive", admin_token=ADMIN_TOKEN,
        test_clock=True,
    )  # fmt: skip
    built = bootstrap(settings)
    yield built
    built.engine.dispose()


def _in_force(world: World) -> tuple[Flow, list[dict[str, object]]]:
    flow = Flow(world.client, {k: world.h(k) for k in world.tokens}, world.case_body())
    flow.to_in_force(APPROVERS)
    listing = world.client.get(f"/api/v1/cases/{flow.id}/documents", headers=world.h("union")).json()
    return flow, listing


def _cli(services: Services, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEGOTIATION_")}
    env.update(
        PYTHONPATH=str(ROOT),
        NEGOTIATION_DATABASE_URL=services.settings.database_url,
        NEGOTIATION_ARCHIVE_URL="database",
        NEGOTIATION_ARCHIVE_DIR=str(services.settings.archive_dir),
    )
    return subprocess.run(
        [sys.executable, "-m", "negotiation.cli", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def test_documents_are_rows_of_the_database_served_with_the_sha256_they_were_made_with(world: World, services: Services) -> None:
    _flow, listing = _in_force(world)
    kinds = [d["kind"] for d in listing]
    assert kinds == [
        "proposal", "proposal_reply", "draft", "resolution", "contract", "filing_pack", "receipt", "publication", "public_contract"
    ]  # fmt: skip
    for doc in listing:
        r = world.client.get(f"/api/v1/documents/{doc['id']}/content", headers=world.h("union"))
        assert r.status_code == 200 and r.content.startswith(b"%PDF-")
        assert hashlib.sha256(r.content).hexdigest() == doc["sha256"]
        assert r.headers["etag"] == f'"{doc["sha256"]}"'
    with services.engine.connect() as connection:
        stored = dict(connection.execute(select(archive_blobs.c.sha256, archive_blobs.c.size)).all())
    assert stored == {d["sha256"]: d["size"] for d in listing}
    assert not (services.settings.archive_dir).exists()  # no file written anywhere: the database holds them all
    draft = next(d for d in listing if d["kind"] == "draft")
    pdf = world.client.get(f"/api/v1/cases/{_flow.id}/drafts/{draft['draft_version']}/pdf", headers=world.h("ent1"))
    assert pdf.status_code == 200 and hashlib.sha256(pdf.content).hexdigest() == draft["sha256"]
    clean = _cli(services, "archive", "verify")
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert f"已核验 {len(listing)} 份文书，0 份有问题" in clean.stdout


def test_a_tampered_row_is_refused_on_read_with_an_audit_alert_and_by_archive_verify(world: World, services: Services) -> None:
    flow, listing = _in_force(world)
    contract = next(d for d in listing if d["kind"] == "contract")
    with services.engine.begin() as connection:
        data = connection.execute(select(archive_blobs.c.data).where(archive_blobs.c.sha256 == contract["sha256"])).scalar_one()
        forged = bytearray(data)
        forged[len(forged) // 2] ^= 0xFF
        connection.execute(update(archive_blobs).where(archive_blobs.c.sha256 == contract["sha256"]).values(data=bytes(forged)))
    r = world.client.get(f"/api/v1/documents/{contract['id']}/content", headers=world.h("union"))
    assert r.status_code == 500 and r.json()["error"]["code"] == "archive_integrity_error"
    assert b"%PDF" not in r.content
    audit = world.client.get(f"/api/v1/cases/{flow.id}/audit", headers=world.h("union")).json()
    assert audit[-1]["event"] == "archive_integrity_alert" and audit[-1]["actor"] == "system"
    other = next(d for d in listing if d["kind"] == "receipt")
    assert world.client.get(f"/api/v1/documents/{other['id']}/content", headers=world.h("union")).status_code == 200
    done = _cli(services, "archive", "verify")
    assert done.returncode == 1, done.stdout + done.stderr
    assert f"文书 {contract['id']} sha256={contract['sha256']}：content does not match its sha256" in done.stdout
    assert "1 份有问题" in done.stderr


def test_a_put_of_the_same_bytes_is_a_no_op_and_a_row_is_never_rewritten(services: Services) -> None:
    with services.engine.begin() as connection:
        archive = DatabaseArchive(connection)
        digest = archive.put(b"%PDF-1.7 signed contract")
        first = connection.execute(select(archive_blobs.c.created_at).where(archive_blobs.c.sha256 == digest)).scalar_one()
        assert archive.put(b"%PDF-1.7 signed contract") == digest == hashlib.sha256(b"%PDF-1.7 signed contract").hexdigest()
        assert connection.execute(select(func.count()).select_from(archive_blobs)).scalar_one() == 1
        again = connection.execute(select(archive_blobs.c.created_at).where(archive_blobs.c.sha256 == digest)).scalar_one()
        assert again == first
        assert archive.get(digest) == b"%PDF-1.7 signed contract" and archive.exists(digest)
        assert list(archive.iter_hashes()) == [digest]
        # Someone with database access changes the row: the next put of the right bytes neither hides nor mends it.
        connection.execute(update(archive_blobs).values(data=b"forged"))
        with pytest.raises(ArchiveIntegrityError) as caught:
            archive.put(b"%PDF-1.7 signed contract")
        assert "not overwritten" in caught.value.reason
        assert connection.execute(select(archive_blobs.c.data)).scalar_one() == b"forged"
        with pytest.raises(ArchiveIntegrityError):
            archive.get(digest)
        with pytest.raises(ArchiveIntegrityError) as missing:
            archive.get("0" * 64)
        assert missing.value.reason == "missing"


def test_a_blob_is_written_in_the_unit_of_works_transaction(services: Services) -> None:
    with services.uow() as uow:
        digest = uow.archive.put(b"rolled back with its document row")
        assert uow.archive.exists(digest)
        # leaving without commit rolls back
    with services.uow.reading() as uow:
        assert not uow.archive.exists(digest)
    with services.uow() as uow:
        uow.archive.put(b"committed with its document row")
        uow.commit()
    with services.uow.reading() as uow:
        assert uow.archive.get(hashlib.sha256(b"committed with its document row").hexdigest())


def _serve(tmp_path: Path, archive_url: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEGOTIATION_")}
    env.update(
        PYTHONPATH=str(ROOT),
        NEGOTIATION_DATABASE_URL=f"sqlite:///{tmp_path / 'serve.sqlite3'}",
        NEGOTIATION_ARCHIVE_URL=archive_url,
    )
    return subprocess.run(
        [sys.executable, "-m", "negotiation.cli", "serve", "--port", "1"],  # port 1: it must stop before listening
        env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip


@pytest.mark.parametrize("bad", ["file://var/archive", "file:relative/archive", "var/archive", "s3://bucket/archive"])
def test_serve_refuses_a_bad_archive_url_naming_the_variable(tmp_path: Path, bad: str) -> None:
    done = _serve(tmp_path, bad)
    assert done.returncode == 2, done.stderr
    assert "NEGOTIATION_ARCHIVE_URL" in done.stderr and "file:///" in done.stderr and bad in done.stderr
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "serve.sqlite3").exists()  # refused before anything was made


def test_a_file_url_names_the_folder_of_the_file_archive(tmp_path: Path) -> None:
    settings = Settings(archive_url=f"file://{tmp_path / 'elsewhere'}", archive_dir=tmp_path / "default")
    assert settings.archive_root == tmp_path / "elsewhere" and not settings.archive_in_database
    assert Settings(archive_dir=tmp_path / "default").archive_root == tmp_path / "default"
