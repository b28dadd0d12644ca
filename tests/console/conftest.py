"""Fixtures for the agent console's real-browser tests.

They use the shared harness (tests/support/: one session Chromium, fresh browser contexts per
test, the live uvicorn server on PostgreSQL + Redis) and the widget's fixtures (a plugin,
tests/widget/fixtures.py: the host site, the customer's `widget`, `shop` = the test's
organisation with its widget allowed on the host site). What is added: two agents with known
passwords (the console is entered through its login form) and `new_console`, which opens the
console for an agent in a fresh browser context (another person, another machine: no shared
storage) and signs in.

On failure every page the test opened (the consoles and the customer's widget) is screenshot
and its console log saved under `<artifacts>/console/` (`failed-<test>[-<n>].png` / `.log`);
on success the captures an earlier failing run left are removed, so the folder describes the
last run.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from server.accounts.models import Role
from tests.console.harness import (
    AgentLogin,
    Console,
    OpenConsole,
    SocketGate,
    console_artifacts_dir,
    watch_page,
)
from tests.factories import PASSWORD, make_agent
from tests.support.browser import Pages
from tests.support.live import LiveServer
from tests.widget.harness import Shop


async def _agent(organisation: Shop, name: str) -> AgentLogin:
    agent = await make_agent(organisation.team.org, role=Role.AGENT, name=name)
    return AgentLogin(id=agent.id, name=agent.name, email=agent.email, password=PASSWORD)


@pytest.fixture
async def ada(shop: Shop) -> AgentLogin:
    """Agent A of the issue's scenarios."""
    return await _agent(shop, "Ada Agent")


@pytest.fixture
async def ben(shop: Shop) -> AgentLogin:
    """Agent B of the issue's scenarios."""
    return await _agent(shop, "Ben Agent")


@pytest.fixture
def artifacts() -> Path:
    """A failed test's captures go to the console's own folder, `<artifacts>/console/`."""
    return console_artifacts_dir()


@pytest.fixture
def new_console(pages: Pages, live_server: LiveServer) -> OpenConsole:
    """Opens the console for an agent in a fresh browser context and signs in through the
    login form (`route`: a hash route to start on; `gate`: a SocketGate installed first)."""

    async def open_console(
        agent: AgentLogin, *, route: str = "", gate: SocketGate | None = None
    ) -> Console:
        page, log = await pages.open(watch=watch_page)
        if gate is not None:
            await gate.install(page)
        console = Console(page, log, base_url=live_server.http_url, agent=agent, gate=gate)
        await console.open(route)
        await console.login()
        return console

    return open_console
