"""Chinese words for the engine's keys on the review pages: states, events, deadlines, and the fields of the terms."""

from __future__ import annotations

import re
from typing import Any

from negotiation.documents.kinds import REGISTRY as DOCUMENT_KIND_REGISTRY
from negotiation.events import EVENT_LABELS  # every audit link kind in words, from the event registry
from negotiation.terms import TOPIC_TITLES

__all__ = [
    "CLAUSE_TITLES",
    "DEADLINE_KINDS",
    "DEADLINE_STATUS",
    "DOCUMENT_KINDS",
    "EVENT_LABELS",
    "STATE_LABELS",
    "field_label",
    "format_value",
    "topic_of",
]

STATE_LABELS: dict[str, str] = {
    "drafting": "起草要约",
    "proposed": "已发出要约",
    "preparing": "协商准备",
    "consulting": "协商中",
    "suspended": "协商中止",
    "in_dispute": "争议协调中",
    "under_review": "草案审阅中",
    "agreed": "草案已商定",
    "ratifying": "职代会审议中",
    "ratified": "职代会已通过",
    "signed": "已签字",
    "filed": "已报送审查",
    "in_review": "人社部门审查中",
    "effective": "已生效",
    "in_force": "已公布施行",
    "withdrawn": "已撤回",
}

DEADLINE_KINDS: dict[str, str] = {
    "reply": "答复要约",
    "filing": "报送审查",
    "review": "审查期限",
    "publication": "公布",
    "dispute": "协调处理",
    "vacancy": "补足代表",
    "renewal": "续订",
}
DEADLINE_STATUS: dict[str, str] = {
    "open": "进行中",
    "met": "已完成",
    "overdue": "已逾期",
    "fired": "已到期",
    "cancelled": "已取消",
}

CLAUSE_TITLES: dict[str, str] = {**TOPIC_TITLES, "term": "合同期限", "general": "总体意见"}

_SERVICES = {
    "parcel_delivery": "快件派送",
    "parcel_pickup": "快件揽收",
    "food_delivery": "外卖配送",
    "ride": "网约车服务",
    "freight": "货运",
}
_UNITS = {"parcel": "件", "order": "单", "km": "公里", "trip": "趟", "hour": "小时"}
_CONDITIONS = {
    "night": "夜间",
    "peak": "高峰期",
    "bad_weather": "恶劣天气",
    "distance": "远距离",
    "holiday": "节假日",
    "floor": "高层无电梯",
}
_CYCLES = {
    "daily": "每日",
    "weekly": "每周",
    "biweekly": "每两周",
    "semimonthly": "每半月",
    "monthly": "每月",
    "quarterly": "每季度",
    "yearly": "每年",
}
_PAYERS = {"platform": "平台企业", "enterprise": "用工企业", "shared": "双方分担", "worker": "劳动者本人"}

_FIELDS: dict[str, str] = {
    "term_start": "合同起始日",
    "term_end": "合同终止日",
    "expected_units_per_hour": "每小时预计单量",
    "rate_cny": "计件单价",
    "service": "服务项目",
    "unit": "计件单位",
    "condition": "补贴条件",
    "amount_cny": "补贴",
    "rules_published": "公开派单规则",
    "change_notice_days": "规则变更提前通知天数",
    "refusals_without_penalty_per_day": "每日可无责拒单次数",
    "cycle": "支付周期",
    "pay_day": "支付日",
    "max_commission_pct": "抽成上限（%）",
    "itemised_statement": "提供报酬明细",
    "max_continuous_minutes": "最长连续接单时间（分钟）",
    "min_break_minutes": "强制休息时间（分钟）",
    "max_daily_hours": "每日最长工作时间（小时）",
    "rest_days_per_month": "每月休息日（天）",
    "holiday_pay_multiplier": "节假日报酬倍数",
    "equipment": "劳动防护用品",
    "heat_allowance_cny_month": "高温津贴（每月）",
    "safety_training_hours_year": "每年安全培训（学时）",
    "occupational_injury": "职业伤害保障",
    "accident_cover_cny": "意外伤害保险金额",
    "premium_paid_by": "保险费承担方",
    "max_deduction_cny": "单次最高扣款",
    "appeal_days": "申诉期限（天）",
    "human_review_required": "处罚须经人工复核",
}
_VALUE_WORDS: dict[str, dict[str, str]] = {
    "service": _SERVICES,
    "unit": _UNITS,
    "condition": _CONDITIONS,
    "cycle": _CYCLES,
    "premium_paid_by": _PAYERS,
}
_SEGMENT = re.compile(r"([A-Za-z_]+)(?:\[(\d+)\])?")


def _segments(path: str) -> list[tuple[str, int | None]]:
    out: list[tuple[str, int | None]] = []
    for part in path.split("."):
        m = _SEGMENT.fullmatch(part)
        if m is None:
            out.append((part, None))
        else:
            out.append((m.group(1), int(m.group(2)) if m.group(2) is not None else None))
    return out


def _lookup(terms: dict[str, Any] | None, topic: str, index: int | None, key: str) -> Any:
    section = (terms or {}).get(topic)
    if index is not None and isinstance(section, list) and index < len(section):
        item = section[index]
        return item.get(key) if isinstance(item, dict) else None
    return None


def topic_of(path: str) -> str:
    """The clause a diff path belongs to: a topic key, or `term` for the dates and the hourly volume."""
    segments = _segments(path)
    if segments and segments[0][0] == "terms" and len(segments) > 1:
        key = segments[1][0]
        return "piece_rates" if key == "expected_units_per_hour" else key
    return "term"


def field_label(path: str, *terms: dict[str, Any] | None) -> str:
    """A diff path in words: `terms.piece_rates[0].rate_cny` → 计件单价（快件派送）."""
    segments = _segments(path)
    if segments and segments[0][0] == "terms":
        segments = segments[1:]
    if not segments:
        return path
    topic, index = segments[0]
    if topic == "piece_rates" and index is not None:
        service = next((s for t in terms if (s := _lookup(t, "piece_rates", index, "service"))), None)
        where = _SERVICES.get(str(service), str(service)) if service else f"第{index + 1}项"
        if len(segments) == 1:
            return f"计件单价项目（{where}）"
        leaf = segments[-1][0]
        if len(segments) >= 3 and segments[1][0] == "supplements":
            supp_index = segments[1][1]
            condition = None
            for t in terms:
                rates = (t or {}).get("piece_rates") or []
                if index < len(rates) and supp_index is not None:
                    supps = rates[index].get("supplements") or []
                    if supp_index < len(supps):
                        condition = supps[supp_index].get("condition")
                        break
            cond = _CONDITIONS.get(str(condition), str(condition)) if condition else "补贴"
            return f"{cond}补贴（{where}）" if leaf == "amount_cny" else f"{_FIELDS.get(leaf, leaf)}（{where}）"
        if leaf == "supplements":
            return f"补贴（{where}）"
        return f"{_FIELDS.get(leaf, leaf)}（{where}）"
    leaf = segments[-1][0]
    if len(segments) == 1 and topic in TOPIC_TITLES:
        return TOPIC_TITLES[topic]
    return _FIELDS.get(leaf, leaf)


def format_value(path: str, value: Any) -> str:
    """A value of the terms in words: money as ¥1.50, yes/no, lists joined."""
    if value is None:
        return "（无）"
    leaf = _segments(path)[-1][0]
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, list):
        return "、".join(format_value(path, v) for v in value) or "（无）"
    if isinstance(value, dict):
        return "；".join(f"{_FIELDS.get(k, k)} {format_value(k, v)}" for k, v in value.items())
    text = str(value)
    if leaf.endswith("_cny") or "_cny_" in leaf:
        return f"¥{text}"
    if leaf in _VALUE_WORDS:
        return _VALUE_WORDS[leaf].get(text, text)
    if leaf == "pay_day":
        return f"{text}日"
    if leaf in ("holiday_pay_multiplier",):
        return f"{text}倍"
    return text


# From the document kind registry (negotiation/documents/kinds.py).
DOCUMENT_KINDS: dict[str, str] = {key: kind.title for key, kind in DOCUMENT_KIND_REGISTRY.items()}
