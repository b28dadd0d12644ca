"""A first end-to-end pass through the API, on whichever backend the run uses."""

from __future__ import annotations

import httpx

from tests.factories import Team


async def test_create_then_fetch_ticket(client: httpx.AsyncClient, team: Team) -> None:
    created = await client.post(
        "/api/tickets",
        headers=team.agent_headers,
        json={"requesterEmail": "Pat@Example.com", "subject": "Hello", "tags": ["A", "b", "a"]},
    )
    assert created.status_code == 201, created.text
    ticket = created.json()["ticket"]
    assert ticket["reference"] == "TKT-00001"
    assert ticket["tags"] == ["a", "b"]
    assert ticket["requesterEmail"] == "pat@example.com"
    fetched = await client.get(f"/api/tickets/{ticket['reference']}", headers=team.agent_headers)
    assert fetched.status_code == 200
    assert [a["type"] for a in fetched.json()["ticket"]["activity"]] == ["CREATED", "TAG_ADDED"]
