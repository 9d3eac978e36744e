"""The webhook event types, once, as data: each type's key (as api.md names it) and what it tells, in Chinese.

A subscription names some of these (`POST /api/v1/webhooks`); the service layer writes one outbox row per type
and change (negotiation/service_layer/outbox.py), and the deliverer sends it to each subscriber who may see the case.
"""

from __future__ import annotations

__all__ = ["DUE_SOON_WORKING_DAYS", "WEBHOOK_EVENTS"]

WEBHOOK_EVENTS: dict[str, str] = {
    "case.event": "案件的每一项变更（每条审计记录）",
    "deadline.opened": "开始计算一个期限",
    "deadline.due_soon": "期限即将届满（届满前 3 个工作日提醒一次）",
    "document.created": "生成一份文书",
}

# A reminder's lead: not a legal number (no rule sets it), the one the issue asks for (issue 13, item 6).
DUE_SOON_WORKING_DAYS = 3
