"""The engine's one exception tree and its one error table: each class carries its api.md `code` and HTTP `status`.

The API and the review pages both answer an engine error from these two attributes (api/errors.py); a foreign
error (SQLAlchemy's, WeasyPrint's, the file system's) is translated into one of these by the adapter that meets it.

NegotiationError                       code                     status
├── UnreadableRequest                  bad_request              400   HTTP the server cannot parse (request line, path, header)
├── Unauthenticated                    unauthenticated          401   no or unknown token
├── Forbidden                          forbidden                403   the caller sees the case but its party may not do this
├── NotFound                           not_found                404   no such object, or the caller may not see it
├── VersionConflict                    version_conflict         409   expected_version is not the current version
├── InvalidTransition                  invalid_transition       409   the event is not allowed in the current state
├── PayloadTooLarge                    payload_too_large        413   a request body over its limit
├── ValidationFailed                   validation_error         422   input does not fit the schema (violations with paths)
├── RuleViolation                      rule_violation           422   a legal or procedural rule fails (rule and citation)
├── IdempotencyKeyReused               idempotency_key_reused   422   the same key came with another request
├── ArchiveIntegrityError              archive_integrity_error  500   a stored document no longer matches its sha256
├── DocumentError                      document_error           500   a document an event makes could not be rendered
└── StorageUnavailable                 storage_unavailable      503   the database could not be reached or stayed locked

WriteNotMade: not an answer to anyone; the adapters tell the unit of work why a write was not made.
├── CaseMoved                          the case's version or audit head is no longer the one read
└── IdempotencyKeyTaken                another request stored its answer under the same key first
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = [
    "ArchiveIntegrityError",
    "CaseMoved",
    "DocumentError",
    "Forbidden",
    "IdempotencyKeyReused",
    "IdempotencyKeyTaken",
    "InvalidTransition",
    "NegotiationError",
    "NotFound",
    "PayloadTooLarge",
    "RateLimited",
    "RuleViolation",
    "StorageUnavailable",
    "Unauthenticated",
    "UnreadableRequest",
    "ValidationFailed",
    "VersionConflict",
    "Violation",
    "WriteNotMade",
    "error_body",
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
    status = 500
    default_message = "请求无法处理"

    def __init__(self, message: str | None = None, violations: list[Violation] | None = None) -> None:
        self.message = message or self.default_message
        self.violations = list(violations or [])
        super().__init__(self.message)

    def body(self) -> dict[str, Any]:
        """The error in api.md's shape."""
        return error_body(self.code, self.message, self.violations)

    def headers(self) -> dict[str, str] | None:
        """The HTTP headers its answer carries besides the body."""
        return None


def error_body(code: str, message: str, violations: list[Violation] | None = None) -> dict[str, Any]:
    """api.md's error shape: `{"error": {code, message, violations}}`."""
    return {"error": {"code": code, "message": message, "violations": [v.as_dict() for v in violations or []]}}


class UnreadableRequest(NegotiationError):
    """A request the HTTP server cannot parse: answered by the served protocol (api/http_protocol.py), never by a
    route, since there is no request to route."""

    code = "bad_request"
    status = 400
    default_message = "无法读取该请求：请求行、路径或请求头不符合 HTTP 格式（路径和查询中的非 ASCII 字符须经百分号编码）"


class Unauthenticated(NegotiationError):
    code = "unauthenticated"
    status = 401
    default_message = "未登录或令牌无效，请提供有效的访问令牌"

    def headers(self) -> dict[str, str] | None:
        return {"WWW-Authenticate": "Bearer"}


class RateLimited(NegotiationError):
    """Too many failed authentications from one address within the window; retry after ``retry_after`` seconds."""

    code = "rate_limited"
    status = 429

    def __init__(self, retry_after: int = 60) -> None:
        self.retry_after = retry_after
        super().__init__(f"认证失败次数过多，请于 {retry_after} 秒后再试")

    def headers(self) -> dict[str, str] | None:
        return {"Retry-After": str(self.retry_after)}


class NotFound(NegotiationError):
    code = "not_found"
    status = 404
    default_message = "未找到该对象，或您无权查看"


class Forbidden(NegotiationError):
    code = "forbidden"
    status = 403
    default_message = "您所在的一方无权进行此操作"


class VersionConflict(NegotiationError):
    code = "version_conflict"
    status = 409
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
    status = 409
    default_message = "当前状态下不允许此操作"


class ValidationFailed(NegotiationError):
    code = "validation_error"
    status = 422
    default_message = "提交的内容不符合格式要求"


class RuleViolation(NegotiationError):
    code = "rule_violation"
    status = 422
    default_message = "不符合法定或程序性规则"


class IdempotencyKeyReused(NegotiationError):
    code = "idempotency_key_reused"
    status = 422
    default_message = "该幂等键已用于另一个不同的请求"


class ArchiveIntegrityError(NegotiationError):
    """Raised by the archive itself (negotiation/documents/archive.py): which file, and why, for the audit alert."""

    code = "archive_integrity_error"
    status = 500
    default_message = "存档文件与其哈希值不符，已记录告警，文件不予提供"

    def __init__(self, sha256: str = "", reason: str = "", path: object = None) -> None:
        super().__init__(
            f"存档文件 {sha256[:12]}… 与登记的哈希值不符或已丢失（{reason}），已记录审计告警，文件不予提供" if sha256 else None
        )
        self.sha256 = sha256
        self.reason = reason
        self.path = path


class DocumentError(NegotiationError):
    code = "document_error"
    status = 500
    default_message = "文书生成失败，本次操作未生效，请稍后重试"


class PayloadTooLarge(NegotiationError):
    code = "payload_too_large"
    status = 413
    default_message = "请求内容超过 1 MiB 的上限"


class StorageUnavailable(NegotiationError):
    code = "storage_unavailable"
    status = 503
    default_message = "数据库暂时无法访问，本次操作未生效，请稍后重试"


class WriteNotMade(Exception):
    """A write the database did not take, for the unit of work to decide what follows (never shown to a caller)."""


class CaseMoved(WriteNotMade):
    """The version-checked write found the case at another version or audit head than the one read: nothing of it
    was written. A unit of work that read outside the writer queue runs its work again; one that read in its write
    transaction answers VersionConflict."""


class IdempotencyKeyTaken(WriteNotMade):
    """Another request stored its answer under this Idempotency-Key first: nothing was written; that answer stands."""
