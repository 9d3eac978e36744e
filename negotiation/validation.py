"""Validate plain data against a pydantic model and turn pydantic's errors into Chinese violations with paths."""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel
from pydantic import ValidationError as PydanticError

from negotiation.errors import ValidationFailed, Violation

__all__ = ["Malformed", "dotted_path", "error_message", "parse", "violations_from"]

M = TypeVar("M", bound=BaseModel)

_MESSAGES = {
    "missing": "缺少必填字段",
    "extra_forbidden": "不允许的字段",
    "string_type": "须为文本",
    "int_type": "须为整数",
    "int_parsing": "须为整数",
    "int_from_float": "须为整数",
    "bool_type": "须为 true 或 false",
    "bool_parsing": "须为 true 或 false",
    "list_type": "须为列表",
    "dict_type": "须为对象",
    "model_type": "须为对象",
    "model_attributes_type": "须为对象",
    "date_type": "须为日期，格式 YYYY-MM-DD",
    "date_parsing": "日期格式须为 YYYY-MM-DD",
    "date_from_datetime_parsing": "日期格式须为 YYYY-MM-DD",
    "date_from_datetime_inexact": "日期格式须为 YYYY-MM-DD",
    "too_long": "条目过多或过长",
    "too_short": "条目过少或为空",
    "greater_than_equal": "数值过小",
    "greater_than": "数值过小",
    "less_than_equal": "数值过大",
    "less_than": "数值过大",
    "literal_error": "取值不在允许范围内",
    "enum": "取值不在允许范围内",
    "json_invalid": "JSON 格式错误",
    "recursion_loop": "嵌套层级过深",
}


def dotted_path(loc: tuple[int | str, ...], prefix: str = "") -> str:
    """('terms', 'piece_rates', 0, 'rate_cny') → 'terms.piece_rates[0].rate_cny'."""
    path = prefix
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        elif part:
            path = f"{path}.{part}" if path else str(part)
    return path


def _message(error: Any) -> str:
    kind = error["type"]
    ctx = error.get("ctx") or {}
    if kind == "value_error" and "error" in ctx:
        return str(ctx["error"])
    base = _MESSAGES.get(kind, "格式不正确")
    if kind in ("greater_than_equal", "greater_than") and "ge" in ctx:
        return f"{base}：不得小于 {ctx['ge']}"
    if kind in ("greater_than_equal", "greater_than") and "gt" in ctx:
        return f"{base}：须大于 {ctx['gt']}"
    if kind in ("less_than_equal", "less_than") and "le" in ctx:
        return f"{base}：不得大于 {ctx['le']}"
    if kind in ("literal_error", "enum") and "expected" in ctx:
        return f"{base}：可选值为 {ctx['expected']}"
    if kind in ("too_long", "too_short") and "max_length" in ctx:
        return f"{base}：最多 {ctx['max_length']} 项"
    if kind == "too_short" and "min_length" in ctx:
        return f"{base}：至少 {ctx['min_length']} 项"
    return base


def error_message(error: Any) -> str:
    """The Chinese message of one pydantic error (also used for FastAPI's query and path parameters)."""
    return _message(error)


# At most this many violations are listed in one answer (a body of 100,000 unknown fields would otherwise answer
# 10 MB); the last one listed then says how many more there are.
MAX_LISTED = 100


def violations_from(exc: PydanticError, prefix: str = "") -> list[Violation]:
    """One violation per bad field, rule and citation null (the first MAX_LISTED, then one saying how many more)."""
    errors = exc.errors(include_url=False)
    found = [
        Violation(None, _message(e), None, dotted_path(tuple(e["loc"]), prefix) or prefix or None) for e in errors[:MAX_LISTED]
    ]
    if len(errors) > MAX_LISTED:
        found.append(
            Violation(None, f"另有 {len(errors) - MAX_LISTED} 处不符合要求未列出，请先改正以上各处", None, prefix or None)
        )
    return found


def parse(model: type[M], value: Any, prefix: str = "") -> M:
    """The value as the model, or ValidationFailed listing every bad field."""
    if isinstance(value, Malformed):
        raise ValidationFailed(value.message, [Violation(None, value.message, None, prefix or None)])
    if not isinstance(value, dict):
        raise ValidationFailed("请求内容须为 JSON 对象", [Violation(None, "须为 JSON 对象", None, prefix or None)])
    try:
        return model.model_validate(value)
    except PydanticError as exc:
        found = violations_from(exc, prefix)
        count = exc.error_count()
        raise ValidationFailed(f"提交的内容有 {count} 处不符合要求：{found[0].path}：{found[0].message}", found) from exc


class Malformed:
    """A request body that could not be read as JSON; refused when the handler first looks at it."""

    def __init__(self, message: str) -> None:
        self.message = message
