"""`negotiation serve` starts by removing what a write killed half-way left in the file archive (its temporary
file), before any worker writes; stored documents stay."""

from __future__ import annotations

from pathlib import Path

import httpx

from tests.served import serving


def test_serve_removes_a_killed_writes_temporary_file_before_it_serves(tmp_path: Path) -> None:
    folder = tmp_path / "archive" / "ab" / "cd"
    folder.mkdir(parents=True)
    leftover, stored = folder / ".abcdef12-x1y2z3.tmp", folder / ("abcd" + "0" * 60)
    leftover.write_bytes(b"%PDF-1.7 half-written")
    stored.write_bytes(b"kept as it is")  # not a temporary file: never touched here
    with serving(tmp_path) as served:
        assert httpx.get(f"{served.base}/healthz").status_code == 200
        assert not leftover.exists()
        assert stored.read_bytes() == b"kept as it is"
