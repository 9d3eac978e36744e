"""Every package the engine imports is declared in pyproject.toml, and every declared package is used."""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FIRST_PARTY = {"negotiation", "api"}
# Declared but never named in an import statement, and why they are needed all the same.
LOADED_BY_NAME = {"psycopg": "SQLAlchemy loads it from the URL scheme postgresql+psycopg"}


def _normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _declared() -> set[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    return {_normalise(re.split(r"[\[<>=!~; ]", spec, maxsplit=1)[0]) for spec in project["dependencies"]}


def _imported_modules() -> set[str]:
    found: set[str] = set()
    for package in sorted(FIRST_PARTY):
        for path in (ROOT / package).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Import):
                    found.update(alias.name.split(".")[0] for alias in node.names)
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    found.add(node.module.split(".")[0])
    return {m for m in found if m not in FIRST_PARTY and m not in sys.stdlib_module_names and m != "__future__"}


def _imported_distributions() -> dict[str, set[str]]:
    owners = packages_distributions()
    return {module: {_normalise(d) for d in owners.get(module, [])} for module in _imported_modules()}


def test_every_imported_package_is_declared() -> None:
    declared = _declared()
    undeclared = {m: d for m, d in _imported_distributions().items() if not d & declared}
    assert not undeclared, f"imported but not in [project.dependencies]: {undeclared}"


def test_every_declared_package_is_imported_or_says_why_not() -> None:
    used = set().union(*_imported_distributions().values())
    unused = _declared() - used - set(LOADED_BY_NAME)
    assert not unused, f"declared in [project.dependencies] but imported nowhere in negotiation/ or api/: {sorted(unused)}"


def test_the_dropped_packages_stay_dropped() -> None:
    assert not {"python-multipart", "brotli"} & _declared()
