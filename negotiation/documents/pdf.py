"""PDF/A-3b rendering with WeasyPrint (the only module importing it): resources, stylesheets, parsing, attachments.

What the written file carries beyond WeasyPrint's own output (case XMP, fixed dates, objects
serialised and compressed once) is in ``pdfa.py``; its names are re-exported here.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import re
import threading
import time
from collections.abc import Iterator, Mapping
from importlib.resources import files
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit
from xml.etree import ElementTree as ET

import cssselect2  # type: ignore[import-untyped]
import weasyprint
import weasyprint.css
from weasyprint.css.counters import CounterStyle
from weasyprint.pdf.metadata import DocumentMetadata
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import FatalURLFetchingError, URLFetcher, URLFetcherResponse

from negotiation.documents.context import DocumentContext
from negotiation.documents.fonts import FONT_DIR, ensure_document_font
from negotiation.documents.html import TEMPLATE_ROOT, base_css, render_html
from negotiation.documents.pdfa import PDF_VARIANT, TAGGED_KINDS, finish_pdf, fixed_datetime, with_case_properties, xmp_properties
from negotiation.documents.pdfa import STREAM_COMPRESSION_LEVEL as STREAM_COMPRESSION_LEVEL
from negotiation.documents.pdfa import XMP_NAMESPACE as XMP_NAMESPACE
from negotiation.documents.pdfa import XMP_PREFIX as XMP_PREFIX
from negotiation.documents.rendered import DocumentRenderError, IllegibleTextError, RenderedDocument
from negotiation.metrics import DOCUMENT_RENDER_SECONDS, DOCUMENTS_RENDERED
from negotiation.speedups import fewer_collections

FONTTOOLS_FALLBACK = "Using fontTools instead of HarfBuzz-Subset"
_MISSING_GLYPH = re.compile(r"\.notdef glyph rendered .*\(U\+([0-9A-F]{4,6})\)")


class ForbiddenResourceError(FatalURLFetchingError):  # type: ignore[misc]
    """A template asked for a resource outside contract_templates/ and the font folder."""


class TemplateURLFetcher(URLFetcher):  # type: ignore[misc]
    """Serve only files under contract_templates/ and the font folder; refuse everything else."""

    def __init__(self, roots: tuple[Path, ...]) -> None:
        super().__init__(allowed_protocols=("file",), allow_redirects=False, fail_on_errors=True)
        self._roots = tuple(root.resolve() for root in roots)

    def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
        """Return the file behind an allowed file: URL, else raise ForbiddenResourceError."""
        parts = urlsplit(url)
        if parts.scheme != "file" or parts.netloc not in ("", "localhost"):
            raise ForbiddenResourceError(f"resource refused: {url}")
        path = Path(unquote(parts.path)).resolve()
        if not any(path.is_relative_to(root) for root in self._roots) or not path.is_file():
            raise ForbiddenResourceError(f"resource refused: {url}")
        return URLFetcherResponse(path.as_uri(), path.read_bytes())


# WeasyPrint's user-agent rules for pseudo-elements of *every* element, and the elements they are
# narrowed to: list items are the only elements with markers in our documents, and footnotes or
# notes, should a template ever use them, carry the class of the same name.
_UNIVERSAL_PSEUDO_RULES = {
    "marker": "li",
    "footnote-call": ".footnote",
    "footnote-marker": ".footnote",
    "note-call": ".note",
    "note-marker": ".note",
    "note-callback": ".note",
}


# One ``@counter-style`` rule of WeasyPrint's user-agent stylesheet (its descriptors hold no braces).
_COUNTER_STYLE_RULE = re.compile(r"@counter-style [a-z-]+ \{[^{}]*\}\s*")


def user_agent_css() -> str:
    """Return WeasyPrint's HTML user-agent stylesheet with its universal pseudo-element rules narrowed and
    its ``@counter-style`` rules left out.

    A rule such as ``::marker { … }`` matches every element, so WeasyPrint computed a style for six
    pseudo-elements of each element, none of which is ever drawn: seven style computations per
    element instead of one. Narrowed to the elements that can have them, the cascade is the same.

    The counter styles (48 rules, 8.6 of the file's 18.5 KB) are read by a document from WeasyPrint's
    own parse of the same file, made when it is imported (``HTML._ua_counter_style``); parsed again
    here they went into a counter-style table nothing reads: ~29 ms of a cold render (bench/README.md).
    """
    text = (files(weasyprint.css) / "html5_ua.css").read_text("utf-8")
    text, counter_styles = _COUNTER_STYLE_RULE.subn("", text)
    if counter_styles == 0 or "@counter-style" in text:
        raise RuntimeError("WeasyPrint's user-agent stylesheet changed: an @counter-style rule not of the expected form")
    for pseudo, owner in _UNIVERSAL_PSEUDO_RULES.items():
        rule = f"\n::{pseudo} {{"
        if text.count(rule) != 1:
            raise RuntimeError(f"WeasyPrint's user-agent stylesheet changed: no single '::{pseudo}' rule")
        text = text.replace(rule, f"\n{owner}::{pseudo} {{")
    if re.search(r"(^|[},]\s*)::", text, flags=re.MULTILINE):
        raise RuntimeError("WeasyPrint's user-agent stylesheet has another universal pseudo-element rule")
    return text


class _DocumentHTML(weasyprint.HTML):  # type: ignore[misc]
    """An HTML document styled with the narrowed user-agent stylesheet."""

    user_agent_stylesheet: weasyprint.CSS

    def _ua_stylesheets(self, forms: bool = False) -> list[weasyprint.CSS]:
        sheets: list[weasyprint.CSS] = super()._ua_stylesheets(forms)
        return [self.user_agent_stylesheet, *sheets[1:]]

    @classmethod
    def from_tree(cls, root: ET.Element, base_url: str, url_fetcher: URLFetcher) -> _DocumentHTML:
        """Build the document from a parsed tree, setting what ``HTML.__init__`` sets after parsing."""
        document = cls.__new__(cls)
        document.base_url = weasyprint._find_base_url(root, base_url)
        document.url_fetcher = url_fetcher
        document.media_type = "print"
        document.wrapper_element = cssselect2.ElementWrapper.from_html_root(root, content_language=None)
        document.etree_element = document.wrapper_element.etree_element
        return document


# Elements whose start tag closes an open <p> in HTML parsing: a <p> holding one is not read as written.
_CLOSES_P = frozenset(
    "address article aside blockquote center details dialog dir div dl fieldset figcaption figure footer "
    "form h1 h2 h3 h4 h5 h6 header hgroup hr main menu nav ol p pre section summary table ul".split()
)
_TABLE_PARTS = frozenset(("caption", "colgroup", "thead", "tbody", "tfoot", "tr"))
_WHITESPACE_IN_TAG = re.compile(r"<[^>]*[\t\n\r][^>]*>")


def _blank(text: str | None) -> bool:
    return text is None or not text.strip(" \t\n\r\f")


def parse_well_formed(markup: str) -> ET.Element | None:
    """Parse template output with the XML parser and return the tree the HTML parser would build.

    Our templates write well-formed markup (void elements closed, ``<p>`` never holding blocks), for
    which expat gives the HTML parser's tree once its implied parts are added: a ``<tbody>`` around
    rows, no text before ``<head>``, the text after ``</body>`` appended to the body. It takes a
    tenth of a millisecond instead of tinyhtml5's four. Return ``None`` for anything else (not
    well-formed, characters XML forbids, attribute values XML would normalise, ``<p>`` holding a
    block, text or stray elements in a table): that is parsed as HTML.
    """
    if _WHITESPACE_IN_TAG.search(markup):
        return None
    try:
        root = ET.fromstring(markup)
    except ET.ParseError:
        return None
    body = root.find("body")
    if root.tag != "html" or len(root) != 2 or root[0].tag != "head" or body is not root[1] or not _blank(root.text):
        return None
    for element in root.iter():
        if element.tag == "p" and any(child.tag in _CLOSES_P for child in element.iter() if child is not element):
            return None
        if element.tag == "table" and not _normalise_table(element):
            return None
    root.text = None
    trailing = (body.tail or "") + (root.tail or "")
    body.tail = root.tail = None
    if len(body):
        body[-1].tail = (body[-1].tail or "") + trailing
    else:
        body.text = (body.text or "") + trailing
    return root


def _normalise_table(table: ET.Element) -> bool:
    """Wrap each run of rows in a ``<tbody>`` as the HTML parser does; ``False`` if it would do more."""
    if not _blank(table.text) or any(part.tag not in _TABLE_PARTS or not _blank(part.tail) for part in table):
        return False
    for part in table.iter():
        if part.tag in ("tbody", "thead", "tfoot", "tr") and not _blank(part.text):
            return False
        if part.tag == "tr" and any(cell.tag not in ("td", "th") or not _blank(cell.tail) for cell in part):
            return False
    children = list(table)
    table[:] = []
    body: ET.Element | None = None
    for child in children:
        if child.tag == "tr":
            if body is None:
                body = ET.Element("tbody")
                table.append(body)
            body.append(child)
        else:
            body = None
            table.append(child)
    return True


class _Renderer:
    """Process-wide WeasyPrint state: one FontConfiguration, parsed stylesheets, one fetcher."""

    def __init__(self, root: Path) -> None:
        ensure_document_font()
        self.root = root
        self.fetcher = TemplateURLFetcher((root, FONT_DIR))
        self.font_config = FontConfiguration()
        self.stylesheet = weasyprint.CSS(
            string=base_css(root), base_url=root.as_uri() + "/", url_fetcher=self.fetcher, font_config=self.font_config
        )
        # Without @counter-style rules: a document takes WeasyPrint's own user-agent counter styles.
        self.user_agent_stylesheet = weasyprint.CSS(string=user_agent_css(), counter_style=CounterStyle())

    def html(self, html: str) -> weasyprint.HTML:
        """Parse a rendered template into a WeasyPrint document using this renderer's resources."""
        base_url = self.root.as_uri() + "/"
        tree = parse_well_formed(html)
        document = (
            _DocumentHTML(string=html, base_url=base_url, url_fetcher=self.fetcher)
            if tree is None
            else _DocumentHTML.from_tree(tree, base_url, self.fetcher)
        )
        document.user_agent_stylesheet = self.user_agent_stylesheet
        return document


_RENDERERS: dict[Path, _Renderer] = {}
_RENDERERS_LOCK = threading.Lock()


# One render at a time in a process: `negotiation serve` runs one worker per core (at most two), so at most one
# render runs per core and a burst of renders queues instead of starving every other request of CPU.
RENDER_SLOT = threading.BoundedSemaphore(1)


def _renderer(root: Path) -> _Renderer:
    with _RENDERERS_LOCK:
        if root not in _RENDERERS:
            _RENDERERS[root] = _Renderer(root)
        return _RENDERERS[root]


def warm_up(root: Path = TEMPLATE_ROOT) -> None:
    """Load fonts and parse the stylesheet now rather than on the first render."""
    _renderer(root)


class _LogCollector(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.WARNING)
        self.thread = threading.get_ident()
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.thread == self.thread:
            self.messages.append(record.getMessage())


@contextlib.contextmanager
def collect_weasyprint_warnings() -> Iterator[list[str]]:
    """Collect WeasyPrint's warnings logged by this thread inside the block."""
    collector = _LogCollector()
    logger = logging.getLogger("weasyprint")
    logger.addHandler(collector)
    try:
        yield collector.messages
    finally:
        logger.removeHandler(collector)


class _ArchiveMetadata(DocumentMetadata):  # type: ignore[misc]
    """WeasyPrint's XMP plus a described extension schema naming the case, parties and draft."""

    def __init__(self, base: DocumentMetadata, properties: Mapping[str, str | list[str]]) -> None:
        super().__init__(
            title=base.title,
            authors=base.authors,
            description=base.description,
            keywords=base.keywords,
            generator=base.generator,
            created=base.created,
            modified=base.modified,
            attachments=base.attachments,
            lang=base.lang,
            custom=base.custom,
            xmp_metadata=base.xmp_metadata,
        )
        self.properties = dict(properties)

    def generate_rdf_metadata(self, variant: str, version: int, conformance: str) -> bytes:
        """Return the RDF of WeasyPrint with the case properties and their PDF/A schema added."""
        return with_case_properties(super().generate_rdf_metadata(variant, version, conformance), self.properties)


def render_pdf(
    kind: str,
    context: DocumentContext,
    attachments: Mapping[str, bytes] | None = None,
    *,
    strict_glyphs: bool = False,
    root: Path = TEMPLATE_ROOT,
    tagged: bool | None = None,
) -> RenderedDocument:
    """Render a document to reproducible PDF/A-3b bytes with its attachments embedded.

    A kind in ``TAGGED_KINDS`` (or any, with ``tagged=True``) carries WeasyPrint's structure tree:
    headings, paragraphs, lists and tables as structure elements, /MarkInfo, /Lang and the title
    shown, what a screen reader reads. ``tagged`` set either way is for the bench's comparison.
    """
    renderer = _renderer(root)
    html = render_html(kind, context, standalone=False, root=root)
    files = dict(sorted((attachments or {}).items()))
    digest = hashlib.sha256(html.encode("utf-8"))
    for name, data in files.items():
        digest.update(name.encode("utf-8") + b"\0" + hashlib.sha256(data).digest())
    identifier = digest.hexdigest()[:32].encode("ascii")
    stamp = fixed_datetime(context)
    started = time.perf_counter()
    try:
        with RENDER_SLOT, fewer_collections(), collect_weasyprint_warnings() as warnings:
            document = renderer.html(html).render(stylesheets=[renderer.stylesheet], font_config=renderer.font_config)
            document.metadata = _ArchiveMetadata(document.metadata, xmp_properties(kind, context))
            pdf_attachments = [
                weasyprint.Attachment(
                    string=data, name=name, relationship="Data", created=stamp, modified=stamp, url_fetcher=renderer.fetcher
                )
                for name, data in files.items()
            ]
            pdf = document.write_pdf(
                pdf_variant=PDF_VARIANT,
                pdf_tags=kind in TAGGED_KINDS if tagged is None else tagged,
                pdf_identifier=identifier,
                attachments=pdf_attachments,
                finisher=finish_pdf,
            )
    except Exception as exc:  # whatever WeasyPrint raises (a refused resource, a layout or font failure) is ours here
        raise DocumentRenderError(f"WeasyPrint could not render {kind}: {exc!r}") from exc
    DOCUMENT_RENDER_SECONDS.observe(time.perf_counter() - started)
    DOCUMENTS_RENDERED.labels(kind=kind).inc()
    missing = tuple(dict.fromkeys(chr(int(m.group(1), 16)) for msg in warnings if (m := _MISSING_GLYPH.search(msg))))
    if strict_glyphs and missing:
        raise IllegibleTextError(missing)
    return RenderedDocument(
        kind=kind,
        pdf=pdf,
        sha256=hashlib.sha256(pdf).hexdigest(),
        html=html,
        page_count=len(document.pages),
        missing_glyphs=missing,
        warnings=tuple(warnings),
    )
