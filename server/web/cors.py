"""CORS with refusals in Parley's one error shape.

Starlette's `CORSMiddleware` answers a refused preflight with plain text ("Disallowed CORS
origin"); every other refusal the API makes is the JSON error shape, so a client can handle
them all the same way. Only the body changes: the decision stays Starlette's.
"""

from __future__ import annotations

from starlette.datastructures import Headers
from starlette.middleware.cors import CORSMiddleware
from starlette.responses import JSONResponse, Response

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
