"""The agent console (`server/console/`), served at `/console/`: a static app that talks to
the API and `/ws` on the same origin, so it needs no Node.js or build step to serve.

Its page gets a strict Content Security Policy (scripts, styles and connections only from
Parley itself; no inline script or style; never framed), the second line of defence behind
the console's rule of putting user content in the page as text only. Files revalidate on
every load (ETag), so agents get a new release on their next reload.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.types import Scope

from server.web.assets import AssetFiles

CONSOLE_DIR = Path(__file__).resolve().parents[1] / "console"
SERVED_SUFFIXES = frozenset({".html", ".js", ".css", ".svg", ".json"})
HEADERS = {"Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff"}


def content_security_policy(host: str, secure: bool) -> str:
    # 'self' covers ws(s) to the same host only in CSP3 browsers: name the socket explicitly.
    socket = f"{'wss' if secure else 'ws'}://{host}" if host else ""
    return "; ".join(
        (
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self' data:",
            f"connect-src 'self' {socket}".strip(),
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        )
    )


def _headers(scope: Scope, path: str) -> Mapping[str, str]:
    if path.endswith((".js", ".css", ".svg", ".json")):
        return HEADERS
    request = Request(scope)
    secure = request.url.scheme in ("https", "wss")
    return {
        **HEADERS,
        "Content-Security-Policy": content_security_policy(request.headers.get("host", ""), secure),
        "X-Frame-Options": "DENY",
        "Referrer-Policy": "same-origin",
    }


def console_routes(directory: Path = CONSOLE_DIR) -> list[BaseRoute]:
    files = AssetFiles(
        directory=str(directory), suffixes=SERVED_SUFFIXES, headers=_headers, what="console"
    )

    async def to_console(request: Request) -> Response:
        return RedirectResponse("/console/", status_code=308)

    return [Route("/console", to_console, methods=["GET", "HEAD"]), Mount("/console", app=files)]
