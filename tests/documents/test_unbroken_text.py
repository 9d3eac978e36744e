"""Text without a break opportunity — a long run of letters or digits, no space — is given one every 16 characters
when printed, so that it lays out like ordinary text (``overflow-wrap: anywhere`` alone costs the square of its
length: a 40 KB run pinned a CPU for half a minute); hashes, CJK text and short words print unchanged."""

from __future__ import annotations

import io

import pypdf
from hypothesis import given
from hypothesis import strategies as st

from negotiation.documents.html import render_html
from negotiation.documents.kinds import document_kind
from negotiation.documents.pdf import render_pdf
from negotiation.documents.samples import sample_facts

ZWSP = "\u200b"


def _minutes_with(summary: str) -> object:
    facts = sample_facts()
    meeting = {**facts["meeting"], "summary": summary}
    kind = document_kind("minutes")
    fields = {"case": facts["case"], **{n: (meeting if n == "meeting" else facts[n]) for n in kind.facts}}
    return kind.context.model_validate(fields)


def test_a_long_run_gets_a_break_opportunity_every_16_characters_and_reads_the_same() -> None:
    run = "".join(chr(ord("A") + i % 26) for i in range(20_000))
    html = render_html("minutes", _minutes_with(run))
    printed = next(line for line in html.splitlines() if "ABCDEFGHIJKLMNOP" in line)
    pieces = printed.split(ZWSP)
    assert len(pieces) >= 20_000 // 16 and all(
        len(p.replace('<p class="user-text">', "").replace("</p>", "")) <= 16 for p in pieces
    )
    assert printed.replace(ZWSP, "").count(run) == 1  # nothing added but the breaks, nothing lost


def test_the_rendered_pdf_holds_the_whole_run_across_its_lines() -> None:
    run = "X1" * 1_500
    rendered = render_pdf("minutes", _minutes_with(run))
    text = "".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(rendered.pdf)).pages)
    assert text.count("X1") == 1_500  # every piece printed; lines and pages break only between the pieces


@given(st.text(alphabet=st.characters(categories=("Lo",), max_codepoint=0x9FFF, min_codepoint=0x4E00), max_size=300))
def test_cjk_text_prints_unchanged(text: str) -> None:
    html = render_html("minutes", _minutes_with(text or "同意"))
    assert ZWSP not in html


def test_a_sha256_and_ordinary_words_print_unchanged() -> None:
    words = "a" * 64 + " " + "word " * 100
    assert ZWSP not in render_html("minutes", _minutes_with(words))
