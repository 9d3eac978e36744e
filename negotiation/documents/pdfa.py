"""PDF/A-3b details of the written file: the case's XMP metadata, fixed dates, objects serialised once.

Nothing here imports WeasyPrint (``pdf.py`` alone does): these are the pieces it calls back with
while it writes a rendered document — the RDF to extend, the pydyf objects to finish.
"""

from __future__ import annotations

import datetime as dt
import functools
import zlib
from collections.abc import Mapping
from typing import Any
from xml.etree import ElementTree as ET

import pydyf  # type: ignore[import-untyped]

from negotiation.documents.context import DocumentContext

PDF_VARIANT = "pdf/a-3b"
# The kinds written as tagged PDF (a structure tree for screen readers) within PDF/A-3b: the contract, which workers
# read. Tags keep every PDF/A-3b marker and cost the contract 3-8 % of its render time and ~6 % of its size; the
# filing pack is left untagged (over 10 % in size and, in one of two runs, in time): bench/README.md, "Issue 9 —
# tagged PDF". ``render_pdf(tagged=True)`` tags any kind.
TAGGED_KINDS: frozenset[str] = frozenset({"contract"})
XMP_NAMESPACE = "https://xieshang.example.org/ns/negotiation/1.0/"
XMP_PREFIX = "negotiation"
_CN_TZ = dt.timezone(dt.timedelta(hours=8))
# zlib level 6 instead of pydyf's 9: glyph outlines barely shrink further and take twice as long.
STREAM_COMPRESSION_LEVEL = 6


def with_case_properties(rdf_metadata: bytes, properties: Mapping[str, str | list[str]]) -> bytes:
    """Return WeasyPrint's XMP RDF with the case properties and their PDF/A extension schema added."""
    rdf = ET.fromstring(rdf_metadata)
    rdf_ns = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
    description = ET.SubElement(rdf, f"{{{rdf_ns}}}Description", {f"{{{rdf_ns}}}about": ""})
    for name, value in properties.items():
        element = ET.SubElement(description, f"{{{XMP_NAMESPACE}}}{name}")
        if isinstance(value, list):
            bag = ET.SubElement(element, f"{{{rdf_ns}}}Bag")
            for item in value:
                ET.SubElement(bag, f"{{{rdf_ns}}}li").text = item
        else:
            element.text = value
    rdf.append(_extension_schema(properties))
    serialised: bytes = ET.tostring(rdf, encoding="utf-8")
    return serialised


def _extension_schema(properties: Mapping[str, str | list[str]]) -> ET.Element:
    rdf = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
    ext = "http://www.aiim.org/pdfa/ns/extension/"
    schema = "http://www.aiim.org/pdfa/ns/schema#"
    prop = "http://www.aiim.org/pdfa/ns/property#"
    for prefix, uri in (("pdfaExtension", ext), ("pdfaSchema", schema), ("pdfaProperty", prop), (XMP_PREFIX, XMP_NAMESPACE)):
        ET.register_namespace(prefix, uri)
    description = ET.Element(f"{{{rdf}}}Description", {f"{{{rdf}}}about": ""})
    bag = ET.SubElement(ET.SubElement(description, f"{{{ext}}}schemas"), f"{{{rdf}}}Bag")
    item = ET.SubElement(bag, f"{{{rdf}}}li", {f"{{{rdf}}}parseType": "Resource"})
    ET.SubElement(item, f"{{{schema}}}schema").text = "Collective negotiation case"
    ET.SubElement(item, f"{{{schema}}}namespaceURI").text = XMP_NAMESPACE
    ET.SubElement(item, f"{{{schema}}}prefix").text = XMP_PREFIX
    seq = ET.SubElement(ET.SubElement(item, f"{{{schema}}}property"), f"{{{rdf}}}Seq")
    for name, value in properties.items():
        entry = ET.SubElement(seq, f"{{{rdf}}}li", {f"{{{rdf}}}parseType": "Resource"})
        ET.SubElement(entry, f"{{{prop}}}name").text = name
        ET.SubElement(entry, f"{{{prop}}}valueType").text = "bag Text" if isinstance(value, list) else "Text"
        ET.SubElement(entry, f"{{{prop}}}category").text = "external"
        ET.SubElement(entry, f"{{{prop}}}description").text = name
    return description


def xmp_properties(kind: str, context: DocumentContext) -> dict[str, str | list[str]]:
    """Return the case, its parties and the draft (if any) as XMP properties of the document."""
    case = context.case
    props: dict[str, str | list[str]] = {
        "caseId": case.case_id,
        "documentKind": kind,
        "caseTitle": case.title,
        "parties": [case.parties.union, case.parties.employer_body],
        "coveredEnterprises": list(case.parties.covered_enterprises),
    }
    draft = getattr(context, "draft", None)
    if draft is not None:
        props["draftVersion"] = str(draft.version)
        props["draftSha256"] = draft.sha256
    return props


class _CompressedOnceStream(pydyf.Stream):  # type: ignore[misc]
    """A finished stream whose compressed bytes are computed once.

    pydyf serialises every object twice when the file has an /ID (once to hash, once to write),
    which compressed each stream, the font above all, twice at level 9.
    """

    @functools.cached_property
    def data(self) -> bytes:
        stream = b"\n".join(pydyf._to_bytes(item) for item in self.stream)
        extra = pydyf.Dictionary(self.extra.copy())
        if self.compress:
            extra["Filter"] = "/FlateDecode"
            compressor = zlib.compressobj(level=STREAM_COMPRESSION_LEVEL)
            stream = compressor.compress(stream) + compressor.flush()
        extra["Length"] = len(stream)
        serialised: bytes = b"\n".join((extra.data, b"stream", stream, b"endstream"))
        return serialised


class _SerialisedOnceDictionary(pydyf.Dictionary):  # type: ignore[misc]
    """A finished dictionary whose bytes are computed once (for the /ID hash and for the file)."""

    @functools.cached_property
    def data(self) -> bytes:
        serialised: bytes = pydyf.Dictionary.data.fget(self)
        return serialised


def finish_pdf(document: Any, pdf: Any) -> None:
    """Fix WeasyPrint 70's doubled /AF entries; serialise and compress each finished object once."""
    associated = pdf.catalog.get("AF")
    if associated:
        unique = list(dict.fromkeys(associated))
        associated.clear()
        associated.extend(unique)
    for obj in pdf.objects:
        if type(obj) is pydyf.Stream:
            obj.__class__ = _CompressedOnceStream
        elif type(obj) is pydyf.Dictionary:
            obj.__class__ = _SerialisedOnceDictionary


def fixed_datetime(context: DocumentContext) -> dt.datetime:
    """Return midnight of the document date in China, in UTC: the dates a reproducible file carries."""
    day = context.document_date
    return dt.datetime(day.year, day.month, day.day, tzinfo=_CN_TZ).astimezone(dt.UTC)
