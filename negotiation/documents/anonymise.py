"""The public text of a contract names no person: the case's known persons are masked, organisations stay.

Who is a known person is not guessed from the text: they are the representatives of both sides (the chiefs among
them) and the signatories, as the contract's own context lists them. Their name fields are replaced by
``PERSON_MASK``, and wherever one of those names (two characters or more) appears in another text of the contract —
the title, a clause — it is masked too. Organisation names (the parties, the covered enterprises, the tallies per
enterprise) and the legal rules are left exactly as they are.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from typing import Any

__all__ = ["PERSON_MASK", "known_persons", "mask_persons"]

PERSON_MASK = "×××"

# Paths (as tuples of keys; "*" is any list index) whose strings are never masked: organisation names and the law.
_KEPT: tuple[tuple[str, ...], ...] = (
    ("case", "parties"),
    ("case", "rules"),
    ("vote", "per_enterprise", "*", "enterprise"),
)
# Paths whose strings are a person's name: replaced whole.
_NAMES: tuple[tuple[str, ...], ...] = (
    ("case", "worker_representatives", "*", "name"),
    ("case", "employer_representatives", "*", "name"),
    ("signatures", "*", "signatory"),
)


def _matches(path: tuple[str, ...], pattern: tuple[str, ...]) -> bool:
    if len(path) < len(pattern):
        return False
    return all(p == "*" or p == k for p, k in zip(pattern, path, strict=False))


def _walk(value: Any, path: tuple[str, ...]) -> Iterable[tuple[tuple[str, ...], Any]]:
    yield path, value
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _walk(item, (*path, str(key)))
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _walk(item, (*path, "*"))


def _identity(name: str) -> str:
    return unicodedata.normalize("NFC", name).strip()


def known_persons(data: dict[str, Any]) -> list[str]:
    """The persons a contract's data names (representatives, signatories), longest first, each once."""
    found = {
        _identity(value)
        for path, value in _walk(data, ())
        if isinstance(value, str) and any(_matches(path, p) and len(path) == len(p) for p in _NAMES)
    }
    return sorted((n for n in found if n), key=lambda n: (-len(n), n))


def mask_persons(data: dict[str, Any]) -> dict[str, Any]:
    """A copy of a contract's data (plain dicts and lists) with every known person's name masked."""
    persons = known_persons(data)
    in_text = [re.escape(n) for n in persons if len(n) >= 2]
    pattern = re.compile("|".join(in_text)) if in_text else None

    def masked(value: Any, path: tuple[str, ...]) -> Any:
        if isinstance(value, dict):
            return {key: masked(item, (*path, str(key))) for key, item in value.items()}
        if isinstance(value, (list, tuple)):
            return [masked(item, (*path, "*")) for item in value]
        if not isinstance(value, str) or any(_matches(path, p) for p in _KEPT):
            return value
        if any(_matches(path, p) and len(path) == len(p) for p in _NAMES):
            return PERSON_MASK
        if pattern is None:
            return value
        text = unicodedata.normalize("NFC", value)
        replaced = pattern.sub(PERSON_MASK, text)
        return replaced if replaced != text else value

    result: dict[str, Any] = masked(data, ())
    return result
