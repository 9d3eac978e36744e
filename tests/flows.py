"""Driving a case through the lifecycle over HTTP, shared by the end-to-end and browser tests."""

from __future__ import annotations

import copy
from typing import Any

from fastapi.testclient import TestClient

TERMS: dict[str, Any] = {
    "piece_rates": [{"service": "parcel_delivery", "unit": "parcel", "rate_cny": "1.50",
                     "supplements": [{"condition": "night", "amount_cny": "0.50"}]}],
    "expected_units_per_hour": "15",
    "pay_method": {"cycle": "monthly", "pay_day": 10, "max_commission_pct": "20", "itemised_statement": True},
    "rest_leave": {"rest_days_per_month": 4, "holiday_pay_multiplier": "3"},
}  # fmt: skip

WORKERS = [
    {"name": "李建国", "title": "工会主席", "is_chief": True},
    {"name": "王堃", "title": "快递员代表"},
    {"name": "陈晓燕", "title": "快递员代表"},
]
EMPLOYERS = [
    {"name": "张伟", "title": "协会会长", "is_chief": True, "delegated_in_writing": True},
    {"name": "刘洋", "title": "人力资源总监"},
    {"name": "孙丽", "title": "合规经理"},
]


def terms(**changes: Any) -> dict[str, Any]:
    """The standard terms with a piece rate changed, for a second draft."""
    t = copy.deepcopy(TERMS)
    if "rate" in changes:
        t["piece_rates"][0]["rate_cny"] = changes["rate"]
    return t


class Flow:
    """One case and the calls that move it; every call asserts its expected status."""

    def __init__(self, client: TestClient, headers: dict[str, dict[str, str]], case_body: dict[str, Any]) -> None:
        self.client = client
        self.headers = headers
        r = client.post("/api/v1/cases", json=case_body, headers=headers["union"])
        assert r.status_code == 201, r.text
        self.case = r.json()
        self.id = self.case["id"]

    def refresh(self, who: str = "union") -> dict[str, Any]:
        r = self.client.get(f"/api/v1/cases/{self.id}", headers=self.headers[who])
        assert r.status_code == 200, r.text
        self.case = r.json()
        return self.case

    def event(self, who: str, event: str, data: dict[str, Any] | None = None, expect: int = 200) -> dict[str, Any]:
        version = self.refresh(who)["version"]
        r = self.client.post(
            f"/api/v1/cases/{self.id}/events",
            json={"event": event, "expected_version": version, "data": data or {}},
            headers=self.headers[who],
        )
        assert r.status_code == expect, r.text
        body: dict[str, Any] = r.json()
        if expect == 200:
            self.case = body
        return body

    def representatives(self) -> None:
        r = self.client.put(
            f"/api/v1/cases/{self.id}/representatives",
            json={"expected_version": self.refresh()["version"], "worker_side": WORKERS, "employer_side": EMPLOYERS},
            headers=self.headers["union"],
        )
        assert r.status_code == 200, r.text

    def draft(self, t: dict[str, Any] | None = None, expect: int = 201) -> dict[str, Any]:
        r = self.client.post(
            f"/api/v1/cases/{self.id}/drafts",
            json={"term_start": "2027-01-01", "term_end": "2028-12-31", "terms": t or TERMS},
            headers=self.headers["union"],
        )
        assert r.status_code == expect, r.text
        body: dict[str, Any] = r.json()
        return body

    def to_consulting(self) -> None:
        self.representatives()
        self.event("union", "propose", {"served_on": "2026-11-02", "demands": "提高计件单价"})
        self.event("employer_body", "accept", {"received_on": "2026-11-05", "reply": "同意协商"})
        self.event("union", "open_talks")

    def to_agreed(self, approvers: tuple[str, ...], t: dict[str, Any] | None = None) -> None:
        self.to_consulting()
        draft = self.draft(t)
        self.event("union", "submit_draft", {"draft_version": draft["version"]})
        for who in approvers:
            self.event(who, "approve_draft")

    def to_signed(self, approvers: tuple[str, ...], t: dict[str, Any] | None = None) -> None:
        self.to_agreed(approvers, t)
        self.event("union", "open_vote")
        version = self.case["current_draft_version"]
        self.event(
            "union",
            "record_vote",
            {"draft_version": version, "members": 30, "present": 25, "yes": 20, "no": 3, "abstain": 2, "held_on": "2026-12-01"},
        )
        self.event("union", "sign", {"signed_on": "2026-12-02", "signatory": "李建国"})
        self.event("employer_body", "sign", {"signed_on": "2026-12-03", "signatory": "张伟"})

    def to_in_force(self, approvers: tuple[str, ...], t: dict[str, Any] | None = None, published_on: str = "2026-12-18") -> None:
        """Signed, filed, received, approved by the bureau and published: the contract is in force."""
        self.to_signed(approvers, t)
        self.event("union", "file", {"filed_on": "2026-12-08"})
        self.event("bureau", "record_receipt", {"received_on": "2026-12-09", "receipt_no": "西人社集备〔2026〕88号"})
        self.event("bureau", "approve", {"approved_on": "2026-12-15"})
        self.event("union", "publish", {"published_on": published_on, "channels": ["平台App公告", "站点公告栏"]})
        assert self.case["state"] == "in_force", self.case["state"]


# The parties of the Xi'an express-delivery negotiation every database-backed test seeds: (key, name, kind).
XIAN_ORGANIZATIONS: tuple[tuple[str, str, str], ...] = (
    ("union", "西安市快递行业工会联合会", "union"),
    ("employer_body", "西安市快递行业协会", "employer_body"),
    ("bureau", "西安市人力资源和社会保障局", "labour_bureau"),
    ("ent1", "顺丰速运西安分公司", "enterprise"),
    ("ent2", "中通快递西安分拨中心", "enterprise"),
    ("outsider", "货拉拉西安分公司", "enterprise"),
)


def seed_parties(
    api: Any,
    admin_token: str,
    organizations: tuple[tuple[str, str, str], ...],
    users: tuple[tuple[str, str, str, str], ...],
) -> tuple[dict[str, int], dict[str, str]]:
    """Create organisations (key, name, kind) and users (key, name, role, organisation key) through the API.

    `api` is anything with `.post(url, json=…, headers=…)`: the in-process TestClient or an httpx client of a
    running server. Returns the organisation ids and the users' tokens by key.
    """
    admin = {"Authorization": f"Bearer {admin_token}"}
    orgs: dict[str, int] = {}
    for key, name, kind in organizations:
        r = api.post("/api/v1/organizations", json={"name": name, "kind": kind, "region_code": "610100"}, headers=admin)
        assert r.status_code == 201, r.text
        orgs[key] = r.json()["id"]
    tokens: dict[str, str] = {}
    for key, name, role, org in users:
        r = api.post("/api/v1/users", json={"name": name, "role": role, "organization_id": orgs[org]}, headers=admin)
        assert r.status_code == 201, r.text
        tokens[key] = r.json()["token"]
    return orgs, tokens
