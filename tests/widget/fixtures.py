"""The customer's side of the browser tests, as fixtures: the host site on two other origins,
the widget in a page, and `shop` (the test's organisation, its widget allowed on the host site,
its agent at the desk).

A plugin (listed in tests/conftest.py), not conftest.py, because the console's browser tests
use them too: a customer starts the chat the agents then see. They are built on the shared
harness (tests/support/): `browser`/`pages` and `live_server`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from starlette.applications import Starlette

from server.accounts import org_settings
from tests.factories import make_team
from tests.support.browser import Pages
from tests.support.live import LiveServer
from tests.widget.harness import AgentDesk, HostSite, OpenWidget, Shop, Widget, run_host_site


@pytest.fixture(scope="session")
async def host_site() -> AsyncIterator[HostSite]:
    async with run_host_site() as site:
        yield site


@pytest.fixture
def new_widget(pages: Pages) -> OpenWidget:
    """Opens the widget's pages, each in a fresh browser context (another customer, another
    device); captured on failure with the test's other pages (`pages`)."""

    async def open_widget() -> Widget:
        page, log = await pages.open()
        return Widget(page, log)

    return open_widget


@pytest.fixture
async def widget(new_widget: OpenWidget) -> Widget:
    """The customer's page (a fresh browser context)."""
    return await new_widget()


@pytest.fixture
async def shop(app: Starlette, live_server: LiveServer, host_site: HostSite) -> AsyncIterator[Shop]:
    team = await make_team()
    team.org = await org_settings.update_organization(
        principal=team.admin_principal, allowed_origins=[host_site.allowed_origin]
    )
    token = team.agent_headers["Authorization"].split(" ", 1)[1]
    async with httpx.AsyncClient(
        base_url=live_server.http_url, headers=team.agent_headers, timeout=30
    ) as http:
        yield Shop(team=team, desk=AgentDesk(http=http, token=token), host=host_site,
                   server=live_server)  # fmt: skip
