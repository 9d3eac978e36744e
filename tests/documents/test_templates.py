"""Templates compile, fail loudly on errors, honour overrides, and keep ASCII spaces out of Chinese."""

from __future__ import annotations

import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import jinja2
import pytest

from negotiation.documents import DOCUMENT_KINDS, TEMPLATE_ROOT, TemplateCheckError, check_templates
from negotiation.documents.html import compile_all, render_html
from negotiation.documents.samples import sample_context

CJK = "\u3000-\u303f\u4e00-\u9fff\uff00-\uffef"


class _TextNodes(HTMLParser):
    """Collect the text nodes of the body: a space inside one would show as a gap on paper."""

    def __init__(self) -> None:
        super().__init__()
        self.nodes: list[str] = []

    def handle_data(self, data: str) -> None:
        self.nodes.append(data)


@pytest.fixture()
def template_copy(tmp_path: Path) -> Path:
    root = tmp_path / "contract_templates"
    shutil.copytree(TEMPLATE_ROOT, root)
    return root


def test_every_template_compiles_and_renders_for_every_sample() -> None:
    assert check_templates() >= len(DOCUMENT_KINDS)


def test_a_template_syntax_error_fails_loudly(template_copy: Path) -> None:
    (template_copy / "contract" / "topics" / "pay_method.html").write_text("{% if %}", encoding="utf-8")
    with pytest.raises(TemplateCheckError, match="pay_method"):
        compile_all(template_copy)


def test_an_unknown_template_variable_fails_loudly(template_copy: Path) -> None:
    page = template_copy / "proposal" / "document.html"
    page.write_text(page.read_text(encoding="utf-8").replace("doc.demands", "doc.wishes"), encoding="utf-8")
    with pytest.raises(jinja2.UndefinedError):
        render_html("proposal", sample_context("proposal"), root=template_copy)
    with pytest.raises(TemplateCheckError):
        check_templates(template_copy)


def test_region_override_wins_and_other_regions_fall_back_to_default() -> None:
    shaanxi = render_html("contract", sample_context("contract", "xian_express"))
    suzhou = render_html("contract", sample_context("contract", "minimal_wage"))
    assert "陕西省人民政府公布施行的最低工资标准，西安市各区执行一类标准" in shaanxi
    assert "合同履行地人民政府公布施行的最低工资标准" in suzhou
    assert "陕西省" not in suzhou


def test_an_override_folder_for_a_sector_is_searched(template_copy: Path) -> None:
    folder = template_copy / "overrides" / "express_delivery" / "_base"
    folder.mkdir(parents=True)
    (folder / "jurisdiction_note.html").write_text("快递行业专用条款。", encoding="utf-8")
    html = render_html("contract", sample_context("contract", "xian_express"), root=template_copy)
    assert "陕西省人民政府" in html  # the region is more specific than the sector
    html = render_html("contract", sample_context("contract", "minimal_wage"), root=template_copy)
    assert "快递行业专用条款" not in html


@pytest.mark.parametrize("kind", DOCUMENT_KINDS)
def test_no_ascii_space_sits_between_chinese_characters(kind: str) -> None:
    collector = _TextNodes()
    collector.feed(render_html(kind, sample_context(kind), standalone=False))
    gaps = [m.group(0) for text in collector.nodes for m in re.finditer(f"[{CJK}][ \\t\\n]+[{CJK}]", text)]
    assert gaps == []


def test_standalone_html_inlines_styles_and_points_at_the_font_by_file_url() -> None:
    html = render_html("contract", sample_context("contract"), standalone=True)
    assert "<style>" in html and "@page" in html
    assert re.search(r'src: url\("file:///[^"]+\.ttf"\)', html)
    assert "<link" not in html
