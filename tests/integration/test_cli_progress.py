"""Long CLI work shows its progress on a terminal (stderr a tty) and nothing of it in a pipe or a log."""

from __future__ import annotations

import json
import os
import pty
import subprocess
import sys
from pathlib import Path

from negotiation.bootstrap import Services
from tests.conftest import World
from tests.integration.support import new_flow

ROOT = Path(__file__).resolve().parents[2]


def _run(services: Services, *args: str, terminal: bool) -> tuple[int, str, str]:
    """Run the CLI with stderr on a pseudo-terminal (or a pipe); its exit status, stdout and stderr."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEGOTIATION_")}
    env.update(
        NEGOTIATION_DATABASE_URL=services.settings.database_url,
        NEGOTIATION_ARCHIVE_DIR=str(services.settings.archive_dir),
        NEGOTIATION_TEST_CLOCK="1",
    )
    command = [sys.executable, "-m", "negotiation.cli", *args]
    if not terminal:
        done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
        return done.returncode, done.stdout, done.stderr
    controller, child = pty.openpty()
    with subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=child, text=True) as proc:
        os.close(child)
        seen = b""
        while True:
            try:
                chunk = os.read(controller, 4096)
            except OSError:  # the terminal closed with the process
                break
            if not chunk:
                break
            seen += chunk
        stdout = proc.stdout.read() if proc.stdout else ""
        proc.wait(timeout=120)
    os.close(controller)
    return proc.returncode, stdout, seen.decode("utf-8", "replace")


def _three_proposed_cases(world: World) -> list[int]:
    ids = []
    for _ in range(3):
        flow = new_flow(world)
        flow.representatives()
        flow.event("union", "propose", {"served_on": "2026-11-02", "demands": "提高计件单价"})
        ids.append(flow.id)
    return ids


def test_audit_archive_and_tick_show_progress_on_a_terminal_only(world: World, services: Services) -> None:
    ids = _three_proposed_cases(world)

    status, stdout, shown = _run(services, "audit", "verify", terminal=True)
    assert status == 0 and json.loads(stdout)["ok"] is True
    assert "核验审计链：3/3 100%" in shown
    status, stdout, quiet = _run(services, "audit", "verify", terminal=False)
    assert status == 0 and "核验审计链" not in quiet

    status, stdout, shown = _run(services, "archive", "verify", terminal=True)
    assert status == 0, shown
    assert "核验存档文书：3/3 100%" in shown and "已核验 3 份文书，0 份有问题" in stdout

    status, stdout, shown = _run(services, "tick", "--as-of", "2026-11-24", terminal=True)
    assert status == 0
    assert sorted(f["case_id"] for f in json.loads(stdout)["fired"]) == ids  # R6: 20 days without a reply
    assert "处理到期期限的案件：3/3 100%" in shown
    status, stdout, quiet = _run(services, "tick", "--as-of", "2026-11-25", terminal=False)
    assert status == 0 and json.loads(stdout) == {"fired": []} and "处理到期期限" not in quiet
