"""One error table: each engine error carries its api.md code and HTTP status; the API and the pages answer alike."""

from __future__ import annotations

import ast
from collections import Counter
from pathlib import Path

import pytest
from starlette.requests import Request

import api.main
import api.review.sessions
from api.review import pages
from negotiation import errors

ROOT = Path(__file__).resolve().parents[2]


def _all_errors() -> list[type[errors.NegotiationError]]:
    found: list[type[errors.NegotiationError]] = []
    stack = list(errors.NegotiationError.__subclasses__())
    while stack:
        cls = stack.pop()
        found.append(cls)
        stack.extend(cls.__subclasses__())
    return sorted(found, key=lambda c: c.__qualname__)


def _page_request(method: str) -> Request:
    scope = {"type": "http", "method": method, "path": "/review/cases/1", "headers": [], "query_string": b"", "state": {}}
    return Request(scope)


def test_the_tree_is_complete_every_error_has_a_code_and_a_status() -> None:
    assert api.main and api.review.sessions  # every module that defines errors is imported
    for cls in _all_errors():
        assert cls.code != errors.NegotiationError.code, f"{cls.__name__} has no code of its own"
        assert 400 <= cls.status <= 599, f"{cls.__name__}: {cls.status}"


@pytest.mark.parametrize("cls", [c for c in _all_errors() if c is not pages.SignedOut], ids=lambda c: c.__name__)
def test_the_api_and_the_pages_answer_an_error_with_the_same_status(cls: type[errors.NegotiationError]) -> None:
    exc = cls()
    api_answer = api.main.error_response(exc)
    page_answer = pages.error_page(_page_request("POST"), exc)
    assert api_answer.status_code == page_answer.status_code == cls.status
    assert bytes(api_answer.body).decode("utf-8").count(exc.code) == 1


def test_no_status_table_outside_the_errors() -> None:
    """A second table of statuses (a dict from error classes to numbers) is what drifted before."""
    offenders = []
    for package in ("negotiation", "api"):
        for path in (ROOT / package).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if (
                    isinstance(node, ast.Dict)
                    and node.keys
                    and all(
                        isinstance(k, ast.Attribute) and k.value.__class__ is ast.Name and k.value.id == "errors"  # type: ignore[attr-defined]
                        for k in node.keys
                    )
                ):
                    offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert offenders == []


def test_no_two_classes_share_a_name() -> None:
    names: Counter[str] = Counter()
    where: dict[str, list[str]] = {}
    for package in ("negotiation", "api"):
        for path in sorted((ROOT / package).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.ClassDef):
                    names[node.name] += 1
                    where.setdefault(node.name, []).append(str(path.relative_to(ROOT)))
    assert {name: where[name] for name, n in names.items() if n > 1} == {}
