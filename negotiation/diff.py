"""Differences between two drafts' terms as a list of changed paths with before and after values.

List items are matched by what they are, not by where they stand (negotiation/item_identity.py): a piece rate by
(service, unit), a supplement by its condition, any other item (the equipment's strings) by its value. Each change
has a path that addresses the item in the version it exists in:

- a changed field of a matched item: ``terms.piece_rates[i].rate_cny``, indices in the newer version ``v``;
- an item only in ``v``: ``{path: "terms.piece_rates[i]", before: null, after: {…}}``, ``i`` its index in ``v``;
- an item only in the older version ``w``: ``{path: …, before: {…}, after: null}``, indices in ``w``;
- a value of a string list: ``{path: "terms.labour_protection.equipment[i]", before: null, after: "头盔"}`` when
  added (``i`` in ``v``), ``before: "头盔", after: null`` when removed (``i`` in ``w``); moving one is no change.

Removing the first of three rates is one change, and reordering items is none.
"""

from __future__ import annotations

import json
from collections import deque
from typing import Any

from negotiation.item_identity import identity_of

__all__ = ["flatten", "terms_diff"]

_MISSING: Any = object()


def flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    """Leaves of nested dicts and lists by dotted path (`terms.piece_rates[0].rate_cny`)."""
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for key in value:
            out.update(flatten(value[key], f"{prefix}.{key}" if prefix else str(key)))
        return out
    if isinstance(value, list) and value and any(isinstance(v, (dict, list)) for v in value):
        out = {}
        for i, item in enumerate(value):
            out.update(flatten(item, f"{prefix}[{i}]"))
        return out
    return {prefix: value}


def terms_diff(before: dict[str, Any], after: dict[str, Any]) -> list[dict[str, Any]]:
    """What changed from `before` (version w) to `after` (version v); a value absent on one side is null there."""
    changes: list[dict[str, Any]] = []
    _diff(before, after, "", "", "", changes)
    return changes


def _join(prefix: str, key: str) -> str:
    return f"{prefix}.{key}" if prefix else key


def _plain(value: Any) -> Any:
    return None if value is _MISSING else value


def _change(out: list[dict[str, Any]], path: str, before: Any, after: Any) -> None:
    out.append({"path": path, "before": _plain(before), "after": _plain(after)})


def _diff(old: Any, new: Any, path_w: str, path_v: str, name: str, out: list[dict[str, Any]]) -> None:
    """Compare `old` (at path_w in w) with `new` (at path_v in v); `name` is the field that holds them."""
    if isinstance(old, dict) or isinstance(new, dict):
        if (old is _MISSING or isinstance(old, dict)) and (new is _MISSING or isinstance(new, dict)):
            olds = {} if old is _MISSING else old
            news = {} if new is _MISSING else new
            for key in dict.fromkeys([*olds, *news]):
                a, b = olds.get(key, _MISSING), news.get(key, _MISSING)
                _diff(a, b, _join(path_w, str(key)), _join(path_v, str(key)), str(key), out)
            return
    elif isinstance(old, list) or isinstance(new, list):
        if (old is _MISSING or isinstance(old, list)) and (new is _MISSING or isinstance(new, list)):
            if (old is _MISSING and new) or (new is _MISSING and old) or (old is not _MISSING and new is not _MISSING):
                _diff_items([] if old is _MISSING else old, [] if new is _MISSING else new, path_w, path_v, name, out)
                return
    if old != new and not (old is _MISSING and new is None) and not (new is _MISSING and old is None):
        _change(out, path_w if new is _MISSING or new is None else path_v, old, new)


def _key(name: str, item: Any) -> Any:
    found = identity_of(name, item)
    if found is not None:
        return ("identity", found)
    return ("value", json.dumps(item, sort_keys=True, default=str, ensure_ascii=False))


def _diff_items(old: list[Any], new: list[Any], path_w: str, path_v: str, name: str, out: list[dict[str, Any]]) -> None:
    """Match the items of two lists by identity (or value); the k-th occurrence of a key matches the k-th."""
    waiting: dict[Any, deque[int]] = {}
    for j, item in enumerate(old):
        waiting.setdefault(_key(name, item), deque()).append(j)
    matched: set[int] = set()
    for i, item in enumerate(new):
        queue = waiting.get(_key(name, item))
        if queue:
            j = queue.popleft()
            matched.add(j)
            _diff(old[j], item, f"{path_w}[{j}]", f"{path_v}[{i}]", name, out)
        else:
            _change(out, f"{path_v}[{i}]", None, item)
    for j, item in enumerate(old):
        if j not in matched:
            _change(out, f"{path_w}[{j}]", item, None)
