"""The demo sector negotiation (Xi'an express delivery), seeded through the service layer, idempotently."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from negotiation.atomic_files import write_atomic
from negotiation.bootstrap import Services
from negotiation.documents.plain_text import search_form
from negotiation.service_layer import drafting, handlers
from negotiation.service_layer.access import Actor

__all__ = ["DEMO_TERMS", "seed_demo"]

TITLE = "西安市快递行业集体协商（2027—2028年度）"
UNION = "西安市快递行业工会联合会"
EMPLOYER_BODY = "西安市快递行业协会"
BUREAU = "西安市人力资源和社会保障局"
ENTERPRISES = ("顺丰速运西安分公司", "中通快递西安分拨中心", "圆通速递西安分公司", "韵达快递西安分公司")
OUTSIDER = "货拉拉西安分公司"

DEMO_TERMS: dict[str, Any] = {
    "piece_rates": [
        {"service": "parcel_delivery", "unit": "parcel", "rate_cny": "1.50",
         "supplements": [{"condition": "night", "amount_cny": "0.50"}, {"condition": "bad_weather", "amount_cny": "0.30"}]},
    ],
    "expected_units_per_hour": "15",
    "order_allocation": {"rules_published": True, "change_notice_days": 30, "refusals_without_penalty_per_day": 3},
    "pay_method": {"cycle": "monthly", "pay_day": 10, "max_commission_pct": "20", "itemised_statement": True},
    "working_hours": {"max_continuous_minutes": 240, "min_break_minutes": 20, "max_daily_hours": 8},
    "rest_leave": {"rest_days_per_month": 4, "holiday_pay_multiplier": "3"},
    "labour_protection": {"equipment": ["头盔", "雨衣", "防暑药品"], "heat_allowance_cny_month": "300",
                          "safety_training_hours_year": 8},
    "insurance_welfare": {"occupational_injury": True, "accident_cover_cny": "600000", "premium_paid_by": "platform"},
    "rewards_penalties": {"max_deduction_cny": "50", "appeal_days": 7, "human_review_required": True},
}  # fmt: skip

WORKER_SIDE = [
    {"name": "李建国", "title": "工会主席", "is_chief": True},
    {"name": "王堃", "title": "快递员代表"},
    {"name": "陈晓燕", "title": "快递员代表"},
]
EMPLOYER_SIDE = [
    {"name": "张伟", "title": "协会会长", "is_chief": True, "delegated_in_writing": True},
    {"name": "刘洋", "title": "人力资源总监"},
    {"name": "孙丽", "title": "合规经理"},
]


def _tokens_file(services: Services) -> Path:
    return services.settings.archive_dir.parent / "demo-tokens.json"


class DemoTokensLost(RuntimeError):
    """The database holds the demo but the file with its tokens is gone: tokens are stored hashed only."""


def _already_seeded(services: Services, path: Path) -> dict[str, Any] | None:
    """What an earlier run stored, if the database still holds that demo; the database is the truth."""
    with services.uow.reading() as uow:
        existing = uow.repo.cases(
            organization_id=None, state=None, sector=None, region_code=None, q_form=search_form(TITLE), after_id=None, limit=1
        )
        if not path.exists():
            if existing:
                raise DemoTokensLost(
                    f"数据库中已有演示案件，但令牌文件 {path} 已丢失（令牌只保存哈希值）；请删除 var/ 后重新运行"
                )
            return None
        stored: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        union = uow.repo.user_by_token_hash(handlers.hash_token(stored["tokens"]["union"]))
        case = uow.repo.case(int(stored["case_id"]))
        if case is not None and case.title == TITLE and union is not None:
            return stored
        if existing:
            raise DemoTokensLost(f"令牌文件 {path} 与数据库中的演示案件不符；请删除 var/ 后重新运行")
    return None


def seed_demo(services: Services) -> dict[str, Any]:
    """Seed the demo once; later runs print what the first one stored, as long as the database still holds it."""
    path = _tokens_file(services)
    stored = _already_seeded(services, path)
    if stored is not None:
        return stored
    uow = services.uow
    admin = Actor(user_id=0, name="demo-seed", role="admin", organization_id=None)

    def org(name: str, kind: str) -> int:
        return int(
            handlers.create_organization(uow(), actor=admin, body={"name": name, "kind": kind, "region_code": "610100"})["id"]
        )

    def user(name: str, role: str, org_id: int | None) -> dict[str, Any]:
        return handlers.create_user(uow(), actor=admin, body={"name": name, "role": role, "organization_id": org_id})

    union_id = org(UNION, "union")
    body_id = org(EMPLOYER_BODY, "employer_body")
    bureau_id = org(BUREAU, "labour_bureau")
    enterprise_ids = [org(name, "enterprise") for name in ENTERPRISES]
    outsider_id = org(OUTSIDER, "enterprise")
    users = {
        "admin": user("系统管理员", "admin", None),
        "union": user("李建国", "union_negotiator", union_id),
        "employer_body": user("张伟", "enterprise_rep", body_id),
        "bureau": user("赵敏", "labour_bureau", bureau_id),
        **{
            f"enterprise_{i + 1}": user(f"{name}代表", "enterprise_rep", eid)
            for i, (name, eid) in enumerate(zip(ENTERPRISES, enterprise_ids, strict=True))
        },
        "outsider": user("货拉拉代表", "enterprise_rep", outsider_id),
    }
    actors = {
        k: Actor(user_id=v["id"], name=v["name"], role=v["role"], organization_id=v["organization_id"]) for k, v in users.items()
    }
    union, employer = actors["union"], actors["employer_body"]
    case = handlers.create_case(uow(), actor=union, body={
        "title": TITLE, "level": "sector", "sector": "express_delivery",
        "region_code": "610100", "kind": "comprehensive", "union_org_id": union_id, "employer_org_id": body_id,
        "bureau_org_id": bureau_id, "covered_enterprise_ids": enterprise_ids,
        "topics": list(DEMO_TERMS.keys() - {"expected_units_per_hour"}),
    })  # fmt: skip
    case_id = case["id"]

    def event(actor: Actor, name: str, data: dict[str, Any]) -> dict[str, Any]:
        with uow.reading() as read:
            found = read.repo.case(case_id)
            assert found is not None
            version = found.version
        return handlers.fire_event(
            uow(), actor=actor, case_id=case_id, body={"event": name, "expected_version": version, "data": data}
        )

    handlers.put_representatives(uow(), actor=union, case_id=case_id, body={
        "expected_version": case["version"], "worker_side": WORKER_SIDE, "employer_side": EMPLOYER_SIDE,
    })  # fmt: skip
    event(
        union, "propose", {"served_on": "2026-11-02", "demands": "提高快递员计件单价，规范订单分配和休息时间，完善职业伤害保障。"}
    )
    event(employer, "accept", {"received_on": "2026-11-05", "reply": "同意就所列议题开展行业集体协商。"})
    event(union, "open_talks", {})
    drafting.add_meeting(uow(), actor=union, case_id=case_id, body={
        "held_on": "2026-11-12", "location": "西安市总工会三楼会议室", "chair_side": "worker", "recorder": "周静（中立记录员）",
        "summary": "双方就计件单价和休息休假交换意见。",
        "positions": [{"topic": "piece_rates", "worker_position": "每件不低于1.65元", "employer_position": "每件1.50元", "agreed": False}],
    })  # fmt: skip
    drafting.add_draft(
        uow(), actor=union, case_id=case_id, body={"term_start": "2027-01-01", "term_end": "2028-12-31", "terms": DEMO_TERMS}
    )
    second = json.loads(json.dumps(DEMO_TERMS))
    second["piece_rates"][0]["rate_cny"] = "1.65"
    second["labour_protection"]["heat_allowance_cny_month"] = "360"
    draft = drafting.add_draft(
        uow(), actor=union, case_id=case_id, body={"term_start": "2027-01-01", "term_end": "2028-12-31", "terms": second}
    )
    event(union, "submit_draft", {"draft_version": draft["version"]})
    result = {
        "case_id": case_id,
        "tokens": {k: v["token"] for k, v in users.items()},
        "names": {k: v["name"] for k, v in users.items()},
    }
    write_atomic(path, json.dumps(result, ensure_ascii=False, indent=2).encode("utf-8"), mode=0o600)  # tokens: owner only
    return result
