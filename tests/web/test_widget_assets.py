"""`/widget.js` and `/widget/<file>` (`server/web/widget_assets.py`): the widget's own files,
loadable from any origin, and nothing else from the folder."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from starlette.applications import Starlette

from server.web.widget_assets import WIDGET_DIR

HOST_PAGE = "https://shop.example.com"


async def test_the_loader_is_widget_js(client: httpx.AsyncClient) -> None:
    r = await client.get("/widget.js", headers={"Origin": HOST_PAGE})
    assert r.status_code == 200, r.text
    assert r.content == (WIDGET_DIR / "loader.js").read_bytes()
    assert r.headers["content-type"] == "text/javascript; charset=utf-8"
    assert r.headers["access-control-allow-origin"] == "*"
    assert r.headers["cross-origin-resource-policy"] == "cross-origin"
    assert r.headers["x-content-type-options"] == "nosniff"
    assert "max-age=" in r.headers["cache-control"]


@pytest.mark.parametrize(
    ("path", "kind"),
    [
        ("app.js", "text/javascript"),
        ("widget.css", "text/css"),
        ("locales/en.json", "application/json"),
        ("locales/de.json", "application/json"),
    ],
)
async def test_the_app_files_are_served_for_any_origin(
    client: httpx.AsyncClient, path: str, kind: str
) -> None:
    r = await client.get(f"/widget/{path}", headers={"Origin": HOST_PAGE})
    assert r.status_code == 200, r.text
    assert r.content == (WIDGET_DIR / path).read_bytes()
    assert r.headers["content-type"] == f"{kind}; charset=utf-8"
    assert r.headers["access-control-allow-origin"] == "*"


async def test_an_unchanged_file_is_not_sent_again(client: httpx.AsyncClient) -> None:
    first = await client.get("/widget/app.js")
    again = await client.get("/widget/app.js", headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code == 304
    assert again.content == b""


@pytest.mark.parametrize(
    "path",
    [
        "/widget/README.md",  # in the folder, but not something a browser loads
        "/widget/nothing.js",
        "/widget/",
        "/widget/../pyproject.toml",
        "/widget/%2e%2e/server/app.py",
        "/widget/locales/../../server/app.py",
    ],
)
async def test_nothing_else_is_served(client: httpx.AsyncClient, path: str) -> None:
    r = await client.get(path)
    assert r.status_code == 404, r.text
    assert r.json()["error"]["code"] == "not_found"


def test_every_file_the_widget_loads_is_in_the_served_kinds(app: Starlette) -> None:
    """A new kind of asset (an SVG, a font) must be added to SERVED_SUFFIXES, or it 404s."""
    from server.web.widget_assets import SERVED_SUFFIXES

    loaded = [p for p in WIDGET_DIR.rglob("*") if p.is_file() and p.name != "README.md"]
    assert loaded, "the widget folder is empty"
    assert {Path(p).suffix for p in loaded} <= SERVED_SUFFIXES, loaded
