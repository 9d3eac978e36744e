"""Interpreter tuning and library patches live in negotiation/speedups.py alone, each with its measurement."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from negotiation import speedups

ROOT = Path(__file__).resolve().parents[2]
TRICKS = re.compile(
    r"\bgc\.(freeze|set_threshold|disable)\b|\bctypes\.util\b|\bsys\.setswitchinterval\b|setattr\(ctypes|BytecodeCache"
)


def test_no_speed_trick_outside_the_speedups_module() -> None:
    found = [
        f"{path.relative_to(ROOT)}:{n}"
        for package in ("negotiation", "api")
        for path in (ROOT / package).rglob("*.py")
        if path != Path(speedups.__file__)
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if TRICKS.search(line)
    ]
    assert found == []


def test_every_trick_of_the_module_is_in_its_table_with_a_measurement() -> None:
    doc = speedups.__doc__ or ""
    for name in ("fewer_collections", "renderer_module", "compiled_template_cache", "one_shot_process", "freeze_worker"):
        row = next((line for line in doc.splitlines() if line.startswith(f"| ``{name}()``")), "")
        assert "bench/" in row, f"{name} has no measured row in the speedups table"


# The console entry with both of its targets replaced by a probe that reports whether the collector runs.
_ENTRY_WITH_PROBE = """
import gc, sys
import negotiation.cli as cli
import negotiation.documents.render_cli as render_cli
render_cli.main = lambda argv: print("render", gc.isenabled()) or 0
cli.main = lambda: print("cli", gc.isenabled())
sys.argv = ["negotiation", *sys.argv[1:]]
from negotiation.entry import main
main()
"""


def _entry(*argv: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", _ENTRY_WITH_PROBE, *argv], capture_output=True, text=True, timeout=60, check=True
    )
    return done.stdout.strip()


def test_a_render_process_runs_without_the_cyclic_collector_and_other_commands_keep_it() -> None:
    assert _entry("render", "contract", "--out", "x.pdf") == "render False"
    assert _entry("serve", "--port", "8000") == "cli True"
