"""The customer widget's files, served by Parley itself: `/widget.js` (the loader a site
embeds) and `/widget/<file>` (the app, its stylesheet and its locales), from `widget/`.

They are loaded by pages on other origins: the script and stylesheet as plain subresources,
the locale files with `fetch`, hence `Access-Control-Allow-Origin: *` (they are public and
carry no credentials) and `Cross-Origin-Resource-Policy: cross-origin` (so hosts that isolate
themselves with COEP can still load them). Browsers revalidate after five minutes (ETag), so a
new release reaches every site quickly without a build step or versioned file names.
"""

from __future__ import annotations

from pathlib import Path, PurePosixPath

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

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


class WidgetFiles(StaticFiles):
    """StaticFiles (safe paths, ETag, 304) limited to the widget's own kinds of file."""

    async def get_response(self, path: str, scope: Scope) -> Response:
        if PurePosixPath(path).suffix not in SERVED_SUFFIXES:
            raise HTTPException(404, f"No widget file {path!r}.")
        try:
            response = await super().get_response(path, scope)
        except HTTPException as exc:
            if exc.status_code == 404:
                raise HTTPException(404, f"No widget file {path!r}.") from None
            raise
        response.headers.update(HEADERS)
        if response.media_type and response.media_type.startswith(("text/", "application/")):
            # The files are UTF-8; say so, so a host page in another charset reads them right.
            kind = response.headers.get("content-type", "")
            if "charset" not in kind:
                response.headers["content-type"] = f"{kind}; charset=utf-8"
        return response


def widget_routes(directory: Path = WIDGET_DIR) -> list[BaseRoute]:
    files = WidgetFiles(directory=directory, check_dir=False)

    async def loader(request: Request) -> Response:
        return await files.get_response(LOADER, request.scope)

    return [Route("/widget.js", loader, methods=["GET", "HEAD"]), Mount("/widget", app=files)]
