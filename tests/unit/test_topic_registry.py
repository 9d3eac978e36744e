"""The topic registry is the one list of topics: what is derived from it matches it, what cannot be is checked here.

README.md "Add a topic" names the files a new topic touches; the last test fails when a topic key is spelled out in
any other file of the engine, the HTTP layer or the templates.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, Literal, get_args, get_origin

import pytest

from api.review.labels import CLAUSE_TITLES, field_label, format_value, topic_of
from negotiation.commands import CaseCreate, MeetingCreate
from negotiation.documents.context import TOPIC_KEYS
from negotiation.documents.html import TEMPLATE_ROOT, environment_for, render_html
from negotiation.documents.samples import sample_context
from negotiation.errors import ValidationFailed
from negotiation.terms import TOPIC_TITLES, TOPICS, Terms
from negotiation.topics import TOPIC_REGISTRY, Topic, term_fields
from negotiation.validation import parse
from negotiation.vocabularies import VOCABULARIES, Words

ROOT = Path(__file__).resolve().parents[2]
_CJK = re.compile(r"[\u4e00-\u9fff]")


def _literal_values(annotation: Any) -> set[str]:
    if get_origin(annotation) is Literal:
        return set(get_args(annotation))
    return {v for arg in get_args(annotation) for v in _literal_values(arg)}


def test_the_derived_lists_are_the_registry_in_its_order() -> None:
    keys = [t.key for t in TOPIC_REGISTRY]
    assert list(TOPICS) == keys == list(TOPIC_KEYS)
    assert TOPIC_TITLES == {t.key: t.title for t in TOPIC_REGISTRY}
    assert len(set(keys)) == len(keys)
    assert all(re.fullmatch(r"[a-z][a-z_]*", k) for k in keys), keys
    assert list(Terms.model_fields) == [name for t in TOPIC_REGISTRY for name in (t.key, *t.extra_fields)]
    assert {k: CLAUSE_TITLES[k] for k in keys} == TOPIC_TITLES


def test_the_topics_of_a_case_and_of_a_meeting_position_are_the_registry_as_an_enum() -> None:
    topics = CaseCreate.model_json_schema()["properties"]["topics"]
    assert topics["items"] == {"enum": list(TOPICS), "type": "string"}
    assert topics["maxItems"] == len(TOPICS)
    position = MeetingCreate.model_json_schema()["$defs"]["Position"]["properties"]["topic"]
    assert position["enum"] == list(TOPICS)


def test_an_unknown_topic_is_refused_with_the_registrys_keys_in_the_message() -> None:
    body = {"title": "x", "level": "sector", "sector": "s", "region_code": "610100", "kind": "wage", "union_org_id": 1,
            "employer_org_id": 2, "bureau_org_id": 3, "covered_enterprise_ids": [], "topics": ["bogus"]}  # fmt: skip
    with pytest.raises(ValidationFailed) as caught:
        parse(CaseCreate, body)
    listed = ", ".join(f"'{k}'" for k in TOPICS[:-1]) + f" or '{TOPICS[-1]}'"
    assert [(v.path, v.message) for v in caught.value.violations] == [("topics[0]", f"取值不在允许范围内：可选值为 {listed}")]


@pytest.mark.parametrize("topic", TOPIC_REGISTRY, ids=lambda t: t.key)
def test_every_topic_has_its_chapter_template(topic: Topic) -> None:
    assert (TEMPLATE_ROOT / topic.template).is_file(), f"{topic.key} has no chapter template {topic.template}"


def test_every_chapter_template_belongs_to_a_topic() -> None:
    files = {p.stem for p in (TEMPLATE_ROOT / "contract" / "topics").glob("*.html")}
    assert files == set(TOPICS)


def test_every_field_of_every_topic_has_a_chinese_label_that_means_the_same_everywhere() -> None:
    seen: dict[str, tuple[str | None, list[Words]]] = {}
    for name, info in term_fields():
        assert info.title is not None and _CJK.search(info.title), f"{name} has no Chinese label (Field(title=…))"
        words = [m for m in info.metadata if isinstance(m, Words)]
        assert seen.setdefault(name, (info.title, words)) == (info.title, words), f"{name} is labelled two ways"
        assert field_label(f"terms.x.{name}") == info.title


def test_every_vocabulary_a_field_names_exists_and_words_each_value_the_field_allows() -> None:
    for name, info in term_fields():
        for marker in (m for m in info.metadata if isinstance(m, Words)):
            assert marker.name in VOCABULARIES, f"{name} names an unknown vocabulary {marker.name}"
            allowed = _literal_values(info.annotation)
            missing = allowed - set(VOCABULARIES[marker.name])
            assert not missing, f"{marker.name} has no words for {missing}"
            for key, word in VOCABULARIES[marker.name].items():
                assert format_value(f"terms.x.{name}", key) == word


def test_the_contract_templates_and_the_review_pages_share_one_copy_of_the_words() -> None:
    env = environment_for("610100", "express_delivery")
    names = ("topics", *VOCABULARIES)
    html = env.from_string(
        '{% import "_base/labels.html" as L %}{{ {' + ", ".join(f'"{n}": L.{n}' for n in names) + "} | tojson }}"
    ).render()
    assert json.loads(html) == {"topics": TOPIC_TITLES, **VOCABULARIES}
    assert format_value("terms.piece_rates[0].supplements[0].condition", "night") == "夜间（22时至次日6时）"


@pytest.mark.parametrize("topic", TOPIC_REGISTRY, ids=lambda t: t.key)
def test_every_topic_example_is_its_own_part_of_the_terms(topic: Topic) -> None:
    assert set(topic.example) == {topic.key, *topic.extra_fields}
    terms = Terms.model_validate(topic.example)
    assert terms.present_topics() == {topic.key}
    assert all(topic_of(f"terms.{name}") == topic.key for name in topic.example)


def test_the_sample_contract_has_every_chapter_in_the_registrys_order() -> None:
    html = render_html("contract", sample_context("contract", "xian_express"))
    chapters = re.findall(r"<h2>第[一二三四五六七八九十]+章\u3000([^<]+)</h2>", html)
    assert chapters[1 : 1 + len(TOPICS)] == [t.title for t in TOPIC_REGISTRY]
    assert chapters[0] == "总则" and chapters[1 + len(TOPICS)] == "期限"


# --- the files a topic key is spelled out in ----------------------------------------------------------------------

_SCANNED = ("negotiation", "api", "contract_templates")
_SUFFIXES = {".py", ".html", ".json", ".js", ".css", ".txt", ".toml"}
# README.md "Add a topic": the registry and the topic's own chapter template.
_DOCUMENTED = ("negotiation/topics.py", "contract_templates/contract/topics/{key}.html")
# Sample and demo data: example cases, not lists of topics.
_DATA = {"negotiation/demo.py", "negotiation/documents/samples.py"}
# Files that handle one topic's particulars (not a list of topics), and why.
_PARTICULARS: dict[str, dict[str, str]] = {
    "piece_rates": {
        "api/review/labels.py": "names a piece rate by its service in the diff's labels",
        "api/review/views.py": "shows an added or removed piece-rate item or supplement as one change",
        "contract_templates/contract/annexes.html": "the annex: the table of piece rates and supplements",
        "negotiation/diff.py": "docstring example of a path",
        "negotiation/validation.py": "docstring example of a path",
        "negotiation/documents/context.py": "docstring example of a key",
    },
    "labour_protection": {
        "negotiation/diff.py": "docstring example of a string list's path",
    },
    "expected_units_per_hour": {
        "contract_templates/contract/topics/piece_rates.html": "the piece-rate chapter's minimum-wage article",
    },
}


def _files_spelling(word: str) -> set[str]:
    pattern = re.compile(rf"\b{re.escape(word)}\b")
    found: set[str] = set()
    for top in _SCANNED:
        for path in (ROOT / top).rglob("*"):
            if path.suffix in _SUFFIXES and "__pycache__" not in path.parts and path.is_file():
                if pattern.search(path.read_text(encoding="utf-8", errors="replace")):
                    found.add(path.relative_to(ROOT).as_posix())
    return found


def _spelled_keys() -> list[tuple[str, str]]:
    """(key, the topic's key): every top-level field of the terms a topic owns."""
    return [(name, t.key) for t in TOPIC_REGISTRY for name in (t.key, *t.extra_fields)]


@pytest.mark.parametrize(("word", "key"), _spelled_keys(), ids=[w for w, _ in _spelled_keys()])
def test_a_topic_key_is_spelled_out_only_in_the_files_add_a_topic_names(word: str, key: str) -> None:
    allowed = {p.format(key=key) for p in _DOCUMENTED} | _DATA | set(_PARTICULARS.get(word, {}))
    extra = _files_spelling(word) - allowed
    assert not extra, f"{word} is spelled out in {sorted(extra)}: derive the list from negotiation/topics.py"


def test_add_a_topic_in_the_readme_names_at_most_three_files_and_the_documented_ones() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Add a topic", 1)[1].split("\n## ", 1)[0]
    files = re.findall(r"^\d+\. `([^`]+)`", section, flags=re.MULTILINE)
    assert 1 <= len(files) <= 3, files
    assert set(_DOCUMENTED) <= {f.replace("<key>", "{key}") for f in files}
