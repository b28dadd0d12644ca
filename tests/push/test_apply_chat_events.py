"""Chat events as a client applies them: the state fetched before a write, with the events the
write pushed applied to it, equals the state fetched after it (Zulip's `verify_action`).

Checked after every write, for both audiences: the agents (the `queue` channel, the REST
detail of the conversation) and the customer (their `contact:{id}` channel, the widget's REST
view). Between them the writes push every chat event type, and the test asserts they did.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from server.channels import names
from server.channels.hub import Hub
from server.chat import events
from server.events import registry
from tests.factories import Team, start_chat, visitor_session

# A queue's waiting time is computed when read: it differs between an event and a fetch.
MOMENTARY = {"waitSeconds"}
# Changes nothing a client shows of the conversation (an email is on its way).
STATELESS = {"conversation.transcript_requested"}
CHAT_TYPES = {
    name for name in registry.registered() if name.startswith("conversation.")
} - STATELESS


def steady(conversation: dict[str, Any] | None) -> dict[str, Any] | None:
    if conversation is None:
        return None
    return {k: v for k, v in conversation.items() if k not in MOMENTARY}


class Audience:
    """One client's view of one conversation, kept up to date from its channel's events."""

    def __init__(
        self,
        hub: Hub,
        channel: str,
        fetch: Callable[[], Awaitable[dict[str, Any] | None]],
        conversation_id: int | None = None,
    ) -> None:
        self.hub = hub
        self.channel = channel
        self.fetch = fetch
        self.conversation_id = conversation_id
        self.state: dict[str, Any] = {"conversation": None, "messages": []}
        self.position: tuple[int, str] = (0, "")
        self.seen: set[str] = set()

    async def start(self) -> None:
        self.position = await self.hub.history.latest(self.channel)
        if self.conversation_id is not None:
            fetched = await self.fetch()
            assert fetched is not None
            self.state = fetched

    async def apply_new_events(self) -> None:
        offset, epoch = self.position
        replay = await self.hub.history.since(self.channel, offset, epoch)
        assert replay.recovered
        for entry in replay.entries:
            self.apply(entry.event, entry.data)
        self.position = await self.hub.history.latest(self.channel)

    def apply(self, kind: str, data: dict[str, Any]) -> None:
        """What a client does with one event (every chat event carries the whole new state)."""
        if kind == "conversation.queue_position":
            if data["conversationId"] == self.conversation_id:
                self.state["conversation"]["queuePosition"] = data["position"]
                self.seen.add(kind)
            return
        conversation = data.get("conversation")
        if conversation is None or conversation["id"] != self.conversation_id:
            return
        self.seen.add(kind)
        self.state["conversation"] = conversation
        message = data.get("message")
        if message is not None and message["id"] not in {m["id"] for m in self.state["messages"]}:
            self.state["messages"].append(message)

    async def agrees(self) -> None:
        await self.apply_new_events()
        fresh = await self.fetch()
        assert fresh is not None
        assert steady(self.state["conversation"]) == steady(fresh["conversation"])
        assert self.state["messages"] == fresh["messages"]


@pytest.fixture
def hub(app: Starlette) -> Hub:
    return app.state.parley.hub  # type: ignore[no-any-return]


async def test_every_chat_event_applied_to_the_fetched_state_gives_the_fresh_state(
    hub: Hub, client: httpx.AsyncClient, team: Team
) -> None:
    org = team.org.id
    first = await visitor_session(client, team.org, name="Rita")
    second = await visitor_session(client, team.org, name="Sam")

    def agent_view(conversation_id: int) -> Callable[[], Awaitable[dict[str, Any]]]:
        async def fetch() -> dict[str, Any]:
            response = await client.get(
                f"/api/conversations/{conversation_id}", headers=team.admin_headers
            )
            assert response.status_code == 200, response.text
            body = response.json()
            return {"conversation": body["conversation"], "messages": body["messages"]}

        return fetch

    def customer_view(
        visitor: dict[str, Any], conversation_id: int
    ) -> Callable[[], Awaitable[dict[str, Any]]]:
        async def fetch() -> dict[str, Any]:
            base = f"/api/embed/conversations/{conversation_id}"
            one = await client.get(base, headers=visitor["headers"])
            page = await client.get(base + "/messages", headers=visitor["headers"])
            assert one.status_code == 200 and page.status_code == 200, (one.text, page.text)
            return {"conversation": one.json()["conversation"], "messages": page.json()["items"]}

        return fetch

    # The first chat starts: both audiences start from nothing and must end where a fetch is.
    agents = Audience(hub, names.queue(org).key, agent_view(0))
    rita = Audience(hub, names.contact(org, first["contact"]["id"]).key, customer_view(first, 0))
    await agents.start()
    await rita.start()
    started = await start_chat(client, first, body="My order never came")
    chat = started["conversation"]["id"]
    for audience, fetch in ((agents, agent_view(chat)), (rita, customer_view(first, chat))):
        audience.conversation_id = chat
        audience.fetch = fetch
        await audience.agrees()

    async def then(write: Callable[[], Awaitable[httpx.Response]]) -> None:
        response = await write()
        assert response.status_code in (200, 201), response.text
        await agents.agrees()
        await rita.agrees()

    headers = team.agent_headers
    base = f"/api/conversations/{chat}"
    # Another customer queues up behind Rita, then Rita's chat is claimed: her place changes.
    sam = await start_chat(client, second, body="Hello?")
    await agents.agrees()
    await rita.agrees()
    await then(lambda: client.post(f"/api/conversations/{sam['conversation']['id']}/claim",
                                   headers=headers))  # fmt: skip
    await then(lambda: client.post(base + "/claim", headers=headers))
    await then(lambda: client.post(
        base + "/messages", json={"body": "Let me look.", "clientMessageId": uuid.uuid4().hex},
        headers=headers,
    ))  # fmt: skip
    await then(lambda: client.post(
        base + "/messages",
        json={"body": "Courier lost it", "isInternal": True, "clientMessageId": uuid.uuid4().hex},
        headers=headers,
    ))  # fmt: skip
    await then(lambda: client.post(
        f"/api/embed/conversations/{chat}/messages",
        json={"body": "Any news?", "clientMessageId": uuid.uuid4().hex},
        headers=first["headers"],
    ))  # fmt: skip
    last = rita.state["messages"][-1]["id"]
    await then(lambda: client.post(
        f"/api/embed/conversations/{chat}/read", json={"lastReadMessageId": last},
        headers=first["headers"],
    ))  # fmt: skip
    await then(lambda: client.post(
        base + "/read", json={"lastReadMessageId": last}, headers=headers
    ))  # fmt: skip
    await then(lambda: client.post(base + "/transfer", json={"agentId": team.admin.id},
                                   headers=headers))  # fmt: skip
    await then(lambda: client.post(
        f"/api/tickets/from-chat/{chat}", json={"endConversation": True},
        headers=team.admin_headers,
    ))  # fmt: skip

    # The customer never saw the internal note; agents saw everything.
    assert "Courier lost it" in {m["body"] for m in agents.state["messages"]}
    assert "Courier lost it" not in {m["body"] for m in rita.state["messages"]}
    covered = agents.seen | rita.seen
    assert covered == CHAT_TYPES, CHAT_TYPES - covered
    assert rita.seen >= {"conversation.queue_position", "conversation.escalated"}
    assert issubclass(events.ConversationEnded, events.ConversationEvent)
