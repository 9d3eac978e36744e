"""Chinese words for the engine's keys on the review pages: states, events, deadlines, and the fields of the terms."""

from __future__ import annotations

import re
from typing import Any

from negotiation.documents.kinds import REGISTRY as DOCUMENT_KIND_REGISTRY
from negotiation.events import EVENT_LABELS  # every audit link kind in words, from the event registry
from negotiation.terms import TOPIC_TITLES
from negotiation.topics import field_titles, field_vocabularies, topic_owning
from negotiation.vocabularies import VOCABULARIES

__all__ = [
    "CLAUSE_TITLES",
    "DEADLINE_KINDS",
    "DEADLINE_STATUS",
    "DOCUMENT_KINDS",
    "EVENT_LABELS",
    "SIDES",
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
    "expired": "已期满终止",
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
    "expiry": "合同期满",
    "algorithm_talks": "劳动规则和算法协商",
}
DEADLINE_STATUS: dict[str, str] = {
    "open": "进行中",
    "met": "已完成",
    "overdue": "已逾期",
    "fired": "已到期",
    "cancelled": "已取消",
}

SIDES: dict[str, str] = {"worker_side": "职工方", "employer_side": "企业方"}

CLAUSE_TITLES: dict[str, str] = {**TOPIC_TITLES, "term": "合同期限", "general": "总体意见"}

_SERVICES = VOCABULARIES["services"]
_CONDITIONS = VOCABULARIES["conditions"]
# The fields of the terms in words: the titles of the topics' model fields (negotiation/topics.py), and the dates.
_FIELDS: dict[str, str] = {"term_start": "合同起始日", "term_end": "合同终止日", **field_titles()}
# Fields whose values are keys of a vocabulary (negotiation/vocabularies.py), shared with the contract templates.
_VALUE_WORDS: dict[str, dict[str, str]] = {name: VOCABULARIES[words] for name, words in field_vocabularies().items()}
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
        return topic_owning(key) or key
    return "term"


def field_label(path: str, terms: dict[str, Any] | None = None) -> str:
    """A diff path in words, its items looked up in `terms`, the version the path addresses (the older one for an
    item removed, the newer one otherwise): `terms.piece_rates[0].rate_cny` → 计件单价（快件派送）."""
    segments = _segments(path)
    if segments and segments[0][0] == "terms":
        segments = segments[1:]
    if not segments:
        return path
    topic, index = segments[0]
    if topic == "piece_rates" and index is not None:
        service = _lookup(terms, "piece_rates", index, "service")
        where = _SERVICES.get(str(service), str(service)) if service else f"第{index + 1}项"
        if len(segments) == 1:
            return f"计件单价项目（{where}）"
        leaf = segments[-1][0]
        if len(segments) >= 3 and segments[1][0] == "supplements":
            supp_index = segments[1][1]
            condition = None
            rates = (terms or {}).get("piece_rates") or []
            if index < len(rates) and supp_index is not None:
                supps = rates[index].get("supplements") or []
                if supp_index < len(supps):
                    condition = supps[supp_index].get("condition")
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
