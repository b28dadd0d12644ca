"""`GET/PATCH /api/org` (widget origins) and `POST /api/contacts/{id}/widget-token`."""

from __future__ import annotations

from datetime import timedelta

import httpx

from server.accounts import service
from tests.factories import Team, make_ticket


async def test_the_organisation_with_its_allowed_origins(
    client: httpx.AsyncClient, team: Team
) -> None:
    response = await client.get("/api/org", headers=team.agent_headers)
    assert response.status_code == 200
    body = response.json()
    assert body["id"] == team.org.id and body["slug"] == team.org.slug
    assert body["allowedOrigins"] == []


async def test_admins_set_allowed_origins_normalised_and_deduplicated(
    client: httpx.AsyncClient, team: Team
) -> None:
    response = await client.patch(
        "/api/org",
        headers=team.admin_headers,
        json={"allowedOrigins": ["https://Shop.Example.com", "https://shop.example.com",
                                 "http://localhost:3000"]},
    )  # fmt: skip
    assert response.status_code == 200, response.text
    assert response.json()["allowedOrigins"] == [
        "https://shop.example.com",
        "http://localhost:3000",
    ]
    again = await client.get("/api/org", headers=team.agent_headers)
    assert again.json()["allowedOrigins"] == response.json()["allowedOrigins"]


async def test_only_admins_change_the_organisation(client: httpx.AsyncClient, team: Team) -> None:
    response = await client.patch(
        "/api/org", headers=team.agent_headers, json={"allowedOrigins": []}
    )
    assert response.status_code == 403


async def test_origins_must_be_origins(client: httpx.AsyncClient, team: Team) -> None:
    for bad in (["shop.example.com"], ["https://shop.example.com/path"], ["ftp://x.com"], "x"):
        response = await client.patch(
            "/api/org", headers=team.admin_headers, json={"allowedOrigins": bad}
        )
        assert response.status_code == 422, bad
        assert response.json()["error"]["code"] == "validation_failed"


async def test_origins_are_ascii_whatever_their_case(
    client: httpx.AsyncClient, team: Team
) -> None:
    """A case-insensitive pattern let the Kelvin sign and the long s pass for `k` and `s`:
    `https://\u017fhop.com` was stored, an origin no browser ever sends."""
    for bad in ("https://\u212aelvin.example.com", "https://\u017fhop.example.com",
                "https://\u0130stanbul.example.com"):  # fmt: skip
        response = await client.patch(
            "/api/org", headers=team.admin_headers, json={"allowedOrigins": [bad]}
        )
        assert response.status_code == 422, bad
        assert "allowedOrigins.0" in response.json()["error"]["fields"]
    longest = "HTTPS://" + "A" * 184 + ".COM:443"
    response = await client.patch(
        "/api/org", headers=team.admin_headers, json={"allowedOrigins": [longest]}
    )
    assert response.status_code == 200, response.text
    assert response.json()["allowedOrigins"] == [longest.lower()]


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
    contact = await service.authenticate_visitor(
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
