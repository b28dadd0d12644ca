"""`POST /api/contacts/{id}/widget-token`."""

from __future__ import annotations

from datetime import timedelta

import httpx

from server.accounts import visitors
from tests.factories import Team, make_ticket


async def test_an_agent_mints_a_widget_token_for_a_contact(
    client: httpx.AsyncClient, team: Team
) -> None:
    ticket = await make_ticket(team.admin_principal)
    contact_id = ticket.ticket.requester_id
    response = await client.post(
        f"/api/contacts/{contact_id}/widget-token", headers=team.agent_headers
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["contact"]["id"] == contact_id
    contact = await visitors.authenticate_visitor(
        token=body["token"], secret_key=client._transport.app.state.parley.settings.secret_key,  # type: ignore[attr-defined]
        ttl=timedelta(hours=1),
    )  # fmt: skip
    assert contact.id == contact_id


async def test_no_widget_token_for_another_organisations_contact(
    client: httpx.AsyncClient, team: Team, other_team: Team
) -> None:
    ticket = await make_ticket(other_team.admin_principal)
    response = await client.post(
        f"/api/contacts/{ticket.ticket.requester_id}/widget-token", headers=team.agent_headers
    )
    assert response.status_code == 404
    missing = await client.post("/api/contacts/999999999/widget-token", headers=team.agent_headers)
    assert missing.status_code == 404
