"""Static files Parley serves itself (the widget, the console): StaticFiles (safe paths,
ETag, 304) limited to the kinds of file a browser loads, with headers of the caller's choice
and 404s in the one JSON error shape."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import PurePosixPath

from starlette.exceptions import HTTPException
from starlette.responses import Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

# Extra headers for one response, from the request's scope and the file's path.
HeadersFor = Callable[[Scope, str], Mapping[str, str]]


class AssetFiles(StaticFiles):
    def __init__(
        self, *, directory: str, suffixes: frozenset[str], headers: HeadersFor, what: str
    ) -> None:
        super().__init__(directory=directory, check_dir=False, html=True)
        self.suffixes = suffixes
        self.headers_for = headers
        self.what = what

    async def get_response(self, path: str, scope: Scope) -> Response:
        # A directory ("" or "sub/") means its index.html (html=True); anything else must be
        # a kind of file the browser loads, never a README or a source map left lying around.
        suffix = PurePosixPath(path).suffix
        if suffix not in self.suffixes and not (path in ("", ".") or path.endswith("/")):
            raise HTTPException(404, f"No {self.what} file {path!r}.")
        try:
            response = await super().get_response(path, scope)
        except HTTPException as exc:
            if exc.status_code == 404:
                raise HTTPException(404, f"No {self.what} file {path!r}.") from None
            raise
        if response.status_code == 404:  # html=True answers a missing file with a bare 404
            raise HTTPException(404, f"No {self.what} file {path!r}.")
        response.headers.update(self.headers_for(scope, path))
        kind = response.headers.get("content-type", "")
        if kind.startswith(("text/", "application/")) and "charset" not in kind:
            # The files are UTF-8; say so, so a page in another charset reads them right.
            response.headers["content-type"] = f"{kind}; charset=utf-8"
        return response
