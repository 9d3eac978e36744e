"""The engine's one exception tree; the API maps each class to an HTTP status in one table.

NegotiationError
├── Unauthenticated          no or unknown token
├── NotFound                 no such object, or the caller may not see it
├── Forbidden                the caller sees the case but its party may not do this
├── VersionConflict          expected_version is not the current version
├── InvalidTransition        the event is not allowed in the current state
├── ValidationFailed         input does not fit the schema (violations with paths)
├── RuleViolation            a legal or procedural rule fails (violations with rule and citation)
├── IdempotencyKeyReused     the same key came with another request
├── ArchiveIntegrityError    a stored document no longer matches its sha256
└── DocumentError            a document an event makes could not be rendered (the event does not happen)
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "ArchiveIntegrityError",
    "DocumentError",
    "Forbidden",
    "IdempotencyKeyReused",
    "InvalidTransition",
    "NegotiationError",
    "NotFound",
    "RuleViolation",
    "Unauthenticated",
    "ValidationFailed",
    "VersionConflict",
    "Violation",
]


@dataclass(frozen=True)
class Violation:
    """One failed check: the rule id and citation for legal rules, None for schema errors."""

    rule: str | None
    message: str
    citation: str | None = None
    path: str | None = None

    def as_dict(self) -> dict[str, str | None]:
        """The violation in the shape of api.md."""
        return {"rule": self.rule, "message": self.message, "citation": self.citation, "path": self.path}


class NegotiationError(Exception):
    """Base of every error the engine raises on purpose."""

    code = "error"
    default_message = "请求无法处理"

    def __init__(self, message: str | None = None, violations: list[Violation] | None = None) -> None:
        self.message = message or self.default_message
        self.violations = list(violations or [])
        super().__init__(self.message)


class Unauthenticated(NegotiationError):
    code = "unauthenticated"
    default_message = "未登录或令牌无效，请提供有效的访问令牌"


class NotFound(NegotiationError):
    code = "not_found"
    default_message = "未找到该对象，或您无权查看"


class Forbidden(NegotiationError):
    code = "forbidden"
    default_message = "您所在的一方无权进行此操作"


class VersionConflict(NegotiationError):
    code = "version_conflict"
    default_message = "案件已被他人更新，请刷新后重试"

    def __init__(self, expected: int | None = None, current: int | None = None) -> None:
        if expected is None or current is None:
            super().__init__()
        else:
            super().__init__(f"案件已被他人更新：您提交的版本为 {expected}，当前版本为 {current}，请刷新后重试")
        self.expected = expected
        self.current = current


class InvalidTransition(NegotiationError):
    code = "invalid_transition"
    default_message = "当前状态下不允许此操作"


class ValidationFailed(NegotiationError):
    code = "validation_error"
    default_message = "提交的内容不符合格式要求"


class RuleViolation(NegotiationError):
    code = "rule_violation"
    default_message = "不符合法定或程序性规则"


class IdempotencyKeyReused(NegotiationError):
    code = "idempotency_key_reused"
    default_message = "该幂等键已用于另一个不同的请求"


class ArchiveIntegrityError(NegotiationError):
    code = "archive_integrity_error"
    default_message = "存档文件与其哈希值不符，已记录告警，文件不予提供"


class DocumentError(NegotiationError):
    code = "document_error"
    default_message = "文书生成失败，本次操作未生效，请稍后重试"
