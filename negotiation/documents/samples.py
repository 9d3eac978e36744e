"""Built-in sample cases (the Xi'an express-delivery sector contract) for previews, tests and bench."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any, Literal

from negotiation.documents.context import TOPIC_KEYS, DocumentContext
from negotiation.documents.kinds import document_kind
from negotiation.errors import RuleViolation
from negotiation.rules import document_rules, national_profile, profile_for_region
from negotiation.topics import TOPIC_REGISTRY

SampleName = Literal["xian_express", "minimal_wage"]
SAMPLE_CASES: tuple[str, ...] = ("xian_express", "minimal_wage")

# National defaults as the engine's profile would pass them; the engine supplies its own.

_XIAN_ENTERPRISES = ("顺丰速运西安分公司", "中通快递西安分拨中心", "圆通速递西安公司", "韵达快递西安公司")

# The Xi'an figures are the topics' examples in the registry (negotiation/topics.py), so every chapter has figures.
_XIAN_TERMS: dict[str, Any] = {name: value for topic in TOPIC_REGISTRY for name, value in topic.example.items()}

_XIAN_POSITIONS: dict[str, tuple[str, str]] = {
    "piece_rates": ("派送单价不低于每件1.20元，夜间和恶劣天气另加补贴。", "同意设最低单价，补贴标准需测算后确定。"),
    "order_allocation": ("公开派单规则，调整算法提前三十日告知。", "同意公开规则，提前告知期限建议为十五日。"),
    "pay_method": ("按月足额支付，抽成上限百分之十五，提供报酬明细。", "同意按月支付和报酬明细，抽成上限再议。"),
    "working_hours": ("连续在线四小时后休息二十分钟，期间不派单。", "原则同意，需与系统改造进度衔接。"),
    "rest_leave": ("每月休息不少于四日，节假日报酬三倍。", "同意每月休息四日，节假日报酬按法定标准执行。"),
    "labour_protection": ("免费配发头盔、雨衣等防护用品，高温津贴每月三百元。", "同意配发防护用品，高温津贴按月发放。"),
    "insurance_welfare": ("全员参加职业伤害保障，意外险保额不低于六十万元。", "同意参加职业伤害保障，保额由平台承担保费。"),
    "rewards_penalties": ("单次扣款不超过五十元，系统判罚须人工复核。", "同意人工复核，申诉期限为七日。"),
}


def _sha256_of_terms(terms: dict[str, Any], term_start: str, term_end: str) -> str:
    canonical = json.dumps(
        {"term_start": term_start, "term_end": term_end, "terms": terms},
        ensure_ascii=False,
        sort_keys=True,
        separators=(",", ":"),
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _rules(kind: str, region_code: str) -> dict[str, Any]:
    """The rules as the engine gives them to documents: from the profile, never restated here."""
    try:
        profile = profile_for_region(region_code)
    except RuleViolation:  # a sample outside every profile still states the national procedure numbers
        profile = national_profile()
    return document_rules(kind, profile, region_code)


def _xian_express() -> dict[str, Any]:
    term_start, term_end = "2027-01-01", "2028-12-31"
    sha = _sha256_of_terms(_XIAN_TERMS, term_start, term_end)
    tallies = [
        (_XIAN_ENTERPRISES[0], 40, 36, 34, 1, 1),
        (_XIAN_ENTERPRISES[1], 30, 26, 24, 1, 1),
        (_XIAN_ENTERPRISES[2], 25, 22, 21, 1, 0),
        (_XIAN_ENTERPRISES[3], 25, 20, 18, 1, 1),
    ]
    meetings = []
    for number, (held_on, chair, location) in enumerate(
        [
            ("2026-10-10", "worker", "西安市总工会职工服务中心三楼会议室"),
            ("2026-10-24", "employer", "西安市快递行业协会会议室"),
            ("2026-11-14", "worker", "西安市总工会职工服务中心三楼会议室"),
        ],
        start=1,
    ):
        meetings.append(
            {
                "number": number,
                "held_on": held_on,
                "location": location,
                "chair_side": chair,
                "recorder": "刘畅（西安市劳动关系三方协调办公室）",
                "summary": (
                    f"双方就第{number}轮协商议题逐项交换意见。职工方介绍了对全市快递从业人员收入、"
                    "工作时间和安全保障情况的调查结果，企业方介绍了各企业成本构成和系统改造安排。\n"
                    "双方同意在下次会议前各自完善测算数据，并由起草小组整理形成合同文本。"
                ),
                "positions": [
                    {
                        "topic": key,
                        "worker_position": w,
                        "employer_position": e if number == 3 else f"第{number}轮：原则同意，具体标准待企业测算后答复",
                        "agreed": number == 3 or (number == 2 and i % 2 == 0),
                    }
                    for i, (key, (w, e)) in enumerate(_XIAN_POSITIONS.items())
                ],
            }
        )
    return {
        "case": {
            "case_id": "XA-KD-2026-0001",
            "title": "西安市快递行业集体合同（2027—2028年度）",
            "level": "sector",
            "sector": "express_delivery",
            "region_code": "610100",
            "kind": "comprehensive",
            "parties": {
                "union": "西安市快递行业工会联合会",
                "employer_body": "西安市快递行业协会",
                "bureau": "西安市人力资源和社会保障局",
                "covered_enterprises": list(_XIAN_ENTERPRISES),
            },
            "worker_representatives": [
                {"name": "张建国", "title": "西安市快递行业工会联合会主席", "is_chief": True},
                {"name": "李秀兰", "title": "顺丰速运西安分公司快递员"},
                {"name": "王堃", "title": "中通快递西安分拨中心分拣员"},
                {"name": "杨帆", "title": "圆通速递西安公司快递员"},
                {"name": "马文博", "title": "陕西法正律师事务所律师", "is_external": True},
            ],
            "employer_representatives": [
                {"name": "陈志强", "title": "西安市快递行业协会会长（书面委托）", "is_chief": True},
                {"name": "刘海涛", "title": "顺丰速运西安分公司人力资源经理"},
                {"name": "周丽", "title": "中通快递西安分拨中心综合部经理"},
                {"name": "孙磊", "title": "圆通速递西安公司运营总监"},
                {"name": "何静", "title": "韵达快递西安公司法务主管"},
            ],
            "topics": list(TOPIC_KEYS),
            "rules": _rules("comprehensive", "610100"),
        },
        "served_on": "2026-09-01",
        "demands": (
            "一、建立全市快递行业计件单价最低标准，派送单价不低于每件1.20元，并设立夜间、恶劣天气等补贴。\n"
            "二、公开订单分配规则和考核算法，调整前听取工会意见。\n"
            "三、保障快递员休息权利，限制连续在线时长，落实高温津贴和劳动防护。\n"
            "四、全员参加职业伤害保障，规范罚款扣款，建立申诉和人工复核机制。"
        ),
        "meetings": meetings,
        "draft": {
            "version": 3,
            "sha256": sha,
            "term_start": term_start,
            "term_end": term_end,
            "terms": _XIAN_TERMS,
            "created_on": "2026-12-01",
        },
        "vote": {
            "held_on": "2026-12-15",
            "draft_version": 3,
            "draft_sha256": sha,
            "members": 120,
            "present": 104,
            "yes": 97,
            "no": 4,
            "abstain": 3,
            "quorum_met": True,
            "majority_met": True,
            "per_enterprise": [
                {
                    "enterprise": name,
                    "members": m,
                    "present": p,
                    "yes": y,
                    "no": n,
                    "abstain": a,
                    "quorum_met": p * 3 >= m * 2,
                    "majority_met": y * 2 > m,
                }
                for name, m, p, y, n, a in tallies
            ],
        },
        "signatures": [
            {"side": "worker", "signatory": "张建国", "signed_on": "2026-12-18"},
            {"side": "employer", "signatory": "陈志强", "signed_on": "2026-12-18"},
        ],
        "filing": {"filed_on": "2026-12-22", "receipt_no": "西人社集备〔2026〕118号"},
        "receipt": {"received_on": "2026-12-23", "receipt_no": "西人社集备〔2026〕118号", "review_due_on": "2027-01-07"},
        "objection": {
            "received_on": "2026-12-23",
            "objected_on": "2027-01-05",
            "opinion": "经审查，合同部分条款需要修改完善，请双方重新协商后再行报送。",
            "items": [
                {"clause": "working_hours", "text": "连续工作时间的上限应明确包括等单时间。"},
                {"clause": "general", "text": "请补充各适用企业职工代表大会的表决记录。"},
            ],
        },
        "answer": {
            "received_on": "2026-09-02",
            "accepted": True,
            "reply": "同意就上述议题开展协商，建议首次会议于本月下旬举行。",
        },
        "signed_contract": {
            "sha256": hashlib.sha256(b"sample signed contract xian_express").hexdigest(),
            "made_on": "2026-12-18",
        },
        "publication": {"published_on": "2027-01-20", "channels": ["notice_board", "app", "wechat"]},
    }


def _minimal_wage() -> dict[str, Any]:
    """A small wage-only case outside Shaanxi whose vote failed: exercises the other branches."""
    terms = {
        "piece_rates": [{"service": "food_delivery", "unit": "order", "rate_cny": "4.50", "supplements": []}],
        "expected_units_per_hour": "5",
        "pay_method": {"cycle": "weekly", "pay_day": 3, "max_commission_pct": "18.5", "itemised_statement": False},
    }
    sha = _sha256_of_terms(terms, "2027-03-01", "2028-02-29")
    return {
        "case": {
            "case_id": "SZ-WM-2027-0007",
            "title": "苏州市外卖配送行业工资专项集体合同",
            "level": "regional",
            "sector": "food_delivery",
            "region_code": "320500",
            "kind": "wage",
            "parties": {
                "union": "苏州市外卖配送行业工会",
                "employer_body": "苏州市餐饮外卖平台企业协会",
                "bureau": "苏州市人力资源和社会保障局",
                "covered_enterprises": ["苏州某配送服务有限公司"],
            },
            "worker_representatives": [
                {"name": "吴晓东", "title": "工会主席", "is_chief": True},
                {"name": "郑敏", "title": "配送员"},
                {"name": "钱伟", "title": "配送员"},
            ],
            "employer_representatives": [
                {"name": "冯立", "title": "法定代表人", "is_chief": True},
                {"name": "褚红", "title": "人事经理"},
                {"name": "卫东", "title": "财务经理"},
            ],
            "topics": ["piece_rates", "pay_method"],
            "rules": _rules("wage", "320500"),
        },
        "served_on": "2027-01-05",
        "demands": "提高每单配送费。",
        "meetings": [
            {
                "number": 1,
                "held_on": "2027-01-20",
                "location": "协会会议室",
                "chair_side": "employer",
                "recorder": "沈洁",
                "summary": "双方交换意见。",
                "positions": [
                    {"topic": "piece_rates", "worker_position": "每单4.50元", "employer_position": "每单4.00元", "agreed": False}
                ],
            }
        ],
        "draft": {
            "version": 1,
            "sha256": sha,
            "term_start": "2027-03-01",
            "term_end": "2028-02-29",
            "terms": terms,
            "created_on": "2027-02-01",
        },
        "vote": {
            "held_on": "2027-02-10",
            "draft_version": 1,
            "draft_sha256": sha,
            "members": 30,
            "present": 24,
            "yes": 19,
            "no": 3,
            "abstain": 2,
            "quorum_met": True,
            "majority_met": True,
            "per_enterprise": [],
        },
        "signatures": [
            {"side": "worker", "signatory": "吴晓东", "signed_on": "2027-02-12"},
            {"side": "employer", "signatory": "冯立", "signed_on": "2027-02-13", "place": "苏州市姑苏区"},
        ],
        "filing": {"filed_on": "2027-02-14"},
        "receipt": {"received_on": "2027-02-15", "receipt_no": "苏人社集备〔2027〕7号", "review_due_on": "2027-03-02"},
        "objection": {
            "received_on": "2027-02-15",
            "objected_on": "2027-02-20",
            "opinion": "计件单价的确定依据不充分。",
            "items": [],
        },
        "answer": {
            "received_on": "2027-01-06",
            "accepted": False,
            "reason": "协会尚未取得会员企业授权，请于会员大会后另行提出。",
        },
        "signed_contract": {
            "sha256": hashlib.sha256(b"sample signed contract minimal_wage").hexdigest(),
            "made_on": "2027-02-13",
        },
        "publication": {"published_on": "2027-03-10", "channels": ["app"]},
    }


_BUILDERS = {"xian_express": _xian_express, "minimal_wage": _minimal_wage}


def sample_cases() -> tuple[str, ...]:
    """Return the names of the built-in sample cases."""
    return SAMPLE_CASES


def sample_data(sample: str = "xian_express") -> dict[str, Any]:
    """Return a sample case as plain Python values (the shape the engine passes to constructors)."""
    return _BUILDERS[sample]()


def sample_facts(sample: str = "xian_express") -> dict[str, Any]:
    """A sample case's facts by the names document contexts declare them (``meeting``: the last meeting)."""
    data = sample_data(sample)
    return {**data, "meeting": data["meetings"][-1]}


def sample_context(kind: str, sample: str = "xian_express") -> DocumentContext:
    """Build the context of one document kind from a sample case: the facts its context declares."""
    registered = document_kind(kind)
    facts = sample_facts(sample)
    fields = {"case": facts["case"], **{name: facts[name] for name in registered.facts}}
    context = registered.context.model_validate(fields)
    return context  # type: ignore[return-value]


def sample_attachments(kind: str, sample: str = "xian_express") -> dict[str, bytes]:
    """Return the attachments the engine would pass for a sample document (terms.json, audit.json)."""
    data = sample_data(sample)
    if document_kind(kind).public:
        return {}  # a public document embeds no record (the audit chain names people)
    audit = [
        {"seq": 1, "event": "create", "case_id": data["case"]["case_id"]},
        {"seq": 2, "event": kind, "at": "2026-12-18T10:00:00+08:00"},
    ]
    files = {"audit.json": json.dumps(audit, ensure_ascii=False, indent=1).encode("utf-8")}
    if "draft" in document_kind(kind).facts:
        terms = {
            "term_start": data["draft"]["term_start"],
            "term_end": data["draft"]["term_end"],
            "terms": data["draft"]["terms"],
        }
        files["terms.json"] = json.dumps(terms, ensure_ascii=False, indent=1).encode("utf-8")
    return files


def render_sample(name: str, fmt: str, out_path: Path | str, sample: str = "xian_express") -> Path:
    """Render one sample document to ``out_path`` as ``pdf`` or standalone ``html``; no database."""
    from negotiation.documents.html import render_html

    out = Path(out_path)
    context = sample_context(name, sample)
    if fmt == "html":
        out.write_text(render_html(name, context, standalone=True), encoding="utf-8")
    elif fmt == "pdf":
        from negotiation.speedups import renderer_module

        out.write_bytes(renderer_module().render_pdf(name, context, sample_attachments(name, sample)).pdf)
    else:
        raise ValueError(f"unknown format {fmt!r}: expected pdf or html")
    return out
