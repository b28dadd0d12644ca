"""The ticket tracking page (`server/tracking_page/`), served at `/track`: what the link in
every customer email opens (its token in the URL fragment, `/track#prl_tl_…`). A static page
on Parley's own origin that talks to `/api/track/*` and `/ws/widget`, and reuses the widget's
ticket view (`/widget/views/ticket-detail.js`), texts and client library.

Headers: a strict Content Security Policy (the console's: scripts, styles and connections from
Parley only, no inline script or style, never framed), `Referrer-Policy: no-referrer` (nothing
of the page's address leaves it, not even to a link in a reply) and `nosniff`. No cookies are
set or read. The page revalidates on every load (ETag), like the console.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.types import Scope

from server.web.assets import AssetFiles
from server.web.console_assets import content_security_policy

TRACKING_DIR = Path(__file__).resolve().parents[1] / "tracking_page"
PAGE = "index.html"
SERVED_SUFFIXES = frozenset({".html", ".js", ".css", ".json"})
HEADERS = {
    "Cache-Control": "no-cache",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


def _headers(scope: Scope, path: str) -> Mapping[str, str]:
    if path.endswith((".js", ".css", ".json")):
        return HEADERS
    request = Request(scope)
    secure = request.url.scheme in ("https", "wss")
    return {
        **HEADERS,
        "Content-Security-Policy": content_security_policy(request.headers.get("host", ""), secure),
        "X-Frame-Options": "DENY",
    }


def tracking_page_routes(directory: Path = TRACKING_DIR) -> list[BaseRoute]:
    files = AssetFiles(
        directory=str(directory), suffixes=SERVED_SUFFIXES, headers=_headers, what="tracking page"
    )

    async def page(request: Request) -> Response:
        return await files.get_response(PAGE, request.scope)

    return [Route("/track", page, methods=["GET", "HEAD"]), Mount("/track", app=files)]
