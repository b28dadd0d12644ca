"""Domain errors: each has a stable code, an HTTP status and a WebSocket close code.

Services raise these; one handler (`server.app`) renders every one of them, and every other
4xx Starlette raises, as the single JSON error shape:

    {"error": {"code": "not_found", "message": "...", "fields": {...}}}
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any


class ErrorCode(StrEnum):
    BAD_REQUEST = "bad_request"
    INVALID_JSON = "invalid_json"
    VALIDATION_FAILED = "validation_failed"
    UNAUTHENTICATED = "unauthenticated"
    FORBIDDEN = "forbidden"
    NOT_FOUND = "not_found"
    METHOD_NOT_ALLOWED = "method_not_allowed"
    CONFLICT = "conflict"
    INVALID_TRANSITION = "invalid_transition"
    STALE_REPLY = "stale_reply"
    CONVERSATION_ENDED = "conversation_ended"
    TICKET_CLOSED = "ticket_closed"
    IDEMPOTENCY_KEY_REUSED = "idempotency_key_reused"
    IDEMPOTENCY_KEY_IN_USE = "idempotency_key_in_use"
    REQUEST_TIMEOUT = "request_timeout"
    PAYLOAD_TOO_LARGE = "payload_too_large"
    UNSUPPORTED_MEDIA_TYPE = "unsupported_media_type"
    FILE_TYPE_NOT_ALLOWED = "file_type_not_allowed"
    TOO_MANY_FILES = "too_many_files"
    RATE_LIMITED = "rate_limited"
    NOT_READY = "not_ready"
    INTERNAL = "internal_error"


# Seconds a 503 `not_ready` asks the client to wait: long enough not to hammer a database
# that is restarting, short enough that a blip costs a user one retry.
NOT_READY_RETRY_AFTER = 5


class ParleyError(Exception):
    """Base of every error a client may see. Subclasses fix the code and statuses."""

    code: ErrorCode = ErrorCode.BAD_REQUEST
    status: int = 400
    # Close code used when this error ends a WebSocket (4000-4999 are ours to define).
    ws_close_code: int = 4400

    def __init__(
        self,
        message: str,
        *,
        fields: dict[str, str] | None = None,
        code: ErrorCode | None = None,
        headers: dict[str, str] | None = None,
        details: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.fields = fields or {}
        self.headers = headers or {}
        # Extra members of the error object a client can act on (camelCase names).
        self.details = details or {}
        if code is not None:
            self.code = code

    def to_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"code": str(self.code), "message": self.message}
        if self.fields:
            body["fields"] = self.fields
        body.update(self.details)
        return {"error": body}


class BadRequest(ParleyError):
    pass


class ValidationFailed(ParleyError):
    code = ErrorCode.VALIDATION_FAILED
    status = 422
    ws_close_code = 4422


class Unauthenticated(ParleyError):
    code = ErrorCode.UNAUTHENTICATED
    status = 401
    ws_close_code = 4401

    def __init__(self, message: str = "Authentication required.", **kwargs: Any) -> None:
        kwargs.setdefault("headers", {"WWW-Authenticate": 'Bearer realm="parley"'})
        super().__init__(message, **kwargs)


class Forbidden(ParleyError):
    code = ErrorCode.FORBIDDEN
    status = 403
    ws_close_code = 4403


class NotFound(ParleyError):
    code = ErrorCode.NOT_FOUND
    status = 404
    ws_close_code = 4404


class Conflict(ParleyError):
    code = ErrorCode.CONFLICT
    status = 409
    ws_close_code = 4409


class InvalidTransition(Conflict):
    code = ErrorCode.INVALID_TRANSITION


class StaleReply(Conflict):
    """A reply written against an outdated view of the ticket (collision control).

    The body carries what the agent has not seen: `unseenResponses` (public replies newer
    than their position, oldest first) and the channel's current `offset`/`epoch`."""

    code = ErrorCode.STALE_REPLY

    def __init__(self, message: str, *, details: dict[str, Any]) -> None:
        super().__init__(message, details=details)


class RequestTimeout(ParleyError):
    """The client took too long to send its request (see `server.web.timeouts`). The rest of
    it may still be on its way, so the connection is closed after the answer."""

    code = ErrorCode.REQUEST_TIMEOUT
    status = 408

    def __init__(self, message: str) -> None:
        super().__init__(message, headers={"Connection": "close"})


class PayloadTooLarge(ParleyError):
    code = ErrorCode.PAYLOAD_TOO_LARGE
    status = 413
    ws_close_code = 1009


class UnsupportedMediaType(ParleyError):
    code = ErrorCode.UNSUPPORTED_MEDIA_TYPE
    status = 415


class FileTypeNotAllowed(UnsupportedMediaType):
    """An uploaded file whose bytes are of a type the allow-list refuses."""

    code = ErrorCode.FILE_TYPE_NOT_ALLOWED


class TooManyFiles(PayloadTooLarge):
    """More files in one upload than PARLEY_ATTACHMENT_MAX_FILES."""

    code = ErrorCode.TOO_MANY_FILES


class RateLimited(ParleyError):
    code = ErrorCode.RATE_LIMITED
    status = 429
    ws_close_code = 4429

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(
            message,
            headers={"Retry-After": str(max(1, retry_after))},
            details={"retryAfter": max(1, retry_after)},
        )
        self.retry_after = max(1, retry_after)


class NotReady(ParleyError):
    """A dependency (the database, Redis) cannot be used right now; the same request may
    well succeed later, so the answer says when to retry."""

    code = ErrorCode.NOT_READY
    status = 503
    ws_close_code = 1013

    def __init__(self, message: str, *, retry_after: int = NOT_READY_RETRY_AFTER) -> None:
        super().__init__(
            message,
            headers={"Retry-After": str(max(1, retry_after))},
            details={"retryAfter": max(1, retry_after)},
        )
        self.retry_after = max(1, retry_after)


# Starlette's own HTTP exceptions (unknown route, wrong method) mapped onto our codes.
STATUS_CODES: dict[int, ErrorCode] = {
    400: ErrorCode.BAD_REQUEST,
    401: ErrorCode.UNAUTHENTICATED,
    403: ErrorCode.FORBIDDEN,
    404: ErrorCode.NOT_FOUND,
    405: ErrorCode.METHOD_NOT_ALLOWED,
    408: ErrorCode.REQUEST_TIMEOUT,
    409: ErrorCode.CONFLICT,
    413: ErrorCode.PAYLOAD_TOO_LARGE,
    415: ErrorCode.UNSUPPORTED_MEDIA_TYPE,
    422: ErrorCode.VALIDATION_FAILED,
    429: ErrorCode.RATE_LIMITED,
    503: ErrorCode.NOT_READY,
}


def error_body(status: int, message: str) -> dict[str, Any]:
    """The error shape for an HTTP status that has no domain error behind it."""
    code = STATUS_CODES.get(status, ErrorCode.BAD_REQUEST if status < 500 else ErrorCode.INTERNAL)
    return {"error": {"code": str(code), "message": message}}


class ConversationEnded(Conflict):
    """A write to a live chat that has ended (start a new conversation instead)."""

    code = ErrorCode.CONVERSATION_ENDED


class TicketClosed(Conflict):
    """A customer replied to a CLOSED or CANCELLED ticket: it stays closed; they open a new one."""

    code = ErrorCode.TICKET_CLOSED


class IdempotencyKeyReused(Conflict):
    """An `Idempotency-Key` sent again with another request (method, path or body)."""

    code = ErrorCode.IDEMPOTENCY_KEY_REUSED


class IdempotencyKeyInUse(Conflict):
    """An `Idempotency-Key` whose first request has not finished. `retry_after` is set while
    it may still finish; without it, it never will (its process stopped)."""

    code = ErrorCode.IDEMPOTENCY_KEY_IN_USE

    def __init__(self, message: str, *, retry_after: int | None = None) -> None:
        super().__init__(
            message,
            headers={"Retry-After": str(retry_after)} if retry_after else None,
            details={"retryAfter": retry_after} if retry_after else None,
        )
