"""The agents' live-chat REST routes (`/api/conversations*`).

Queue views and filters, a conversation with its messages, claim (and the claim race),
transfer, end, replies and internal notes, idempotent messages, read receipts and unread
counts, and what an API key may not do.
"""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import httpx
import pytest

from server.accounts.models import Agent
from server.db import MAX_ID
from tests.factories import Team, bearer_for, make_agent, start_chat, visitor_session

BASE = "/api/conversations"


def cid() -> str:
    return uuid.uuid4().hex


async def open_chat(
    client: httpx.AsyncClient, team: Team, body: str = "Hello, I need help", **session: Any
) -> tuple[dict[str, Any], dict[str, Any]]:
    """A new visitor of `team` and the chat they opened: (visitor, start JSON)."""
    visitor = await visitor_session(client, team.org, **session)
    return visitor, await start_chat(client, visitor, body=body)


async def listing(
    client: httpx.AsyncClient, headers: dict[str, str], **params: Any
) -> dict[str, Any]:
    response = await client.get(BASE, params=params, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


async def detail(
    client: httpx.AsyncClient, headers: dict[str, str], conversation_id: int, **params: Any
) -> dict[str, Any]:
    response = await client.get(f"{BASE}/{conversation_id}", params=params, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


async def unread(client: httpx.AsyncClient, team: Team, conversation_id: int) -> int:
    """The agents' unread count of the conversation."""
    return (await detail(client, team.agent_headers, conversation_id))["conversation"]["unread"]


async def post_message(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    conversation_id: int,
    body: str = "How can I help?",
    *,
    internal: bool = False,
    client_message_id: str | None = None,
) -> httpx.Response:
    return await client.post(
        f"{BASE}/{conversation_id}/messages",
        json={
            "body": body,
            "clientMessageId": client_message_id or cid(),
            "isInternal": internal,
        },
        headers=headers,
    )


async def visitor_send(
    client: httpx.AsyncClient, visitor: dict[str, Any], conversation_id: int, body: str
) -> dict[str, Any]:
    response = await client.post(
        f"/api/embed/conversations/{conversation_id}/messages",
        json={"body": body, "clientMessageId": cid()},
        headers=visitor["headers"],
    )
    assert response.status_code == 201, response.text
    return response.json()


async def claim(
    client: httpx.AsyncClient, headers: dict[str, str], conversation_id: int
) -> httpx.Response:
    return await client.post(f"{BASE}/{conversation_id}/claim", headers=headers)


async def second_agent(team: Team, name: str = "Carol Colleague") -> tuple[Agent, dict[str, str]]:
    agent = await make_agent(team.org, name=name)
    return agent, await bearer_for(agent)


def assert_error(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert error["code"] == code, error
    return error


# --- list views ------------------------------------------------------------------------------


async def test_waiting_view_is_the_queue_in_order_with_positions_and_wait_times(
    client: httpx.AsyncClient, team: Team
) -> None:
    ids = [(await open_chat(client, team))[1]["conversation"]["id"] for _ in range(3)]
    page = await listing(client, team.agent_headers, view="waiting")
    assert page["total"] == 3
    assert [c["id"] for c in page["items"]] == ids
    assert [c["queuePosition"] for c in page["items"]] == [1, 2, 3]
    for item in page["items"]:
        assert item["status"] == "WAITING"
        assert isinstance(item["waitSeconds"], int)
        assert item["waitSeconds"] >= 0
        assert item["assigneeId"] is None

    # The first one is taken: the others move up.
    assert (await claim(client, team.agent_headers, ids[0])).status_code == 200
    page = await listing(client, team.agent_headers, view="waiting")
    assert [c["id"] for c in page["items"]] == ids[1:]
    assert [c["queuePosition"] for c in page["items"]] == [1, 2]


async def test_mine_active_ended_and_all_views(client: httpx.AsyncClient, team: Team) -> None:
    mine, theirs, waiting, ended = [
        (await open_chat(client, team))[1]["conversation"]["id"] for _ in range(4)
    ]
    assert (await claim(client, team.agent_headers, mine)).status_code == 200
    assert (await claim(client, team.admin_headers, theirs)).status_code == 200
    response = await client.post(f"{BASE}/{ended}/end", headers=team.agent_headers)
    assert response.status_code == 200, response.text

    def ids(page: dict[str, Any]) -> set[int]:
        return {c["id"] for c in page["items"]}

    agent_mine = await listing(client, team.agent_headers, view="mine")
    assert ids(agent_mine) == {mine}
    assert agent_mine["items"][0]["assigneeId"] == team.agent.id
    assert agent_mine["items"][0]["waitSeconds"] is None
    assert agent_mine["items"][0]["queuePosition"] is None
    assert ids(await listing(client, team.admin_headers, view="mine")) == {theirs}
    assert ids(await listing(client, team.agent_headers, view="active")) == {mine, theirs}
    assert ids(await listing(client, team.agent_headers, view="waiting")) == {waiting}
    ended_page = await listing(client, team.agent_headers, view="ended")
    assert ids(ended_page) == {ended}
    assert ended_page["items"][0]["endedAt"] is not None
    everything = await listing(client, team.agent_headers, view="all")
    assert ids(everything) == {mine, theirs, waiting, ended}
    assert everything["total"] == 4
    # Without a view: all.
    assert ids(await listing(client, team.agent_headers)) == {mine, theirs, waiting, ended}


async def test_list_filters_by_contact_and_assignee(client: httpx.AsyncClient, team: Team) -> None:
    visitor, first = await open_chat(client, team)
    first_id = first["conversation"]["id"]
    await client.post(f"/api/embed/conversations/{first_id}/end", headers=visitor["headers"])
    second_id = (await start_chat(client, visitor))["conversation"]["id"]
    other_id = (await open_chat(client, team))[1]["conversation"]["id"]
    assert (await claim(client, team.agent_headers, other_id)).status_code == 200

    by_contact = await listing(client, team.agent_headers, contactId=visitor["contact"]["id"])
    assert by_contact["total"] == 2
    assert {c["id"] for c in by_contact["items"]} == {first_id, second_id}
    assert all(c["contact"]["id"] == visitor["contact"]["id"] for c in by_contact["items"])

    by_assignee = await listing(client, team.admin_headers, assigneeId=team.agent.id)
    assert [c["id"] for c in by_assignee["items"]] == [other_id]
    none_for_admin = await listing(client, team.admin_headers, assigneeId=team.admin.id)
    assert none_for_admin["total"] == 0

    both = await listing(
        client, team.agent_headers, view="ended", contactId=visitor["contact"]["id"]
    )
    assert [c["id"] for c in both["items"]] == [first_id]


async def test_list_pages(client: httpx.AsyncClient, team: Team) -> None:
    ids = [(await open_chat(client, team))[1]["conversation"]["id"] for _ in range(5)]
    seen: list[int] = []
    for number in (1, 2, 3):
        page = await listing(client, team.agent_headers, view="waiting", page=number, pageSize=2)
        assert page["total"] == 5
        assert page["page"] == number
        assert page["pageSize"] == 2
        seen += [c["id"] for c in page["items"]]
        # Queue positions are the place in the whole queue, not on the page.
        assert [c["queuePosition"] for c in page["items"]] == [
            ids.index(c["id"]) + 1 for c in page["items"]
        ]
    assert seen == ids
    beyond = await listing(client, team.agent_headers, view="waiting", page=4, pageSize=2)
    assert beyond["items"] == []
    assert beyond["total"] == 5


@pytest.mark.parametrize(
    "params",
    [
        {"view": "closed"},
        {"page": 0},
        {"pageSize": 0},
        {"pageSize": 201},
        {"assigneeId": "me"},
        {"contactId": 0},
        {"sort": "id"},
    ],
)
async def test_invalid_list_queries_are_422(
    client: httpx.AsyncClient, team: Team, params: dict[str, Any]
) -> None:
    response = await client.get(BASE, params=params, headers=team.agent_headers)
    assert_error(response, 422, "validation_failed")


async def test_list_needs_an_agent(client: httpx.AsyncClient, team: Team) -> None:
    visitor, _ = await open_chat(client, team)
    assert (await client.get(BASE)).status_code == 401
    assert (await client.get(BASE, headers=visitor["headers"])).status_code == 401


# --- one conversation ------------------------------------------------------------------------


async def test_detail_has_messages_oldest_first_and_pages_back(
    client: httpx.AsyncClient, team: Team
) -> None:
    visitor, started = await open_chat(client, team, body="message 0")
    conversation_id = started["conversation"]["id"]
    for n in range(1, 5):
        await visitor_send(client, visitor, conversation_id, f"message {n}")

    full = await detail(client, team.agent_headers, conversation_id)
    assert [m["body"] for m in full["messages"]] == [f"message {n}" for n in range(5)]
    assert full["hasMore"] is False
    assert full["conversation"]["id"] == conversation_id
    assert full["conversation"]["contact"]["id"] == visitor["contact"]["id"]
    ids = [m["id"] for m in full["messages"]]
    assert ids == sorted(ids)

    latest = await detail(client, team.agent_headers, conversation_id, limit=2)
    assert [m["body"] for m in latest["messages"]] == ["message 3", "message 4"]
    assert latest["hasMore"] is True

    older = await detail(
        client, team.agent_headers, conversation_id, limit=2, before=latest["messages"][0]["id"]
    )
    assert [m["body"] for m in older["messages"]] == ["message 1", "message 2"]
    assert older["hasMore"] is True
    oldest = await detail(
        client, team.agent_headers, conversation_id, limit=2, before=older["messages"][0]["id"]
    )
    assert [m["body"] for m in oldest["messages"]] == ["message 0"]
    assert oldest["hasMore"] is False

    exact = await detail(client, team.agent_headers, conversation_id, limit=5)
    assert len(exact["messages"]) == 5
    assert exact["hasMore"] is False


async def test_messages_route_catches_up_after_an_id(client: httpx.AsyncClient, team: Team) -> None:
    visitor, started = await open_chat(client, team, body="message 0")
    conversation_id = started["conversation"]["id"]
    for n in range(1, 4):
        await visitor_send(client, visitor, conversation_id, f"message {n}")
    response = await client.get(
        f"{BASE}/{conversation_id}/messages",
        params={"after": started["message"]["id"], "limit": 2},
        headers=team.agent_headers,
    )
    assert response.status_code == 200, response.text
    page = response.json()
    assert [m["body"] for m in page["items"]] == ["message 1", "message 2"]
    assert page["hasMore"] is True
    rest = await client.get(
        f"{BASE}/{conversation_id}/messages",
        params={"after": page["items"][-1]["id"]},
        headers=team.agent_headers,
    )
    assert [m["body"] for m in rest.json()["items"]] == ["message 3"]
    assert rest.json()["hasMore"] is False


@pytest.mark.parametrize("params", [{"limit": 0}, {"limit": 201}, {"before": 0}, {"after": -3}])
async def test_invalid_message_queries_are_422(
    client: httpx.AsyncClient, team: Team, params: dict[str, Any]
) -> None:
    _, started = await open_chat(client, team)
    response = await client.get(
        f"{BASE}/{started['conversation']['id']}", params=params, headers=team.agent_headers
    )
    assert_error(response, 422, "validation_failed")


async def test_an_unknown_conversation_is_404(client: httpx.AsyncClient, team: Team) -> None:
    for method, suffix, body in [
        ("GET", "", None),
        ("GET", "/messages", None),
        ("POST", "/messages", {"body": "hi", "clientMessageId": cid()}),
        ("POST", "/claim", None),
        ("POST", "/transfer", {"agentId": team.agent.id}),
        ("POST", "/end", None),
        ("POST", "/read", {"lastReadMessageId": 1}),
    ]:
        response = await client.request(
            method, f"{BASE}/{MAX_ID}{suffix}", json=body, headers=team.admin_headers
        )
        assert_error(response, 404, "not_found")


# --- claim -----------------------------------------------------------------------------------


async def test_claim_takes_a_waiting_chat_and_a_second_claim_is_409(
    client: httpx.AsyncClient, team: Team
) -> None:
    visitor, started = await open_chat(client, team)
    conversation_id = started["conversation"]["id"]
    response = await claim(client, team.agent_headers, conversation_id)
    assert response.status_code == 200, response.text
    conversation = response.json()["conversation"]
    assert conversation["status"] == "ACTIVE"
    assert conversation["assigneeId"] == team.agent.id
    assert conversation["assigneeName"] == team.agent.name
    assert conversation["assignedAt"] is not None
    assert conversation["queuePosition"] is None
    assert conversation["waitSeconds"] is None

    again = await claim(client, team.admin_headers, conversation_id)
    error = assert_error(again, 409, "conflict")
    assert error["assigneeId"] == team.agent.id
    same_agent = await claim(client, team.agent_headers, conversation_id)
    assert assert_error(same_agent, 409, "conflict")["assigneeId"] == team.agent.id

    messages = (await detail(client, team.agent_headers, conversation_id))["messages"]
    assert [(m["authorType"], m["body"]) for m in messages][1:] == [
        ("SYSTEM", f"{team.agent.name} joined the chat.")
    ]  # one system line: the refused claims wrote nothing
    seen = await client.get(
        f"/api/embed/conversations/{conversation_id}", headers=visitor["headers"]
    )
    assert seen.json()["conversation"]["agent"]["id"] == team.agent.id


async def test_claiming_an_ended_chat_is_409_conversation_ended(
    client: httpx.AsyncClient, team: Team
) -> None:
    _, started = await open_chat(client, team)
    conversation_id = started["conversation"]["id"]
    await client.post(f"{BASE}/{conversation_id}/end", headers=team.agent_headers)
    response = await claim(client, team.agent_headers, conversation_id)
    assert_error(response, 409, "conversation_ended")
    after = await detail(client, team.agent_headers, conversation_id)
    assert after["conversation"]["status"] == "ENDED"
    assert after["conversation"]["assigneeId"] is None


@pytest.mark.parametrize("attempt", range(5))
async def test_of_two_simultaneous_claims_exactly_one_wins(
    client: httpx.AsyncClient, team: Team, attempt: int
) -> None:
    other, other_headers = await second_agent(team)
    for _ in range(3):
        _, started = await open_chat(client, team)
        conversation_id = started["conversation"]["id"]
        first, second = await asyncio.gather(
            claim(client, team.agent_headers, conversation_id),
            claim(client, other_headers, conversation_id),
        )
        statuses = sorted([first.status_code, second.status_code])
        assert statuses == [200, 409], (first.text, second.text)
        winner, loser = (first, second) if first.status_code == 200 else (second, first)
        winner_id = winner.json()["conversation"]["assigneeId"]
        assert winner_id in {team.agent.id, other.id}
        assert assert_error(loser, 409, "conflict").get("assigneeId") == winner_id

        stored = await detail(client, team.admin_headers, conversation_id)
        assert stored["conversation"]["assigneeId"] == winner_id
        joined = [m for m in stored["messages"] if m["authorType"] == "SYSTEM"]
        assert len(joined) == 1, joined


# --- transfer --------------------------------------------------------------------------------


async def test_transfer_hands_the_chat_to_another_agent(
    client: httpx.AsyncClient, team: Team
) -> None:
    other, other_headers = await second_agent(team)
    visitor, started = await open_chat(client, team)
    conversation_id = started["conversation"]["id"]
    assert (await claim(client, team.agent_headers, conversation_id)).status_code == 200

    response = await client.post(
        f"{BASE}/{conversation_id}/transfer", json={"agentId": other.id},
        headers=team.agent_headers,
    )  # fmt: skip
    assert response.status_code == 200, response.text
    conversation = response.json()["conversation"]
    assert conversation["assigneeId"] == other.id
    assert conversation["assigneeName"] == other.name
    assert conversation["status"] == "ACTIVE"

    messages = (await detail(client, team.agent_headers, conversation_id))["messages"]
    assert (messages[-1]["authorType"], messages[-1]["body"]) == (
        "SYSTEM", f"You are now chatting with {other.name}.",
    )  # fmt: skip
    public = await client.get(
        f"/api/embed/conversations/{conversation_id}/messages", headers=visitor["headers"]
    )
    assert public.json()["items"][-1]["body"] == f"You are now chatting with {other.name}."
    assert [c["id"] for c in (await listing(client, other_headers, view="mine"))["items"]] == [
        conversation_id
    ]
    # The previous assignee no longer has it.
    refused = await post_message(client, team.agent_headers, conversation_id)
    assert refused.status_code == 403, refused.text


async def test_a_waiting_chat_can_be_transferred_by_anyone(
    client: httpx.AsyncClient, team: Team
) -> None:
    _, started = await open_chat(client, team)
    conversation_id = started["conversation"]["id"]
    response = await client.post(
        f"{BASE}/{conversation_id}/transfer", json={"agentId": team.admin.id},
        headers=team.agent_headers,
    )  # fmt: skip
    assert response.status_code == 200, response.text
    assert response.json()["conversation"]["status"] == "ACTIVE"
    assert response.json()["conversation"]["assigneeId"] == team.admin.id


async def test_an_admin_may_transfer_someone_elses_chat(
    client: httpx.AsyncClient, team: Team
) -> None:
    other, _ = await second_agent(team)
    _, started = await open_chat(client, team)
    conversation_id = started["conversation"]["id"]
    await claim(client, team.agent_headers, conversation_id)
    response = await client.post(
        f"{BASE}/{conversation_id}/transfer", json={"agentId": other.id},
        headers=team.admin_headers,
    )  # fmt: skip
    assert response.status_code == 200, response.text
    assert response.json()["conversation"]["assigneeId"] == other.id


async def test_transfer_to_an_unknown_other_org_inactive_or_same_agent_is_422(
    client: httpx.AsyncClient, team: Team, other_team: Team
) -> None:
    inactive, _ = await second_agent(team, name="Ivan Inactive")
    deactivated = await client.patch(
        f"/api/agents/{inactive.id}", json={"isActive": False}, headers=team.admin_headers
    )
    assert deactivated.status_code == 200, deactivated.text
    _, started = await open_chat(client, team)
    conversation_id = started["conversation"]["id"]
    await claim(client, team.agent_headers, conversation_id)
    before = await detail(client, team.admin_headers, conversation_id)

    for target in (MAX_ID, other_team.agent.id, other_team.admin.id, inactive.id, team.agent.id):
        response = await client.post(
            f"{BASE}/{conversation_id}/transfer", json={"agentId": target},
            headers=team.agent_headers,
        )  # fmt: skip
        error = assert_error(response, 422, "validation_failed")
        assert "agentId" in error["fields"], (target, error)
    for bad in (0, -1, MAX_ID + 1, "x", None):
        response = await client.post(
            f"{BASE}/{conversation_id}/transfer", json={"agentId": bad},
            headers=team.agent_headers,
        )  # fmt: skip
        assert_error(response, 422, "validation_failed")

    after = await detail(client, team.admin_headers, conversation_id)
    assert after["conversation"]["assigneeId"] == team.agent.id
    assert after["messages"] == before["messages"]


async def test_a_non_assignee_agent_can_not_transfer_an_active_chat(
    client: httpx.AsyncClient, team: Team
) -> None:
    other, other_headers = await second_agent(team)
    _, started = await open_chat(client, team)
    conversation_id = started["conversation"]["id"]
    await claim(client, team.agent_headers, conversation_id)
    response = await client.post(
        f"{BASE}/{conversation_id}/transfer", json={"agentId": other.id}, headers=other_headers
    )
    error = assert_error(response, 403, "forbidden")
    assert error["assigneeId"] == team.agent.id
    after = await detail(client, team.admin_headers, conversation_id)
    assert after["conversation"]["assigneeId"] == team.agent.id


async def test_transferring_an_ended_chat_is_409(client: httpx.AsyncClient, team: Team) -> None:
    _, started = await open_chat(client, team)
    conversation_id = started["conversation"]["id"]
    await client.post(f"{BASE}/{conversation_id}/end", headers=team.agent_headers)
    response = await client.post(
        f"{BASE}/{conversation_id}/transfer", json={"agentId": team.admin.id},
        headers=team.agent_headers,
    )  # fmt: skip
    assert_error(response, 409, "conversation_ended")


# --- end -------------------------------------------------------------------------------------


async def test_agent_ends_the_chat(client: httpx.AsyncClient, team: Team) -> None:
    visitor, started = await open_chat(client, team)
    conversation_id = started["conversation"]["id"]
    await claim(client, team.agent_headers, conversation_id)
    response = await client.post(f"{BASE}/{conversation_id}/end", headers=team.agent_headers)
    assert response.status_code == 200, response.text
    conversation = response.json()["conversation"]
    assert conversation["status"] == "ENDED"
    assert conversation["endedAt"] is not None

    messages = (await detail(client, team.agent_headers, conversation_id))["messages"]
    assert messages[-1]["body"] == f"{team.agent.name} ended the chat."
    assert messages[-1]["authorType"] == "SYSTEM"
    refused = await client.post(
        f"/api/embed/conversations/{conversation_id}/messages",
        json={"body": "hello?", "clientMessageId": cid()},
        headers=visitor["headers"],
    )
    assert_error(refused, 409, "conversation_ended")
    reply = await post_message(client, team.agent_headers, conversation_id)
    assert_error(reply, 409, "conversation_ended")

    again = await client.post(f"{BASE}/{conversation_id}/end", headers=team.agent_headers)
    assert again.status_code == 200, again.text
    assert again.json()["conversation"]["endedAt"] == conversation["endedAt"]
    assert (await detail(client, team.agent_headers, conversation_id))["messages"] == messages


async def test_a_non_assignee_agent_can_not_end_an_active_chat(
    client: httpx.AsyncClient, team: Team
) -> None:
    _, other_headers = await second_agent(team)
    _, started = await open_chat(client, team)
    conversation_id = started["conversation"]["id"]
    await claim(client, team.agent_headers, conversation_id)
    response = await client.post(f"{BASE}/{conversation_id}/end", headers=other_headers)
    assert_error(response, 403, "forbidden")
    after = await detail(client, team.admin_headers, conversation_id)
    assert after["conversation"]["status"] == "ACTIVE"
    admin = await client.post(f"{BASE}/{conversation_id}/end", headers=team.admin_headers)
    assert admin.status_code == 200, admin.text
    assert admin.json()["conversation"]["status"] == "ENDED"


# --- messages --------------------------------------------------------------------------------


async def test_a_reply_to_a_waiting_chat_claims_it(client: httpx.AsyncClient, team: Team) -> None:
    _, started = await open_chat(client, team)
    conversation_id = started["conversation"]["id"]
    response = await post_message(client, team.agent_headers, conversation_id, "I can help")
    assert response.status_code == 201, response.text
    data = response.json()
    assert data["message"]["authorType"] == "AGENT"
    assert data["message"]["authorId"] == team.agent.id
    assert data["message"]["isInternal"] is False
    assert data["conversation"]["status"] == "ACTIVE"
    assert data["conversation"]["assigneeId"] == team.agent.id
    assert data["conversation"]["firstResponseAt"] is not None
    assert data["conversation"]["awaitingReplySince"] is None

    messages = (await detail(client, team.agent_headers, conversation_id))["messages"]
    assert [(m["authorType"], m["body"]) for m in messages] == [
        ("CONTACT", "Hello, I need help"),
        ("SYSTEM", f"{team.agent.name} joined the chat."),
        ("AGENT", "I can help"),
    ]
    assert (await listing(client, team.agent_headers, view="waiting"))["total"] == 0


async def test_an_internal_note_on_a_waiting_chat_does_not_claim_it(
    client: httpx.AsyncClient, team: Team
) -> None:
    _, started = await open_chat(client, team)
    conversation_id = started["conversation"]["id"]
    response = await post_message(client, team.agent_headers, conversation_id, "VIP", internal=True)
    assert response.status_code == 201, response.text
    assert response.json()["message"]["isInternal"] is True
    assert response.json()["conversation"]["status"] == "WAITING"
    assert response.json()["conversation"]["assigneeId"] is None
    assert response.json()["conversation"]["unread"] == 1


async def test_another_agents_reply_to_an_active_chat_is_403_but_a_note_is_accepted(
    client: httpx.AsyncClient, team: Team
) -> None:
    _, other_headers = await second_agent(team)
    _, started = await open_chat(client, team)
    conversation_id = started["conversation"]["id"]
    await claim(client, team.agent_headers, conversation_id)
    before = await detail(client, team.admin_headers, conversation_id)

    reply = await post_message(client, other_headers, conversation_id, "Let me butt in")
    error = assert_error(reply, 403, "forbidden")
    assert error["assigneeId"] == team.agent.id

    note = await post_message(
        client, other_headers, conversation_id, "I know this customer", internal=True
    )
    assert note.status_code == 201, note.text
    assert note.json()["message"]["isInternal"] is True
    assert note.json()["conversation"]["assigneeId"] == team.agent.id

    after = await detail(client, team.admin_headers, conversation_id)
    assert [m["body"] for m in after["messages"]] == [
        *[m["body"] for m in before["messages"]], "I know this customer",
    ]  # fmt: skip
    assert after["conversation"]["status"] == "ACTIVE"
    assert after["conversation"]["assigneeId"] == team.agent.id


async def test_an_admin_may_reply_to_someone_elses_chat(
    client: httpx.AsyncClient, team: Team
) -> None:
    _, started = await open_chat(client, team)
    conversation_id = started["conversation"]["id"]
    await claim(client, team.agent_headers, conversation_id)
    response = await post_message(client, team.admin_headers, conversation_id, "Admin here")
    assert response.status_code == 201, response.text
    assert response.json()["conversation"]["assigneeId"] == team.agent.id


async def test_an_agent_resend_returns_the_same_message(
    client: httpx.AsyncClient, team: Team
) -> None:
    _, started = await open_chat(client, team)
    conversation_id = started["conversation"]["id"]
    client_id = cid()
    first = await post_message(
        client, team.agent_headers, conversation_id, "Hi", client_message_id=client_id
    )
    again = await post_message(
        client, team.agent_headers, conversation_id, "Hi", client_message_id=client_id
    )
    assert first.status_code == 201, first.text
    assert again.status_code == 201, again.text
    assert again.json()["message"]["id"] == first.json()["message"]["id"]
    assert again.json()["message"]["clientMessageId"] == client_id
    messages = (await detail(client, team.agent_headers, conversation_id))["messages"]
    assert [m["authorType"] for m in messages] == ["CONTACT", "SYSTEM", "AGENT"]


async def test_another_authors_client_message_id_is_409(
    client: httpx.AsyncClient, team: Team
) -> None:
    _, started = await open_chat(client, team)
    conversation_id = started["conversation"]["id"]
    client_id = cid()
    await post_message(
        client, team.agent_headers, conversation_id, "note", internal=True,
        client_message_id=client_id,
    )  # fmt: skip
    response = await post_message(
        client, team.admin_headers, conversation_id, "other", internal=True,
        client_message_id=client_id,
    )  # fmt: skip
    assert_error(response, 409, "conflict")


@pytest.mark.parametrize(
    "payload",
    [
        {"body": "", "clientMessageId": "a"},
        {"body": "   ", "clientMessageId": "a"},
        {"body": "x" * 5001, "clientMessageId": "a"},
        {"body": 7, "clientMessageId": "a"},
        {"body": "bell\u0007", "clientMessageId": "a"},
        {"body": "hi"},
        {"body": "hi", "clientMessageId": "a b"},
        {"body": "hi", "clientMessageId": "x" * 65},
        {"body": "hi", "clientMessageId": "a", "isInternal": "maybe"},
    ],
)
async def test_invalid_agent_messages_are_422(
    client: httpx.AsyncClient, team: Team, payload: dict[str, Any]
) -> None:
    _, started = await open_chat(client, team)
    conversation_id = started["conversation"]["id"]
    response = await client.post(
        f"{BASE}/{conversation_id}/messages", json=payload, headers=team.agent_headers
    )
    assert_error(response, 422, "validation_failed")
    after = await detail(client, team.agent_headers, conversation_id)
    assert len(after["messages"]) == 1
    assert after["conversation"]["status"] == "WAITING"


# --- read receipts and unread counts ---------------------------------------------------------


async def test_each_customer_message_counts_as_unread_for_the_agents(
    client: httpx.AsyncClient, team: Team
) -> None:
    visitor, started = await open_chat(client, team)
    conversation_id = started["conversation"]["id"]
    assert started["conversation"]["unread"] == 0  # the visitor's view: nothing from agents
    assert await unread(client, team, conversation_id) == 1
    for expected in (2, 3, 4):
        await visitor_send(client, visitor, conversation_id, f"ping {expected}")
        conversation = (await detail(client, team.agent_headers, conversation_id))["conversation"]
        assert conversation["unread"] == expected
    # Listed with the same count; agents' notes and reads are not customer messages.
    page = await listing(client, team.agent_headers, contactId=visitor["contact"]["id"])
    assert page["items"][0]["unread"] == 4
    await post_message(client, team.agent_headers, conversation_id, "note", internal=True)
    assert await unread(client, team, conversation_id) == 4
    # A public reply means the agents have read everything before it.
    reply = await post_message(client, team.agent_headers, conversation_id, "Here")
    assert reply.json()["conversation"]["unread"] == 0
    assert reply.json()["conversation"]["agentLastReadId"] == reply.json()["message"]["id"]


async def test_agent_read_receipt_sets_the_pointer_and_clears_unread(
    client: httpx.AsyncClient, team: Team
) -> None:
    visitor, started = await open_chat(client, team)
    conversation_id = started["conversation"]["id"]
    middle = await visitor_send(client, visitor, conversation_id, "second")
    last = await visitor_send(client, visitor, conversation_id, "third")

    partial = await client.post(
        f"{BASE}/{conversation_id}/read",
        json={"lastReadMessageId": middle["message"]["id"]}, headers=team.agent_headers,
    )  # fmt: skip
    assert partial.status_code == 200, partial.text
    assert partial.json()["conversation"]["agentLastReadId"] == middle["message"]["id"]
    assert partial.json()["conversation"]["unread"] == 1

    response = await client.post(
        f"{BASE}/{conversation_id}/read",
        json={"lastReadMessageId": last["message"]["id"]}, headers=team.agent_headers,
    )  # fmt: skip
    assert response.status_code == 200, response.text
    conversation = response.json()["conversation"]
    assert conversation["agentLastReadId"] == last["message"]["id"]
    assert conversation["unread"] == 0
    # The customer sees the receipt.
    seen = await client.get(
        f"/api/embed/conversations/{conversation_id}", headers=visitor["headers"]
    )
    assert seen.json()["conversation"]["agentLastReadId"] == last["message"]["id"]
    # Reading backwards changes nothing.
    back = await client.post(
        f"{BASE}/{conversation_id}/read",
        json={"lastReadMessageId": started["message"]["id"]}, headers=team.agent_headers,
    )  # fmt: skip
    assert back.json()["conversation"]["agentLastReadId"] == last["message"]["id"]
    assert back.json()["conversation"]["unread"] == 0
    # A new customer message is unread again.
    await visitor_send(client, visitor, conversation_id, "fourth")
    assert await unread(client, team, conversation_id) == 1


async def test_agents_may_mark_an_internal_note_read_but_not_another_chats_message(
    client: httpx.AsyncClient, team: Team
) -> None:
    _, started = await open_chat(client, team)
    _, other = await open_chat(client, team)
    conversation_id = started["conversation"]["id"]
    note = await post_message(client, team.agent_headers, conversation_id, "n", internal=True)
    response = await client.post(
        f"{BASE}/{conversation_id}/read",
        json={"lastReadMessageId": note.json()["message"]["id"]}, headers=team.agent_headers,
    )  # fmt: skip
    assert response.status_code == 200, response.text
    assert response.json()["conversation"]["unread"] == 0
    foreign = await client.post(
        f"{BASE}/{conversation_id}/read",
        json={"lastReadMessageId": other["message"]["id"]}, headers=team.agent_headers,
    )  # fmt: skip
    error = assert_error(foreign, 422, "validation_failed")
    assert "lastReadMessageId" in error["fields"]


# --- API keys --------------------------------------------------------------------------------


async def api_key_headers(client: httpx.AsyncClient, team: Team) -> dict[str, str]:
    response = await client.post(
        "/api/api-keys", json={"name": "Integration"}, headers=team.admin_headers
    )
    assert response.status_code == 201, response.text
    return {"Authorization": f"Bearer {response.json()['key']}"}


async def test_an_api_key_can_not_claim(client: httpx.AsyncClient, team: Team) -> None:
    headers = await api_key_headers(client, team)
    _, started = await open_chat(client, team)
    conversation_id = started["conversation"]["id"]
    response = await claim(client, headers, conversation_id)
    assert_error(response, 403, "forbidden")
    after = await detail(client, team.agent_headers, conversation_id)
    assert after["conversation"]["status"] == "WAITING"
    assert after["conversation"]["assigneeId"] is None
    assert len(after["messages"]) == 1


async def test_an_api_key_reads_the_queue_but_has_no_mine_view(
    client: httpx.AsyncClient, team: Team
) -> None:
    headers = await api_key_headers(client, team)
    _, started = await open_chat(client, team)
    page = await listing(client, headers, view="waiting")
    assert [c["id"] for c in page["items"]] == [started["conversation"]["id"]]
    response = await client.get(BASE, params={"view": "mine"}, headers=headers)
    error = assert_error(response, 422, "validation_failed")
    assert "view" in error["fields"]


async def test_an_api_key_reply_does_not_claim_a_waiting_chat(
    client: httpx.AsyncClient, team: Team
) -> None:
    """An API key is nobody's agent: whatever it may post, the chat never ends up assigned to
    no one while ACTIVE."""
    headers = await api_key_headers(client, team)
    _, started = await open_chat(client, team)
    conversation_id = started["conversation"]["id"]
    response = await post_message(client, headers, conversation_id, "Automated answer")
    after = await detail(client, team.agent_headers, conversation_id)
    assert not (
        after["conversation"]["status"] == "ACTIVE" and after["conversation"]["assigneeId"] is None
    ), response.text
