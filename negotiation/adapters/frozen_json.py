"""JSON values that refuse to change in place: what a stored record's JSON column holds once loaded or assigned.

Drafts, meetings, votes and audit links are written once and never updated; their JSON columns (a draft's terms,
fingerprinted by its sha256; a meeting's positions; a vote's count per enterprise; an audit link's hashed data) are
read back as ``FrozenDict`` / ``FrozenList``, so ``draft.terms[topic].append(x)`` raises ``TypeError`` at
the mutation instead of being silently lost (the ORM does not see changes inside a JSON value). They are ``dict``
and ``list`` subclasses, so everything that reads them (``==``, ``isinstance``, pydantic, ``json``, orjson,
templates) sees plain JSON; ``copy.copy``, ``copy.deepcopy`` and pickling give plain, mutable values to build a new
one from.
"""

from __future__ import annotations

from typing import Any, NoReturn

__all__ = ["FrozenDict", "FrozenList", "freeze", "thaw"]

_MESSAGE = "a stored record's JSON value does not change in place: build a new value (copy.deepcopy gives a mutable one)"


def _refuse(*args: Any, **kwargs: Any) -> NoReturn:
    raise TypeError(_MESSAGE)


class FrozenDict(dict[Any, Any]):
    """A JSON object that cannot be changed."""

    __slots__ = ()
    __setitem__ = __delitem__ = __ior__ = clear = pop = popitem = setdefault = update = _refuse

    def __copy__(self) -> dict[Any, Any]:
        return dict(self)

    def __deepcopy__(self, memo: dict[int, Any]) -> dict[Any, Any]:
        return {k: thaw(v) for k, v in self.items()}

    def __reduce__(self) -> tuple[Any, ...]:
        return (dict, (thaw(self),))


class FrozenList(list[Any]):
    """A JSON array that cannot be changed."""

    __slots__ = ()
    __setitem__ = __delitem__ = __iadd__ = __imul__ = _refuse
    append = extend = insert = pop = remove = clear = sort = reverse = _refuse

    def __copy__(self) -> list[Any]:
        return list(self)

    def __deepcopy__(self, memo: dict[int, Any]) -> list[Any]:
        return [thaw(v) for v in self]

    def __reduce__(self) -> tuple[Any, ...]:
        return (list, (thaw(self),))


def freeze(value: Any) -> Any:
    """The value with every object and array in it frozen (a value frozen already is returned as it is)."""
    if isinstance(value, (FrozenDict, FrozenList)):
        return value
    if isinstance(value, dict):
        return FrozenDict({k: freeze(v) for k, v in value.items()})
    if isinstance(value, list):
        return FrozenList([freeze(v) for v in value])
    return value


def thaw(value: Any) -> Any:
    """A plain, mutable copy of a JSON value's objects and arrays."""
    if isinstance(value, dict):
        return {k: thaw(v) for k, v in value.items()}
    if isinstance(value, list):
        return [thaw(v) for v in value]
    return value
