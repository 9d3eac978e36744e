"""Which characters no available font can draw: the document font's cmap plus fontconfig's fonts."""

from __future__ import annotations

import bisect
import functools
import shutil
import subprocess
import unicodedata

from negotiation.documents.fonts import ensure_document_font

# Characters that are not drawn as glyphs: controls (newline, tab), format marks (bidi, ZWJ),
# line/paragraph separators, and variation selectors.
_NOT_DRAWN_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp"})


def _is_drawn(char: str) -> bool:
    code = ord(char)
    if 0xFE00 <= code <= 0xFE0F or 0xE0100 <= code <= 0xE01EF:
        return False
    return unicodedata.category(char) not in _NOT_DRAWN_CATEGORIES


def _parse_charset(text: str) -> list[tuple[int, int]]:
    ranges: list[tuple[int, int]] = []
    for token in text.split():
        low, _, high = token.partition("-")
        ranges.append((int(low, 16), int(high or low, 16)))
    return ranges


def _merge(ranges: list[tuple[int, int]]) -> tuple[list[int], list[int]]:
    starts: list[int] = []
    ends: list[int] = []
    for low, high in sorted(ranges):
        if starts and low <= ends[-1] + 1:
            ends[-1] = max(ends[-1], high)
        else:
            starts.append(low)
            ends.append(high)
    return starts, ends


@functools.lru_cache(maxsize=1)
def _coverage() -> tuple[list[int], list[int]]:
    from fontTools.ttLib import TTFont

    ranges = [(code, code) for code in TTFont(str(ensure_document_font()), lazy=True).getBestCmap()]
    fc_list = shutil.which("fc-list")
    if fc_list is not None:
        listing = subprocess.run(
            [fc_list, "--format", "%{charset}\n"], check=True, capture_output=True, text=True, timeout=60
        ).stdout
        for line in listing.splitlines():
            ranges.extend(_parse_charset(line))
    return _merge(ranges)


def can_draw(char: str) -> bool:
    """Whether some available font has a glyph for ``char`` (non-drawn marks count as drawable)."""
    if not _is_drawn(char):
        return True
    starts, ends = _coverage()
    index = bisect.bisect_right(starts, ord(char)) - 1
    return index >= 0 and ord(char) <= ends[index]


def illegible_characters(text: str) -> list[tuple[str, int]]:
    """Return each character of ``text`` that no font can draw, with its index in ``text``."""
    return [(char, index) for index, char in enumerate(text) if not can_draw(char)]
