"""Jinja2 rendering of document templates: strict, autoescaped, with regional/sector overrides."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

from negotiation.documents import chinese
from negotiation.documents.context import DocumentContext
from negotiation.documents.fonts import FALLBACK_FAMILIES, FONT_FAMILY, font_url
from negotiation.documents.kinds import REGISTRY, document_kind
from negotiation.speedups import compiled_template_cache
from negotiation.terms import TOPIC_TITLES
from negotiation.topics import TOPIC_REGISTRY
from negotiation.vocabularies import VOCABULARIES

TEMPLATE_ROOT = Path(__file__).resolve().parent.parent.parent / "contract_templates"
BASE_CSS = "_base/print.css"
_SAFE_DIR = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
# Bidirectional controls in user text could make a clause display other than it reads (an RLO
# turns "100" into "001" on paper): explicit embeddings, overrides and isolates are dropped from
# the printed text, and text that held any bidi control is isolated from its surroundings.
_BIDI_CONTROLS = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_BIDI_EXPLICIT = re.compile("[\u202a-\u202e\u2066-\u2069]")
_FSI, _PDI = "\u2068", "\u2069"


class TemplateCheckError(RuntimeError):
    """A template does not compile or does not render with the sample data."""


def override_dirs(region_code: str, sector: str) -> tuple[str, ...]:
    """Return the override folders to search, most specific first: region, city, province, sector."""
    names: list[str] = []
    if re.fullmatch(r"[0-9]{6}", region_code):
        for candidate in (region_code, region_code[:4] + "00", region_code[:2] + "0000"):
            if candidate not in names:
                names.append(candidate)
    if _SAFE_DIR.fullmatch(sector) and sector not in names:
        names.append(sector)
    return tuple(names)


def _search_path(root: Path, overrides: Iterable[str]) -> tuple[str, ...]:
    paths = [root / "overrides" / name for name in overrides]
    return (*(str(p) for p in paths if p.is_dir()), str(root))


# Text without a break opportunity (a long run of Latin letters or digits, no space) would be laid out by
# ``overflow-wrap: anywhere`` at a cost that grows with the square of its length (a 20,000-character run took 3.6 s,
# 40 KB half a minute). Such runs longer than a SHA-256 get a zero-width space every 16 characters: they break there
# like ordinary text and look the same. Only an ordinary space and a CJK ideograph (a line may break before and after
# each) end a run: the prolonged sound mark ー, 々, CJK punctuation (。、「」，), kana, fullwidth forms and the
# no-break spaces give no break opportunity between two of their own, and a 20,000-character run of ー took 31 s.
_UNBROKEN_RUN = re.compile("[^ \t\n\r\u200b\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]{65,}")
_ZWSP = "\u200b"


def _with_breaks(run: re.Match[str]) -> str:
    text = run.group(0)
    return _ZWSP.join(text[i : i + 16] for i in range(0, len(text), 16))


def _printable(value: Any) -> Any:
    """Every value a template prints: bidi controls neutralised, long unbroken runs given break opportunities."""
    if not isinstance(value, str) or isinstance(value, Markup):
        return value
    if _BIDI_CONTROLS.search(value):
        value = _FSI + _BIDI_EXPLICIT.sub("", value) + _PDI
    if len(value) > 64:
        value = _UNBROKEN_RUN.sub(_with_breaks, value)
    return value


@functools.lru_cache(maxsize=64)
def _environment(search_path: tuple[str, ...]) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(list(search_path), encoding="utf-8"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        finalize=_printable,
        auto_reload=False,
        bytecode_cache=compiled_template_cache(),
    )
    env.filters.update(
        capital=chinese.capital_amount,
        figures=chinese.figures,
        numeral=chinese.chinese_numeral,
        number=chinese.plain_number,
        cn_date=chinese.chinese_date,
    )
    # The topics in chapter order, and the words for keys, as data (labels.html hands them out as L.topics, …).
    env.globals.update(
        font_family=FONT_FAMILY,
        fallback_families=FALLBACK_FAMILIES,
        topic_registry=TOPIC_REGISTRY,
        words={"topics": TOPIC_TITLES, **VOCABULARIES},
    )
    return env


def environment_for(region_code: str, sector: str, root: Path = TEMPLATE_ROOT) -> jinja2.Environment:
    """Return the (cached) Jinja environment whose loader searches the case's overrides first."""
    return _environment(_search_path(root, override_dirs(region_code, sector)))


@functools.lru_cache(maxsize=4)
def base_css(root: Path = TEMPLATE_ROOT) -> str:
    """Return the print stylesheet with the document font's absolute file URL filled in."""
    text = (root / BASE_CSS).read_text(encoding="utf-8")
    return text.replace("FONT_URL", font_url())


def render_html(kind: str, context: DocumentContext, *, standalone: bool = True, root: Path = TEMPLATE_ROOT) -> str:
    """Render a document's HTML; ``standalone`` inlines the stylesheet (fonts by file URL)."""
    registered = document_kind(kind)
    if context.kind != kind:
        raise ValueError(f"a {context.kind} context cannot render a {kind}")
    env = environment_for(context.case.region_code, context.case.sector, root)
    template = env.get_template(registered.template)
    style = Markup("<style>\n") + Markup(base_css(root)) + Markup("</style>") if standalone else ""
    return template.render(doc=context, case=context.case, inline_style=style)


def all_search_paths(root: Path = TEMPLATE_ROOT) -> list[tuple[str, ...]]:
    """Return the default search path and one per override folder."""
    paths: list[tuple[str, ...]] = [(str(root),)]
    overrides = root / "overrides"
    if overrides.is_dir():
        for folder in sorted(p for p in overrides.iterdir() if p.is_dir()):
            paths.append((str(folder), str(root)))
    return paths


def compile_all(root: Path = TEMPLATE_ROOT) -> int:
    """Compile every template under every search path; raise TemplateCheckError on a syntax error."""
    count = 0
    for search_path in all_search_paths(root):
        env = _environment(search_path)
        for name in env.list_templates(extensions=("html",)):
            try:
                env.get_template(name)
            except jinja2.TemplateError as exc:
                raise TemplateCheckError(f"{name} in {search_path[0]}: {exc}") from exc
            count += 1
    return count


def check_templates(root: Path = TEMPLATE_ROOT) -> int:
    """Compile all templates and render every document for every sample; raise loudly on errors."""
    from negotiation.documents import samples

    count = compile_all(root)
    if not (root / BASE_CSS).is_file():
        raise TemplateCheckError(f"missing stylesheet {root / BASE_CSS}")
    for sample in samples.sample_cases():
        for kind in REGISTRY:
            try:
                render_html(kind, samples.sample_context(kind, sample), root=root)
            except (jinja2.TemplateError, TypeError, ValueError, AttributeError) as exc:
                raise TemplateCheckError(f"{kind} for sample {sample}: {exc}") from exc
    return count
