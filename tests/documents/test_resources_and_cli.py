"""Templates read nothing outside contract_templates/ and the fonts; the sample CLI needs no database."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pypdf
import pytest

from negotiation.documents.fonts import FONT_DIR, FONT_FILE, LICENCE_FILE
from negotiation.documents.html import TEMPLATE_ROOT
from negotiation.documents.pdf import ForbiddenResourceError, TemplateURLFetcher
from negotiation.documents.render_cli import main

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "http://example.com/logo.png",
        "https://example.com/x.css",
        "data:text/css,body{}",
        (TEMPLATE_ROOT / ".." / "pyproject.toml").as_uri(),
        "file://remote-host/contract_templates/_base/print.css",
    ],
)
def test_fetcher_refuses_everything_outside_templates_and_fonts(url: str) -> None:
    with pytest.raises(ForbiddenResourceError):
        TemplateURLFetcher((TEMPLATE_ROOT, FONT_DIR)).fetch(url)


def test_fetcher_serves_template_files_and_the_font() -> None:
    fetcher = TemplateURLFetcher((TEMPLATE_ROOT, FONT_DIR))
    assert b"@page" in fetcher.fetch((TEMPLATE_ROOT / "_base" / "print.css").as_uri()).read()
    assert fetcher.fetch(FONT_FILE.as_uri()).read()[:4] == b"\x00\x01\x00\x00"


def test_the_font_travels_with_its_ofl_licence() -> None:
    text = LICENCE_FILE.read_text(encoding="utf-8")
    assert "SIL OPEN FONT LICENSE Version 1.1" in text and "Noto Serif CJK SC" in text


def test_render_cli_writes_standalone_html(tmp_path: Path) -> None:
    out = tmp_path / "contract.html"
    assert main(["contract", "--format", "html", "--out", str(out)]) == 0
    html = out.read_text(encoding="utf-8")
    assert "<style>" in html and FONT_FILE.as_uri() in html and "西安市快递行业工会联合会" in html


def test_render_cli_runs_as_a_cold_process_without_a_database(tmp_path: Path) -> None:
    out = tmp_path / "minutes.pdf"
    subprocess.run(
        [sys.executable, "-m", "negotiation.documents.render_cli", "minutes", "--format", "pdf", "--out", str(out)],
        cwd=ROOT,
        check=True,
        timeout=120,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)},
    )
    reader = pypdf.PdfReader(out)
    assert "集体协商会议纪要" in reader.pages[0].extract_text()
    assert (
        "sqlalchemy"
        not in subprocess.run(
            [sys.executable, "-X", "importtime", "-c", "import negotiation.documents.render_cli"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stderr
    )
