"""The words for the values the terms use (services, units, supplement conditions, pay cycles, payers, worker groups, wage adjustment bases), and for sectors.

One copy, read by the review pages (api/review/labels.py) and by the contract templates (the Jinja global
``words``, which `contract_templates/_base/labels.html` hands out as ``L.services`` and so on). The wording is the
contract's: what a review page shows is what the signed contract will say. A field of a topic model says which
vocabulary its values come from with ``Annotated[..., Words("services")]`` (negotiation/topics.py).
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["VOCABULARIES", "Words"]


@dataclass(frozen=True)
class Words:
    """Field metadata: the values of this field are keys of the vocabulary `name`."""

    name: str


VOCABULARIES: dict[str, dict[str, str]] = {
    "services": {
        "parcel_delivery": "快件派送",
        "parcel_pickup": "快件揽收",
        "bulky_parcel_delivery": "大件快件派送",
        "village_delivery": "乡村快件派送",
        "food_delivery": "外卖配送",
        "ride": "网约车服务",
        "freight": "货运",
    },
    "units": {"parcel": "件", "order": "单", "km": "公里", "trip": "趟", "hour": "小时"},
    "conditions": {
        "night": "夜间（22时至次日6时）",
        "peak": "业务高峰期",
        "bad_weather": "雨雪等恶劣天气",
        "distance": "远距离派送",
        "holiday": "法定节假日",
        "floor": "高层无电梯楼宇",
    },
    "cycles": {
        "daily": "每日",
        "weekly": "每周",
        "biweekly": "每两周",
        "semimonthly": "每半月",
        "monthly": "每月",
        "quarterly": "每季度",
        "yearly": "每年",
    },
    "payers": {"platform": "平台企业", "enterprise": "用工企业", "shared": "平台企业与用工企业共同", "worker": "劳动者本人"},
    "worker_groups": {
        "all": "劳动者",
        "employees": "与企业订立劳动合同的职工",
        "platform_workers": "不完全符合确立劳动关系情形的平台劳动者",
        "dispatched": "被派遣劳动者",
    },
    "adjustment_bases": {
        "provincial_guideline": "本省当年发布的工资指导线",
        "minimum_wage_change": "当地最低工资标准的调整",
        "enterprise_performance": "企业经济效益和劳动生产率",
    },
    # A case's `sector` is free text; these are the sectors with a name of their own (others print as given).
    "sectors": {
        "express_delivery": "快递行业",
        "food_delivery": "外卖配送行业",
        "ride_hailing": "网约车行业",
        "freight": "货运行业",
    },
}
