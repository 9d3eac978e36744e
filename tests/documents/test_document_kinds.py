"""The document kind registry (negotiation/documents/kinds.py): each kind complete, everything else derived from it.

"Add a document kind" (README.md) takes three files: its context class, its registry entry, its template folder.
The last tests add a throw-away kind exactly that way and render it.
"""

from __future__ import annotations

import ast
import datetime as dt
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Literal

import pytest

from api.review import labels
from negotiation.documents import TEMPLATE_ROOT, check_templates, kinds, render_html, render_pdf
from negotiation.documents.context import BaseContext
from negotiation.documents.kinds import REGISTRY, DocumentKind, document_kind, kinds_made_at
from negotiation.documents.render_cli import KINDS as RENDER_CHOICES
from negotiation.documents.samples import sample_attachments, sample_cases, sample_context, sample_facts
from negotiation.events import ACTIONS, is_registered
from negotiation.service_layer.document_facts import FACTS
from negotiation.service_layer.documents import makes_documents_at

ROOT = Path(__file__).resolve().parents[2]
CHINESE = re.compile(r"[\u4e00-\u9fff]")
# api.md "Which events make which document".
MADE_AT = {
    "propose": ["proposal"],
    "accept": ["proposal_reply"],
    "decline": ["proposal_reply"],
    "record_meeting": ["minutes"],
    "submit_draft": ["draft"],
    "record_vote": ["resolution"],
    "sign": ["contract"],
    "file": ["filing_pack"],
    "record_receipt": ["receipt"],
    "object": ["review_opinion"],
    "publish": ["publication", "public_contract"],
}


@pytest.mark.parametrize("key", list(REGISTRY))
def test_every_kind_has_a_template_folder_a_context_class_and_a_sample(key: str) -> None:
    kind = REGISTRY[key]
    assert (TEMPLATE_ROOT / kind.template).is_file(), f"contract_templates/{key}/document.html is missing"
    assert issubclass(kind.context, BaseContext) and kind.context.model_fields["kind"].default == key
    assert CHINESE.search(kind.title)
    for sample in sample_cases():
        assert sample_context(key, sample).kind == key  # the sample has every fact the context declares


@pytest.mark.parametrize("key", list(REGISTRY))
def test_every_kind_is_made_at_a_registered_event_or_action_from_facts_the_engine_gives(key: str) -> None:
    kind = REGISTRY[key]
    assert kind.made_at and all(is_registered(e) or e in ACTIONS for e in kind.made_at)
    assert set(kind.facts) <= set(FACTS), f"the engine gives no {set(kind.facts) - set(FACTS)}"


def test_which_event_makes_which_document_is_what_api_md_says() -> None:
    made = {event: [k.key for k in kinds_made_at(event)] for k in REGISTRY.values() for event in k.made_at}
    assert made == MADE_AT
    assert [e for e in MADE_AT if makes_documents_at(e)] == [e for e in MADE_AT if e != "record_meeting"]
    assert not makes_documents_at("approve") and not makes_documents_at("no_such_event")


def test_the_review_pages_and_the_render_cli_take_their_kinds_from_the_registry() -> None:
    assert labels.DOCUMENT_KINDS == {key: kind.title for key, kind in REGISTRY.items()}
    assert tuple(RENDER_CHOICES) == tuple(REGISTRY)


def test_an_unregistered_kind_is_refused_by_name() -> None:
    with pytest.raises(kinds.UnknownDocumentKind, match="'notice'"):
        document_kind("notice")
    with pytest.raises(ValueError, match="unknown document kind"):
        sample_context("notice")


def _kind_literals_compared(path: Path) -> set[str]:
    """Kind keys this file compares something with (`kind == "x"`, `kind in ("x", …)`): code that singles a kind out."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Compare):
            sides = (node.left, *node.comparators)
            if not any(re.search(r"\bkind(\.key)?$", ast.unparse(side)) for side in sides):
                continue
            for side in sides:
                items = side.elts if isinstance(side, ast.Tuple | ast.List | ast.Set) else [side]
                found |= {i.value for i in items if isinstance(i, ast.Constant) and i.value in REGISTRY}
    return found


def test_no_code_outside_the_registry_singles_out_a_document_kind() -> None:
    # The draft is the one kind with an endpoint of its own (GET …/drafts/{version}/pdf, api.md): made from the draft alone.
    allowed = {"negotiation/service_layer/documents.py": {"draft"}}
    for path in [*(ROOT / "negotiation").rglob("*.py"), *(ROOT / "api").rglob("*.py")]:
        rel = str(path.relative_to(ROOT))
        assert _kind_literals_compared(path) <= allowed.get(rel, set()), rel


# --- adding a throw-away kind the documented way -----------------------------------------------------------------


class TalksNoticeContext(BaseContext):
    """开始协商通知 — the context class (1: negotiation/documents/context.py): the facts it shows, and its date."""

    kind: Literal["talks_notice"] = "talks_notice"
    served_on: dt.date
    demands: str

    @property
    def document_date(self) -> dt.date:
        """The day the proposal was served."""
        return self.served_on


# 2: its entry in negotiation/documents/kinds.py.
TALKS_NOTICE = DocumentKind("talks_notice", "开始协商通知", TalksNoticeContext, made_at=("open_talks",))
# 3: contract_templates/talks_notice/document.html.
TALKS_NOTICE_TEMPLATE = """{% extends "_base/layout.html" %}
{% import "_base/macros.html" as M %}
{% block title %}开始协商通知（{{ case.title }}）{% endblock %}
{% block body %}
<h1>开始协商通知</h1>
<p>{{ case.parties.union }}与{{ case.parties.employer_body }}自{{ doc.served_on|cn_date }}要约送达后开始集体协商。</p>
{{ M.paragraphs(doc.demands) }}
{% endblock %}
"""


def add_talks_notice(monkeypatch: pytest.MonkeyPatch, root: Path) -> Path:
    """Register the throw-away kind and write its template into a copy of the template root; return that root."""
    overlay = root / "contract_templates"
    shutil.copytree(TEMPLATE_ROOT, overlay)
    (overlay / "talks_notice").mkdir()
    (overlay / TALKS_NOTICE.template).write_text(TALKS_NOTICE_TEMPLATE, encoding="utf-8")
    monkeypatch.setitem(REGISTRY, TALKS_NOTICE.key, TALKS_NOTICE)
    return overlay


@pytest.fixture
def overlay(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Path]:
    yield add_talks_notice(monkeypatch, tmp_path)


def test_a_kind_added_in_three_places_renders_from_the_sample_and_passes_the_template_check(overlay: Path) -> None:
    context = sample_context("talks_notice")
    html = render_html("talks_notice", context, root=overlay)  # type: ignore[arg-type]
    assert "开始协商通知" in html and "西安市快递行业工会联合会" in html and "2026年9月1日" in html
    assert set(sample_attachments("talks_notice")) == {"audit.json"}  # not made from a draft: no terms.json
    rendered = render_pdf("talks_notice", context, sample_attachments("talks_notice"), root=overlay)  # type: ignore[arg-type]
    assert rendered.pdf.startswith(b"%PDF") and rendered.page_count == 1
    assert check_templates(overlay) > 0  # every kind, the new one included, for every sample
    assert [k.key for k in kinds_made_at("open_talks")] == ["talks_notice"] and makes_documents_at("open_talks")
    assert set(TALKS_NOTICE.facts) <= set(sample_facts()) and set(TALKS_NOTICE.facts) <= set(FACTS)


def test_the_readme_names_three_files_for_a_new_document_kind() -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Add a document kind", 1)[1].split("\n## ", 1)[0]
    steps = re.findall(r"^\d\. `([^`]+)`", section, flags=re.MULTILINE)
    assert steps == ["negotiation/documents/context.py", "negotiation/documents/kinds.py", "contract_templates/<key>/"]
