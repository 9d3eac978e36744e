"""What makes a list item of the terms the same item in two drafts, and the check that each appears once in a draft.

An item model of the terms names the fields that say which item it is (``Section.identity`` in
negotiation/topics.py: a piece rate is the rate for one service and unit, a supplement the one for its condition
within its rate). The diff (negotiation/diff.py) matches items by these fields, so a draft may hold each identity
at most once: a duplicate is refused when the draft is created (`422 validation_error`, the path of the second
occurrence). Lists of other items (strings such as the equipment) are compared by value.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel

from negotiation.errors import Violation
from negotiation.terms import TOPIC_TITLES, Terms
from negotiation.topics import Section, field_vocabularies, models_in
from negotiation.vocabularies import VOCABULARIES

__all__ = ["IDENTITY_KEYS", "duplicate_items", "identity_of"]


@functools.cache
def _lists(model: type[BaseModel]) -> dict[str, tuple[str, type[Section]]]:
    """Field name → (its title, its item model) for the lists of identified items of a model."""
    found: dict[str, tuple[str, type[Section]]] = {}
    for name, info in model.model_fields.items():
        for item in models_in(info.annotation):
            if item.identity:
                found[name] = (info.title or TOPIC_TITLES.get(name, name), item)
    return found


def _all_lists(model: type[BaseModel], into: dict[str, tuple[str, ...]]) -> dict[str, tuple[str, ...]]:
    for name, (_title, item) in _lists(model).items():
        into[name] = item.identity
        _all_lists(item, into)
    return into


# The list field → the fields of its items that say which item it is (derived from the item models).
IDENTITY_KEYS: dict[str, tuple[str, ...]] = _all_lists(Terms, {})


_VOCABULARY_OF = field_vocabularies()


def identity_of(field: str, item: Any) -> tuple[Any, ...] | None:
    """The identity of an item of the list `field`, or None when that list's items are compared by value."""
    keys = IDENTITY_KEYS.get(field)
    if keys is None or not isinstance(item, Mapping):
        return None
    return tuple(item.get(k) for k in keys)


def _in_words(field: str, value: Any) -> str:
    words = VOCABULARIES.get(_VOCABULARY_OF.get(field, ""), {})
    return f"{words[value]}（{value}）" if isinstance(value, str) and value in words else str(value)


def _duplicates(model: type[BaseModel], values: Mapping[str, Any], prefix: str, found: list[Violation]) -> None:
    for name, (title, item_model) in _lists(model).items():
        seen: dict[tuple[Any, ...], int] = {}
        for i, item in enumerate(values.get(name) or []):
            if not isinstance(item, Mapping):
                continue
            path = f"{prefix}.{name}[{i}]"
            key = tuple(item.get(k) for k in item_model.identity)
            if key in seen:
                fields = item_model.model_fields
                which = "、".join(
                    f"{fields[k].title or k}「{_in_words(k, v)}」" for k, v in zip(item_model.identity, key, strict=True)
                )
                message = (
                    f"「{title}」重复：{which}已在 {prefix}.{name}[{seen[key]}] 列明，{path} 不得重复列明"
                    f"（每个{'和'.join(fields[k].title or k for k in item_model.identity)}只能有一项）"
                )
                found.append(Violation(None, message, None, path))
            else:
                seen[key] = i
            _duplicates(item_model, item, path, found)


def duplicate_items(terms: Mapping[str, Any]) -> list[Violation]:
    """Each item whose identity occurred earlier in its list (a piece rate's service and unit, a supplement's
    condition within its rate), in the order of the terms."""
    found: list[Violation] = []
    _duplicates(Terms, terms, "terms", found)
    return found
