"""Ticket events as a client applies them: the state fetched before a write, with the events
the write pushed applied to it, equals the state fetched after it (Zulip's `verify_action`).

Checked after every write, for both audiences: agents (the `queue` channel against
`GET /api/tickets/{ref}`) and the requester (their `contact:{id}` channel against the widget's
`GET /api/embed/tickets/{ref}`), from a ticket the customer files in the widget to its
deletion. Between them the writes push every ticket event type, and the test asserts they did.
"""

from __future__ import annotations

from typing import Any

import httpx
from starlette.applications import Starlette

from server.channels import names
from server.channels.hub import Hub
from server.events import registry
from tests.factories import Team, visitor_session

TICKET_TYPES = {name for name in registry.registered() if name.startswith("ticket.")}
# What the requester's projection carries of a ticket, against the widget's REST view. Not
# `updatedAt`: a change that is not news to the customer (a tag, an internal note) moves it
# without an event to them, by design (docs/realtime.md).
PUBLIC_FIELDS = ("reference", "subject", "status", "createdAt", "resolvedAt", "closedAt")


class Follower:
    """One client's copy of one ticket, kept from its channel's events."""

    def __init__(self, hub: Hub, channel: str) -> None:
        self.hub = hub
        self.channel = channel
        self.ticket: dict[str, Any] | None = None
        self.responses: list[dict[str, Any]] = []
        self.seen: set[str] = set()
        self.position: tuple[int, str] = (0, "")

    async def start(self) -> None:
        self.position = await self.hub.history.latest(self.channel)

    async def catch_up(self, ticket_id: int | None) -> None:
        offset, epoch = self.position
        replay = await self.hub.history.since(self.channel, offset, epoch)
        assert replay.recovered
        for entry in replay.entries:
            data = entry.data
            if entry.event == "ticket.deleted":
                if data["ticketId"] == ticket_id:
                    self.ticket, self.responses = None, []
                    self.seen.add(entry.event)
                continue
            if not entry.event.startswith("ticket.") or data["ticket"]["id"] != ticket_id:
                continue
            self.seen.add(entry.event)
            self.ticket = data["ticket"]
            if "response" in data:
                self.responses.append(data["response"])
        self.position = await self.hub.history.latest(self.channel)


async def test_every_ticket_event_applied_to_the_fetched_state_gives_the_fresh_state(
    app: Starlette, client: httpx.AsyncClient, team: Team
) -> None:
    hub: Hub = app.state.parley.hub
    org = team.org.id
    visitor = await visitor_session(client, team.org, name="Rita", email="rita@example.com")
    agents = Follower(hub, names.queue(org).key)
    rita = Follower(hub, names.contact(org, visitor["contact"]["id"]).key)
    await agents.start()
    await rita.start()
    ticket_id: int | None = None
    ref = ""

    async def agrees() -> None:
        await agents.catch_up(ticket_id)
        await rita.catch_up(ticket_id)
        seen_by_agents = await client.get(f"/api/tickets/{ref}", headers=team.admin_headers)
        seen_by_rita = await client.get(f"/api/embed/tickets/{ref}", headers=visitor["headers"])
        if agents.ticket is None:  # deleted: gone for everyone
            assert seen_by_agents.status_code == 404 and seen_by_rita.status_code == 404
            assert rita.ticket is None
            return
        fresh = seen_by_agents.json()["ticket"]
        assert {k: fresh[k] for k in agents.ticket} == agents.ticket
        assert agents.responses == fresh["responses"]
        public = seen_by_rita.json()["ticket"]
        assert rita.ticket is not None
        assert {k: rita.ticket[k] for k in PUBLIC_FIELDS} == {k: public[k] for k in PUBLIC_FIELDS}
        assert [r["content"] for r in rita.responses] == [r["content"] for r in public["responses"]]

    filed = await client.post(
        "/api/embed/tickets",
        json={"subject": "Broken zip", "description": "The zipper broke."},
        headers=visitor["headers"],
    )
    assert filed.status_code == 201, filed.text
    ref = filed.json()["ticket"]["reference"]
    ticket_id = (await client.get(f"/api/tickets/{ref}", headers=team.admin_headers)).json()[
        "ticket"
    ]["id"]
    await agrees()

    agent = team.agent_headers
    writes: list[tuple[str, str, dict[str, Any], dict[str, str]]] = [
        ("PATCH", f"/api/tickets/{ref}", {"subject": "Broken zipper", "tags": ["zip"]}, agent),
        ("PATCH", f"/api/tickets/{ref}", {"priority": "HIGH"}, agent),  # not news to Rita
        ("POST", f"/api/tickets/{ref}/assign", {"agentId": team.agent.id}, agent),
        ("POST", f"/api/tickets/{ref}/responses", {"content": "On it.", "isInternal": True}, agent),
        ("POST", f"/api/tickets/{ref}/responses", {"content": "We will send a new one."}, agent),
        ("POST", f"/api/embed/tickets/{ref}/responses", {"content": "Thanks!"}, visitor["headers"]),
        ("PATCH", f"/api/tickets/{ref}/status", {"status": "RESOLVED"}, agent),
    ]
    for method, path, body, headers in writes:
        response = await client.request(method, path, json=body, headers=headers)
        assert response.status_code in (200, 201), (path, response.text)
        await agrees()

    assert "On it." not in {r["content"] for r in rita.responses}  # an internal note
    deleted = await client.delete(f"/api/tickets/{ref}", headers=team.admin_headers)
    assert deleted.status_code == 204, deleted.text
    await agrees()
    assert agents.seen == TICKET_TYPES, TICKET_TYPES - agents.seen
    assert rita.seen == TICKET_TYPES - {"ticket.assigned"}
