"""What the console's modules import, without a browser: its own files, and of the widget only
the neutral client library `widget/shared/` (the socket, the request core, the DOM and link
helpers, the event names), which Parley serves at /widget/shared/ on its own origin, so the
console's strict CSP (`script-src 'self'`) lets it load. Never the widget's app, lib or views.
The browser tests (tests/console/test_browser_*.py) prove the page really loads them."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest

from server.web.console_assets import CONSOLE_DIR
from server.web.widget_assets import WIDGET_DIR

IMPORT = re.compile(r"""^\s*(?:import|export)\b[^'"]*?\bfrom\s*["']([^"']+)["']""", re.MULTILINE)
SHARED_URL = "/widget/shared/"


def console_modules() -> list[Path]:
    return sorted(CONSOLE_DIR.rglob("*.js"))


def shared_imports() -> set[str]:
    found: set[str] = set()
    for path in console_modules():
        found |= {t for t in IMPORT.findall(path.read_text(encoding="utf-8")) if t.startswith("/")}
    return found


@pytest.mark.parametrize("path", console_modules(), ids=lambda p: str(p.relative_to(CONSOLE_DIR)))
def test_a_console_module_imports_its_own_files_or_the_shared_library(path: Path) -> None:
    for target in IMPORT.findall(path.read_text(encoding="utf-8")):
        if target.startswith(("./", "../")):
            resolved = (path.parent / target).resolve()
            assert resolved.is_file(), f"{path.name} imports {target!r}, which does not exist"
            assert CONSOLE_DIR in resolved.parents, f"{path.name} imports {target!r}"
        else:
            assert target.startswith(SHARED_URL), f"{path.name} imports {target!r}"
            name = target[len(SHARED_URL) :]
            assert "/" not in name and (WIDGET_DIR / "shared" / name).is_file(), target


def test_the_console_uses_the_shared_socket_request_core_helpers_and_events() -> None:
    assert {
        f"{SHARED_URL}{n}" for n in ("api.js", "dom.js", "events.js", "socket.js")
    } <= shared_imports()


async def test_the_shared_library_is_served_to_both_apps(client: httpx.AsyncClient) -> None:
    """Same origin for the console, any origin for the widget."""
    for target in sorted(shared_imports()):
        r = await client.get(target, headers={"Origin": "https://shop.example.com"})
        assert r.status_code == 200, (target, r.text)
        assert r.headers["content-type"] == "text/javascript; charset=utf-8"
        assert r.headers["access-control-allow-origin"] == "*"
        assert r.content == (WIDGET_DIR / "shared" / Path(target).name).read_bytes()
