"""What makes a list item of the terms the same item in two drafts, and the check that each appears once in a draft.

A piece rate is the rate for one (service, unit); a supplement is the one for its condition within its rate. The
diff (negotiation/diff.py) matches items by these keys, so a draft may hold each key at most once: a duplicate is
refused when the draft is created (`422 validation_error`, the path of the second occurrence).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from negotiation.errors import Violation

__all__ = ["IDENTITY_KEYS", "duplicate_items", "identity_of"]

# The list field → the fields of its items that say which item it is.
IDENTITY_KEYS: dict[str, tuple[str, ...]] = {
    "piece_rates": ("service", "unit"),
    "supplements": ("condition",),
}


def identity_of(field: str, item: Any) -> tuple[Any, ...] | None:
    """The identity of an item of the list `field`, or None when that list's items are compared by value."""
    keys = IDENTITY_KEYS.get(field)
    if keys is None or not isinstance(item, Mapping):
        return None
    return tuple(item.get(k) for k in keys)


def duplicate_items(terms: Mapping[str, Any]) -> list[Violation]:
    """Each piece rate whose (service, unit) and each supplement whose condition occurred earlier in its list."""
    found: list[Violation] = []
    rates = terms.get("piece_rates") or []
    seen: dict[tuple[Any, ...] | None, int] = {}
    for i, rate in enumerate(rates):
        key = identity_of("piece_rates", rate)
        path = f"terms.piece_rates[{i}]"
        if key in seen:
            service, unit = key or (None, None)
            message = (
                f"计件单价项目重复：服务「{service}」、计件单位「{unit}」已在 terms.piece_rates[{seen[key]}] 列明，"
                f"{path} 不得重复列明（同一服务和计件单位只能有一项单价）"
            )
            found.append(Violation(None, message, None, path))
        else:
            seen[key] = i
        conditions: dict[tuple[Any, ...] | None, int] = {}
        for j, supplement in enumerate(rate.get("supplements") or []):
            cond = identity_of("supplements", supplement)
            sub = f"{path}.supplements[{j}]"
            if cond in conditions:
                (condition,) = cond or (None,)
                message = (
                    f"补贴条件重复：条件「{condition}」已在 {path}.supplements[{conditions[cond]}] 列明，"
                    f"{sub} 不得重复列明（同一单价项目的每种补贴条件只能有一项）"
                )
                found.append(Violation(None, message, None, sub))
            else:
                conditions[cond] = j
    return found
