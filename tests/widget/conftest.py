"""Fixtures for the widget's real-browser tests.

The shared harness (tests/support/, plugins listed in tests/conftest.py) gives them one
headless Chromium per session (`browser`), fresh browser contexts per test captured on failure
(`pages`) and the live uvicorn server (`live_server`); the widget's own fixtures (the host site
on two other origins, `widget`, `shop`) are a plugin too, tests/widget/fixtures.py, since the
console's tests use them. What only this folder needs: where its failure captures go, and a
TCP proxy per test that can cut the browser off from Parley.

Every browser test is marked `postgres` and `redis` (it needs the real stack) and `browser`.
Without Chromium the tests skip, unless PARLEY_REQUIRE_BROWSER=1 (CI), where they fail.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.support.live import LiveServer
from tests.widget.harness import TcpProxy, widget_artifacts_dir


@pytest.fixture
def artifacts() -> Path:
    """A failed test's screenshots and console logs (`failed-<test>[-<n>].png` / `.log`) go
    next to the other screenshots: `$PARLEY_ARTIFACTS_DIR`, else `<repo>/artifacts/widget/`."""
    return widget_artifacts_dir()


@pytest.fixture
async def proxy(live_server: LiveServer) -> AsyncIterator[TcpProxy]:
    tcp = TcpProxy(live_server.host, live_server.port)
    await tcp.start()
    try:
        yield tcp
    finally:
        await tcp.close()
