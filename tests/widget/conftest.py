"""Fixtures for the widget's real-browser tests.

One headless Chromium per session (Debian's binary, driven by Playwright's async API on the
session event loop, which the app, the live uvicorn server and the host site share), a fresh
browser context per test (so no storage leaks between tests), a host site on two other
origins, and a TCP proxy per test that can cut the browser off from Parley.

Every browser test is marked `postgres` and `redis` (it needs the real stack) and `browser`.
Without Chromium the tests skip, unless PARLEY_REQUIRE_BROWSER=1 (CI), where they fail.
"""

from __future__ import annotations

import os
import re
from collections.abc import AsyncIterator, Generator

import httpx
import pytest
from playwright.async_api import Browser, BrowserContext, async_playwright
from starlette.applications import Starlette

from server.accounts import service as accounts
from tests.channels.conftest import LiveServer, live_server  # noqa: F401
from tests.factories import make_team
from tests.widget.harness import (
    CHROMIUM,
    CHROMIUM_ARGS,
    LIVE_MS,
    AgentDesk,
    HostSite,
    OpenWidget,
    PageLog,
    Shop,
    TcpProxy,
    Widget,
    artifacts_dir,
    chromium_missing,
    run_host_site,
)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Keep each phase's report on the test item, so fixtures can tell a failed test and save
    what the page looked like."""
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture(scope="session")
async def browser() -> AsyncIterator[Browser]:
    message = chromium_missing()
    if message is not None:
        if os.environ.get("PARLEY_REQUIRE_BROWSER", "").strip() == "1":
            pytest.fail(message + "; PARLEY_REQUIRE_BROWSER=1 makes this an error")
        pytest.skip(message)
    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield chromium
        finally:
            await chromium.close()


@pytest.fixture(scope="session")
async def host_site() -> AsyncIterator[HostSite]:
    async with run_host_site() as site:
        yield site


@pytest.fixture
async def proxy(live_server: LiveServer) -> AsyncIterator[TcpProxy]:  # noqa: F811
    tcp = TcpProxy(live_server.host, live_server.port)
    await tcp.start()
    try:
        yield tcp
    finally:
        await tcp.close()


def _slug(nodeid: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", nodeid.split("::")[-1])[:120]


@pytest.fixture
async def new_widget(browser: Browser, request: pytest.FixtureRequest) -> AsyncIterator[OpenWidget]:
    """Opens pages, each in a fresh browser context (another customer, another device).

    On failure each page's screenshot and console are saved next to the other artifacts
    (`failed-<test>[-<n>].png` / `.log`); on success the ones an earlier failing run left
    are removed, so the directory describes the last run."""
    contexts: list[tuple[BrowserContext, Widget]] = []

    async def open_widget() -> Widget:
        context = await browser.new_context(viewport={"width": 1280, "height": 800})
        context.set_default_timeout(LIVE_MS)
        page = await context.new_page()
        log = PageLog()
        log.attach(page)
        widget = Widget(page, log)
        contexts.append((context, widget))
        return widget

    try:
        yield open_widget
    finally:
        report = getattr(request.node, "report_call", None)
        failed = report is not None and report.failed
        stem = "failed-" + _slug(request.node.nodeid)
        for n, (context, widget) in enumerate(contexts):
            name = stem if n == 0 else f"{stem}-{n + 1}"
            png, log_file = artifacts_dir() / f"{name}.png", artifacts_dir() / f"{name}.log"
            if failed:
                try:
                    await widget.page.screenshot(path=str(png))
                except Exception as exc:  # a crashed page must not hide the test's failure
                    widget.log.errors.append(f"(screenshot failed: {exc!r})")
                log_file.write_text(widget.log.dump())
            else:
                png.unlink(missing_ok=True)
                log_file.unlink(missing_ok=True)
            await context.close()


@pytest.fixture
async def widget(new_widget: OpenWidget) -> Widget:
    """The customer's page (a fresh browser context)."""
    return await new_widget()


@pytest.fixture
async def shop(
    app: Starlette,
    live_server: LiveServer,  # noqa: F811
    host_site: HostSite,
) -> AsyncIterator[Shop]:
    team = await make_team()
    team.org = await accounts.update_organization(
        principal=team.admin_principal, allowed_origins=[host_site.allowed_origin]
    )
    token = team.agent_headers["Authorization"].split(" ", 1)[1]
    async with httpx.AsyncClient(
        base_url=live_server.http_url, headers=team.agent_headers, timeout=30
    ) as http:
        yield Shop(team=team, desk=AgentDesk(http=http, token=token), host=host_site,
                   server=live_server)  # fmt: skip
