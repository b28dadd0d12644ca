"""The app's relay, parked for a test that drives a relay of its own."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from starlette.applications import Starlette

from server.events import relay as relay_module


@pytest.fixture
async def parked(app: Starlette) -> AsyncIterator[None]:
    """Stop the app's relay for the test (after it relayed what was pending): its sweep does
    nothing and `relayed()` points nowhere, so only the test's relay takes rows; restored
    after."""
    relay = relay_module._relay
    assert relay is not None, "the app's relay should be installed"
    await relay.flush()
    relay_module.install(None)
    await relay.stop()
    try:
        yield
    finally:
        relay.start()
        relay_module.install(relay)
