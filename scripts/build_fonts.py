"""Build the cut-down document font: Noto Serif CJK SC limited to GB2312, TrueType outlines.

Run once at install time (``python scripts/build_fonts.py``); the renderer builds it on first
use when the file is missing. The output is deterministic for a given source font.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from negotiation.documents.fonts import build_document_font  # noqa: E402


def main() -> int:
    """Build the font and its licence file, printing where they went."""
    force = "--force" in sys.argv[1:]
    path = build_document_font(force=force)
    print(f"{path} ({path.stat().st_size // 1024} KiB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
