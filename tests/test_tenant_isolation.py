"""Tenant isolation: another organisation's tickets, agents and keys cannot be seen or touched.

Organisation A owns the data; organisation B's agent, admin and API key try every route on it.
Every attempt answers 404, exactly as for something that does not exist (a 403 would confirm
that it does), lists, stats and exports never include A's data, and A's data is unchanged.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from server.accounts import sessions
from server.tickets.models import Ticket
from tests.factories import Team, make_ticket, unique


@dataclass
class World:
    a: Team
    b: Team
    a_refs: list[str]  # references B has no ticket for
    a_ids: list[int]
    a_marker: str  # in every A subject, description, email and tag
    a_key_id: int
    a_key: str
    b_ref: str
    b_callers: dict[str, dict[str, str]]


@pytest.fixture
async def world(team: Team, other_team: Team) -> World:
    marker = unique("secret").lower()
    a_tickets = []
    for n in range(3):
        loaded = await make_ticket(
            team.agent_principal,
            subject=f"A {marker} {n}",
            description=f"only for A {marker}",
            requester_email=f"{marker}-{n}@example.com",
            tags=[marker],
            assignee_id=team.agent.id,
        )
        a_tickets.append(loaded)
    b_ticket = await make_ticket(other_team.agent_principal, subject="B's own ticket")
    assert b_ticket.reference == "TKT-00001"
    a_key, a_key_record = await sessions.create_api_key(principal=team.admin_principal, name="A")
    b_key, _ = await sessions.create_api_key(principal=other_team.admin_principal, name="B")
    return World(
        a=team,
        b=other_team,
        # TKT-00001 exists in both organisations; the others only in A.
        a_refs=[t.reference for t in a_tickets[1:]],
        a_ids=[t.ticket.id for t in a_tickets],
        a_marker=marker,
        a_key_id=a_key_record.id,
        a_key=a_key,
        b_ref=b_ticket.reference,
        b_callers={
            "agent": other_team.agent_headers,
            "admin": other_team.admin_headers,
            "api_key": {"Authorization": f"Bearer {b_key}"},
        },
    )


async def snapshot(client: httpx.AsyncClient, world: World) -> dict[str, Any]:
    """Everything A can see about its own data, as A sees it."""
    headers = world.a.admin_headers
    tickets = {}
    for ticket_id in world.a_ids:
        response = await client.get(f"/api/tickets/{ticket_id}", headers=headers)
        assert response.status_code == 200
        tickets[ticket_id] = response.json()
    agents = await client.get("/api/agents?includeInactive=true", headers=headers)
    keys = await client.get("/api/api-keys", headers=headers)
    stats = await client.get("/api/tickets/stats", headers=headers)
    for key in keys.json()["items"]:
        key.pop("lastUsedAt")  # A's own reads above touch it
    return {"tickets": tickets, "agents": agents.json(), "keys": keys.json(), "stats": stats.json()}


def assert_not_found(response: httpx.Response, what: str) -> None:
    assert response.status_code == 404, f"{what}: {response.status_code} {response.text}"
    assert response.json()["error"]["code"] == "not_found", what


def ticket_attempts(ident: str, b_agent_id: int) -> list[tuple[str, str, Any]]:
    base = f"/api/tickets/{ident}"
    return [
        ("GET", base, None),
        ("PATCH", base, {"subject": "hijacked", "priority": "LOW", "tags": ["x"]}),
        ("PATCH", base, {"status": "CLOSED"}),
        ("POST", f"{base}/responses", {"content": "hello from B"}),
        ("POST", f"{base}/responses", {"content": "note", "isInternal": True}),
        ("POST", f"{base}/assign", {"agentId": b_agent_id}),
        ("POST", f"{base}/assign", {"agentId": None}),
        ("PATCH", f"{base}/status", {"status": "RESOLVED"}),
        ("DELETE", base, None),
    ]


@pytest.mark.parametrize("caller", ["agent", "admin", "api_key"])
async def test_every_ticket_route_is_404_on_another_orgs_tickets(
    client: httpx.AsyncClient, world: World, caller: str
) -> None:
    before = await snapshot(client, world)
    headers = world.b_callers[caller]
    idents = [*world.a_refs, *map(str, world.a_ids), world.a_refs[0].lower()]
    for ident in idents:
        for method, url, body in ticket_attempts(ident, world.b.agent.id):
            response = await client.request(method, url, json=body, headers=headers)
            assert_not_found(response, f"{caller} {method} {url}")
        bulk = await client.post(
            "/api/tickets/bulk-update",
            json={"refs": [ident], "changes": {"status": "CLOSED", "addTags": ["b"]}},
            headers=headers,
        )
        assert_not_found(bulk, f"{caller} bulk-update {ident}")
    assert await snapshot(client, world) == before
    assert await Ticket.filter(id__in=world.a_ids).count() == 3


async def test_bulk_update_mixing_in_another_orgs_ticket_changes_nothing(
    client: httpx.AsyncClient, world: World
) -> None:
    before = await client.get(f"/api/tickets/{world.b_ref}", headers=world.b.admin_headers)
    response = await client.post(
        "/api/tickets/bulk-update",
        json={
            "refs": [world.b_ref, world.a_refs[0], world.a_ids[0]],
            "changes": {"priority": "URGENT"},
        },
        headers=world.b.admin_headers,
    )
    assert_not_found(response, "mixed bulk update")
    after = await client.get(f"/api/tickets/{world.b_ref}", headers=world.b.admin_headers)
    assert after.json() == before.json()


@pytest.mark.parametrize("caller", ["agent", "admin", "api_key"])
async def test_lists_stats_and_exports_hold_only_the_callers_tickets(
    client: httpx.AsyncClient, world: World, caller: str
) -> None:
    headers = world.b_callers[caller]
    marker = world.a_marker
    filters: list[dict[str, str]] = [
        {},
        {"q": marker},
        {"q": world.a_refs[0]},
        {"q": str(world.a_ids[0])},
        {"tag": marker},
        {"requesterEmail": f"{marker}-1@example.com"},
        {"assignee": str(world.a.agent.id)},
        {"status": "NEW,OPEN,IN_PROGRESS"},
        {"priority": "MEDIUM", "sort": "-updated"},
        {"createdFrom": "2000-01-01", "createdTo": "2999-12-31"},
    ]
    for params in filters:
        listed = await client.get("/api/tickets", params=params, headers=headers)
        assert listed.status_code == 200, (params, listed.text)
        assert marker not in listed.text, params
        assert {t["id"] for t in listed.json()["items"]} <= {await b_ticket_id(world)}
        export_params = {k: v for k, v in params.items() if k != "sort"}  # lists only
        exported = await client.get("/api/tickets/export", params=export_params, headers=headers)
        assert exported.status_code == 200
        assert marker not in exported.text, params
        rows = list(csv.DictReader(io.StringIO(exported.text)))
        assert {row["reference"] for row in rows} <= {world.b_ref}
    everything = await client.get("/api/tickets", headers=headers)
    assert everything.json()["total"] == 1
    stats = await client.get("/api/tickets/stats", headers=headers)
    assert stats.status_code == 200
    assert stats.json()["total"] == 1
    assert sum(stats.json()["byStatus"].values()) == 1


async def b_ticket_id(world: World) -> int:
    return (await Ticket.get(organization_id=world.b.org.id, number=1)).id


@pytest.mark.parametrize("caller", ["agent", "admin", "api_key"])
async def test_agents_of_another_org_are_invisible_and_untouchable(
    client: httpx.AsyncClient, world: World, caller: str
) -> None:
    before = await snapshot(client, world)
    headers = world.b_callers[caller]
    listed = await client.get(
        "/api/agents", params={"includeInactive": "true", "pageSize": 200}, headers=headers
    )
    assert listed.status_code == 200
    assert {a["id"] for a in listed.json()["items"]} == {world.b.admin.id, world.b.agent.id}
    for agent_id in (world.a.admin.id, world.a.agent.id):
        for change in ({"name": "Mallory"}, {"isActive": False}, {"role": "agent"},
                       {"password": "taken-over-now"}):  # fmt: skip
            response = await client.patch(f"/api/agents/{agent_id}", json=change, headers=headers)
            if caller == "agent":
                # The agent role may change no agent at all, in any organisation.
                missing = await client.patch("/api/agents/2147483647", json=change, headers=headers)
                assert (response.status_code, response.json()) == (
                    missing.status_code,
                    missing.json(),
                )
            else:
                assert_not_found(response, f"{caller} PATCH agent {agent_id} {change}")
    assert await snapshot(client, world) == before
    assert (await client.get("/api/me", headers=world.a.agent_headers)).status_code == 200


@pytest.mark.parametrize("caller", ["admin", "api_key"])
async def test_api_keys_of_another_org_are_invisible_and_unrevocable(
    client: httpx.AsyncClient, world: World, caller: str
) -> None:
    headers = world.b_callers[caller]
    listed = await client.get("/api/api-keys", headers=headers)
    assert world.a_key_id not in [k["id"] for k in listed.json()["items"]]
    assert_not_found(
        await client.delete(f"/api/api-keys/{world.a_key_id}", headers=headers), "revoke A's key"
    )
    a_key = {"Authorization": f"Bearer {world.a_key}"}
    assert (await client.get("/api/me", headers=a_key)).json()["organization"][
        "id"
    ] == world.a.org.id


async def test_a_key_or_token_only_ever_acts_in_its_own_org(
    client: httpx.AsyncClient, world: World
) -> None:
    for headers in world.b_callers.values():
        me = await client.get("/api/me", headers=headers)
        assert me.json()["organization"]["id"] == world.b.org.id
    created = await client.post(
        "/api/tickets",
        json={"requesterEmail": "x@example.com", "subject": "From B"},
        headers=world.b_callers["api_key"],
    )
    assert created.status_code == 201
    assert (await Ticket.get(id=created.json()["ticket"]["id"])).organization_id == world.b.org.id


async def test_assigning_to_an_agent_of_another_org_is_422(
    client: httpx.AsyncClient, world: World
) -> None:
    headers = world.b.agent_headers
    before = await client.get(f"/api/tickets/{world.b_ref}", headers=headers)
    foreign = world.a.agent.id
    attempts = [
        ("POST", f"/api/tickets/{world.b_ref}/assign", {"agentId": foreign}, "agentId"),
        (
            "POST",
            "/api/tickets/bulk-update",
            {"refs": [world.b_ref], "changes": {"assigneeId": foreign}},
            "changes.assigneeId",
        ),
        (
            "POST",
            "/api/tickets",
            {"requesterEmail": "y@example.com", "subject": "S", "assigneeId": foreign},
            "assigneeId",
        ),
    ]
    for method, url, body, field in attempts:
        response = await client.request(method, url, json=body, headers=headers)
        assert response.status_code == 422, (url, response.text)
        assert field in response.json()["error"]["fields"]
        # Exactly what an id that exists nowhere gets: nothing is learnt about A's agent.
        nowhere = await client.request(
            method, url, json=_with_agent(body, 2_000_000_000), headers=headers
        )
        assert nowhere.json() == response.json()
    after = await client.get(f"/api/tickets/{world.b_ref}", headers=headers)
    assert after.json() == before.json()
    assert await Ticket.filter(organization_id=world.b.org.id).count() == 1


def _with_agent(body: dict[str, Any], agent_id: int) -> dict[str, Any]:
    if "changes" in body:
        return {**body, "changes": {"assigneeId": agent_id}}
    key = "agentId" if "agentId" in body else "assigneeId"
    return {**body, key: agent_id}
