"""Request ids, and the answer to an exception no handler took.

Every HTTP request gets an id: the caller's `X-Request-Id` when it is a sane token (set by a
proxy or a load balancer), otherwise a new one. It is echoed in the response's `X-Request-Id`
and written in the log line of anything that goes wrong, so a report can be matched to the log.

Starlette's last resort (`ServerErrorMiddleware`) sends its 500 and then re-raises, so uvicorn
logs the traceback a second time and drops the keep-alive connection. This middleware sits
inside the CORS middlewares (so a browser can read the answer) and answers instead: 503
`not_ready` when the database is away (`server.db.unavailable`), otherwise the JSON 500 with
the request id, logged once. The connection stays open for the client's next request.
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Awaitable

from starlette.datastructures import Headers, MutableHeaders
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from server.db import unavailable
from server.errors import ErrorCode

log = logging.getLogger("parley")

REQUEST_ID_HEADER = "X-Request-Id"
# What is accepted from the caller: enough for UUIDs and tracing ids, nothing that could
# forge a log line or a header.
_SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9._:/+=@-]{1,128}")


def request_id(scope: Scope) -> str:
    """The id of the request `scope` belongs to ("" outside a request)."""
    return str(scope.get("state", {}).get("request_id", ""))


def _incoming_request_id(scope: Scope) -> str | None:
    value = Headers(scope=scope).get(REQUEST_ID_HEADER)
    return value if value is not None and _SANE_REQUEST_ID.fullmatch(value) else None


class UnhandledErrorMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    def __call__(self, scope: Scope, receive: Receive, send: Send) -> Awaitable[None]:
        # Not `async def`: a WebSocket goes straight to the app, without a coroutine of ours
        # held for the socket's whole life (memory per socket, see bench/README.md).
        if scope["type"] != "http":
            return self.app(scope, receive, send)
        return self._http(scope, receive, send)

    async def _http(self, scope: Scope, receive: Receive, send: Send) -> None:
        rid = _incoming_request_id(scope) or uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = rid  # `request.state.request_id`
        started = False

        async def send_with_id(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                MutableHeaders(scope=message)[REQUEST_ID_HEADER] = rid
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception as exc:
            where = f"{scope['method']} {scope['path']} (request {rid})"
            if started:
                # Half a response is out: nothing can be answered. Returning without finishing
                # it makes the server close the connection, without a second traceback.
                log.exception("unhandled error on %s after the response started", where)
                return
            not_ready = unavailable(exc)
            if not_ready is not None:
                # Expected while the database restarts: one line, no traceback.
                log.warning("database unavailable on %s: %s: %s", where, type(exc).__name__, exc)
                response = JSONResponse(
                    not_ready.to_dict(), not_ready.status, headers=not_ready.headers
                )
            else:
                log.exception("unhandled error on %s", where)
                body = {
                    "code": str(ErrorCode.INTERNAL),
                    "message": "Internal server error.",
                    "requestId": rid,
                }
                response = JSONResponse({"error": body}, status_code=500)
            await response(scope, receive, send_with_id)
