"""Fixtures of the email tests."""

from __future__ import annotations

import httpx
import pytest

from tests.factories import Team


@pytest.fixture
async def secret(client: httpx.AsyncClient, team: Team) -> str:
    """The organisation's inbound email secret (made by its admin), which signs deliveries."""
    made = await client.post("/api/org/inbound-email-secret", headers=team.admin_headers)
    assert made.status_code == 200, made.text
    value: str = made.json()["secret"]
    return value
