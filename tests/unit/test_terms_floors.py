"""The terms of a draft: field formats, the case's topics, and the legal floors (R18, R22) with their paths."""

from __future__ import annotations

import copy
import re
import unicodedata
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from negotiation.errors import ValidationFailed, Violation
from negotiation.formats import MAX_INT
from negotiation.rules import RULES, profile_for_region
from negotiation.terms import Terms, floor_violations, term_bounds, topic_violations
from negotiation.topics import TOPIC_REGISTRY
from negotiation.validation import parse

XIAN = "610100"
BAOJI = "610300"  # a Shaanxi city whose class is not yet entered: checked against class three
SHAANXI = profile_for_region(XIAN)
START = date(2027, 1, 1)
GOOD_END = date(2028, 12, 31)

TERMS: dict[str, Any] = {
    "piece_rates": [
        {"service": "parcel_delivery", "unit": "parcel", "rate_cny": "1.50",
         "supplements": [{"condition": "night", "amount_cny": "0.50"}]},
    ],
    "expected_units_per_hour": "15",
    "pay_method": {"cycle": "monthly", "pay_day": 10, "max_commission_pct": "20", "itemised_statement": True},
    "rest_leave": {"rest_days_per_month": 4, "holiday_pay_multiplier": "3"},
}  # fmt: skip


def terms(**changes: Any) -> dict[str, Any]:
    t = copy.deepcopy(TERMS)
    for dotted, value in changes.items():
        target: Any = t
        *parents, last = dotted.split("__")
        for part in parents:
            target = target[int(part)] if part.isdigit() else target[part]
        target[int(last) if last.isdigit() else last] = value
    return t


def floors(raw: dict[str, Any], *, start: date = START, end: date = GOOD_END, region: str = XIAN) -> list[Violation]:
    parsed = parse(Terms, raw, "terms")
    return floor_violations(parsed, term_start=start, term_end=end, profile=profile_for_region(region), region_code=region)


def refused_paths(raw: dict[str, Any]) -> list[str | None]:
    with pytest.raises(ValidationFailed) as caught:
        parse(Terms, raw, "terms")
    assert all(v.rule is None and v.citation is None for v in caught.value.violations)
    return [v.path for v in caught.value.violations]


def test_the_standard_terms_meet_every_floor() -> None:
    assert floors(TERMS) == []


# R18 -----------------------------------------------------------------------------------------------


def test_r18_a_term_of_exactly_one_year_counted_inclusively_is_the_shortest_allowed() -> None:
    assert floors(TERMS, end=date(2027, 12, 31)) == []
    found = floors(TERMS, end=date(2027, 12, 30))
    assert [(v.rule, v.path) for v in found] == [("R18", "term_end")]
    assert found[0].citation == RULES["R18"].citation
    assert "2027-12-31 至 2029-12-31" in found[0].message


def test_r18_a_term_of_exactly_three_years_counted_inclusively_is_the_longest_allowed() -> None:
    assert floors(TERMS, end=date(2029, 12, 31)) == []
    found = floors(TERMS, end=date(2030, 1, 1))
    assert [(v.rule, v.path) for v in found] == [("R18", "term_end")]


def test_r18_bounds_across_a_leap_day_inside_the_term() -> None:
    # 2028 is a leap year: a term from 2027-03-01 runs to 2028-02-29 for one year.
    assert term_bounds(date(2027, 3, 1), SHAANXI) == (date(2028, 2, 29), date(2030, 2, 28))


def test_r18_a_term_starting_on_29_february_ends_on_28_february_of_a_common_year() -> None:
    earliest, latest = term_bounds(date(2028, 2, 29), SHAANXI)
    assert (earliest, latest) == (date(2029, 2, 28), date(2031, 2, 28))
    assert floors(TERMS, start=date(2028, 2, 29), end=date(2031, 2, 28)) == []
    assert [v.rule for v in floors(TERMS, start=date(2028, 2, 29), end=date(2029, 2, 27))] == ["R18"]
    assert [v.rule for v in floors(TERMS, start=date(2028, 2, 29), end=date(2031, 3, 1))] == ["R18"]


@given(st.dates(min_value=date(2001, 1, 1), max_value=date(2090, 12, 31)))
def test_r18_bounds_are_one_and_three_years_less_one_day(start: date) -> None:
    earliest, latest = term_bounds(start, SHAANXI)
    if (start.month, start.day) != (2, 29):
        assert earliest + timedelta(days=1) == start.replace(year=start.year + 1)
        assert latest + timedelta(days=1) == start.replace(year=start.year + 3)
    assert 364 <= (earliest - start).days <= 365
    assert 3 * 365 - 1 <= (latest - start).days <= 3 * 365


# R22: minimum wage ---------------------------------------------------------------------------------


def test_r22_piece_rate_times_units_per_hour_exactly_at_the_xian_hourly_minimum_passes() -> None:
    assert floors(terms(piece_rates__0__rate_cny="1.40")) == []  # 1.40 × 15 = 21.00


def test_r22_piece_rate_one_fen_below_the_xian_hourly_minimum_is_refused_with_its_path() -> None:
    found = floors(terms(piece_rates__0__rate_cny="1.39"))  # 1.39 × 15 = 20.85 < 21
    assert [(v.rule, v.path) for v in found] == [("R22", "terms.piece_rates[0].rate_cny")]
    assert found[0].citation == RULES["R22"].citation
    assert "¥20.85" in found[0].message and "¥21" in found[0].message and "一类" in found[0].message


def test_r22_supplements_do_not_count_toward_the_floor() -> None:
    raw = terms(piece_rates__0__rate_cny="1.20", piece_rates__0__supplements=[{"condition": "peak", "amount_cny": "5.00"}])
    assert [v.path for v in floors(raw)] == ["terms.piece_rates[0].rate_cny"]


def test_r22_each_piece_rate_below_the_floor_is_one_violation_with_its_index() -> None:
    raw = terms()
    raw["piece_rates"] = [
        {"service": "parcel_delivery", "unit": "parcel", "rate_cny": "1.50"},
        {"service": "bulky_parcel", "unit": "parcel", "rate_cny": "1.00"},
        {"service": "return_pickup", "unit": "parcel", "rate_cny": "0.80"},
    ]
    assert [v.path for v in floors(raw)] == ["terms.piece_rates[1].rate_cny", "terms.piece_rates[2].rate_cny"]


def test_r22_other_shaanxi_regions_are_checked_against_class_three_and_flagged_unverified() -> None:
    wage = SHAANXI.minimum_wage(BAOJI)
    assert wage is not None
    assert (wage.wage_class, wage.hourly_cny, wage.verified) == ("三类", Decimal("19"), False)
    assert wage.note and "未经核实" in wage.note
    at_class_three = terms(piece_rates__0__rate_cny="1.27")  # 19.05
    assert floors(at_class_three, region=BAOJI) == []
    assert [v.rule for v in floors(at_class_three, region=XIAN)] == ["R22"]


def test_r22_xian_districts_are_class_one_and_verified() -> None:
    for code in ("610100", "610102", "610113", "610124"):
        wage = SHAANXI.minimum_wage(code)
        assert wage is not None
        assert (wage.wage_class, wage.hourly_cny, wage.monthly_cny, wage.verified) == ("一类", 21, 2160, True)


@given(
    rate=st.decimals(min_value=0, max_value=10, places=2),
    units=st.decimals(min_value=0, max_value=60, places=4),
    region=st.sampled_from([XIAN, "610104", BAOJI, "610800"]),
)
@example(rate=Decimal("1.40"), units=Decimal("15"), region=XIAN)
@example(rate=Decimal("1.00"), units=Decimal("19"), region=BAOJI)
def test_r22_a_piece_rate_is_refused_exactly_when_rate_times_units_is_below_the_hourly_minimum(
    rate: Decimal, units: Decimal, region: str
) -> None:
    raw = terms(piece_rates__0__rate_cny=format(rate, "f"), expected_units_per_hour=format(units, "f"))
    floor = Decimal(21) if region.startswith("6101") else Decimal(19)
    r22 = [v for v in floors(raw, region=region) if v.rule == "R22"]
    assert bool(r22) == (rate * units < floor)
    if r22:
        assert [v.path for v in r22] == ["terms.piece_rates[0].rate_cny"]


# pay cycle, rest days, holiday pay -------------------------------------------------------------------


@pytest.mark.parametrize("cycle", ["daily", "weekly", "biweekly", "semimonthly", "monthly"])
def test_pay_cycle_at_most_monthly_passes(cycle: str) -> None:
    assert floors(terms(pay_method__cycle=cycle)) == []


@pytest.mark.parametrize("cycle", ["quarterly", "yearly"])
def test_pay_cycle_longer_than_a_month_is_refused_citing_labour_law_article_50(cycle: str) -> None:
    found = floors(terms(pay_method__cycle=cycle))
    assert [(v.rule, v.path) for v in found] == [("R22", "terms.pay_method.cycle")]
    assert found[0].citation == "《劳动法》第五十条"


def test_at_least_four_rest_days_a_month_citing_labour_law_article_38() -> None:
    assert floors(terms(rest_leave__rest_days_per_month=4)) == []
    found = floors(terms(rest_leave__rest_days_per_month=3))
    assert [(v.rule, v.path) for v in found] == [("R22", "terms.rest_leave.rest_days_per_month")]
    assert found[0].citation == "《劳动法》第三十八条"


@pytest.mark.parametrize("multiplier", ["1", "0.5", "0"])
def test_holiday_pay_multiplier_must_be_above_one(multiplier: str) -> None:
    found = floors(terms(rest_leave__holiday_pay_multiplier=multiplier))
    assert [(v.rule, v.path) for v in found] == [("R22", "terms.rest_leave.holiday_pay_multiplier")]
    assert found[0].citation == "人社厅发〔2023〕50号"


def test_holiday_pay_multiplier_just_above_one_passes() -> None:
    assert floors(terms(rest_leave__holiday_pay_multiplier="1.0001")) == []


def test_every_failing_floor_is_its_own_violation_reported_at_once() -> None:
    raw = terms(piece_rates__0__rate_cny="1.00", pay_method__cycle="quarterly",
                rest_leave__rest_days_per_month=2, rest_leave__holiday_pay_multiplier="1")  # fmt: skip
    found = floors(raw, end=date(2031, 1, 1))
    assert [v.path for v in found] == [
        "term_end",
        "terms.piece_rates[0].rate_cny",
        "terms.pay_method.cycle",
        "terms.rest_leave.rest_days_per_month",
        "terms.rest_leave.holiday_pay_multiplier",
    ]
    assert all(v.rule in ("R18", "R22") and v.citation for v in found)


# topics ------------------------------------------------------------------------------------------


def test_every_topic_of_the_case_must_be_present_in_the_terms() -> None:
    parsed = parse(Terms, terms(), "terms")
    found = topic_violations(parsed, ["piece_rates", "pay_method", "rest_leave", "working_hours"])
    assert [(v.rule, v.path) for v in found] == [(None, "terms.working_hours")]
    assert "工作时间" in found[0].message


def test_a_section_that_is_not_a_topic_of_the_case_is_refused() -> None:
    parsed = parse(Terms, terms(), "terms")
    found = topic_violations(parsed, ["piece_rates", "pay_method"])
    assert [v.path for v in found] == ["terms.rest_leave"]
    assert "不是本案的协商议题" in found[0].message


def test_piece_rates_need_the_expected_units_per_hour_to_check_the_minimum_wage() -> None:
    raw = terms()
    del raw["expected_units_per_hour"]
    found = topic_violations(parse(Terms, raw, "terms"), ["piece_rates", "pay_method", "rest_leave"])
    assert [v.path for v in found] == ["terms.expected_units_per_hour"]


def test_terms_matching_the_case_topics_exactly_have_no_topic_violations() -> None:
    assert topic_violations(parse(Terms, terms(), "terms"), ["piece_rates", "pay_method", "rest_leave"]) == []


# money -------------------------------------------------------------------------------------------

MONEY = re.compile(r"^(0|[1-9][0-9]{0,11})(\.[0-9]{1,2})?$")


@pytest.mark.parametrize(
    "bad", ["-1", "1e9", "NaN", "Infinity", "1.234", "01", "", " 1", "1.", ".5", "+1", "1,5", "１", "1000000000000"]
)
def test_money_in_any_other_form_than_an_unsigned_decimal_string_with_two_places_is_refused(bad: str) -> None:
    assert refused_paths(terms(piece_rates__0__rate_cny=bad)) == ["terms.piece_rates[0].rate_cny"]


@pytest.mark.parametrize("bad", [1.2, 1, True, None, ["1"]])
def test_money_given_as_a_json_number_or_other_type_is_refused(bad: Any) -> None:
    assert refused_paths(terms(piece_rates__0__rate_cny=bad)) == ["terms.piece_rates[0].rate_cny"]


@pytest.mark.parametrize(
    ("good", "value"), [("0", Decimal(0)), ("1.20", Decimal("1.20")), ("999999999999.99", Decimal("999999999999.99"))]
)
def test_money_as_an_unsigned_decimal_string_is_read_exactly_as_decimal(good: str, value: Decimal) -> None:
    parsed = parse(Terms, terms(piece_rates__0__supplements__0__amount_cny=good), "terms")
    assert parsed.piece_rates is not None
    amount = parsed.piece_rates[0].supplements[0].amount_cny
    assert isinstance(amount, Decimal) and amount == value
    assert parsed.model_dump(mode="json")["piece_rates"][0]["supplements"][0]["amount_cny"] == good


@given(st.decimals(min_value=0, max_value=Decimal("999999999999.99"), places=2))
def test_money_every_non_negative_amount_with_at_most_two_places_round_trips(amount: Decimal) -> None:
    text = format(amount, "f")
    parsed = parse(Terms, terms(piece_rates__0__supplements__0__amount_cny=text), "terms")
    assert parsed.piece_rates is not None
    assert parsed.piece_rates[0].supplements[0].amount_cny == amount


@given(st.one_of(st.from_regex(r"\A[-+0-9.eE,N a]{0,16}\Z"), st.text(max_size=16)))
def test_money_is_accepted_exactly_when_it_matches_the_api_pattern(text: str) -> None:
    raw = terms(piece_rates__0__supplements__0__amount_cny=text)
    if MONEY.match(text):
        parsed = parse(Terms, raw, "terms")
        assert parsed.piece_rates is not None
        amount = parsed.piece_rates[0].supplements[0].amount_cny
        assert amount.is_finite() and amount >= 0 and amount == Decimal(text)
    else:
        assert refused_paths(raw) == ["terms.piece_rates[0].supplements[0].amount_cny"]


def test_counts_are_integers_up_to_two_to_the_31_minus_one() -> None:
    raw = {
        **terms(),
        "labour_protection": {"equipment": [], "heat_allowance_cny_month": "300", "safety_training_hours_year": MAX_INT},
    }
    assert parse(Terms, raw, "terms").labour_protection is not None
    raw["labour_protection"]["safety_training_hours_year"] = MAX_INT + 1
    assert refused_paths(raw) == ["terms.labour_protection.safety_training_hours_year"]
    raw["labour_protection"]["safety_training_hours_year"] = "8"
    assert refused_paths(raw) == ["terms.labour_protection.safety_training_hours_year"]


def test_unknown_fields_in_the_terms_are_refused_with_their_path() -> None:
    raw = terms()
    raw["pay_method"]["bonus"] = "1"
    assert refused_paths(raw) == ["terms.pay_method.bonus"]


# text --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("control", ["\x00", "\x07", "\x1b", "\x7f", "\x85", "\r"])
def test_text_with_control_characters_is_refused(control: str) -> None:
    assert refused_paths(terms(piece_rates__0__service=f"快递{control}派送")) == ["terms.piece_rates[0].service"]


@pytest.mark.parametrize("text", ["\x1c快递派送", "快递派送\x1f", "\x85快递派送", "\x0b快递派送", "快递派送\r", "\x00快递派送"])
def test_text_with_control_characters_at_either_end_is_refused_not_silently_trimmed(text: str) -> None:
    assert refused_paths(terms(piece_rates__0__service=text)) == ["terms.piece_rates[0].service"]


def test_text_reads_crlf_line_breaks_from_html_forms_as_newlines() -> None:
    parsed = parse(Terms, terms(piece_rates__0__supplements__0__condition="夜间\r\n22:00至次日6:00\r\n"), "terms")
    assert parsed.piece_rates is not None
    assert parsed.piece_rates[0].supplements[0].condition == "夜间\n22:00至次日6:00"


def test_text_keeps_newline_and_tab() -> None:
    parsed = parse(Terms, terms(piece_rates__0__supplements__0__condition="夜间\t22:00\n至次日6:00"), "terms")
    assert parsed.piece_rates is not None
    assert parsed.piece_rates[0].supplements[0].condition == "夜间\t22:00\n至次日6:00"


def test_text_is_normalised_to_nfc_and_trimmed() -> None:
    decomposed = unicodedata.normalize("NFD", " café ")
    parsed = parse(Terms, terms(piece_rates__0__service=decomposed), "terms")
    assert parsed.piece_rates is not None
    assert parsed.piece_rates[0].service == "café"


def test_names_of_200_characters_are_accepted_and_of_201_refused() -> None:
    example = next(t.example for t in TOPIC_REGISTRY if t.key == "labour_protection")["labour_protection"]

    def with_equipment(name: str) -> dict[str, Any]:
        return {**terms(), "labour_protection": {**example, "equipment": [name]}}

    parsed = parse(Terms, with_equipment("头盔" * 100), "terms")
    assert parsed.labour_protection is not None and len(parsed.labour_protection.equipment[0]) == 200
    assert refused_paths(with_equipment("盔" * 201)) == ["terms.labour_protection.equipment[0]"]


def test_a_name_every_table_row_prints_holds_50_characters_and_not_51() -> None:
    parsed = parse(Terms, terms(piece_rates__0__unit="件" * 50), "terms")
    assert parsed.piece_rates is not None and len(parsed.piece_rates[0].unit) == 50
    assert refused_paths(terms(piece_rates__0__unit="件" * 51)) == ["terms.piece_rates[0].unit"]
    assert refused_paths(terms(piece_rates__0__unit="件" * 10_000)) == ["terms.piece_rates[0].unit"]
    assert refused_paths(terms(piece_rates__0__supplements__0__condition="夜" * 51)) == [
        "terms.piece_rates[0].supplements[0].condition"
    ]


@pytest.mark.parametrize("empty", ["", "   ", "\n\t"])
def test_empty_names_are_refused(empty: str) -> None:
    assert refused_paths(terms(piece_rates__0__service=empty)) == ["terms.piece_rates[0].service"]


def test_every_bad_field_is_one_violation_with_its_dotted_path() -> None:
    raw = terms(piece_rates__0__rate_cny="-1", pay_method__pay_day=0, rest_leave__holiday_pay_multiplier="NaN")
    assert sorted(p or "" for p in refused_paths(raw)) == [
        "terms.pay_method.pay_day",
        "terms.piece_rates[0].rate_cny",
        "terms.rest_leave.holiday_pay_multiplier",
    ]
