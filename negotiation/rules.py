"""The legal rules R1…R24 with their citations, and jurisdiction profiles that hold every legal number."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from functools import cache
from importlib import resources
from typing import Any

from negotiation.errors import RuleViolation, Violation

__all__ = [
    "RULES",
    "MinimumWage",
    "Profile",
    "ProfileNumber",
    "Rule",
    "document_rules",
    "national_profile",
    "profile_for_region",
    "rule_violation",
    "violation",
]


@dataclass(frozen=True)
class Rule:
    """A rule of docs/domain.md: its id, what it says in one line, and where it comes from."""

    id: str
    title: str
    citation: str


RULES: dict[str, Rule] = {
    r.id: r
    for r in (
        Rule("R1", "双方协商代表人数相等，每方至少三人", "《集体合同规定》第十九条"),
        Rule("R2", "每方有且仅有一名首席代表，由工会主席或法定代表人担任，或书面委托", "《集体合同规定》第十九条至第二十一条"),
        Rule("R3", "外聘代表不得超过本方代表的三分之一，且不得担任首席代表", "《集体合同规定》第二十三条"),
        Rule("R4", "任何人不得同时担任双方协商代表", "《集体合同规定》第二十四条"),
        Rule("R5", "协商代表出缺应在规定期限内补足", "《集体合同规定》第三十一条"),
        Rule("R6", "收到协商要约后应在规定期限内书面答复，拒绝须有正当理由", "《集体合同规定》第三十二条"),
        Rule("R7", "工资协商前应提前交换资料", "《工资集体协商试行办法》第十八条"),
        Rule("R8", "协商中止须经双方同意并约定恢复日期", "《集体合同规定》第三十五条"),
        Rule(
            "R9",
            "协商会议由双方首席代表轮流主持，并由中立记录员记录，纪要经双方首席代表签字",
            "《集体合同规定》第三十三条、第三十四条",
        ),
        Rule("R10", "职工代表大会或全体职工讨论须有三分之二以上人员出席", "《集体合同规定》第三十六条"),
        Rule("R11", "草案须经全体职工代表（或全体职工）半数以上同意方获通过", "《集体合同规定》第三十六条"),
        Rule("R12", "行业集体合同按所覆盖企业分别表决，对表决通过的企业生效", "行业集体协商地方实践"),
        Rule("R13", "集体合同应自双方首席代表签字之日起规定期限内报送劳动保障行政部门审查", "《集体合同规定》第四十二条"),
        Rule("R14", "劳动保障行政部门可自收到文本之日起十五日内提出审查意见", "《集体合同规定》第四十五条、第四十六条"),
        Rule(
            "R15",
            "自收到文本之日起十五日内未提出异议的，集体合同即行生效",
            "《集体合同规定》第四十七条；《劳动合同法》第五十四条",
        ),
        Rule("R16", "有异议的，双方应重新协商、表决、签字并再次报送", "《集体合同规定》第四十五条、第四十六条"),
        Rule("R17", "生效的集体合同应及时向全体职工公布", "《集体合同规定》第四十八条"),
        Rule("R18", "集体合同期限为一至三年", "《集体合同规定》第三十八条"),
        Rule("R19", "期满前三个月内任何一方均可提出续订要求", "《集体合同规定》第三十八条"),
        Rule("R20", "变更或解除集体合同适用订立程序并重新报送", "《集体合同规定》第三十九条至第四十一条"),
        Rule("R21", "劳动保障行政部门应自受理之日起三十日内协调处理完毕，可延长不超过十五日", "《集体合同规定》第五十二条"),
        Rule("R22", "劳动报酬和劳动条件不得低于当地人民政府规定的最低标准", "《劳动合同法》第五十五条；人社厅发〔2023〕50号"),
        Rule("R23", "平台修订派单、计件单价、抽成、工时、奖惩等规则前应听取工会意见并公示结果", "人社部发〔2021〕56号"),
        Rule("R24", "平台劳动规则和算法协商每年至少一次", "《平台劳动规则和算法协商指引（试行）》"),
        Rule("legibility", "签署的合同文本不得含有任何字体都无法显示的字符", "本系统归档要求"),
    )
}


def violation(rule_id: str, message: str, path: str | None = None, citation: str | None = None) -> Violation:
    """A violation of the named rule, citing it unless a more precise citation is given."""
    return Violation(rule=rule_id, message=message, citation=citation or RULES[rule_id].citation, path=path)


def rule_violation(violations: list[Violation]) -> RuleViolation:
    """The error for one or more failed legal rules, its message naming the first."""
    first = violations[0]
    more = f"等 {len(violations)} 项" if len(violations) > 1 else ""
    return RuleViolation(f"不符合法定规则（{first.rule}{more}）：{first.message}", violations)


@dataclass(frozen=True)
class ProfileNumber:
    """A legal number of a profile with the rule it belongs to and its citation."""

    value: Any
    rule: str | None
    citation: str

    @property
    def days(self) -> int:
        """The number as a count of days (or years, months)."""
        return int(self.value)

    @property
    def fraction(self) -> Fraction:
        """The number as an exact fraction ("2/3")."""
        return Fraction(str(self.value))


@dataclass(frozen=True)
class MinimumWage:
    """The minimum wage that applies to a region, with its source and whether its class was verified."""

    monthly_cny: Decimal
    hourly_cny: Decimal
    wage_class: str
    source: str
    effective_from: str
    verified: bool
    note: str | None


@dataclass(frozen=True)
class Profile:
    """A jurisdiction's legal numbers: the national default, overridden by a province."""

    id: str
    name: str
    numbers: dict[str, ProfileNumber]
    minimum_wage_table: dict[str, Any] | None
    facts: dict[str, dict[str, Any]] = field(default_factory=dict)

    def number(self, key: str) -> ProfileNumber:
        """The legal number stored under key (KeyError names a programming mistake)."""
        return self.numbers[key]

    def minimum_wage(self, region_code: str) -> MinimumWage | None:
        """The minimum wage of a region code, or None when the profile has no minimum-wage data."""
        table = self.minimum_wage_table
        if table is None:
            return None
        classes = table["classes"]
        for entry in table["regions"]:
            if region_code.startswith(entry["prefix"]):
                wage_class, verified, note = entry["class"], True, None
                break
        else:
            wage_class, verified, note = table["unlisted_class"], False, table.get("unlisted_note")
        figures = classes[wage_class]
        return MinimumWage(
            monthly_cny=Decimal(figures["monthly_cny"]),
            hourly_cny=Decimal(figures["hourly_cny"]),
            wage_class=wage_class,
            source=table["source"],
            effective_from=table["effective_from"],
            verified=verified,
            note=note,
        )


def _read(name: str) -> dict[str, Any]:
    text = resources.files("negotiation.profiles").joinpath(f"{name}.json").read_text(encoding="utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


def _number(raw: dict[str, Any]) -> ProfileNumber:
    return ProfileNumber(value=raw["value"], rule=raw["rule"], citation=raw["citation"])


@cache
def _profiles() -> dict[str, Profile]:
    raw = {name: _read(name) for name in ("national", "shaanxi")}
    national = raw["national"]
    profiles: dict[str, Profile] = {}
    for data in raw.values():
        numbers = {k: _number(v) for k, v in national["numbers"].items()}
        numbers.update({k: _number(v) for k, v in data["numbers"].items()})
        facts = {**national.get("facts", {}), **data.get("facts", {})}
        profiles[data["id"]] = Profile(
            id=data["id"], name=data["name"], numbers=numbers, minimum_wage_table=data["minimum_wage"], facts=facts
        )
    _prefixes.update({p: data["id"] for data in raw.values() for p in data["region_prefixes"]})
    return profiles


_prefixes: dict[str, str] = {}


def national_profile() -> Profile:
    """The national default profile."""
    return _profiles()["CN"]


def profile_for_region(region_code: str) -> Profile:
    """The profile that governs a 6-digit region code; a region no profile covers is a rule violation (R22)."""
    profiles = _profiles()
    for prefix, profile_id in _prefixes.items():
        if region_code.startswith(prefix):
            return profiles[profile_id]
    raise rule_violation(
        [
            violation(
                "R22",
                f"地区代码 {region_code} 不在任何已录入的地区规则中，无法核对当地最低工资标准，暂不能立案",
                path="region_code",
            )
        ]
    )


# The rules whose number documents state, and the profile number that holds it.
_DOCUMENT_NUMBERS = {
    "R6": "reply_days",
    "R13": "filing_days",
    "R15": "review_days",
    "R17": "publication_days",
    "R19": "renewal_window_months",
    "R21": "dispute_days",
}


def document_rules(case_kind: str, profile: Profile, region_code: str) -> dict[str, dict[str, Any]]:
    """Every rule as a document states it: its title, its citation and, where the profile sets one, its number."""
    out: dict[str, dict[str, Any]] = {}
    for rule_id, rule in RULES.items():
        if not rule_id.startswith("R"):
            continue
        entry: dict[str, Any] = {"id": rule_id, "citation": rule.citation, "text": rule.title}
        key = _DOCUMENT_NUMBERS.get(rule_id)
        if key == "filing_days" and case_kind == "wage":
            key = "filing_days_wage"
        if key is not None:
            number = profile.number(key)
            entry.update(value=number.days, citation=number.citation)
        out[rule_id] = entry
    wage = profile.minimum_wage(region_code)
    if wage is not None:
        out["R22"]["value"] = wage.hourly_cny
    out.update(document_facts(profile))
    return out


def document_facts(profile: Profile) -> dict[str, dict[str, Any]]:
    """The profile's facts as documents state them (same shape as a rule: id, citation, text, value).

    A fact whose value is a word (filing_party: "employer" / "sector_union") carries it in text's stead under
    "text" only when it has no wording; the occupational-injury scheme carries its sector keys joined by "," in
    text, since a document rule holds no list (contract_templates/README.md says how templates read it).
    """
    out: dict[str, dict[str, Any]] = {}
    for key, fact in profile.facts.items():
        entry: dict[str, Any] = {"id": key, "citation": fact["citation"], "text": fact.get("text", "")}
        value = fact.get("value")
        if isinstance(value, int) and not isinstance(value, bool):
            entry["value"] = value
        if key == "filing_party":
            entry["text"] = str(value)
        if key == "occupational_injury_scheme":
            entry["text"] = ",".join(fact.get("sectors", []))
        out[key] = entry
    return out
