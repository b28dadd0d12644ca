"""`/track` (`server/web/tracking_assets.py`): the tracking page behind a strict Content
Security Policy that leaks no address (`Referrer-Policy: no-referrer`), its files, and what
its modules import: their own files, and of the widget only its client library, its texts
(`lib/i18n.js`) and its ticket view (`views/tickets.js`), from `/widget/` on Parley's origin."""

from __future__ import annotations

import json
import re

import httpx
import pytest
from starlette.applications import Starlette

from server.web.tracking_assets import TRACKING_DIR, tracking_page_routes
from server.web.widget_assets import WIDGET_DIR

IMPORT = re.compile(r"""^\s*(?:import|export)\b[^'"]*?\bfrom\s*["']([^"']+)["']""", re.MULTILINE)
WIDGET_MODULES = ("/widget/shared/", "/widget/lib/i18n.js", "/widget/views/tickets.js")
FORBIDDEN = ("eval(", "new Function", "innerHTML", "outerHTML", "insertAdjacentHTML")


@pytest.fixture
async def tracking() -> httpx.AsyncClient:
    app = Starlette(routes=tracking_page_routes())
    transport = httpx.ASGITransport(app=app)
    return httpx.AsyncClient(transport=transport, base_url="http://parley.test")


async def test_the_page_has_a_strict_policy_and_sends_no_referrer(
    tracking: httpx.AsyncClient,
) -> None:
    r = await tracking.get("/track")
    assert r.status_code == 200
    assert r.text.startswith("<!doctype html>")
    assert r.headers["content-type"] == "text/html; charset=utf-8"
    policy = r.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "'unsafe-inline'" not in policy
    assert "style-src 'self'" in policy
    assert "connect-src 'self' ws://parley.test" in policy
    assert "frame-ancestors 'none'" in policy
    assert r.headers["referrer-policy"] == "no-referrer"
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["x-frame-options"] == "DENY"
    assert "set-cookie" not in r.headers
    # Nothing of the page names a third party.
    assert not re.search(r"(src|href)=\"(https?:)?//", r.text)


@pytest.mark.parametrize("path", ["/track/track.js", "/track/track.css", "/track/locales/de.json"])
async def test_its_files_are_served_with_nosniff(tracking: httpx.AsyncClient, path: str) -> None:
    r = await tracking.get(path)
    assert r.status_code == 200, path
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["referrer-policy"] == "no-referrer"


@pytest.mark.parametrize("path", ["/track/missing.js", "/track/../pyproject.toml"])
async def test_nothing_else_is_served(tracking: httpx.AsyncClient, path: str) -> None:
    r = await tracking.get(path)
    assert r.status_code == 404


def test_the_page_imports_its_own_files_and_the_widgets_ticket_view_only() -> None:
    found: set[str] = set()
    for path in TRACKING_DIR.rglob("*.js"):
        source = path.read_text(encoding="utf-8")
        assert not [name for name in FORBIDDEN if name in source], path
        for target in IMPORT.findall(source):
            if target.startswith(("./", "../")):
                assert TRACKING_DIR in (path.parent / target).resolve().parents, target
                continue
            assert target.startswith(WIDGET_MODULES), f"{path.name} imports {target!r}"
            assert (WIDGET_DIR / target.removeprefix("/widget/")).is_file(), target
            found.add(target)
    # The ticket view is the widget's own, not a copy.
    assert "/widget/views/tickets.js" in found
    assert "createTicketDetail" in (WIDGET_DIR / "views" / "tickets.js").read_text()


def test_the_pages_texts_match_in_both_languages() -> None:
    en = json.loads((TRACKING_DIR / "locales" / "en.json").read_text(encoding="utf-8"))
    de = json.loads((TRACKING_DIR / "locales" / "de.json").read_text(encoding="utf-8"))
    assert sorted(en) == sorted(de)
    widget = json.loads((WIDGET_DIR / "locales" / "en.json").read_text(encoding="utf-8"))
    source = (TRACKING_DIR / "track.js").read_text(encoding="utf-8")
    used = set(re.findall(r"""\bt\(\s*["']([\w.]+)["']""", source))
    used |= set(re.findall(r"""["'](\w+)["']\s*:\s*["']\w+["']""", source)) & set(en)
    assert used and not used - set(en) - set(widget), sorted(used - set(en) - set(widget))
