"""CORS with refusals in Parley's one error shape.

Starlette's `CORSMiddleware` answers a refused preflight with plain text ("Disallowed CORS
origin"); every other refusal the API makes is the JSON error shape, so a client can handle
them all the same way. Only the body changes: the decision stays Starlette's.
"""

from __future__ import annotations

from starlette.datastructures import Headers, MutableHeaders
from starlette.middleware.cors import CORSMiddleware
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from server.errors import error_body


class JsonErrorCORSMiddleware(CORSMiddleware):
    def preflight_response(self, request_headers: Headers) -> Response:
        response = super().preflight_response(request_headers)
        if response.status_code < 400:
            return response
        headers = {
            name: value
            for name, value in response.headers.items()
            if name not in ("content-length", "content-type")
        }
        message = bytes(response.body).decode() + "."
        return JSONResponse(
            error_body(response.status_code, message), response.status_code, headers
        )


EMBED_PREFIX = "/api/embed/"


class EmbedCORSMiddleware:
    """CORS for the widget's public endpoints (`/api/embed/*`), whose allowed origins are
    per organisation and so cannot be a static list.

    Preflights are granted to any origin, and responses carry `Access-Control-Allow-Origin`
    for the requesting origin: these endpoints use no cookies, and each one checks the page's
    origin against the organisation named by the site key and refuses (403) the others
    itself. Other paths are left to `JsonErrorCORSMiddleware`.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(EMBED_PREFIX):
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        origin = headers.get("origin")
        if origin is None:
            await self.app(scope, receive, send)
            return
        if scope["method"] == "OPTIONS" and "access-control-request-method" in headers:
            response = Response(
                status_code=204,
                headers={
                    "Access-Control-Allow-Origin": origin,
                    "Access-Control-Allow-Methods": "GET, POST",
                    "Access-Control-Allow-Headers": "Authorization, Content-Type, Idempotency-Key",
                    "Access-Control-Max-Age": "600",
                    "Vary": "Origin",
                },
            )
            await response(scope, receive, send)
            return

        async def send_with_cors(message: Message) -> None:
            if message["type"] == "http.response.start":
                response_headers = MutableHeaders(scope=message)
                response_headers["Access-Control-Allow-Origin"] = origin
                response_headers["Access-Control-Expose-Headers"] = (
                    "Retry-After, Idempotent-Replayed, X-Request-Id"
                )
                response_headers.add_vary_header("Origin")
            await send(message)

        await self.app(scope, receive, send_with_cors)
