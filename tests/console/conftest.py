"""Fixtures for the agent console's real-browser tests.

They reuse the widget's harness as it is (one session Chromium, the live uvicorn server on
PostgreSQL + Redis, the host site, `Shop` = the test's organisation with its widget allowed on
the host site): importing its fixtures here registers them for this folder. What is added:
two agents with known passwords (the console is entered through its login form) and
`new_console`, which opens the console for an agent in a fresh browser context (another
person, another machine: no shared storage) and signs in.

On failure every console page's screenshot and console log are saved under
`<artifacts>/console/` (`failed-<test>-<n>.png` / `.log`); on success the captures an
earlier failing run left are removed, so the folder describes the last run.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import pytest
from playwright.async_api import Browser, BrowserContext

from server.accounts.models import Role
from tests.channels.conftest import LiveServer
from tests.console.harness import (
    LIVE_MS,
    AgentLogin,
    Console,
    OpenConsole,
    SocketGate,
    console_artifacts_dir,
    watch_page,
)
from tests.factories import PASSWORD, make_agent
from tests.widget.conftest import (  # noqa: F401  (fixtures and the report hook, registered here)
    browser,
    host_site,
    live_server,
    new_widget,
    pytest_runtest_makereport,
    shop,
    widget,
)
from tests.widget.harness import PageLog, Shop


async def _agent(organisation: Shop, name: str) -> AgentLogin:
    agent = await make_agent(organisation.team.org, role=Role.AGENT, name=name)
    return AgentLogin(id=agent.id, name=agent.name, email=agent.email, password=PASSWORD)


@pytest.fixture
async def ada(shop: Shop) -> AgentLogin:  # noqa: F811
    """Agent A of the issue's scenarios."""
    return await _agent(shop, "Ada Agent")


@pytest.fixture
async def ben(shop: Shop) -> AgentLogin:  # noqa: F811
    """Agent B of the issue's scenarios."""
    return await _agent(shop, "Ben Agent")


def _slug(nodeid: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", nodeid.split("::")[-1])[:120]


@pytest.fixture
async def new_console(
    browser: Browser,  # noqa: F811
    live_server: LiveServer,  # noqa: F811
    request: pytest.FixtureRequest,
) -> AsyncIterator[OpenConsole]:
    """Opens the console for an agent in a fresh browser context and signs in through the
    login form (`route`: a hash route to start on; `gate`: a SocketGate installed first)."""
    opened: list[tuple[BrowserContext, PageLog]] = []

    async def open_console(
        agent: AgentLogin, *, route: str = "", gate: SocketGate | None = None
    ) -> Console:
        context = await browser.new_context(viewport={"width": 1280, "height": 800})
        context.set_default_timeout(LIVE_MS)
        page = await context.new_page()
        log = PageLog()
        watch_page(page, log)
        opened.append((context, log))
        if gate is not None:
            await gate.install(page)
        console = Console(page, log, base_url=live_server.http_url, agent=agent, gate=gate)
        await console.open(route)
        await console.login()
        return console

    try:
        yield open_console
    finally:
        report = getattr(request.node, "report_call", None)
        failed = report is not None and report.failed
        stem = "failed-" + _slug(request.node.nodeid)
        directory = console_artifacts_dir()
        for old in directory.glob(f"{stem}*"):
            old.unlink(missing_ok=True)
        for i, (context, log) in enumerate(opened, start=1):
            if failed:
                for j, page in enumerate(context.pages, start=1):
                    try:
                        await page.screenshot(path=str(directory / f"{stem}-{i}-{j}.png"))
                    except Exception as exc:  # a crashed page must not hide the failure
                        log.errors.append(f"(screenshot failed: {exc!r})")
                (directory / f"{stem}-{i}.log").write_text(log.dump())
            await context.close()
