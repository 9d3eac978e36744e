"""What keeps a warm render cheap without changing what it prints (bench/pdf.py measures the time)."""

from __future__ import annotations

import ctypes.util
import gc
import io
import re
import subprocess
import sys
from importlib.resources import files
from xml.etree import ElementTree as ET

import pypdf
import pytest
import tinycss2
import tinyhtml5  # type: ignore[import-untyped]
import weasyprint

from negotiation.documents import DOCUMENT_KINDS, render_pdf
from negotiation.documents import pdf as pdf_module
from negotiation.documents.html import TEMPLATE_ROOT, render_html
from negotiation.documents.pdf import (
    _DocumentHTML,
    _renderer,
    parse_well_formed,
    user_agent_css,
)
from negotiation.documents.samples import sample_attachments, sample_cases, sample_context
from negotiation.speedups import RENDER_GC_THRESHOLD, fewer_collections, listing_lookup


def _pdf_text(html: str) -> str:
    renderer = _renderer(TEMPLATE_ROOT)
    document = renderer.html(html).render(stylesheets=[renderer.stylesheet], font_config=renderer.font_config)
    reader = pypdf.PdfReader(io.BytesIO(document.write_pdf()))
    return "".join(page.extract_text() for page in reader.pages)


def test_user_agent_stylesheet_styles_no_pseudo_element_of_every_element() -> None:
    rules_for_any_element = re.findall(r"(?:^|[},]\s*)(::[a-z-]+)", user_agent_css(), flags=re.MULTILINE)
    assert rules_for_any_element == []
    assert "li::marker {" in user_agent_css()


def test_user_agent_stylesheet_is_weasyprints_rules_without_its_counter_styles() -> None:
    def rules(text: str) -> list[str]:
        parsed = tinycss2.parse_stylesheet(text, skip_comments=True, skip_whitespace=True)
        return [tinycss2.serialize([rule]) for rule in parsed]

    original = rules((files(weasyprint.css) / "html5_ua.css").read_text("utf-8"))
    ours = rules(user_agent_css())
    counter_styles = [r for r in original if r.startswith("@counter-style")]
    assert len(counter_styles) >= 40 and not [r for r in ours if r.startswith("@counter-style")]
    # Apart from the narrowed pseudo-element rules, every other rule is WeasyPrint's, in its order.
    narrowed = [r for r in original if not r.startswith("@counter-style")]
    assert len(ours) == len(narrowed)
    differ = [(a, b) for a, b in zip(narrowed, ours, strict=True) if a != b]
    assert all(a.startswith("::") and b.endswith(a) for a, b in differ) and len(differ) == 6


def test_numbered_lists_still_take_weasyprints_counter_styles() -> None:
    html = (
        '<html><body><ol style="list-style-type: cjk-decimal"><li>甲方</li><li>乙方</li></ol>'
        '<ol style="list-style-type: lower-roman"><li>x</li><li>y</li><li>z</li></ol></body></html>'
    )
    text = _pdf_text(html)
    assert "一" in text and "二" in text
    assert "iii." in text


def test_documents_are_styled_with_the_narrowed_user_agent_stylesheet() -> None:
    renderer = _renderer(TEMPLATE_ROOT)
    sheets = renderer.html("<p>甲</p>")._ua_stylesheets()
    assert sheets[0] is renderer.user_agent_stylesheet


def test_list_items_keep_their_markers_under_the_narrowed_user_agent_stylesheet() -> None:
    text = _pdf_text("<html><body><ol><li>甲方</li><li>乙方</li></ol></body></html>")
    assert "1." in text and "2." in text


def test_footnotes_with_the_footnote_class_keep_their_call_numbers() -> None:
    html = '<html><body><p>正文<span class="footnote" style="float: footnote">注释内容</span></p></body></html>'
    text = _pdf_text(html)
    assert "注释内容" in text
    assert re.search(r"正文\s*1", text) is not None


def test_collection_threshold_is_raised_only_while_renders_run_and_restored_after() -> None:
    before = gc.get_threshold()
    with fewer_collections():
        assert gc.get_threshold()[0] == max(before[0], RENDER_GC_THRESHOLD)
        with fewer_collections():
            assert gc.get_threshold()[0] == max(before[0], RENDER_GC_THRESHOLD)
        assert gc.get_threshold()[0] == max(before[0], RENDER_GC_THRESHOLD)
    assert gc.get_threshold() == before


def test_threshold_is_restored_when_a_render_fails() -> None:
    before = gc.get_threshold()
    with pytest.raises(ValueError), fewer_collections():
        raise ValueError("render failed")
    assert gc.get_threshold() == before


def test_a_finished_render_leaves_no_weasyprint_document_alive() -> None:
    render_pdf("resolution", sample_context("resolution"), sample_attachments("resolution"))
    gc.collect()
    assert not [obj for obj in gc.get_objects() if isinstance(obj, weasyprint.Document)]


def _run_python(code: str) -> list[str]:
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    return done.stdout.strip().splitlines()


@pytest.mark.parametrize(
    "name", ["gobject-2.0", "pango-1.0", "pangoft2-1.0", "harfbuzz", "fontconfig", "libpango-1.0-0", "no-such-library-anywhere"]
)
def test_ldconfig_listing_finds_each_library_as_find_library_does(name: str) -> None:
    listing = subprocess.run(["/sbin/ldconfig", "-p"], capture_output=True, check=True, env={"LC_ALL": "C", "LANG": "C"}).stdout
    assert listing_lookup(listing)(name) == ctypes.util.find_library(name)


def test_a_cold_import_of_the_renderer_starts_one_process_not_one_per_library_name() -> None:
    output = _run_python(
        "import subprocess\n"
        "started = []\n"
        "original = subprocess.Popen.__init__\n"
        "def counting(self, args, *a, **k):\n"
        "    started.append(args[0])\n"
        "    original(self, args, *a, **k)\n"
        "subprocess.Popen.__init__ = counting\n"
        "from negotiation.speedups import renderer_module\n"
        "renderer_module().warm_up()\n"
        "print(started)\n"
    )
    assert output[-1] == "['/sbin/ldconfig']"


def test_renderer_imports_even_when_the_listing_lacks_its_libraries() -> None:
    output = _run_python(
        "import sys\n"
        "import negotiation.speedups as native\n"
        "native._ldconfig_listing = lambda: b'\\tlibunrelated.so.1 (libc6,x86-64) => /nowhere\\n'\n"
        "module = native.renderer_module()\n"
        "print(module.__name__, 'weasyprint.text.ffi' in sys.modules, callable(module.render_pdf))\n"
    )
    assert output[-1] == "negotiation.documents.pdf True True"


def test_a_failed_quick_import_is_forgotten_and_redone_the_ordinary_way() -> None:
    output = _run_python(
        "import importlib\n"
        "import negotiation.speedups as native\n"
        "attempts = []\n"
        "real_import = importlib.import_module\n"
        "def first_attempt_fails(name, package=None):\n"
        "    if name != native.RENDERER_MODULE:\n"
        "        return real_import(name, package)\n"
        "    attempts.append(name)\n"
        "    if len(attempts) == 1:\n"
        "        real_import('weasyprint')\n"
        "        raise OSError('no library')\n"
        "    return real_import(name)\n"
        "importlib.import_module = first_attempt_fails\n"
        "module = native.renderer_module()\n"
        "print(len(attempts), module.__name__, callable(module.render_pdf))\n"
    )
    assert output[-1] == "2 negotiation.documents.pdf True"


def _tree(element: ET.Element) -> list[tuple[object, ...]]:
    rows: list[tuple[object, ...]] = [(element.tag, dict(element.attrib), element.text, element.tail, len(element))]
    for child in element:
        rows.extend(_tree(child))
    return rows


@pytest.mark.parametrize("sample", sample_cases())
@pytest.mark.parametrize("kind", DOCUMENT_KINDS)
def test_every_template_reads_as_xml_into_the_tree_the_html_parser_builds(kind: str, sample: str) -> None:
    for standalone in (False, True):
        html = render_html(kind, sample_context(kind, sample), standalone=standalone)
        tree = parse_well_formed(html)
        assert tree is not None
        assert _tree(tree) == _tree(tinyhtml5.parse(html, namespace_html_elements=False))


@pytest.mark.parametrize(
    "markup",
    [
        "<html><head></head><body><p>一<div>二</div></p></body></html>",
        "<html><head></head><body><p>一<br>二</p></body></html>",
        '<html><head><meta name="author" content="甲\n乙"/></head><body><p>一</p></body></html>',
        "<html><head></head><body><table>一<tr><td>二</td></tr></table></body></html>",
        "<html><head></head><body><table><tr>一<td>二</td></tr></table></body></html>",
        "<html><head></head><body><p>一\x01二</p></body></html>",
        "<html><head></head><body><p>R&D</p></body></html>",
        "<html><body><p>一</p></body></html>",
    ],
)
def test_markup_xml_would_read_otherwise_than_html_is_left_to_the_html_parser(markup: str) -> None:
    assert parse_well_formed(markup) is None


def test_a_document_built_from_a_tree_has_what_weasyprint_sets_when_it_parses() -> None:
    markup = "<html><head><title>标题</title></head><body><p>正文</p></body></html>"
    tree = parse_well_formed(markup)
    assert tree is not None
    renderer = _renderer(TEMPLATE_ROOT)
    parsed = weasyprint.HTML(string=markup, base_url=TEMPLATE_ROOT.as_uri() + "/", url_fetcher=renderer.fetcher)
    built = _DocumentHTML.from_tree(tree, TEMPLATE_ROOT.as_uri() + "/", renderer.fetcher)
    assert vars(built).keys() == vars(parsed).keys()
    assert (built.base_url, built.media_type) == (parsed.base_url, parsed.media_type)


def test_xml_and_html_reading_give_byte_identical_pdfs(monkeypatch: pytest.MonkeyPatch) -> None:
    context, attachments = sample_context("contract"), sample_attachments("contract")
    read_as_xml = render_pdf("contract", context, attachments).pdf
    monkeypatch.setattr(pdf_module, "parse_well_formed", lambda markup: None)
    read_as_html = render_pdf("contract", context, attachments).pdf
    assert read_as_xml == read_as_html
