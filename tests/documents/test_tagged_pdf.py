"""The contract rendered as tagged PDF (a structure tree a screen reader reads) is still PDF/A-3b.

The contract is tagged by default (``TAGGED_KINDS``); other kinds are not (bench/README.md "Issue 9 — tagged PDF").

The structure elements are read back with their text: the MCIDs each element owns, looked up in
the text pypdf decodes inside each page's marked-content sequences.
"""

from __future__ import annotations

import io
import re
from collections import defaultdict

import pypdf
from pypdf.generic import ArrayObject, BooleanObject, DictionaryObject

from negotiation.documents import DOCUMENT_KINDS
from negotiation.documents.pdf import render_pdf
from negotiation.documents.pdfa import TAGGED_KINDS
from negotiation.documents.samples import sample_attachments, sample_context
from tests.documents.conftest import cached_sample

_TAGGED: list[pypdf.PdfReader] = []


def _tagged_contract() -> pypdf.PdfReader:
    """The sample contract rendered with tags, once per session."""
    if not _TAGGED:
        rendered = render_pdf("contract", sample_context("contract"), sample_attachments("contract"))  # tagged by kind
        assert rendered.warnings == ()
        _TAGGED.append(pypdf.PdfReader(io.BytesIO(rendered.pdf)))
    return _TAGGED[0]


def _marked_text(reader: pypdf.PdfReader) -> dict[tuple[int, int], str]:
    """Return the text inside each marked-content sequence, keyed by (page index, MCID)."""
    texts: dict[tuple[int, int], str] = defaultdict(str)
    for index, page in enumerate(reader.pages):
        stack: list[int | None] = []

        def before(operator: bytes, args: list[object], *_: object, stack: list[int | None] = stack) -> None:
            if operator == b"BDC":
                properties = args[1]
                stack.append(properties.get("/MCID") if isinstance(properties, DictionaryObject) else None)
            elif operator == b"BMC":
                stack.append(None)
            elif operator == b"EMC":
                stack.pop()

        def text(value: str, *_: object, index: int = index, stack: list[int | None] = stack) -> None:
            mcid = next((m for m in reversed(stack) if m is not None), None)
            if mcid is not None:
                texts[(index, mcid)] += value

        page.extract_text(visitor_operand_before=before, visitor_text=text)
    return texts


def _elements(reader: pypdf.PdfReader) -> list[tuple[str, str]]:
    """Return every structure element under the document's root, in reading order, with its text."""
    pages = {page.indirect_reference.idnum: index for index, page in enumerate(reader.pages)}
    texts = _marked_text(reader)
    found: list[tuple[str, str]] = []

    def walk(element: DictionaryObject, page: int | None) -> str:
        page_ref = element.get("/Pg")
        if page_ref is not None:
            page = pages[page_ref.idnum]
        kids = element.get("/K", ArrayObject())
        kids = kids if isinstance(kids, ArrayObject) else ArrayObject([kids])
        position = len(found)
        found.append((str(element["/S"]), ""))
        own = ""
        for kid in kids:
            kid = kid.get_object()
            if isinstance(kid, DictionaryObject) and "/S" in kid:
                own += walk(kid, page)
            elif isinstance(kid, int) and page is not None:
                own += texts.get((page, kid), "")
        found[position] = (found[position][0], own.replace("\n", ""))
        return own

    root = reader.trailer["/Root"]["/StructTreeRoot"].get_object()
    (document,) = (kid.get_object() for kid in root["/K"])
    assert document["/S"] == "/Document"
    walk(document, None)
    return found


def test_the_contract_is_marked_with_its_language_and_shown_by_its_title() -> None:
    reader = _tagged_contract()
    catalog = reader.trailer["/Root"]
    assert catalog["/MarkInfo"]["/Marked"] == BooleanObject(True)
    assert catalog["/Lang"] == "zh-CN"
    assert catalog["/ViewerPreferences"]["/DisplayDocTitle"] == BooleanObject(True)
    title = reader.metadata.title
    assert title and title.startswith(sample_context("contract").case.title[:4])
    xmp = catalog["/Metadata"].get_object().get_data().decode("utf-8")
    assert title in xmp  # dc:title, the title a viewer shows


def test_headings_paragraphs_and_tables_are_structure_elements_holding_their_text() -> None:
    elements = _elements(_tagged_contract())
    by_type: dict[str, list[str]] = defaultdict(list)
    for structure_type, text in elements:
        by_type[structure_type].append(text)
    assert by_type["/H1"] == ["综合集体合同"]
    chapters = [text for text in by_type["/H2"] if text.startswith("第") and "章　" in text]
    printed = re.findall(r"第[一二三四五六七八九十]+章　[^第\s]+", cached_sample("contract").text)  # as the page text has them
    assert chapters[0] == "第一章　总则" and chapters[-1].endswith("章　附则") and chapters == printed
    assert any(text.startswith("附件二　") for text in by_type["/H2"])  # the appendices are headings too
    articles = [text for text in by_type["/P"] if text.startswith("第") and "条　" in text[:6]]
    assert articles[0].startswith("第一条　") and articles[1].startswith("第二条　")
    assert len(articles) == len(set(re.findall(r"第[一二三四五六七八九十百]+条　", cached_sample("contract").text)))
    assert "一式" in articles[-1] and "份" in articles[-1]  # the last article: the copies
    assert by_type["/Table"] and by_type["/TR"] and by_type["/TD"]
    assert by_type["/TH"] and all(by_type["/TH"])  # each header cell carries its words
    # Reading order: the heading, then the parties, then the first chapter and its first article.
    flat = [text for _, text in elements]
    assert flat.index("综合集体合同") < flat.index("第一章　总则") < flat.index(articles[0])


def test_the_tagged_contract_keeps_its_pdfa_3b_markers() -> None:
    reader = _tagged_contract()
    catalog = reader.trailer["/Root"]
    assert reader.pdf_header == "%PDF-1.7"
    xmp = catalog["/Metadata"].get_object().get_data().decode("utf-8")
    assert 'pdfaid:part="3"' in xmp and 'pdfaid:conformance="B"' in xmp
    # Tagged, not claimed PDF/UA-1: WeasyPrint leaves the running header and page numbers as
    # marked content outside the tree instead of artifacts (see bench/README.md, issue 9).
    assert "pdfuaid" not in xmp
    (intent,) = catalog["/OutputIntents"]
    assert intent["/S"] == "/GTS_PDFA1" and "/DestOutputProfile" in intent
    for page in reader.pages:
        for ref in page["/Resources"]["/Font"].values():
            descriptor = ref.get_object()["/DescendantFonts"][0].get_object()["/FontDescriptor"].get_object()
            assert "/FontFile2" in descriptor or "/FontFile3" in descriptor or "/FontFile" in descriptor
    assert catalog["/AF"] and catalog["/Names"]["/EmbeddedFiles"]


def test_only_the_kinds_listed_as_tagged_carry_a_structure_tree() -> None:
    assert TAGGED_KINDS <= set(DOCUMENT_KINDS)
    for kind in ("contract", "proposal"):
        catalog = cached_sample(kind).reader.trailer["/Root"]
        assert ("/StructTreeRoot" in catalog) is (kind in TAGGED_KINDS), kind
        assert ("/MarkInfo" in catalog) is (kind in TAGGED_KINDS), kind
