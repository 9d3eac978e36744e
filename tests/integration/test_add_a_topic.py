"""README.md "Add a topic" holds: a throw-away topic added through exactly the files it names works end to end.

The topic is added to a copy of the repository (the registry entry and model in negotiation/topics.py, the chapter
template, no other file), and the copy's own tests run there in a fresh interpreter: topic_probe.py drives the new
topic through the terms, the API, the review page and the sample contract, and test_topic_registry.py checks that
the topic has everything a topic needs and that its key is spelled out nowhere else.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

MODEL = """
class SkillTraining(Section):
    hours_per_year: Count = Field(title="每年技能培训（学时）")
    paid_by: Annotated[Payer, Words("payers")] = Field(title="培训费用承担方")


def _skill_training_floors(section: SkillTraining, terms: Any, ctx: FloorContext) -> list[Violation]:
    if section.hours_per_year < 8:
        return [violation("R22", "每年职业技能培训不得少于 8 学时", "terms.skill_training.hours_per_year")]
    return []


"""
ENTRY = """    Topic(
        "skill_training",
        "职业技能培训",
        SkillTraining,
        floors=_skill_training_floors,
        example={"skill_training": {"hours_per_year": 16, "paid_by": "platform"}},
    ),
"""
CHAPTER = """{% set t = terms.skill_training %}
{% call article(n) %}企业应当组织劳动者参加职业技能培训，每人每年不少于{{ t.hours_per_year }}学时，\
培训费用由{{ L.payers.get(t.paid_by, t.paid_by) }}承担。{% endcall %}
"""


def _documented_files() -> list[str]:
    section = (ROOT / "README.md").read_text(encoding="utf-8").split("## Add a topic", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"^\d+\. `([^`]+)`", section, flags=re.MULTILINE)


def _add_the_topic(copy: Path) -> set[str]:
    """The edits README.md describes; returns the files touched."""
    registry = copy / "negotiation" / "topics.py"
    text = registry.read_text(encoding="utf-8")
    floors = text.index("# --- the floors")
    text = text[:floors] + MODEL.lstrip("\n") + text[floors:]
    place = re.search(r'^    Topic\(\s*"insurance_welfare"', text, flags=re.MULTILINE)
    assert place is not None, "the registry entry of insurance_welfare, before which the new chapter goes"
    text = text[: place.start()] + ENTRY + text[place.start() :]
    registry.write_text(text, encoding="utf-8")
    chapter = copy / "contract_templates" / "contract" / "topics" / "skill_training.html"
    chapter.write_text(CHAPTER, encoding="utf-8")
    return {p.relative_to(copy).as_posix() for p in (registry, chapter)}


def test_a_topic_added_through_the_files_the_readme_names_works_end_to_end(tmp_path: Path) -> None:
    copy = tmp_path / "repo"
    for part in ("negotiation", "api", "contract_templates", "tests"):
        shutil.copytree(ROOT / part, copy / part, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, copy / name)
    touched = _add_the_topic(copy)
    documented = {f.replace("<key>", "skill_training") for f in _documented_files()}
    assert touched <= documented and len(documented) <= 3, (touched, documented)
    env = {**os.environ, "PYTHONPATH": str(copy)}
    env.pop("NEGOTIATION_TEST_DATABASE_URL", None)  # the copy's run uses SQLite only
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "-x",
            "tests/integration/topic_probe.py",
            "tests/unit/test_topic_registry.py",
        ],
        cwd=copy,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stdout[-6000:] + run.stderr[-3000:]
    assert re.search(r"\b\d+ passed\b", run.stdout) and "skipped" not in run.stdout, run.stdout[-2000:]
