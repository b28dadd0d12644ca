"""`/console/` (`server/web/console_assets.py`): the console's files, same-origin, behind a
strict Content Security Policy, and nothing else from the folder."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from starlette.applications import Starlette

from server.web.console_assets import console_routes, content_security_policy


@pytest.fixture
def console_dir(tmp_path: Path) -> Path:
    (tmp_path / "index.html").write_text("<!doctype html><title>Console</title>")
    (tmp_path / "app.js").write_text("export const ok = 1;\n")
    (tmp_path / "notes.md").write_text("not served")
    return tmp_path


@pytest.fixture
async def console(console_dir: Path) -> httpx.AsyncClient:
    app = Starlette(routes=console_routes(console_dir))
    transport = httpx.ASGITransport(app=app)
    return httpx.AsyncClient(transport=transport, base_url="http://parley.test")


async def test_the_console_page_has_a_strict_policy(console: httpx.AsyncClient) -> None:
    r = await console.get("/console/")
    assert r.status_code == 200
    assert r.text.startswith("<!doctype html>")
    assert r.headers["content-type"] == "text/html; charset=utf-8"
    policy = r.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "'unsafe-inline'" not in policy
    assert "connect-src 'self' ws://parley.test" in policy
    assert "frame-ancestors 'none'" in policy
    assert r.headers["x-frame-options"] == "DENY"
    assert r.headers["cache-control"] == "no-cache"


async def test_console_without_a_slash_redirects(console: httpx.AsyncClient) -> None:
    r = await console.get("/console")
    assert r.status_code == 308
    assert r.headers["location"] == "/console/"


async def test_scripts_are_served_and_revalidated(console: httpx.AsyncClient) -> None:
    r = await console.get("/console/app.js")
    assert r.status_code == 200
    assert r.headers["content-type"] == "text/javascript; charset=utf-8"
    assert r.headers["cache-control"] == "no-cache"
    again = await console.get("/console/app.js", headers={"If-None-Match": r.headers["etag"]})
    assert again.status_code == 304


@pytest.mark.parametrize(
    "path", ["/console/notes.md", "/console/missing.js", "/console/../pyproject.toml"]
)
async def test_nothing_else_is_served(console: httpx.AsyncClient, path: str) -> None:
    r = await console.get(path)
    assert r.status_code == 404


def test_a_secure_page_connects_with_wss() -> None:
    assert "connect-src 'self' wss://support.example.com" in content_security_policy(
        "support.example.com", secure=True
    )


async def test_the_app_serves_the_real_console(app: Starlette, client: httpx.AsyncClient) -> None:
    r = await client.get("/console/")
    assert r.status_code == 200, r.text
    assert "content-security-policy" in r.headers
    assert 'type="module"' in r.text
