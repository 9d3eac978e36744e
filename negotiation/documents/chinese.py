"""Chinese number and date forms for documents: capital amounts, 第一条 numerals, 年月日 dates."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

_CAPITAL_DIGITS = "零壹贰叁肆伍陆柒捌玖"
_CAPITAL_UNITS = ((1000, "仟"), (100, "佰"), (10, "拾"), (1, ""))
_SMALL_DIGITS = "零一二三四五六七八九"
_SMALL_UNITS = ((1000, "千"), (100, "百"), (10, "十"), (1, ""))
_GROUPS = ("", "万", "亿")
MAX_YUAN = 10**12 - 1


def _to_decimal(value: Decimal | int | str) -> Decimal:
    try:
        amount = value if isinstance(value, Decimal) else Decimal(str(value))
    except InvalidOperation as exc:
        raise ValueError(f"not an amount: {value!r}") from exc
    if not amount.is_finite():
        raise ValueError(f"not a finite amount: {value!r}")
    return amount


def _group_words(group: int, digits: str, units: tuple[tuple[int, str], ...]) -> str:
    words = ""
    pending_zero = False
    for place, unit in units:
        digit = group // place % 10
        if digit == 0:
            pending_zero = bool(words)
            continue
        if pending_zero:
            words += digits[0]
            pending_zero = False
        words += digits[digit] + unit
    return words


def _integer_words(number: int, digits: str, units: tuple[tuple[int, str], ...]) -> str:
    groups = [(number // 10**8) % 10**4, (number // 10**4) % 10**4, number % 10**4]
    words = ""
    pending_zero = False
    for index, group in enumerate(groups):
        if group == 0:
            pending_zero = pending_zero or bool(words)
            continue
        if words and (pending_zero or group < 1000):
            words += digits[0]
        words += _group_words(group, digits, units) + _GROUPS[len(groups) - 1 - index]
        pending_zero = False
    return words


def capital_amount(value: Decimal | int | str) -> str:
    """Write an amount in CNY in Chinese capitals: Decimal("1.20") → 人民币壹元贰角."""
    amount = _to_decimal(value)
    if amount < 0:
        raise ValueError(f"negative amount: {value!r}")
    if amount != amount.quantize(Decimal("0.01")):
        raise ValueError(f"amount has more than two decimal places: {value!r}")
    cents = int(amount * 100)
    yuan, rest = divmod(cents, 100)
    jiao, fen = divmod(rest, 10)
    if yuan > MAX_YUAN:
        raise ValueError(f"amount above 9999亿: {value!r}")
    if cents == 0:
        return "人民币零元整"
    words = ""
    if yuan:
        words += _integer_words(yuan, _CAPITAL_DIGITS, _CAPITAL_UNITS) + "元"
    if jiao:
        words += _CAPITAL_DIGITS[jiao] + "角"
    if fen:
        if yuan and not jiao:
            words += "零"
        words += _CAPITAL_DIGITS[fen] + "分"
    if not jiao and not fen:
        words += "整"
    return "人民币" + words


def chinese_numeral(value: int) -> str:
    """Write a count in Chinese numerals for 第一章/第十一条: 1 → 一, 12 → 十二, 105 → 一百零五."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"not an integer: {value!r}")
    if value < 0 or value > MAX_YUAN:
        raise ValueError(f"out of range: {value}")
    if value == 0:
        return _SMALL_DIGITS[0]
    words = _integer_words(value, _SMALL_DIGITS, _SMALL_UNITS)
    if 10 <= value < 20:
        words = words.removeprefix("一")
    return words


def figures(value: Decimal | int | str) -> str:
    """Write money in figures with two decimals and thousands separators: 600000 → 600,000.00."""
    return f"{_to_decimal(value).quantize(Decimal('0.01')):,}"


def plain_number(value: Decimal | int | str) -> str:
    """Write a decimal without trailing zeros or exponent: Decimal("3.0") → 3, "1.50" → 1.5."""
    amount = _to_decimal(value)
    text = f"{amount:f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def chinese_date(value: dt.date) -> str:
    """Write a date as 2026年11月29日."""
    return f"{value.year}年{value.month}月{value.day}日"
