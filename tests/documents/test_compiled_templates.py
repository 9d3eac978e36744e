"""Compiled templates are kept between processes, never served for a changed source, and never needed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jinja2
import pytest

from negotiation.documents.html import environment_for
from negotiation.speedups import compiled_template_cache


def _environment(templates: Path, cache: Path) -> tuple[jinja2.Environment, list[str]]:
    """A new environment, as a new process has: returns it with the list of templates it had to compile."""
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(templates)), bytecode_cache=compiled_template_cache(str(cache)))
    compiled: list[str] = []
    compile_source = env.compile

    def counting_compile(source: Any, name: str | None = None, filename: str | None = None, *args: Any) -> Any:
        compiled.append(str(name))
        return compile_source(source, name, filename, *args)

    env.compile = counting_compile  # type: ignore[method-assign]
    return env, compiled


@pytest.fixture()
def dirs(tmp_path: Path) -> tuple[Path, Path]:
    templates, cache = tmp_path / "templates", tmp_path / "cache"
    templates.mkdir()
    cache.mkdir()
    (templates / "letter.html").write_text("致{{ party }}：协商要约。", encoding="utf-8")
    return templates, cache


def test_a_new_process_takes_the_compiled_template_instead_of_compiling_it(dirs: tuple[Path, Path]) -> None:
    templates, cache = dirs
    first, compiled_first = _environment(templates, cache)
    assert first.get_template("letter.html").render(party="甲方") == "致甲方：协商要约。"
    assert compiled_first == ["letter.html"] and len(list(cache.iterdir())) == 1

    second, compiled_second = _environment(templates, cache)
    assert second.get_template("letter.html").render(party="乙方") == "致乙方：协商要约。"
    assert compiled_second == []


def test_a_changed_template_is_compiled_again_not_served_from_the_cache(dirs: tuple[Path, Path]) -> None:
    templates, cache = dirs
    _environment(templates, cache)[0].get_template("letter.html").render(party="甲方")
    (templates / "letter.html").write_text("致{{ party }}：协商答复。", encoding="utf-8")

    env, compiled = _environment(templates, cache)
    assert env.get_template("letter.html").render(party="甲方") == "致甲方：协商答复。"
    assert compiled == ["letter.html"]


def test_a_damaged_entry_is_compiled_afresh(dirs: tuple[Path, Path]) -> None:
    templates, cache = dirs
    _environment(templates, cache)[0].get_template("letter.html")
    (entry,) = cache.iterdir()
    entry.write_bytes(entry.read_bytes()[:40] + b"\x00garbage")

    env, compiled = _environment(templates, cache)
    assert env.get_template("letter.html").render(party="丙方") == "致丙方：协商要约。"
    assert compiled == ["letter.html"]


def test_a_cache_that_cannot_be_written_costs_only_a_compile(dirs: tuple[Path, Path]) -> None:
    templates, cache = dirs
    cache.rmdir()
    cache.write_text("not a directory", encoding="utf-8")

    env, compiled = _environment(templates, cache)
    assert env.get_template("letter.html").render(party="甲方") == "致甲方：协商要约。"
    assert compiled == ["letter.html"]


def test_the_document_templates_use_the_cache() -> None:
    env = environment_for("610100", "express_delivery")
    assert isinstance(env.bytecode_cache, jinja2.FileSystemBytecodeCache)
