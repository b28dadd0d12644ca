"""Automatic routing of waiting chats and requeueing of chats whose agent went away
(server/chat/routing.py), driven through the app's installed router and its presence."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from server.accounts.models import Agent
from server.channels import names
from server.channels.presence import Presence, Status
from server.chat import routing
from server.chat.routing import Router
from tests.factories import Team, make_agent, start_chat, visitor_session

DEADLINE_SECONDS = 10.0
POLL_SECONDS = 0.05
NOT_AVAILABLE = "is not available any more. We are finding you another agent."


class OnQueue:
    """Puts agents on their organisation's queue presence; everything joined is left after
    the test."""

    def __init__(self, presence: Presence) -> None:
        self.presence = presence
        self.joined: list[tuple[str, str]] = []

    async def join(self, agent: Agent, status: Status = "online") -> str:
        key = names.queue(agent.organization_id).key
        connection_id = f"test-routing-{uuid.uuid4().hex}"
        await self.presence.join(key, connection_id, f"agent:{agent.id}", agent.name, status)
        self.joined.append((key, connection_id))
        return connection_id

    async def update(self, agent: Agent, connection_id: str, status: Status) -> None:
        key = names.queue(agent.organization_id).key
        await self.presence.update(key, connection_id, status=status)

    async def leave(self, agent: Agent, connection_id: str) -> None:
        await self.presence.leave(names.queue(agent.organization_id).key, connection_id)

    async def leave_all(self) -> None:
        for key, connection_id in self.joined:
            await self.presence.leave(key, connection_id)
        self.joined.clear()


@pytest.fixture
async def queue(app: Starlette) -> AsyncIterator[OnQueue]:
    hub = app.state.parley.hub
    assert hub is not None
    on_queue = OnQueue(hub.presence)
    try:
        yield on_queue
    finally:
        await on_queue.leave_all()


@pytest.fixture
def router(app: Starlette) -> Router:
    installed = routing.installed()
    assert installed is not None, "the running app installs a router"
    assert installed.presence is app.state.parley.hub.presence
    return installed


# --- helpers -----------------------------------------------------------------------------------


@asynccontextmanager
async def no_tick(router: Router) -> AsyncIterator[None]:
    """Stop the router's periodic pass, so only the write under test can route."""
    await router.stop()
    try:
        yield
    finally:
        router.start()


async def configure_widget(client: httpx.AsyncClient, team: Team, **widget: Any) -> None:
    response = await client.patch("/api/org", json={"widget": widget}, headers=team.admin_headers)
    assert response.status_code == 200, response.text
    for name, value in widget.items():
        assert response.json()["widget"][name] == value


async def set_capacity(client: httpx.AsyncClient, team: Team, agent: Agent, capacity: int) -> None:
    response = await client.patch(
        f"/api/agents/{agent.id}", json={"chatCapacity": capacity}, headers=team.admin_headers
    )
    assert response.status_code == 200, response.text
    assert response.json()["agent"]["chatCapacity"] == capacity


async def detail(client: httpx.AsyncClient, team: Team, conversation_id: int) -> dict[str, Any]:
    response = await client.get(f"/api/conversations/{conversation_id}", headers=team.admin_headers)
    assert response.status_code == 200, response.text
    return response.json()


async def conversation(
    client: httpx.AsyncClient, team: Team, conversation_id: int
) -> dict[str, Any]:
    return (await detail(client, team, conversation_id))["conversation"]


async def new_chat(
    client: httpx.AsyncClient, team: Team, body: str = "Hello, I need help"
) -> tuple[dict[str, Any], int]:
    """A new visitor of the team's organisation opens a chat: (visitor, conversation id)."""
    visitor = await visitor_session(client, team.org, name=f"Visitor {uuid.uuid4().hex[:4]}")
    started = await start_chat(client, visitor, body=body)
    return visitor, started["conversation"]["id"]


async def eventually(
    step: Callable[[], Awaitable[Any]],
    done: Callable[[], Awaitable[dict[str, Any]]],
    accept: Callable[[dict[str, Any]], bool],
) -> dict[str, Any]:
    """Run `step` then read `done` until `accept` holds; fails after the deadline."""
    deadline = time.monotonic() + DEADLINE_SECONDS
    while True:
        await step()
        current = await done()
        if accept(current):
            return current
        if time.monotonic() > deadline:
            raise AssertionError(f"condition never held; last seen: {current}")
        await asyncio.sleep(POLL_SECONDS)


async def routed(
    client: httpx.AsyncClient, team: Team, router: Router, conversation_id: int
) -> dict[str, Any]:
    """The conversation once it is ACTIVE, routing the organisation meanwhile."""
    return await eventually(
        lambda: router.route(team.org.id),
        lambda: conversation(client, team, conversation_id),
        lambda c: c["status"] == "ACTIVE",
    )


async def requeued(
    client: httpx.AsyncClient, team: Team, router: Router, conversation_id: int
) -> dict[str, Any]:
    """The conversation once its agent lost it, running requeue passes meanwhile."""
    first = await conversation(client, team, conversation_id)
    return await eventually(
        router.requeue_absent,
        lambda: conversation(client, team, conversation_id),
        lambda c: c["status"] != "ACTIVE" or c["assigneeId"] != first["assigneeId"],
    )


async def past_grace(router: Router, grace_seconds: float) -> None:
    """Requeue passes that span more than the grace period (the first starts the clock)."""
    await router.requeue_absent()
    await asyncio.sleep(grace_seconds + 0.2)
    await router.requeue_absent()


async def claim(client: httpx.AsyncClient, headers: dict[str, str], conversation_id: int) -> None:
    response = await client.post(f"/api/conversations/{conversation_id}/claim", headers=headers)
    assert response.status_code == 200, response.text
    assert response.json()["conversation"]["status"] == "ACTIVE"


async def agent_reply(
    client: httpx.AsyncClient, headers: dict[str, str], conversation_id: int, body: str
) -> None:
    response = await client.post(
        f"/api/conversations/{conversation_id}/messages",
        json={"body": body, "clientMessageId": uuid.uuid4().hex},
        headers=headers,
    )
    assert response.status_code == 201, response.text


async def customer_writes(
    client: httpx.AsyncClient, visitor: dict[str, Any], conversation_id: int, body: str
) -> None:
    response = await client.post(
        f"/api/embed/conversations/{conversation_id}/messages",
        json={"body": body, "clientMessageId": uuid.uuid4().hex},
        headers=visitor["headers"],
    )
    assert response.status_code == 201, response.text


# --- automatic routing -------------------------------------------------------------------------


async def test_new_chat_goes_at_once_to_an_online_agent(
    client: httpx.AsyncClient, team: Team, queue: OnQueue, router: Router
) -> None:
    await queue.join(team.agent)
    await configure_widget(client, team, routing="automatic")

    async with no_tick(router):
        visitor, conversation_id = await new_chat(client, team)
        shown = await detail(client, team, conversation_id)

    assert shown["conversation"]["status"] == "ACTIVE"
    assert shown["conversation"]["assigneeId"] == team.agent.id
    assert shown["conversation"]["assigneeName"] == team.agent.name
    assert shown["conversation"]["queuePosition"] is None
    assert shown["messages"][-1]["authorType"] == "SYSTEM"
    assert shown["messages"][-1]["body"] == f"{team.agent.name} joined the chat."
    # The customer sees their agent too.
    public = await client.get(
        f"/api/embed/conversations/{conversation_id}", headers=visitor["headers"]
    )
    assert public.status_code == 200, public.text
    assert public.json()["conversation"]["status"] == "ACTIVE"
    assert public.json()["conversation"]["agent"] == {
        "id": team.agent.id,
        "name": team.agent.name,
    }


async def test_round_robin_alternates_between_online_agents_up_to_their_capacity(
    client: httpx.AsyncClient, team: Team, queue: OnQueue, router: Router
) -> None:
    first, second = await make_agent(team.org), await make_agent(team.org)
    for agent in (first, second):
        await set_capacity(client, team, agent, 2)
        await queue.join(agent)
    await configure_widget(client, team, routing="automatic")

    assignees = []
    for _ in range(4):
        _, conversation_id = await new_chat(client, team)
        assignees.append((await routed(client, team, router, conversation_id))["assigneeId"])

    assert set(assignees) == {first.id, second.id}
    assert assignees[0] != assignees[1]
    assert assignees[2] == assignees[0]
    assert assignees[3] == assignees[1]
    # Both are full now: a fifth chat waits.
    _, fifth = await new_chat(client, team)
    assert await router.route(team.org.id) == 0
    assert (await conversation(client, team, fifth))["status"] == "WAITING"


async def test_chat_beyond_capacity_waits_first_in_line_until_a_slot_frees(
    client: httpx.AsyncClient, team: Team, queue: OnQueue, router: Router
) -> None:
    first, second = await make_agent(team.org), await make_agent(team.org)
    for agent in (first, second):
        await set_capacity(client, team, agent, 1)
        await queue.join(agent)
    await configure_widget(client, team, routing="automatic")

    visitor_one, one = await new_chat(client, team)
    _, two = await new_chat(client, team)
    visitor_three, three = await new_chat(client, team)
    active_one = await routed(client, team, router, one)
    active_two = await routed(client, team, router, two)
    assert {active_one["assigneeId"], active_two["assigneeId"]} == {first.id, second.id}

    assert await router.route(team.org.id) == 0
    waiting = await conversation(client, team, three)
    assert waiting["status"] == "WAITING"
    assert waiting["assigneeId"] is None
    assert waiting["queuePosition"] == 1
    public = await client.get(f"/api/embed/conversations/{three}", headers=visitor_three["headers"])
    assert public.json()["conversation"]["queuePosition"] == 1

    async with no_tick(router):
        ended = await client.post(
            f"/api/embed/conversations/{one}/end", headers=visitor_one["headers"]
        )
        assert ended.status_code == 200, ended.text
        now_active = await conversation(client, team, three)

    assert now_active["status"] == "ACTIVE"
    assert now_active["assigneeId"] == active_one["assigneeId"]
    assert now_active["queuePosition"] is None


async def test_escalating_and_ending_a_chat_frees_the_slot_at_once(
    client: httpx.AsyncClient, team: Team, queue: OnQueue, router: Router
) -> None:
    await set_capacity(client, team, team.agent, 1)
    await queue.join(team.agent)
    await configure_widget(client, team, routing="automatic")
    _, one = await new_chat(client, team)
    assert (await routed(client, team, router, one))["assigneeId"] == team.agent.id
    _, two = await new_chat(client, team)
    assert await router.route(team.org.id) == 0

    # Ending a chat through escalation is a chat ending like any other: the queue moves.
    async with no_tick(router):
        escalated = await client.post(
            f"/api/tickets/from-chat/{one}",
            json={"endConversation": True},
            headers=team.agent_headers,
        )
        assert escalated.status_code == 201, escalated.text
        assert escalated.json()["conversation"]["status"] == "ENDED"
        next_one = await conversation(client, team, two)

    assert next_one["status"] == "ACTIVE"
    assert next_one["assigneeId"] == team.agent.id


async def test_away_agent_is_given_nothing(
    client: httpx.AsyncClient, team: Team, queue: OnQueue, router: Router
) -> None:
    connection = await queue.join(team.agent, "away")
    await configure_widget(client, team, routing="automatic")
    _, conversation_id = await new_chat(client, team)

    assert await router.route(team.org.id) == 0
    await router.pass_once()
    still = await conversation(client, team, conversation_id)
    assert still["status"] == "WAITING"
    assert still["assigneeId"] is None

    # Back online, the same agent gets it.
    await queue.update(team.agent, connection, "online")
    assert (await routed(client, team, router, conversation_id))["assigneeId"] == team.agent.id


async def test_agent_with_zero_capacity_is_given_nothing(
    client: httpx.AsyncClient, team: Team, queue: OnQueue, router: Router
) -> None:
    await set_capacity(client, team, team.agent, 0)
    await queue.join(team.agent)
    await configure_widget(client, team, routing="automatic")
    _, conversation_id = await new_chat(client, team)

    assert await router.route(team.org.id) == 0
    await router.pass_once()
    assert (await conversation(client, team, conversation_id))["status"] == "WAITING"

    await set_capacity(client, team, team.agent, 1)
    assert (await routed(client, team, router, conversation_id))["assigneeId"] == team.agent.id


async def test_manual_routing_assigns_nothing(
    client: httpx.AsyncClient, team: Team, queue: OnQueue, router: Router
) -> None:
    await queue.join(team.agent)
    await configure_widget(client, team, routing="manual")
    _, conversation_id = await new_chat(client, team)

    assert await router.route(team.org.id) == 0
    await router.pass_once()
    still = await conversation(client, team, conversation_id)
    assert still["status"] == "WAITING"
    assert still["queuePosition"] == 1

    await configure_widget(client, team, routing="automatic")
    assert (await routed(client, team, router, conversation_id))["assigneeId"] == team.agent.id


async def test_routing_ignores_agents_online_in_another_organisation(
    client: httpx.AsyncClient, team: Team, other_team: Team, queue: OnQueue, router: Router
) -> None:
    await queue.join(other_team.agent)
    await configure_widget(client, team, routing="automatic")
    _, conversation_id = await new_chat(client, team)

    assert await router.route(team.org.id) == 0
    assert (await conversation(client, team, conversation_id))["status"] == "WAITING"


# --- requeueing --------------------------------------------------------------------------------


async def test_unanswered_chat_of_an_absent_agent_returns_to_the_queue(
    client: httpx.AsyncClient, team: Team, router: Router
) -> None:
    await configure_widget(client, team, routing="manual", offlineGraceSeconds=1)
    visitor, conversation_id = await new_chat(client, team, body="Is anyone there?")
    await claim(client, team.agent_headers, conversation_id)  # nobody answers; not present

    back = await requeued(client, team, router, conversation_id)

    assert back["status"] == "WAITING"
    assert back["assigneeId"] is None
    assert back["queuePosition"] == 1
    messages = (await detail(client, team, conversation_id))["messages"]
    assert messages[-1]["authorType"] == "SYSTEM"
    assert messages[-1]["body"] == f"{team.agent.name} {NOT_AVAILABLE}"
    # The customer is told, and sees nobody has their chat.
    public = await client.get(
        f"/api/embed/conversations/{conversation_id}/messages", headers=visitor["headers"]
    )
    assert public.json()["items"][-1]["authorType"] == "SYSTEM"
    assert public.json()["items"][-1]["body"] == f"{team.agent.name} {NOT_AVAILABLE}"
    mine = await client.get(
        f"/api/embed/conversations/{conversation_id}", headers=visitor["headers"]
    )
    assert mine.json()["conversation"]["status"] == "WAITING"
    assert mine.json()["conversation"]["agent"] is None


async def test_requeued_chat_is_routed_to_another_online_agent(
    client: httpx.AsyncClient, team: Team, queue: OnQueue, router: Router
) -> None:
    leaving = await queue.join(team.agent)
    await configure_widget(client, team, routing="automatic", offlineGraceSeconds=1)
    _, conversation_id = await new_chat(client, team)
    assert (await routed(client, team, router, conversation_id))["assigneeId"] == team.agent.id

    await queue.join(team.admin)
    await queue.leave(team.agent, leaving)
    moved = await requeued(client, team, router, conversation_id)
    if moved["status"] == "WAITING":
        # Seen between the requeue's commit and the routing that follows it (the app's own
        # router tick may be the one requeueing): wait for the routing.
        moved = await routed(client, team, router, conversation_id)

    assert moved["status"] == "ACTIVE"
    assert moved["assigneeId"] == team.admin.id
    bodies = [m["body"] for m in (await detail(client, team, conversation_id))["messages"]]
    assert bodies[-2:] == [
        f"{team.agent.name} {NOT_AVAILABLE}",
        f"{team.admin.name} joined the chat.",
    ]


async def test_chat_is_not_requeued_within_the_grace_period(
    client: httpx.AsyncClient, team: Team, router: Router
) -> None:
    await configure_widget(client, team, routing="manual", offlineGraceSeconds=3600)
    _, conversation_id = await new_chat(client, team)
    await claim(client, team.agent_headers, conversation_id)

    await past_grace(router, 0)

    kept = await conversation(client, team, conversation_id)
    assert kept["status"] == "ACTIVE"
    assert kept["assigneeId"] == team.agent.id


async def test_the_grace_period_is_shared_by_every_process(
    app: Starlette, client: httpx.AsyncClient, team: Team, router: Router
) -> None:
    """The absence clock lives on the agent, so a pass in another process (another router)
    measures the grace from when the first pass saw the agent gone."""
    await configure_widget(client, team, routing="manual", offlineGraceSeconds=1)
    _, conversation_id = await new_chat(client, team)
    async with no_tick(router):
        await claim(client, team.agent_headers, conversation_id)
        await router.requeue_absent()  # this process sees the agent gone: the clock starts
        seen = (await Agent.get(id=team.agent.id)).absent_since
        assert seen is not None
        await asyncio.sleep(1.2)
        other_process = Router(app.state.parley.hub.presence)
        assert await other_process.requeue_absent() >= 1  # ours (others of earlier tests too)
        assert (await conversation(client, team, conversation_id))["status"] == "WAITING"
        await router.requeue_absent()
    assert (await Agent.get(id=team.agent.id)).absent_since is None  # nobody waits on them


async def test_chat_the_agent_answered_last_is_not_requeued(
    client: httpx.AsyncClient, team: Team, router: Router
) -> None:
    await configure_widget(client, team, routing="manual", offlineGraceSeconds=1)
    visitor, conversation_id = await new_chat(client, team)
    await claim(client, team.agent_headers, conversation_id)
    await agent_reply(client, team.agent_headers, conversation_id, "Let me check that.")

    await past_grace(router, 1)

    kept = await conversation(client, team, conversation_id)
    assert kept["status"] == "ACTIVE"
    assert kept["assigneeId"] == team.agent.id
    assert kept["awaitingReplySince"] is None

    # Once the customer writes again, the absent agent's chat does go back.
    await customer_writes(client, visitor, conversation_id, "Any news?")
    back = await requeued(client, team, router, conversation_id)
    assert back["status"] == "WAITING"


@pytest.mark.parametrize("status", ["online", "away"])
async def test_present_agent_keeps_their_unanswered_chats(
    client: httpx.AsyncClient, team: Team, queue: OnQueue, router: Router, status: Status
) -> None:
    connection = await queue.join(team.agent, status)
    await configure_widget(client, team, routing="manual", offlineGraceSeconds=1)
    _, conversation_id = await new_chat(client, team)
    await claim(client, team.agent_headers, conversation_id)

    await past_grace(router, 1)

    kept = await conversation(client, team, conversation_id)
    assert kept["status"] == "ACTIVE"
    assert kept["assigneeId"] == team.agent.id
    assert kept["awaitingReplySince"] is not None

    # Gone from presence, the same chat returns to the queue.
    await queue.leave(team.agent, connection)
    assert (await requeued(client, team, router, conversation_id))["status"] == "WAITING"


# --- the reactor -------------------------------------------------------------------------------


def test_routing_reacts_only_to_events_that_change_the_queue() -> None:
    from server.chat import events
    from server.chat.routing import frees_or_fills_the_queue
    from tests.push.test_chat_rules import (
        CLAIMED,
        CREATED,
        ENDED,
        READ,
        REPLY,
        REQUEUED,
        TRANSFERRED,
    )

    assert all(map(frees_or_fills_the_queue, [CREATED, ENDED, REQUEUED, TRANSFERRED]))
    assert not any(map(frees_or_fills_the_queue, [CLAIMED, READ, REPLY]))
    assert not frees_or_fills_the_queue(events.QueuePosition(conversation_id=1, position=1))


async def test_the_reactor_routes_each_changed_organisation_once(app: Starlette) -> None:
    from server.chat.routing import RoutingReactor
    from server.events.model import Subject
    from tests.push.test_chat_rules import CREATED, ENDED, READ

    class Counting(Router):
        def __init__(self) -> None:
            self.routed: list[int] = []

        async def route(self, organization_id: int) -> int:
            self.routed.append(organization_id)
            return 0

    router = Counting()
    subject = Subject(organization_id=5, kind="conversation", id=1, contact_id=2)
    other = Subject(organization_id=6, kind="conversation", id=2, contact_id=3)
    await RoutingReactor(router).react([(CREATED, subject), (ENDED, subject), (READ, other)])
    assert router.routed == [5]
