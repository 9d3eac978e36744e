"""`negotiation serve` as a separate process, for the tests where a real server is the point: started on a free port
with an environment of its own, waited for, stopped, killed with SIGKILL and started again on the same database and
archive; the CLI run against the same settings."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
ADMIN = "served-admin-token-0123456789abcdef-xyz"


def free_port() -> int:
    """A TCP port nobody listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@dataclass
class Served:
    """One `negotiation serve` (its workers in one process group) and how to reach, stop and restart it."""

    env: dict[str, str]
    log: Path
    workers: int = 1
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def archive(self) -> Path:
        return Path(self.env["NEGOTIATION_ARCHIVE_DIR"])

    def start(self, timeout: float = 60) -> None:
        """Start the server (migrations first, as `negotiation serve` does) and wait until /healthz answers."""
        assert self.process is None, "already running"
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "negotiation.cli", "serve", "--host", "127.0.0.1", "--port", str(self.port),
                 "--workers", str(self.workers)],
                cwd=ROOT, env=self.env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
            )  # fmt: skip
        deadline = time.monotonic() + timeout
        while True:
            try:
                if httpx.get(f"{self.base}/healthz", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            assert self.process.poll() is None, self.log.read_text(encoding="utf-8", errors="replace")
            assert time.monotonic() < deadline, "the server did not answer /healthz in time"
            time.sleep(0.1)

    def stop(self) -> None:
        """Stop the server as an operator would (SIGTERM: requests in flight finish)."""
        if self.process is None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.kill()
        self.process = None

    def kill(self) -> None:
        """SIGKILL to the server and every worker at once: nothing gets to finish or clean up."""
        assert self.process is not None
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=20)
        self.process = None

    def cli(self, *args: str) -> subprocess.CompletedProcess[str]:
        """`negotiation ARGS…` with the server's settings (database, archive, test clock)."""
        return subprocess.run(
            [sys.executable, "-m", "negotiation.cli", *args], cwd=ROOT, env=self.env, capture_output=True, text=True, timeout=300
        )

    def lines(self) -> list[dict[str, object]]:
        """The JSON lines the server logged so far."""
        time.sleep(0.3)  # a worker writes its line after the answer
        found = []
        for raw in self.log.read_text(encoding="utf-8").splitlines():
            if raw.startswith("{"):
                found.append(json.loads(raw))
        return found


@contextmanager
def serving(
    tmp_path: Path,
    *,
    database_url: str | None = None,
    workers: int = 1,
    admin_token: str = ADMIN,
    settings: Mapping[str, str] | None = None,
) -> Iterator[Served]:
    """A running server on `database_url` (default: a new SQLite file) with the test clock, stopped afterwards.

    The environment is this one without any NEGOTIATION_* variable, plus the server's own settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEGOTIATION_")}
    env.update(
        NEGOTIATION_DATABASE_URL=database_url or f"sqlite:///{tmp_path / 'served.sqlite3'}",
        NEGOTIATION_ARCHIVE_DIR=str(tmp_path / "archive"),
        NEGOTIATION_ADMIN_TOKEN=admin_token,
        NEGOTIATION_TEST_CLOCK="1",
        **(settings or {}),
    )
    served = Served(env=env, log=tmp_path / "serve.log", workers=workers)
    served.start()
    try:
        yield served
    finally:
        served.stop()
