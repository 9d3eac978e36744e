"""The document font: where it lives, what it covers, and how it is cut down from Noto Serif CJK SC.

Documents are set in "Xieshang Serif", Noto Serif CJK SC reduced once to the GB2312 repertoire
(plus Latin-1 and CJK punctuation) with TrueType outlines. Glyph ids follow usage frequency
(punctuation, GB2312 level 1, then level 2), because WeasyPrint keeps every glyph id up to the
highest one used: the common characters of a contract then stay in a short, cheap range.
Characters outside it fall back to the system Noto CJK faces through fontconfig.
"""

from __future__ import annotations

import contextlib
import fcntl
import re
from collections.abc import Iterator
from pathlib import Path

from negotiation.atomic_files import write_atomic

FONT_FAMILY = "Xieshang Serif"
FALLBACK_FAMILIES = ("Noto Serif CJK SC", "Noto Sans CJK SC", "DejaVu Serif", "DejaVu Sans")
FONT_DIR = Path(__file__).resolve().parent.parent / "fonts"
FONT_FILE = FONT_DIR / "XieshangSerif-GB2312.ttf"
LICENCE_FILE = FONT_DIR / "OFL.txt"
SOURCE_FONT = Path("/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc")
SOURCE_FAMILY = "Noto Serif CJK SC"
DEBIAN_COPYRIGHT = Path("/usr/share/doc/fonts-noto-cjk/copyright")
# A fixed timestamp (seconds since 1904) keeps rebuilt fonts, and so PDFs, byte-identical.
_FIXED_FONT_TIMESTAMP = 3_786_912_000
# The outline grid. The source draws on 1,000 units per em; 256 rounds a point by at most 1/512 em
# (7 µm in 10.5 pt body text, a sixth of a 600 dpi printer dot) and makes most coordinate steps one
# byte, which cuts the embedded font of the sample contract by a fifth (bench/README.md, issue 8).
UNITS_PER_EM = 256
# How far a quadratic outline may stray from the source's cubic one, in ems.
CURVE_TOLERANCE_EM = 0.002


def font_url() -> str:
    """Return the absolute file URL of the document font."""
    return FONT_FILE.as_uri()


def gb2312_characters() -> list[str]:
    """Return the GB2312 repertoire: symbols, then level-1 hanzi, then level-2 hanzi."""
    symbols: list[str] = []
    level1: list[str] = []
    level2: list[str] = []
    for lead in range(0xA1, 0xF8):
        for trail in range(0xA1, 0xFF):
            try:
                char = bytes((lead, trail)).decode("gb2312")
            except UnicodeDecodeError:
                continue
            if lead < 0xB0:
                symbols.append(char)
            elif lead < 0xD8:
                level1.append(char)
            else:
                level2.append(char)
    return symbols + level1 + level2


def repertoire() -> list[str]:
    """Return every character of the cut-down font, in glyph-id order."""
    latin = [chr(c) for c in range(0x20, 0x7F)] + [chr(c) for c in range(0xA0, 0x100)]
    punctuation = [chr(c) for c in range(0x2010, 0x2070)] + [chr(c) for c in range(0x3000, 0x3040)]
    fullwidth = [chr(c) for c in range(0xFF01, 0xFF5F)] + [chr(c) for c in range(0xFFE0, 0xFFE7)]
    seen: dict[str, None] = {}
    for char in latin + punctuation + fullwidth + gb2312_characters():
        seen.setdefault(char, None)
    return list(seen)


def licence_text() -> str:
    """Return the OFL 1.1 text that travels with the font, from Debian's copyright file."""
    raw = DEBIAN_COPYRIGHT.read_text(encoding="utf-8")
    match = re.search(r"^License: SIL-1\.1\n((?: .*\n)+)", raw, flags=re.MULTILINE)
    if match is None:
        raise RuntimeError(f"no SIL OFL 1.1 text in {DEBIAN_COPYRIGHT}")
    body = "\n".join("" if line.strip() == "." else line[1:] for line in match.group(1).splitlines())
    header = (
        "Xieshang Serif is a Modified Version of Noto Serif CJK SC (fonts-noto-cjk),\n"
        "reduced to the GB2312 repertoire and converted to TrueType outlines by\n"
        "scripts/build_fonts.py. It is distributed under the same licence.\n\n"
        "Copyright © 2017-2022 Adobe (http://www.adobe.com/), with Reserved Font Name 'Source'.\n"
        "Noto is a trademark of Google Inc.\n\n"
    )
    return header + body.strip() + "\n"


@contextlib.contextmanager
def _build_lock() -> Iterator[None]:
    FONT_DIR.mkdir(parents=True, exist_ok=True)
    with open(FONT_DIR / ".build.lock", "w", encoding="ascii") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def ensure_document_font() -> Path:
    """Return the document font's path, building it first if it is missing."""
    if FONT_FILE.exists() and LICENCE_FILE.exists():
        return FONT_FILE
    return build_document_font()


def build_document_font(*, force: bool = False) -> Path:
    """Cut Noto Serif CJK SC down to the repertoire with TrueType outlines; write it atomically."""
    with _build_lock():
        if not LICENCE_FILE.exists() or force:
            write_atomic(LICENCE_FILE, licence_text().encode("utf-8"))
        if FONT_FILE.exists() and not force:
            return FONT_FILE
        write_atomic(FONT_FILE, _cut_down_font())
    return FONT_FILE


def _source_font_number() -> int:
    from fontTools.ttLib import TTCollection

    collection = TTCollection(str(SOURCE_FONT), lazy=True)
    for number, face in enumerate(collection.fonts):
        if face["name"].getDebugName(1) == SOURCE_FAMILY:
            return number
    raise RuntimeError(f"{SOURCE_FAMILY} not found in {SOURCE_FONT}")


def _cut_down_font() -> bytes:
    import io

    from fontTools import subset
    from fontTools.pens.cu2quPen import Cu2QuPen
    from fontTools.pens.transformPen import TransformPen
    from fontTools.pens.ttGlyphPen import TTGlyphPen
    from fontTools.ttLib import TTFont, newTable
    from fontTools.ttLib.scaleUpem import scale_upem

    if not SOURCE_FONT.exists():
        raise FileNotFoundError(f"{SOURCE_FONT} is missing: install the Debian package fonts-noto-cjk")
    chars = repertoire()
    font = TTFont(str(SOURCE_FONT), fontNumber=_source_font_number(), lazy=False)
    options = subset.Options()
    options.layout_features = []
    options.drop_tables += ["GSUB", "GPOS", "BASE", "VORG", "vhea", "vmtx", "DSIG", "JSTF"]
    options.name_IDs = [0, 1, 2, 3, 4, 5, 6, 13, 14]
    options.name_languages = [0x409]
    options.notdef_outline = True
    options.recalc_timestamp = False
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=[ord(c) for c in chars])
    subsetter.subset(font)

    cmap = font.getBestCmap()
    order: dict[str, None] = {".notdef": None}
    for char in chars:
        name = cmap.get(ord(char))
        if name is not None:
            order.setdefault(name, None)
    for name in font.getGlyphOrder():
        order.setdefault(name, None)
    glyph_order = list(order)

    # Scaled before the quadratic conversion, so each point is rounded once, on the new grid.
    scale = UNITS_PER_EM / font["head"].unitsPerEm
    glyph_set = font.getGlyphSet()
    glyphs = {}
    for name in glyph_order:
        pen = TTGlyphPen(None)
        quadratic = Cu2QuPen(pen, max_err=CURVE_TOLERANCE_EM * UNITS_PER_EM, reverse_direction=True)
        glyph_set[name].draw(TransformPen(quadratic, (scale, 0, 0, scale, 0, 0)))
        glyphs[name] = pen.glyph()

    del font["CFF "]
    scale_upem(font, UNITS_PER_EM)  # the metrics tables; the outlines are already on the new grid
    font.setGlyphOrder(glyph_order)
    glyf = newTable("glyf")
    glyf.glyphOrder = glyph_order
    glyf.glyphs = glyphs
    font["glyf"] = glyf
    font["loca"] = newTable("loca")
    maxp = font["maxp"]
    maxp.tableVersion = 0x00010000
    for field in (
        "maxZones",
        "maxTwilightPoints",
        "maxStorage",
        "maxFunctionDefs",
        "maxInstructionDefs",
        "maxStackElements",
        "maxSizeOfInstructions",
        "maxComponentElements",
    ):
        setattr(maxp, field, 0)
    maxp.maxZones = 1
    maxp.maxComponentDepth = 0
    post = font["post"]
    post.formatType = 3.0
    post.extraNames = []
    post.mapping = {}
    post.glyphOrder = None
    head = font["head"]
    head.glyphDataFormat = 0
    head.created = head.modified = _FIXED_FONT_TIMESTAMP
    font.sfntVersion = "\x00\x01\x00\x00"
    _rename(font)

    buffer = io.BytesIO()
    font.save(buffer, reorderTables=True)
    return buffer.getvalue()


def _rename(font: object) -> None:
    from fontTools.ttLib import TTFont

    assert isinstance(font, TTFont)
    table = font["name"]
    postscript = FONT_FAMILY.replace(" ", "") + "-Regular"
    for record in table.names:
        if record.nameID in (1, 16):
            record.string = FONT_FAMILY
        elif record.nameID in (2, 17):
            record.string = "Regular"
        elif record.nameID == 3:
            record.string = f"{postscript};GB2312 cut of Noto Serif CJK SC"
        elif record.nameID == 4:
            record.string = f"{FONT_FAMILY} Regular"
        elif record.nameID == 6:
            record.string = postscript
    table.names = [r for r in table.names if r.nameID not in (16, 17)]
