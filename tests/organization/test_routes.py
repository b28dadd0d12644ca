"""`GET/PATCH /api/org`: the widget's origins, the ticket categories and default priority."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from server.accounts.models import Organization
from tests.factories import Team


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


async def test_origins_are_ascii_whatever_their_case(client: httpx.AsyncClient, team: Team) -> None:
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


# --- ticket categories and the default priority ---------------------------------------------


async def patch_org(client: httpx.AsyncClient, team: Team, body: dict[str, Any]) -> httpx.Response:
    return await client.patch("/api/org", headers=team.admin_headers, json=body)


async def new_ticket(client: httpx.AsyncClient, team: Team, **body: Any) -> httpx.Response:
    ticket = {"subject": "Printer on fire", "requesterEmail": "ann@example.com", **body}
    return await client.post("/api/tickets", headers=team.agent_headers, json=ticket)


async def test_admins_set_categories_and_the_default_priority_that_tickets_then_follow(
    client: httpx.AsyncClient, team: Team
) -> None:
    response = await patch_org(
        client, team,
        {"categories": [" Billing ", "Technical", "Billing"], "defaultPriority": "HIGH"},
    )  # fmt: skip
    assert response.status_code == 200, response.text
    assert response.json()["categories"] == ["Billing", "Technical"]
    assert response.json()["defaultPriority"] == "HIGH"
    shown = (await client.get("/api/org", headers=team.agent_headers)).json()
    assert (shown["categories"], shown["defaultPriority"]) == (["Billing", "Technical"], "HIGH")
    made = await new_ticket(client, team, category="Billing")
    assert made.status_code == 201, made.text
    assert made.json()["ticket"]["priority"] == "HIGH"
    refused = await new_ticket(client, team, category="Gardening")
    assert refused.status_code == 422
    assert "category" in refused.json()["error"]["fields"]


async def test_one_change_keeps_the_other_settings(client: httpx.AsyncClient, team: Team) -> None:
    first = await patch_org(
        client, team, {"categories": ["Billing"], "allowedOrigins": ["https://shop.example.com"]}
    )
    assert first.status_code == 200, first.text
    second = await patch_org(client, team, {"defaultPriority": "LOW"})
    assert second.status_code == 200, second.text
    body = second.json()
    assert body["categories"] == ["Billing"]
    assert body["allowedOrigins"] == ["https://shop.example.com"]
    assert body["defaultPriority"] == "LOW"


async def test_null_puts_categories_and_priority_back_to_their_defaults(
    client: httpx.AsyncClient, team: Team
) -> None:
    await patch_org(client, team, {"categories": ["Billing"], "defaultPriority": "URGENT"})
    response = await patch_org(client, team, {"categories": None, "defaultPriority": None})
    assert response.status_code == 200, response.text
    assert (response.json()["categories"], response.json()["defaultPriority"]) == ([], "MEDIUM")
    org = await Organization.get(id=team.org.id)
    assert "categories" not in org.settings and "defaultPriority" not in org.settings
    made = await new_ticket(client, team, category="Anything at all")
    assert made.status_code == 201, made.text
    assert made.json()["ticket"]["priority"] == "MEDIUM"


async def test_an_empty_list_means_any_category(client: httpx.AsyncClient, team: Team) -> None:
    await patch_org(client, team, {"categories": ["Billing"]})
    response = await patch_org(client, team, {"categories": []})
    assert response.status_code == 200, response.text
    assert response.json()["categories"] == []
    assert (await new_ticket(client, team, category="Gardening")).status_code == 201


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"defaultPriority": "SOON"}, "defaultPriority"),
        ({"defaultPriority": 3}, "defaultPriority"),
        ({"categories": "Billing"}, "categories"),
        ({"categories": [""]}, "categories.0"),
        ({"categories": ["x" * 101]}, "categories.0"),
        ({"categories": [f"c{n}" for n in range(101)]}, "categories"),
        ({"categories": [None]}, "categories.0"),
    ],
)
async def test_bad_ticket_settings_are_422_and_change_nothing(
    client: httpx.AsyncClient, team: Team, body: dict[str, Any], field: str
) -> None:
    before = (await Organization.get(id=team.org.id)).settings
    response = await patch_org(client, team, {**body, "allowedOrigins": ["https://a.example"]})
    assert response.status_code == 422, response.text
    assert field in response.json()["error"]["fields"]
    assert (await Organization.get(id=team.org.id)).settings == before


async def test_only_admins_change_ticket_settings(client: httpx.AsyncClient, team: Team) -> None:
    response = await client.patch(
        "/api/org", headers=team.agent_headers, json={"categories": ["Billing"]}
    )
    assert response.status_code == 403
    assert (await client.get("/api/org", headers=team.agent_headers)).json()["categories"] == []


async def test_tickets_keep_a_category_the_list_no_longer_holds(
    client: httpx.AsyncClient, team: Team
) -> None:
    await patch_org(client, team, {"categories": ["Billing"]})
    made = await new_ticket(client, team, category="Billing")
    assert made.status_code == 201, made.text
    await patch_org(client, team, {"categories": ["Technical"]})
    ref = made.json()["ticket"]["reference"]
    kept = await client.get(f"/api/tickets/{ref}", headers=team.agent_headers)
    assert kept.json()["ticket"]["category"] == "Billing"
