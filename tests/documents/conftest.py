"""Fixtures for document tests: each sample document is rendered once per module and shared."""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass

import pypdf
import pytest

from negotiation.documents import DOCUMENT_KINDS, RenderedDocument, render_pdf
from negotiation.documents.samples import sample_attachments, sample_context


@dataclass(frozen=True)
class RenderedSample:
    """A rendered sample with its inputs and the text pypdf extracts from it."""

    kind: str
    sample: str
    attachments: dict[str, bytes]
    rendered: RenderedDocument
    reader: pypdf.PdfReader
    pages_text: list[str]

    @property
    def text(self) -> str:
        """All pages' text, joined, with line breaks removed (pypdf breaks lines where layout does)."""
        return "".join(self.pages_text).replace("\n", "")


def render_sample_pdf(kind: str, sample: str = "xian_express") -> RenderedSample:
    """Render one sample document and extract its text."""
    attachments = sample_attachments(kind, sample)
    rendered = render_pdf(kind, sample_context(kind, sample), attachments)
    reader = pypdf.PdfReader(io.BytesIO(rendered.pdf))
    return RenderedSample(kind, sample, attachments, rendered, reader, [page.extract_text() for page in reader.pages])


_CACHE: dict[tuple[str, str], RenderedSample] = {}


def cached_sample(kind: str, sample: str = "xian_express") -> RenderedSample:
    """Render a sample once per test session."""
    key = (kind, sample)
    if key not in _CACHE:
        _CACHE[key] = render_sample_pdf(kind, sample)
    return _CACHE[key]


@pytest.fixture(scope="module")
def xian() -> Callable[[str], RenderedSample]:
    """Return the Xi'an sample's rendered documents by kind."""
    return lambda kind: cached_sample(kind, "xian_express")


@pytest.fixture(
    scope="module",
    params=[(k, s) for s in ("xian_express", "minimal_wage") for k in DOCUMENT_KINDS],
    ids=lambda p: f"{p[1]}-{p[0]}",
)
def every_sample(request: pytest.FixtureRequest) -> RenderedSample:
    """Every document kind of every sample, rendered once."""
    kind, sample = request.param
    return cached_sample(kind, sample)
