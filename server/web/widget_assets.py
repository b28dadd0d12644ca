"""The customer widget's files, served by Parley itself: `/widget.js` (the loader a site
embeds) and `/widget/<file>` (the app, its stylesheet and its locales), from `widget/`.

They are loaded by pages on other origins: the script and stylesheet as plain subresources,
the locale files and modules in CORS mode, hence `Access-Control-Allow-Origin: *` (they are
public and carry no credentials) and `Cross-Origin-Resource-Policy: cross-origin` (so hosts
that isolate themselves with COEP can still load them). Browsers revalidate after five minutes
(ETag), so a new release reaches every site quickly without a build step or versioned names.

`widget/shared/` (served at /widget/shared/) is the client library of both browser apps: the
agent console loads it from here too, on Parley's own origin, which its CSP allows.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.types import Scope

from server.web.assets import AssetFiles

WIDGET_DIR = Path(__file__).resolve().parents[2] / "widget"
LOADER = "loader.js"
# Only what the browser loads: never the README or anything else that sits in the folder.
SERVED_SUFFIXES = frozenset({".js", ".css", ".json"})
HEADERS = {
    "Access-Control-Allow-Origin": "*",
    "Cross-Origin-Resource-Policy": "cross-origin",
    "Cache-Control": "public, max-age=300",
    "X-Content-Type-Options": "nosniff",
}


def _headers(scope: Scope, path: str) -> Mapping[str, str]:
    return HEADERS


def widget_routes(directory: Path = WIDGET_DIR) -> list[BaseRoute]:
    files = AssetFiles(
        directory=str(directory), suffixes=SERVED_SUFFIXES, headers=_headers, what="widget"
    )

    async def loader(request: Request) -> Response:
        return await files.get_response(LOADER, request.scope)

    return [Route("/widget.js", loader, methods=["GET", "HEAD"]), Mount("/widget", app=files)]
