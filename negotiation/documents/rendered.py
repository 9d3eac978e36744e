"""Results and errors of rendering, importable without loading WeasyPrint."""

from __future__ import annotations

from dataclasses import dataclass


class DocumentRenderError(RuntimeError):
    """A document could not be rendered; no PDF was produced."""


class IllegibleTextError(DocumentRenderError):
    """The rendered text holds characters that no installed font can draw."""

    def __init__(self, characters: tuple[str, ...]) -> None:
        self.characters = characters
        listed = ", ".join(f"U+{ord(c):04X}" for c in characters)
        super().__init__(f"no font can draw: {listed}")


@dataclass(frozen=True, slots=True)
class RenderedDocument:
    """A rendered document: the PDF bytes, their sha256, and the HTML they came from."""

    kind: str
    pdf: bytes
    sha256: str
    html: str
    page_count: int
    missing_glyphs: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
