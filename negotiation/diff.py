"""Differences between two drafts' terms as a list of changed paths with before and after values."""

from __future__ import annotations

from typing import Any

__all__ = ["flatten", "terms_diff"]


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
    """Every leaf that differs; a path absent on one side has null there."""
    old, new = flatten(before), flatten(after)
    changes = []
    for path in list(dict.fromkeys([*old, *new])):
        a, b = old.get(path), new.get(path)
        if a != b:
            changes.append({"path": path, "before": a, "after": b})
    return changes
