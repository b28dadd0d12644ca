"""Live chat over real WebSockets (`live_server`): agents on `/ws`, customers on `/ws/widget`.

REST writes go through the in-process `client`; their events are published before the HTTP
response returns, so a socket subscribed beforehand receives them. Every test builds its own
organisation (`team`), so channels never collide between tests.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from tests.factories import Team, start_chat, visitor_session
from tests.support.live import LiveServer
from tests.support.wsclient import RECEIVE_TIMEOUT, WS, session

Frame = dict[str, Any]

# The public ticket projection: all a customer may see of their ticket.
PUBLIC_TICKET_KEYS = {
    "id", "reference", "subject", "status", "createdAt", "updatedAt", "resolvedAt", "closedAt",
}  # fmt: skip


# --- helpers -------------------------------------------------------------------------------


def token_of(headers: dict[str, str]) -> str:
    return headers["Authorization"].split(" ", 1)[1]


async def call(
    client: httpx.AsyncClient,
    method: str,
    path: str,
    headers: dict[str, str],
    body: dict[str, Any] | None = None,
    status: int = 200,
) -> Any:
    response = await client.request(method, path, headers=headers, json=body)
    assert response.status_code == status, response.text
    return response.json() if response.content else None


def is_event(name: str, **where: Callable[[Frame], bool]) -> Callable[[Frame], bool]:
    """A predicate: an event frame called `name` (and, optionally, more checks on it)."""

    def match(frame: Frame) -> bool:
        return frame.get("event") == name and all(check(frame) for check in where.values())

    return match


async def events_until(
    ws: WS, match: Callable[[Frame], bool], *, within: float = RECEIVE_TIMEOUT
) -> list[Frame]:
    """Every event frame received up to and including the first one `match` accepts (events
    often come in a burst); fails when none arrives within `within` seconds."""
    seen: list[Frame] = []
    try:
        async with asyncio.timeout(within):
            while True:
                frame = await ws.recv(within=within)
                if frame.get("type") != "event":
                    continue
                seen.append(frame)
                if match(frame):
                    return seen
    except TimeoutError:
        pytest.fail(f"no matching event within {within} s; received {seen}")


async def gather(ws: WS, *wanted: str) -> dict[str, Frame]:
    """Receive events until each name in `wanted` has arrived once: the first of each."""
    found: dict[str, Frame] = {}

    def done(frame: Frame) -> bool:
        found.setdefault(frame["event"], frame)
        return all(name in found for name in wanted)

    await events_until(ws, done)
    return {name: found[name] for name in wanted}


async def presence_until(
    ws: WS, match: Callable[[Frame], bool], *, within: float = RECEIVE_TIMEOUT
) -> Frame:
    """The first presence frame `match` accepts (other frames are dropped)."""
    seen: list[Frame] = []
    try:
        async with asyncio.timeout(within):
            while True:
                frame = await ws.recv(skip=(), within=within)
                if frame.get("type") != "presence":
                    continue
                seen.append(frame)
                if match(frame):
                    return frame
    except TimeoutError:
        pytest.fail(f"no matching presence frame within {within} s; received {seen}")


def entry_of(frame: Frame, person: str) -> Frame | None:
    """`person`'s entry in a presence snapshot or diff (joined or updated), if any."""
    entries = frame.get("snapshot") or [*frame.get("joined", []), *frame.get("updated", [])]
    return next((e for e in entries if e["person"] == person), None)


def composing(person: str, value: bool) -> Callable[[Frame], bool]:
    def match(frame: Frame) -> bool:
        entry = entry_of(frame, person)
        return entry is not None and entry["composing"] is value

    return match


async def refused(ws: WS, channel: str, code: str) -> None:
    await ws.send({"type": "subscribe", "channel": channel})
    await ws.expect_error(code)


async def claim(client: httpx.AsyncClient, team: Team, conversation_id: int) -> Any:
    path = f"/api/conversations/{conversation_id}/claim"
    return await call(client, "POST", path, team.agent_headers)


async def agent_says(
    client: httpx.AsyncClient, team: Team, conversation_id: int, body: str, *, internal: bool
) -> Any:
    path = f"/api/conversations/{conversation_id}/messages"
    payload = {"body": body, "clientMessageId": uuid.uuid4().hex, "isInternal": internal}
    return await call(client, "POST", path, team.agent_headers, payload, status=201)


async def new_visitor(client: httpx.AsyncClient, team: Team, name: str) -> dict[str, Any]:
    return await visitor_session(client, team.org, name=name)


# --- agents on the queue -----------------------------------------------------------------------


async def test_agents_on_the_queue_see_a_new_chat_and_its_first_message(
    client: httpx.AsyncClient, team: Team, live_server: LiveServer
) -> None:
    async with session(live_server.ws_url, token_of(team.agent_headers)) as agent:
        await agent.subscribe("queue")
        visitor = await new_visitor(client, team, "Rita Visitor")
        chat = await start_chat(client, visitor, body="My parcel never arrived")
        conversation_id = chat["conversation"]["id"]

        created = await agent.expect("event", channel="queue", event="conversation.created")
        message = await agent.expect("event", channel="queue", event="conversation.message_created")

    assert "type" not in created["data"]
    conversation = created["data"]["conversation"]
    assert conversation["id"] == conversation_id
    assert conversation["status"] == "WAITING"
    assert conversation["contact"]["id"] == visitor["contact"]["id"]
    assert conversation["queuePosition"] == 1
    assert message["data"]["conversation"]["id"] == conversation_id
    assert message["data"]["message"]["body"] == "My parcel never arrived"
    assert message["data"]["message"]["authorType"] == "CONTACT"
    assert message["data"]["message"]["isInternal"] is False
    assert message["offset"] == created["offset"] + 1


# --- the customer's channel --------------------------------------------------------------------


async def test_the_customer_sees_the_claim_the_joined_line_and_replies_but_never_a_note(
    client: httpx.AsyncClient, team: Team, live_server: LiveServer
) -> None:
    visitor = await new_visitor(client, team, "Rita Visitor")
    contact_id = visitor["contact"]["id"]
    chat = await start_chat(client, visitor)
    conversation_id = chat["conversation"]["id"]
    note = f"note-{uuid.uuid4().hex}: customer is on the fraud list"
    reply = f"reply-{uuid.uuid4().hex}: happy to help"

    async with (
        session(live_server.widget_url, visitor["token"]) as customer,
        session(live_server.ws_url, token_of(team.agent_headers)) as agent,
    ):
        await customer.subscribe(f"contact:{contact_id}")
        await agent.subscribe("queue")

        await claim(client, team, conversation_id)
        received = await events_until(customer, is_event("conversation.assigned"))
        assigned = received[-1]
        assert assigned["channel"] == f"contact:{contact_id}"
        assert set(assigned["data"]) == {"conversation"}
        public = assigned["data"]["conversation"]
        assert public["id"] == conversation_id
        assert public["status"] == "ACTIVE"
        assert public["agent"] == {"id": team.agent.id, "name": team.agent.name}

        received += await events_until(customer, is_event("conversation.message_created"))
        joined = received[-1]["data"]["message"]
        assert joined["authorType"] == "SYSTEM"
        assert joined["body"] == f"{team.agent.name} joined the chat."

        await agent_says(client, team, conversation_id, note, internal=True)
        # The note was published (to the agents)...
        on_queue = await events_until(
            agent,
            is_event(
                "conversation.message_created",
                note=lambda f: f["data"]["message"]["body"] == note,
            ),
        )
        assert on_queue[-1]["data"]["message"]["isInternal"] is True

        # ...and the customer, reading up to the public reply after it, never got it.
        await agent_says(client, team, conversation_id, reply, internal=False)
        received += await events_until(
            customer,
            is_event(
                "conversation.message_created",
                reply=lambda f: f["data"]["message"]["body"] == reply,
            ),
        )

    answer = received[-1]["data"]["message"]
    assert answer["authorType"] == "AGENT"
    assert answer["authorName"] == team.agent.name
    assert answer["clientMessageId"] is None
    text = json.dumps(received)
    assert note not in text
    assert "isInternal" not in text
    assert all(f["channel"] == f"contact:{contact_id}" for f in received)


async def test_waiting_customers_hear_their_new_queue_positions_after_a_claim(
    client: httpx.AsyncClient, team: Team, live_server: LiveServer
) -> None:
    visitors = [await new_visitor(client, team, f"Visitor {n}") for n in range(3)]
    chats = [await start_chat(client, v, body=f"Help {n}") for n, v in enumerate(visitors)]
    ids = [c["conversation"]["id"] for c in chats]
    assert [c["conversation"]["queuePosition"] for c in chats] == [1, 2, 3]

    async with (
        session(live_server.widget_url, visitors[1]["token"]) as second,
        session(live_server.widget_url, visitors[2]["token"]) as third,
    ):
        await second.subscribe(f"contact:{visitors[1]['contact']['id']}")
        await third.subscribe(f"contact:{visitors[2]['contact']['id']}")

        await claim(client, team, ids[0])

        second_saw = await events_until(second, is_event("conversation.queue_position"))
        third_saw = await events_until(third, is_event("conversation.queue_position"))

    assert second_saw[-1]["data"] == {"conversationId": ids[1], "position": 1}
    assert third_saw[-1]["data"] == {"conversationId": ids[2], "position": 2}
    # Nobody hears about the chat that was claimed, which is not theirs.
    for frame in [*second_saw, *third_saw]:
        assert ids[0] not in (
            frame["data"].get("conversationId"),
            frame["data"].get("conversation", {}).get("id"),
        )


async def test_the_customer_gets_their_own_messages_back_with_their_client_message_id(
    client: httpx.AsyncClient, team: Team, live_server: LiveServer
) -> None:
    visitor = await new_visitor(client, team, "Rita Visitor")
    contact_id = visitor["contact"]["id"]
    opening_id = f"open-{uuid.uuid4().hex}"
    follow_up_id = f"next-{uuid.uuid4().hex}"

    async with session(live_server.widget_url, visitor["token"]) as customer:
        await customer.subscribe(f"contact:{contact_id}")

        chat = await start_chat(client, visitor, body="First words", clientMessageId=opening_id)
        conversation_id = chat["conversation"]["id"]
        opened = await events_until(customer, is_event("conversation.message_created"))

        path = f"/api/embed/conversations/{conversation_id}/messages"
        body = {"body": "Second words", "clientMessageId": follow_up_id}
        await call(client, "POST", path, visitor["headers"], body, status=201)
        echoed = await events_until(
            customer,
            is_event(
                "conversation.message_created",
                body=lambda f: f["data"]["message"]["body"] == "Second words",
            ),
        )

    assert opened[0]["event"] == "conversation.created"
    assert opened[0]["data"]["conversation"]["id"] == conversation_id
    assert opened[-1]["data"]["message"]["body"] == "First words"
    assert opened[-1]["data"]["message"]["clientMessageId"] == opening_id
    assert echoed[-1]["data"]["message"]["clientMessageId"] == follow_up_id
    assert echoed[-1]["data"]["message"]["authorType"] == "CONTACT"
    assert "isInternal" not in echoed[-1]["data"]["message"]


async def test_read_receipts_reach_the_other_side(
    client: httpx.AsyncClient, team: Team, live_server: LiveServer
) -> None:
    visitor = await new_visitor(client, team, "Rita Visitor")
    contact_id = visitor["contact"]["id"]
    chat = await start_chat(client, visitor)
    conversation_id = chat["conversation"]["id"]
    opening = chat["message"]["id"]

    async with (
        session(live_server.widget_url, visitor["token"]) as customer,
        session(live_server.ws_url, token_of(team.agent_headers)) as agent,
    ):
        await customer.subscribe(f"contact:{contact_id}")
        await agent.subscribe("queue")

        path = f"/api/conversations/{conversation_id}/read"
        await call(client, "POST", path, team.agent_headers, {"lastReadMessageId": opening})
        read_by_agent = (await events_until(customer, is_event("conversation.read")))[-1]

        answer = await agent_says(client, team, conversation_id, "On it!", internal=False)
        reply_id = answer["message"]["id"]
        path = f"/api/embed/conversations/{conversation_id}/read"
        await call(client, "POST", path, visitor["headers"], {"lastReadMessageId": reply_id})
        by_contact = is_event("conversation.read", side=lambda f: f["data"]["side"] == "contact")
        read_by_customer = (await events_until(agent, by_contact))[-1]

    data = read_by_agent["data"]
    assert data["side"] == "agent"
    assert data["lastReadMessageId"] == opening
    assert data["conversation"]["id"] == conversation_id
    assert data["conversation"]["agentLastReadId"] == opening

    data = read_by_customer["data"]
    assert read_by_customer["channel"] == "queue"
    assert data["side"] == "contact"
    assert data["lastReadMessageId"] == reply_id
    assert data["conversation"]["contactLastReadId"] == reply_id


# --- presence and typing on conversation:{id} --------------------------------------------------


async def test_typing_shows_on_both_sides_of_the_conversation(
    client: httpx.AsyncClient, team: Team, live_server: LiveServer
) -> None:
    visitor = await new_visitor(client, team, "Rita Visitor")
    contact = f"contact:{visitor['contact']['id']}"
    me = f"agent:{team.agent.id}"
    chat = await start_chat(client, visitor)
    channel = f"conversation:{chat['conversation']['id']}"
    await claim(client, team, chat["conversation"]["id"])

    async with session(live_server.ws_url, token_of(team.agent_headers)) as agent:
        await agent.subscribe(channel)
        await presence_until(agent, lambda f: "snapshot" in f and f["channel"] == channel)

        async with session(live_server.widget_url, visitor["token"]) as customer:
            await customer.subscribe(channel)
            snapshot = await presence_until(customer, lambda f: "snapshot" in f)
            assert snapshot["channel"] == channel
            assert entry_of(snapshot, me) == {
                "person": me, "name": team.agent.name, "status": "online", "composing": False,
            }  # fmt: skip

            joined = await presence_until(
                agent, lambda f: any(e["person"] == contact for e in f.get("joined", []))
            )
            assert entry_of(joined, contact) == {
                "person": contact, "name": "Rita Visitor", "status": "online",
                "composing": False,
            }  # fmt: skip

            await customer.send({"type": "typing", "channel": channel, "composing": True})
            typing = await presence_until(agent, composing(contact, True))
            assert typing["channel"] == channel

            await agent.send({"type": "typing", "channel": channel, "composing": True})
            typing = await presence_until(customer, composing(me, True))
            assert typing["channel"] == channel

            await customer.send({"type": "typing", "channel": channel, "composing": False})
            await presence_until(agent, composing(contact, False))

        left = await presence_until(agent, lambda f: contact in f.get("left", []))
        assert left["channel"] == channel


# --- who may subscribe -------------------------------------------------------------------------


async def test_a_customer_may_not_listen_to_another_customers_chat_or_channel(
    client: httpx.AsyncClient, team: Team, live_server: LiveServer
) -> None:
    mine = await new_visitor(client, team, "Rita Visitor")
    theirs = await new_visitor(client, team, "Other Visitor")
    my_chat = await start_chat(client, mine)
    their_chat = await start_chat(client, theirs)

    async with session(live_server.widget_url, mine["token"]) as customer:
        await refused(customer, f"conversation:{their_chat['conversation']['id']}", "not_found")
        await refused(customer, f"contact:{theirs['contact']['id']}", "forbidden")
        await refused(customer, "queue", "forbidden")
        # Their own chat and channel are theirs to follow.
        await customer.subscribe(f"conversation:{my_chat['conversation']['id']}")
        await customer.subscribe(f"contact:{mine['contact']['id']}")


async def test_an_agent_of_another_organisation_cannot_join_the_conversation(
    client: httpx.AsyncClient, team: Team, other_team: Team, live_server: LiveServer
) -> None:
    visitor = await new_visitor(client, team, "Rita Visitor")
    chat = await start_chat(client, visitor)
    channel = f"conversation:{chat['conversation']['id']}"

    async with session(live_server.ws_url, token_of(other_team.agent_headers)) as stranger:
        await refused(stranger, channel, "not_found")
    async with session(live_server.ws_url, token_of(team.agent_headers)) as colleague:
        await colleague.subscribe(channel)


# --- escalation --------------------------------------------------------------------------------


async def test_escalation_shows_the_customer_the_public_ticket_and_agents_the_full_one(
    client: httpx.AsyncClient, team: Team, live_server: LiveServer
) -> None:
    visitor = await new_visitor(client, team, "Rita Visitor")
    contact_id = visitor["contact"]["id"]
    chat = await start_chat(client, visitor, body="The invoice total is wrong")
    conversation_id = chat["conversation"]["id"]

    async with (
        session(live_server.widget_url, visitor["token"]) as customer,
        session(live_server.ws_url, token_of(team.agent_headers)) as agent,
    ):
        await customer.subscribe(f"contact:{contact_id}")
        await agent.subscribe("queue")

        body = {"subject": "Wrong invoice total", "tags": ["vip-customer"]}
        path = f"/api/tickets/from-chat/{conversation_id}"
        out = await call(client, "POST", path, team.agent_headers, body, status=201)
        reference = out["ticket"]["reference"]

        for_customer = await gather(customer, "conversation.escalated", "ticket.created")
        for_agents = await gather(agent, "conversation.escalated", "ticket.created")

    escalated = for_customer["conversation.escalated"]
    assert escalated["channel"] == f"contact:{contact_id}"
    ticket = escalated["data"]["ticket"]
    assert set(ticket) == PUBLIC_TICKET_KEYS
    assert ticket["reference"] == reference
    assert ticket["subject"] == "Wrong invoice total"
    assert ticket["status"] == out["ticket"]["status"]
    assert escalated["data"]["conversation"]["id"] == conversation_id
    assert escalated["data"]["conversation"]["ticket"] == {
        "reference": reference, "subject": "Wrong invoice total", "status": ticket["status"],
    }  # fmt: skip
    created = for_customer["ticket.created"]
    assert created["channel"] == f"contact:{contact_id}"
    assert set(created["data"]["ticket"]) == PUBLIC_TICKET_KEYS
    assert created["data"]["ticket"]["reference"] == reference
    assert "vip-customer" not in json.dumps(for_customer)

    full = for_agents["conversation.escalated"]["data"]
    assert full["ticket"]["reference"] == reference
    assert full["ticket"]["tags"] == ["vip-customer"]
    assert full["ticket"]["assigneeId"] == team.agent.id
    assert full["ticket"]["originChatId"] == conversation_id
    assert full["conversation"]["ticket"]["reference"] == reference
    queued = for_agents["ticket.created"]
    assert queued["channel"] == "queue"
    assert queued["data"]["ticket"]["reference"] == reference
    assert queued["data"]["ticket"]["requesterId"] == contact_id
