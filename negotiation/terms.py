"""A draft's terms, built from the topic registry (negotiation/topics.py), and the checks of the terms as a whole."""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, Field, create_model

from negotiation.errors import Violation
from negotiation.rules import Profile, violation
from negotiation.topics import PAY_CYCLE_DAYS, TOPIC_REGISTRY, FloorContext, Section, Topic

__all__ = [
    "PAY_CYCLE_DAYS",
    "TOPICS",
    "TOPIC_TITLES",
    "Terms",
    "floor_violations",
    "term_bounds",
    "terms_size",
    "topic_violations",
]

TOPIC_TITLES: dict[str, str] = {t.key: t.title for t in TOPIC_REGISTRY}
TOPICS: tuple[str, ...] = tuple(TOPIC_TITLES)
_BY_KEY: dict[str, Topic] = {t.key: t for t in TOPIC_REGISTRY}


class _TermsBase(Section):
    """A draft's terms: every section optional here; the case's topics decide which must be present."""

    def present_topics(self) -> set[str]:
        """The topic keys whose section is filled in."""
        return {t for t in TOPICS if getattr(self, t) is not None}


def _fields() -> dict[str, Any]:
    fields: dict[str, Any] = {}
    for topic in TOPIC_REGISTRY:
        if topic.max_items is None:
            fields[topic.key] = (topic.model | None, None)
        else:
            # A list topic the draft fills in holds at least one item: a chapter with no rate in it says nothing.
            fields[topic.key] = (list[topic.model] | None, Field(default=None, min_length=1, max_length=topic.max_items))  # type: ignore[name-defined]
        fields.update(topic.extra_fields)
    return fields


if TYPE_CHECKING:

    class Terms(_TermsBase):
        """The terms; its sections are the registry's, so the type checker sees them as Any."""

        def __getattr__(self, name: str) -> Any: ...

else:
    Terms = create_model("Terms", __base__=_TermsBase, __doc__=_TermsBase.__doc__, __module__=__name__, **_fields())


def terms_size(terms: Terms) -> tuple[int, int]:
    """What the terms make a contract print: the items of all their lists (rates, supplements, equipment…) and the
    characters of all their text (names and keys alike), whatever topics the registry holds."""
    items = characters = 0
    pending: list[Any] = [terms]
    while pending:
        value = pending.pop()
        if isinstance(value, BaseModel):
            pending.extend(getattr(value, name) for name in type(value).model_fields)
        elif isinstance(value, list):
            items += len(value)
            pending.extend(value)
        elif isinstance(value, str):
            characters += len(value)
    return items, characters


def topic_violations(terms: Terms, topics: list[str]) -> list[Violation]:
    """Schema-level mismatches between the terms and the case's topics (validation errors, no rule)."""
    found: list[Violation] = []
    present = terms.present_topics()
    for topic in topics:
        if topic not in present:
            found.append(Violation(None, f"本案协商议题「{TOPIC_TITLES[topic]}」须在条款中列明", None, f"terms.{topic}"))
    for topic in sorted(present - set(topics), key=TOPICS.index):
        found.append(Violation(None, f"「{TOPIC_TITLES[topic]}」不是本案的协商议题", None, f"terms.{topic}"))
    for entry in TOPIC_REGISTRY:
        if entry.check is not None and entry.key in present:
            found.extend(entry.check(terms))
    return found


def _add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February in a common year: the anniversary is 1 March, so the term ends on 28 February
        return date(day.year + years, 3, 1)


def term_bounds(term_start: date, profile: Profile) -> tuple[date, date]:
    """The earliest and latest allowed term_end (R18, counted inclusively)."""
    low = profile.number("term_min_years").days
    high = profile.number("term_max_years").days
    one_day = timedelta(days=1)
    return _add_years(term_start, low) - one_day, _add_years(term_start, high) - one_day


def floor_violations(terms: Terms, *, term_start: date, term_end: date, profile: Profile, region_code: str) -> list[Violation]:
    """Every term below a legal floor of the profile, one violation each with its path (R18, then each topic's R22)."""
    found: list[Violation] = []
    earliest, latest = term_bounds(term_start, profile)
    if not earliest <= term_end <= latest:
        number = profile.number("term_max_years")
        found.append(
            violation(
                "R18",
                f"合同期限须为 {profile.number('term_min_years').value} 至 {number.value} 年："
                f"自 {term_start} 起，终止日应在 {earliest} 至 {latest} 之间",
                path="term_end",
                citation=number.citation,
            )
        )
    context = FloorContext(profile, region_code)
    for topic in TOPIC_REGISTRY:
        section = getattr(terms, topic.key)
        if topic.floors is not None and section is not None:
            found.extend(topic.floors(section, terms, context))
    return found
