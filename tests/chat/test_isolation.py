"""Tenant isolation of live chat: another organisation's conversations cannot be seen or
touched through any chat route.

The routes are not listed by hand: every endpoint of `build_api()` whose path names a
conversation (or escalates one, `from-chat`) is tried, so a new chat route is covered (or
fails here, asking for a sample body) the day it is added. Organisation A owns the
conversations; organisation B's agent, admin, API key and visitor use A's ids. Every attempt
answers 404 `not_found`, exactly like an id that does not exist (a 403 or 409 would confirm it
exists, a 200 would leak or change it, a 500 is a bug), and A's conversations are unchanged.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from server.app import build_api
from server.db import MAX_ID
from server.web.endpoints import Access, Endpoint
from tests.factories import Team, start_chat, unique, visitor_session

PARAM = "{conversation_id:id}"


def _chat_endpoints() -> list[Endpoint]:
    return [e for e in build_api().endpoints if "conversation" in e.path or "from-chat" in e.path]


CHAT_ENDPOINTS = _chat_endpoints()
BY_ID = [e for e in CHAT_ENDPOINTS if PARAM in e.path]


def endpoint_id(endpoint: Endpoint) -> str:
    return f"{endpoint.method} {endpoint.path}"


def cid() -> str:
    return uuid.uuid4().hex


@dataclass
class World:
    a: Team
    b: Team
    marker: str  # in every message of A's conversations
    a_ids: dict[str, int]  # A's conversations by state: waiting, active, ended
    a_message_id: int  # a public message of A's (for read receipts)
    a_note_id: int  # an internal note of A's
    a_contact_id: int
    a_visitor: dict[str, Any]
    b_visitor: dict[str, Any]  # has an open chat of their own in B
    b_conversation_id: int
    b_message_id: int
    b_api_key: dict[str, str]


@pytest.fixture
async def world(client: httpx.AsyncClient, team: Team, other_team: Team) -> World:
    marker = unique("secret").lower()
    ids: dict[str, int] = {}
    # One contact for all three: ended first, then active, then the open (waiting) one.
    a_visitor = await visitor_session(client, team.org, name=f"Ann {marker}")
    ended = await start_chat(client, a_visitor, body=f"ended {marker}")
    ids["ended"] = ended["conversation"]["id"]
    response = await client.post(
        f"/api/conversations/{ids['ended']}/end", headers=team.agent_headers
    )
    assert response.status_code == 200, response.text

    other_a = await visitor_session(client, team.org, name=f"Abe {marker}")
    active = await start_chat(client, other_a, body=f"active {marker}")
    ids["active"] = active["conversation"]["id"]
    reply = await client.post(
        f"/api/conversations/{ids['active']}/messages",
        json={"body": f"reply {marker}", "clientMessageId": cid()},
        headers=team.agent_headers,
    )
    assert reply.status_code == 201, reply.text
    note = await client.post(
        f"/api/conversations/{ids['active']}/messages",
        json={"body": f"note {marker}", "clientMessageId": cid(), "isInternal": True},
        headers=team.agent_headers,
    )
    assert note.status_code == 201, note.text

    waiting = await start_chat(client, a_visitor, body=f"waiting {marker}")
    ids["waiting"] = waiting["conversation"]["id"]

    b_visitor = await visitor_session(client, other_team.org, name="Bea")
    b_started = await start_chat(client, b_visitor, body="B's own chat")
    key = await client.post(
        "/api/api-keys", json={"name": "B integration"}, headers=other_team.admin_headers
    )
    assert key.status_code == 201, key.text
    return World(
        a=team,
        b=other_team,
        marker=marker,
        a_ids=ids,
        a_message_id=waiting["message"]["id"],
        a_note_id=note.json()["message"]["id"],
        a_contact_id=a_visitor["contact"]["id"],
        a_visitor=a_visitor,
        b_visitor=b_visitor,
        b_conversation_id=b_started["conversation"]["id"],
        b_message_id=b_started["message"]["id"],
        b_api_key={"Authorization": f"Bearer {key.json()['key']}"},
    )


async def snapshot(client: httpx.AsyncClient, world: World) -> dict[str, Any]:
    """A's conversations as A's admin sees them (messages, status, assignee, read receipts),
    and both organisations' ticket totals (escalation creates tickets)."""
    seen: dict[str, Any] = {}
    for state, conversation_id in world.a_ids.items():
        response = await client.get(
            f"/api/conversations/{conversation_id}?limit=200", headers=world.a.admin_headers
        )
        assert response.status_code == 200, response.text
        data = response.json()
        data["conversation"].pop("waitSeconds")  # grows with time, nothing else changes it
        seen[state] = data
    for name, team in (("a", world.a), ("b", world.b)):
        tickets = await client.get("/api/tickets", headers=team.admin_headers)
        assert tickets.status_code == 200, tickets.text
        seen[f"{name}_tickets"] = tickets.json()["total"]
    return seen


# Sample bodies per request model: each is valid, so only the lookup can refuse it.
BodyMaker = Callable[[World], list[Any]]
BODIES: dict[str, BodyMaker] = {
    "AgentMessageCreate": lambda w: [
        {"body": f"from B {w.marker}", "clientMessageId": cid()},
        {"body": "B's note", "clientMessageId": cid(), "isInternal": True},
    ],
    "TransferRequest": lambda w: [{"agentId": w.b.agent.id}, {"agentId": w.a.admin.id}],
    "ReadRequest": lambda w: [
        {"lastReadMessageId": w.a_message_id},
        {"lastReadMessageId": w.a_note_id},
        {"lastReadMessageId": w.b_message_id},
    ],
    "EscalateRequest": lambda w: [
        {},
        {"subject": "stolen", "endConversation": True, "allowMultiple": True},
    ],
    "VisitorMessageCreate": lambda w: [{"body": "from B's visitor", "clientMessageId": cid()}],
    "TranscriptRequest": lambda w: [{}, {"email": "b-visitor@example.com"}],
}


def bodies_for(endpoint: Endpoint, world: World) -> list[Any]:
    if endpoint.body is None:
        return [None]
    maker = BODIES.get(endpoint.body.__name__)
    if maker is None:
        pytest.fail(
            f"{endpoint_id(endpoint)} takes {endpoint.body.__name__}: add a valid sample body "
            "to BODIES so the isolation sweep covers it"
        )
    return maker(world)


def callers_for(endpoint: Endpoint, world: World) -> dict[str, dict[str, str]]:
    if endpoint.access is Access.VISITOR:
        return {"b_visitor": world.b_visitor["headers"]}
    return {
        "b_agent": world.b.agent_headers,
        "b_admin": world.b.admin_headers,
        "b_api_key": world.b_api_key,
    }


def assert_hidden(response: httpx.Response, what: str, world: World) -> None:
    assert response.status_code == 404, f"{what}: {response.status_code} {response.text}"
    assert response.json()["error"]["code"] == "not_found", what
    assert world.marker not in response.text, what


def test_the_sweep_finds_the_chat_routes() -> None:
    """The sweep below is only as good as its route list: it must hold the known routes."""
    found = {endpoint_id(e) for e in BY_ID}
    for expected in (
        "GET /api/conversations/{conversation_id:id}",
        "GET /api/conversations/{conversation_id:id}/messages",
        "POST /api/conversations/{conversation_id:id}/messages",
        "POST /api/conversations/{conversation_id:id}/claim",
        "POST /api/conversations/{conversation_id:id}/transfer",
        "POST /api/conversations/{conversation_id:id}/end",
        "POST /api/conversations/{conversation_id:id}/read",
        "POST /api/tickets/from-chat/{conversation_id:id}",
        "GET /api/embed/conversations/{conversation_id:id}",
        "GET /api/embed/conversations/{conversation_id:id}/messages",
        "POST /api/embed/conversations/{conversation_id:id}/messages",
        "POST /api/embed/conversations/{conversation_id:id}/read",
        "POST /api/embed/conversations/{conversation_id:id}/end",
    ):
        assert expected in found, expected
    for endpoint in BY_ID:
        # Any other path parameter would need its own value here.
        assert endpoint.path.count("{") == 1, endpoint_id(endpoint)


@pytest.mark.parametrize("endpoint", BY_ID, ids=[endpoint_id(e) for e in BY_ID])
async def test_another_orgs_conversation_is_404_on_every_chat_route(
    client: httpx.AsyncClient, world: World, endpoint: Endpoint
) -> None:
    before = await snapshot(client, world)
    for caller, headers in callers_for(endpoint, world).items():
        for state, conversation_id in world.a_ids.items():
            url = endpoint.path.replace(PARAM, str(conversation_id))
            for body in bodies_for(endpoint, world):
                response = await client.request(endpoint.method, url, json=body, headers=headers)
                what = f"{caller} on A's {state} chat {url} {body}"
                assert_hidden(response, what, world)
    assert await snapshot(client, world) == before


@pytest.mark.parametrize("endpoint", BY_ID, ids=[endpoint_id(e) for e in BY_ID])
async def test_another_orgs_id_answers_like_an_id_that_does_not_exist(
    client: httpx.AsyncClient, world: World, endpoint: Endpoint
) -> None:
    """The same answer for A's id as for an id nobody has: ids cannot be probed."""
    for caller, headers in callers_for(endpoint, world).items():
        for body in bodies_for(endpoint, world):
            nowhere = await client.request(
                endpoint.method,
                endpoint.path.replace(PARAM, str(MAX_ID)),
                json=body,
                headers=headers,
            )
            for conversation_id in world.a_ids.values():
                theirs = await client.request(
                    endpoint.method,
                    endpoint.path.replace(PARAM, str(conversation_id)),
                    json=body,
                    headers=headers,
                )
                assert theirs.status_code == nowhere.status_code, (caller, theirs.text)
                assert theirs.json()["error"]["code"] == nowhere.json()["error"]["code"]
            assert nowhere.status_code == 404, (caller, nowhere.text)


async def test_a_visitor_of_one_org_can_not_reach_another_orgs_conversations(
    client: httpx.AsyncClient, world: World
) -> None:
    """The other direction: A's visitor (who has chats of their own) uses B's ids."""
    before = await client.get(
        f"/api/conversations/{world.b_conversation_id}?limit=200", headers=world.b.admin_headers
    )
    visitor_routes = [e for e in BY_ID if e.access is Access.VISITOR]
    assert visitor_routes
    for endpoint in visitor_routes:
        url = endpoint.path.replace(PARAM, str(world.b_conversation_id))
        bodies = bodies_for(endpoint, world)
        if endpoint.body is not None and endpoint.body.__name__ == "ReadRequest":
            bodies = [{"lastReadMessageId": world.b_message_id}]
        for body in bodies:
            response = await client.request(
                endpoint.method, url, json=body, headers=world.a_visitor["headers"]
            )
            assert response.status_code == 404, f"{endpoint_id(endpoint)}: {response.text}"
            assert "B's own chat" not in response.text
    after = await client.get(
        f"/api/conversations/{world.b_conversation_id}?limit=200", headers=world.b.admin_headers
    )
    assert after.json()["messages"] == before.json()["messages"]
    assert after.json()["conversation"]["status"] == "WAITING"


async def test_another_orgs_lists_never_include_our_conversations(
    client: httpx.AsyncClient, world: World
) -> None:
    a_ids = set(world.a_ids.values())
    for headers in (world.b.agent_headers, world.b.admin_headers, world.b_api_key):
        for params in (
            *({"view": view} for view in ("waiting", "active", "ended", "all")),
            {"contactId": world.a_contact_id},
            {"assigneeId": world.a.agent.id},
            {"view": "all", "pageSize": 200},
        ):
            response = await client.get("/api/conversations", params=params, headers=headers)
            assert response.status_code == 200, response.text
            page = response.json()
            listed = {c["id"] for c in page["items"]}
            assert not listed & a_ids, params
            assert world.marker not in response.text, params
            if "contactId" in params or "assigneeId" in params:
                assert page["total"] == 0, params
    mine = await client.get(
        "/api/conversations", params={"view": "mine"}, headers=world.b.agent_headers
    )
    assert not {c["id"] for c in mine.json()["items"]} & a_ids
    # B's waiting queue is B's own: one chat, first in line.
    waiting = await client.get(
        "/api/conversations", params={"view": "waiting"}, headers=world.b.agent_headers
    )
    assert [(c["id"], c["queuePosition"]) for c in waiting.json()["items"]] == [
        (world.b_conversation_id, 1)
    ]
    visitor = await client.get("/api/embed/conversations", headers=world.b_visitor["headers"])
    assert [c["id"] for c in visitor.json()["items"]] == [world.b_conversation_id]
    # And A still sees its own.
    own = await client.get(
        "/api/conversations", params={"pageSize": 200}, headers=world.a.agent_headers
    )
    assert {c["id"] for c in own.json()["items"]} == a_ids


async def test_a_message_id_of_another_org_can_not_be_marked_read(
    client: httpx.AsyncClient, world: World
) -> None:
    """Ids inside a body are looked up within the conversation too."""
    before = await snapshot(client, world)
    response = await client.post(
        f"/api/conversations/{world.a_ids['waiting']}/read",
        json={"lastReadMessageId": world.b_message_id},
        headers=world.a.agent_headers,
    )
    assert response.status_code == 422, response.text
    response = await client.post(
        f"/api/embed/conversations/{world.a_ids['waiting']}/read",
        json={"lastReadMessageId": world.b_message_id},
        headers=world.a_visitor["headers"],
    )
    assert response.status_code == 422, response.text
    assert await snapshot(client, world) == before


async def test_our_queue_positions_ignore_another_orgs_waiting_chats(
    client: httpx.AsyncClient, world: World
) -> None:
    response = await client.get(
        f"/api/embed/conversations/{world.a_ids['waiting']}", headers=world.a_visitor["headers"]
    )
    assert response.json()["conversation"]["queuePosition"] == 1
    late = await visitor_session(client, world.b.org)
    b_second = await start_chat(client, late)
    assert b_second["conversation"]["queuePosition"] == 2
