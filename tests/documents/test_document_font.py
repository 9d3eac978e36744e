"""The cut-down document font keeps the source's shapes and metrics on its coarser outline grid."""

from __future__ import annotations

import pytest
from fontTools.pens.boundsPen import BoundsPen
from fontTools.ttLib import TTFont

from negotiation.documents.fonts import (
    CURVE_TOLERANCE_EM,
    FONT_FILE,
    SOURCE_FONT,
    UNITS_PER_EM,
    _source_font_number,
    ensure_document_font,
)

# Characters of different build: many strokes, curves, a full-width mark, Latin and digits.
SAMPLES = "商议劳动集体合同第条款元、，（）：aWg059"


@pytest.fixture(scope="module")
def fonts() -> tuple[TTFont, TTFont]:
    ensure_document_font()
    return TTFont(str(FONT_FILE)), TTFont(str(SOURCE_FONT), fontNumber=_source_font_number(), lazy=True)


def _bounds(font: TTFont, char: str) -> tuple[float, float, float, float]:
    name = font.getBestCmap()[ord(char)]
    pen = BoundsPen(font.getGlyphSet())
    font.getGlyphSet()[name].draw(pen)
    assert pen.bounds is not None, char
    return pen.bounds


def test_the_font_draws_on_its_own_grid() -> None:
    ensure_document_font()
    font = TTFont(str(FONT_FILE))
    assert font["head"].unitsPerEm == UNITS_PER_EM
    assert "glyf" in font and "CFF " not in font


@pytest.mark.parametrize("char", list(SAMPLES))
def test_each_glyph_keeps_the_source_outline_within_rounding_and_curve_tolerance(fonts: tuple[TTFont, TTFont], char: str) -> None:
    cut, source = fonts
    source_upem = source["head"].unitsPerEm
    # Half a unit of rounding on each axis, plus the quadratic approximation, plus the bounds of a
    # quadratic curve lying inside its control points: two units of the new grid in all.
    allowed = 2 / UNITS_PER_EM + CURVE_TOLERANCE_EM
    got = [v / UNITS_PER_EM for v in _bounds(cut, char)]
    want = [v / source_upem for v in _bounds(source, char)]
    assert max(abs(a - b) for a, b in zip(got, want, strict=True)) <= allowed, (char, got, want)
    advance = cut["hmtx"][cut.getBestCmap()[ord(char)]][0] / UNITS_PER_EM
    source_advance = source["hmtx"][source.getBestCmap()[ord(char)]][0] / source_upem
    assert abs(advance - source_advance) <= 0.5 / UNITS_PER_EM


def test_vertical_metrics_follow_the_source(fonts: tuple[TTFont, TTFont]) -> None:
    cut, source = fonts
    ratio = UNITS_PER_EM / source["head"].unitsPerEm
    for table, field in (("hhea", "ascent"), ("hhea", "descent"), ("OS/2", "sTypoAscender"), ("OS/2", "usWinAscent")):
        assert abs(getattr(cut[table], field) - getattr(source[table], field) * ratio) <= 0.5, (table, field)
