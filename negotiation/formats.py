"""Field formats of api.md "Formats": money, decimals, integers and text, as pydantic annotated types."""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BeforeValidator, Field, PlainSerializer

__all__ = [
    "CONTROL",
    "FIRST_DAY",
    "LAST_DAY",
    "MAX_INT",
    "Count",
    "Day",
    "Money",
    "Name",
    "Quantity",
    "ShortName",
    "Text",
    "clean_text",
]

MAX_INT = 2**31 - 1
_MONEY = re.compile(r"^(0|[1-9][0-9]{0,11})(\.[0-9]{1,2})?$")
_QUANTITY = re.compile(r"^(0|[1-9][0-9]{0,11})(\.[0-9]{1,4})?$")
_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
# The days a procedure may name. Every date the engine reckons from one (a term, a reply period, a deadline: a few
# years at the most) then stays within the calendar Python holds; 9999-12-31 plus a period would not.
FIRST_DAY = date(2000, 1, 1)
LAST_DAY = date(2199, 12, 31)
# The control characters text may not hold (C0 but tab and newline, DEL, C1): api.md "Formats".
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def _money(value: Any) -> Decimal:
    if not isinstance(value, str) or not _MONEY.match(value):
        raise ValueError('金额须为不带符号的十进制字符串，最多两位小数，例如 "1.20"')
    return Decimal(value)


def _quantity(value: Any) -> Decimal:
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= MAX_INT:
        return Decimal(value)
    if not isinstance(value, str) or not _QUANTITY.match(value):
        raise ValueError('数值须为不带符号的十进制字符串，最多四位小数，例如 "15"')
    return Decimal(value)


def _day(value: Any) -> Any:
    # Only the ISO text form: pydantic's lax mode would read 0 or "86400" as a Unix timestamp.
    if isinstance(value, str) and _DATE.match(value):
        try:
            value = date.fromisoformat(value)
        except ValueError:
            raise ValueError("日期格式须为 YYYY-MM-DD，且须是日历上有的日子") from None
    if not isinstance(value, date):
        raise ValueError("日期格式须为 YYYY-MM-DD")
    if not FIRST_DAY <= value <= LAST_DAY:
        raise ValueError(f"日期须在 {FIRST_DAY.isoformat()} 至 {LAST_DAY.isoformat()} 之间")
    return value


def clean_text(value: Any, *, limit: int, required: bool, lines: int | None = None) -> str:
    """Text normalised to NFC (CRLF to LF) and trimmed; control characters other than newline and tab are refused,
    and so is more than ``lines`` lines (each is a paragraph of a document: 10,000 one-character lines took 5 s)."""
    if not isinstance(value, str):
        raise ValueError("须为文本")
    text = unicodedata.normalize("NFC", value).replace("\r\n", "\n")  # HTML forms send every line break as CRLF
    if CONTROL.search(text):  # before trimming: str.strip() would silently drop \x1c-\x1f, \x85, \r at the ends
        raise ValueError("文本中含有不允许的控制字符")
    text = text.strip()
    if required and not text:
        raise ValueError("不能为空")
    if len(text) > limit:
        raise ValueError(f"文本过长：最多 {limit} 个字符，实际 {len(text)} 个")
    if lines is not None and text.count("\n") >= lines:
        raise ValueError(f"文本最多 {lines} 行（段），实际 {text.count(chr(10)) + 1} 行：请合并段落")
    return text


_as_str = PlainSerializer(lambda d: format(d, "f"), return_type=str)

Money = Annotated[
    Decimal, BeforeValidator(_money), _as_str, Field(json_schema_extra={"type": "string", "pattern": _MONEY.pattern})
]
Quantity = Annotated[Decimal, BeforeValidator(_quantity), _as_str, Field(json_schema_extra={"type": "string"})]
Day = Annotated[date, BeforeValidator(_day)]
Count = Annotated[int, Field(ge=0, le=MAX_INT, strict=True)]
Name = Annotated[str, BeforeValidator(lambda v: clean_text(v, limit=200, required=True))]
# A name printed in every row of a contract's tables (a service, a unit, a condition): short, since a row repeats it.
ShortName = Annotated[str, BeforeValidator(lambda v: clean_text(v, limit=50, required=True))]
TEXT_LINES = 200  # lines (paragraphs) of one text of 20,000 characters
Text = Annotated[str, BeforeValidator(lambda v: clean_text(v, limit=20_000, required=False, lines=TEXT_LINES))]
RequiredText = Annotated[str, BeforeValidator(lambda v: clean_text(v, limit=20_000, required=True, lines=TEXT_LINES))]
# A person's name or post as a list of representatives prints it (every minutes lists both sides).
PersonName = Annotated[str, BeforeValidator(lambda v: clean_text(v, limit=30, required=True, lines=1))]
Post = Annotated[str, BeforeValidator(lambda v: clean_text(v, limit=50, required=True, lines=1))]
