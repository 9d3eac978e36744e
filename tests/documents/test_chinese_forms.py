"""Chinese capital amounts, 第一条 numerals and dates as contracts write them."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from negotiation.documents.chinese import capital_amount, chinese_date, chinese_numeral, figures


@pytest.mark.parametrize(
    ("amount", "words"),
    [
        (Decimal("1.20"), "人民币壹元贰角"),
        ("0", "人民币零元整"),
        ("0.05", "人民币伍分"),
        ("0.50", "人民币伍角"),
        ("1.05", "人民币壹元零伍分"),
        ("10", "人民币壹拾元整"),
        ("1005", "人民币壹仟零伍元整"),
        ("1050", "人民币壹仟零伍拾元整"),
        ("100000", "人民币壹拾万元整"),
        ("600000", "人民币陆拾万元整"),
        ("1000010", "人民币壹佰万零壹拾元整"),
        ("100010000", "人民币壹亿零壹万元整"),
        ("100000001", "人民币壹亿零壹元整"),
        ("1680.32", "人民币壹仟陆佰捌拾元叁角贰分"),
        ("999999999999.99", "人民币玖仟玖佰玖拾玖亿玖仟玖佰玖拾玖万玖仟玖佰玖拾玖元玖角玖分"),
    ],
)
def test_capital_amount_follows_the_payment_writing_rules(amount: object, words: str) -> None:
    assert capital_amount(amount) == words  # type: ignore[arg-type]


@pytest.mark.parametrize("bad", ["-1", "1.234", "NaN", "1000000000000", "abc"])
def test_capital_amount_refuses_what_a_contract_cannot_state(bad: str) -> None:
    with pytest.raises(ValueError):
        capital_amount(bad)


@pytest.mark.parametrize(
    ("number", "words"),
    [
        (1, "一"),
        (9, "九"),
        (10, "十"),
        (11, "十一"),
        (19, "十九"),
        (20, "二十"),
        (21, "二十一"),
        (99, "九十九"),
        (100, "一百"),
        (101, "一百零一"),
        (110, "一百一十"),
        (1001, "一千零一"),
    ],
)
def test_article_numerals_read_as_in_chinese_statutes(number: int, words: str) -> None:
    assert chinese_numeral(number) == words


def test_dates_and_figures_are_written_the_chinese_way() -> None:
    assert chinese_date(dt.date(2026, 11, 29)) == "2026年11月29日"
    assert figures("600000") == "600,000.00"
