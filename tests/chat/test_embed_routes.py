"""The widget's live-chat REST routes (`/api/embed/conversations*`, visitor-token auth).

Starting a chat, the pre-chat form, sending messages (idempotent by `clientMessageId`),
ending, read receipts, and what a visitor may never see: internal notes and other customers'
conversations.
"""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

from server.db import MAX_ID
from tests.factories import Team, start_chat, visitor_session

EMBED = "/api/embed/conversations"


def cid() -> str:
    return uuid.uuid4().hex


async def agent_detail(
    client: httpx.AsyncClient, team: Team, conversation_id: int
) -> dict[str, Any]:
    """The conversation as the organisation's admin sees it (every message, notes too)."""
    response = await client.get(
        f"/api/conversations/{conversation_id}?limit=200", headers=team.admin_headers
    )
    assert response.status_code == 200, response.text
    return response.json()


async def send(
    client: httpx.AsyncClient,
    visitor: dict[str, Any],
    conversation_id: int,
    body: str = "One more thing",
    client_message_id: str | None = None,
) -> httpx.Response:
    return await client.post(
        f"{EMBED}/{conversation_id}/messages",
        json={"body": body, "clientMessageId": client_message_id or cid()},
        headers=visitor["headers"],
    )


async def agent_post(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    conversation_id: int,
    body: str,
    *,
    internal: bool = False,
) -> dict[str, Any]:
    response = await client.post(
        f"/api/conversations/{conversation_id}/messages",
        json={"body": body, "clientMessageId": cid(), "isInternal": internal},
        headers=headers,
    )
    assert response.status_code == 201, response.text
    return response.json()


def assert_error(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert error["code"] == code, error
    return error


# --- starting a chat -------------------------------------------------------------------------


async def test_start_chat_opens_a_waiting_conversation_with_the_opening_message(
    client: httpx.AsyncClient, team: Team
) -> None:
    visitor = await visitor_session(client, team.org)
    opening = cid()
    response = await client.post(
        EMBED,
        json={"body": "  My order never arrived  ", "clientMessageId": opening},
        headers=visitor["headers"],
    )
    assert response.status_code == 201, response.text
    data = response.json()
    conversation, message = data["conversation"], data["message"]
    assert conversation["status"] == "WAITING"
    assert conversation["queuePosition"] == 1
    assert conversation["agent"] is None
    assert conversation["endedAt"] is None
    assert message["clientMessageId"] == opening
    assert message["body"] == "My order never arrived"
    assert message["authorType"] == "CONTACT"
    assert message["conversationId"] == conversation["id"]
    assert "isInternal" not in message

    detail = await agent_detail(client, team, conversation["id"])
    assert detail["conversation"]["contact"]["id"] == visitor["contact"]["id"]
    assert detail["conversation"]["unread"] == 1
    assert [m["id"] for m in detail["messages"]] == [message["id"]]


async def test_second_waiting_chat_gets_the_next_queue_position(
    client: httpx.AsyncClient, team: Team
) -> None:
    first = await start_chat(client, await visitor_session(client, team.org))
    second = await start_chat(client, await visitor_session(client, team.org))
    assert first["conversation"]["queuePosition"] == 1
    assert second["conversation"]["queuePosition"] == 2


async def test_starting_again_with_the_same_client_message_id_returns_the_same_chat(
    client: httpx.AsyncClient, team: Team
) -> None:
    visitor = await visitor_session(client, team.org)
    payload = {"body": "Hello?", "clientMessageId": cid()}
    first = await client.post(EMBED, json=payload, headers=visitor["headers"])
    again = await client.post(EMBED, json=payload, headers=visitor["headers"])
    assert first.status_code == 201, first.text
    assert again.status_code == 201, again.text
    assert again.json()["conversation"]["id"] == first.json()["conversation"]["id"]
    assert again.json()["message"]["id"] == first.json()["message"]["id"]

    listed = await client.get(EMBED, headers=visitor["headers"])
    assert listed.json()["total"] == 1
    detail = await agent_detail(client, team, first.json()["conversation"]["id"])
    assert len(detail["messages"]) == 1


async def test_starting_while_a_chat_is_open_is_409_naming_the_open_one(
    client: httpx.AsyncClient, team: Team
) -> None:
    visitor = await visitor_session(client, team.org)
    opened = await start_chat(client, visitor)
    response = await client.post(
        EMBED, json={"body": "Another question", "clientMessageId": cid()},
        headers=visitor["headers"],
    )  # fmt: skip
    error = assert_error(response, 409, "conflict")
    assert error["conversationId"] == opened["conversation"]["id"]
    listed = await client.get(EMBED, headers=visitor["headers"])
    assert listed.json()["total"] == 1


async def test_a_new_chat_can_start_once_the_previous_one_ended(
    client: httpx.AsyncClient, team: Team
) -> None:
    visitor = await visitor_session(client, team.org)
    first = await start_chat(client, visitor)
    ended = await client.post(
        f"{EMBED}/{first['conversation']['id']}/end", headers=visitor["headers"]
    )
    assert ended.status_code == 200, ended.text
    second = await start_chat(client, visitor, body="New topic")
    assert second["conversation"]["id"] != first["conversation"]["id"]
    assert second["conversation"]["status"] == "WAITING"


# --- the pre-chat form -----------------------------------------------------------------------


async def require_name(client: httpx.AsyncClient, team: Team) -> None:
    response = await client.patch(
        "/api/org", json={"widget": {"preChat": {"name": "required"}}},
        headers=team.admin_headers,
    )  # fmt: skip
    assert response.status_code == 200, response.text


async def test_required_pre_chat_name_missing_is_422_naming_it(
    client: httpx.AsyncClient, team: Team
) -> None:
    await require_name(client, team)
    visitor = await visitor_session(client, team.org)  # anonymous: no name
    assert visitor["contact"]["name"] == ""
    for extra in ({}, {"preChat": {}}, {"preChat": {"email": "vera@example.com"}}):
        response = await client.post(
            EMBED, json={"body": "Hi", "clientMessageId": cid(), **extra},
            headers=visitor["headers"],
        )  # fmt: skip
        error = assert_error(response, 422, "validation_failed")
        assert "preChat.name" in error["fields"], (extra, error)
    listed = await client.get(EMBED, headers=visitor["headers"])
    assert listed.json()["total"] == 0


async def test_required_pre_chat_name_given_starts_and_fills_in_the_contact(
    client: httpx.AsyncClient, team: Team
) -> None:
    await require_name(client, team)
    visitor = await visitor_session(client, team.org)
    response = await client.post(
        EMBED,
        json={"body": "Hi", "clientMessageId": cid(), "preChat": {"name": "Vera Visitor"}},
        headers=visitor["headers"],
    )
    assert response.status_code == 201, response.text
    conversation_id = response.json()["conversation"]["id"]
    detail = await agent_detail(client, team, conversation_id)
    assert detail["conversation"]["contact"]["name"] == "Vera Visitor"
    assert detail["conversation"]["preChat"]["name"] == "Vera Visitor"
    assert detail["messages"][0]["authorName"] == "Vera Visitor"


async def test_required_pre_chat_name_is_not_asked_again_of_a_named_visitor(
    client: httpx.AsyncClient, team: Team
) -> None:
    await require_name(client, team)
    visitor = await visitor_session(client, team.org, name="Nora Named")
    started = await start_chat(client, visitor)
    assert started["conversation"]["status"] == "WAITING"


# --- sending messages ------------------------------------------------------------------------


async def test_visitor_sends_a_message(client: httpx.AsyncClient, team: Team) -> None:
    visitor = await visitor_session(client, team.org)
    conversation_id = (await start_chat(client, visitor))["conversation"]["id"]
    client_id = cid()
    response = await send(client, visitor, conversation_id, "The tracking number is 42", client_id)
    assert response.status_code == 201, response.text
    data = response.json()
    assert data["message"]["body"] == "The tracking number is 42"
    assert data["message"]["clientMessageId"] == client_id
    assert data["message"]["authorType"] == "CONTACT"
    assert "isInternal" not in data["message"]
    assert data["conversation"]["id"] == conversation_id
    detail = await agent_detail(client, team, conversation_id)
    assert [m["body"] for m in detail["messages"]][-1] == "The tracking number is 42"
    assert detail["conversation"]["unread"] == 2


async def test_resending_the_same_client_message_id_stores_one_message(
    client: httpx.AsyncClient, team: Team
) -> None:
    visitor = await visitor_session(client, team.org)
    conversation_id = (await start_chat(client, visitor))["conversation"]["id"]
    client_id = cid()
    first = await send(client, visitor, conversation_id, "Are you there?", client_id)
    again = await send(client, visitor, conversation_id, "Are you there?", client_id)
    assert first.status_code == 201, first.text
    assert again.status_code == 201, again.text
    assert again.json()["message"]["id"] == first.json()["message"]["id"]
    detail = await agent_detail(client, team, conversation_id)
    assert len(detail["messages"]) == 2  # the opening message and this one, once
    assert detail["conversation"]["unread"] == 2


async def test_a_message_of_exactly_the_maximum_length_is_accepted(
    client: httpx.AsyncClient, team: Team
) -> None:
    visitor = await visitor_session(client, team.org)
    conversation_id = (await start_chat(client, visitor))["conversation"]["id"]
    response = await send(client, visitor, conversation_id, "x" * 5000)
    assert response.status_code == 201, response.text
    assert len(response.json()["message"]["body"]) == 5000


BAD_MESSAGES: list[tuple[str, dict[str, Any], str]] = [
    ("empty body", {"body": "", "clientMessageId": "ok-1"}, "body"),
    ("whitespace only", {"body": " \n\t ", "clientMessageId": "ok-1"}, "body"),
    ("too long", {"body": "x" * 5001, "clientMessageId": "ok-1"}, "body"),
    ("a number", {"body": 12345, "clientMessageId": "ok-1"}, "body"),
    ("control character", {"body": "ring \u0007 ring", "clientMessageId": "ok-1"}, "body"),
    ("null byte", {"body": "a\u0000b", "clientMessageId": "ok-1"}, "body"),
    ("no body", {"clientMessageId": "ok-1"}, "body"),
    ("no clientMessageId", {"body": "Hello"}, "clientMessageId"),
    ("clientMessageId with spaces", {"body": "Hello", "clientMessageId": "a b"}, "clientMessageId"),
    ("clientMessageId too long", {"body": "Hello", "clientMessageId": "x" * 65}, "clientMessageId"),
    ("empty clientMessageId", {"body": "Hello", "clientMessageId": ""}, "clientMessageId"),
    ("unknown field", {"body": "Hello", "clientMessageId": "ok-1", "isInternal": True}, ""),
]


@pytest.mark.parametrize(
    ("payload", "field"), [(p, f) for _, p, f in BAD_MESSAGES], ids=[n for n, _, _ in BAD_MESSAGES]
)
async def test_an_invalid_message_is_422_and_stores_nothing(
    client: httpx.AsyncClient, team: Team, payload: dict[str, Any], field: str
) -> None:
    visitor = await visitor_session(client, team.org)
    conversation_id = (await start_chat(client, visitor))["conversation"]["id"]
    response = await client.post(
        f"{EMBED}/{conversation_id}/messages", json=payload, headers=visitor["headers"]
    )
    error = assert_error(response, 422, "validation_failed")
    if field:
        assert field in error.get("fields", {}), error
    detail = await agent_detail(client, team, conversation_id)
    assert len(detail["messages"]) == 1


@pytest.mark.parametrize(
    ("payload", "field"), [(p, f) for _, p, f in BAD_MESSAGES], ids=[n for n, _, _ in BAD_MESSAGES]
)
async def test_an_invalid_opening_message_is_422_and_opens_nothing(
    client: httpx.AsyncClient, team: Team, payload: dict[str, Any], field: str
) -> None:
    visitor = await visitor_session(client, team.org)
    response = await client.post(EMBED, json=payload, headers=visitor["headers"])
    error = assert_error(response, 422, "validation_failed")
    if field:
        assert field in error.get("fields", {}), error
    listed = await client.get(EMBED, headers=visitor["headers"])
    assert listed.json()["total"] == 0


async def test_a_body_that_is_not_json_is_rejected(client: httpx.AsyncClient, team: Team) -> None:
    visitor = await visitor_session(client, team.org)
    conversation_id = (await start_chat(client, visitor))["conversation"]["id"]
    response = await client.post(
        f"{EMBED}/{conversation_id}/messages",
        content=b"{not json",
        headers={**visitor["headers"], "content-type": "application/json"},
    )
    assert 400 <= response.status_code < 500, response.text
    assert response.json()["error"]["code"] in {"invalid_json", "bad_request"}


@pytest.mark.parametrize("conversation_id", [MAX_ID, 999_999_999])
async def test_an_unknown_conversation_is_404_on_every_visitor_route(
    client: httpx.AsyncClient, team: Team, conversation_id: int
) -> None:
    visitor = await visitor_session(client, team.org)
    await start_chat(client, visitor)
    base = f"{EMBED}/{conversation_id}"
    attempts = [
        ("GET", base, None),
        ("GET", f"{base}/messages", None),
        ("POST", f"{base}/messages", {"body": "Hello", "clientMessageId": cid()}),
        ("POST", f"{base}/read", {"lastReadMessageId": 1}),
        ("POST", f"{base}/end", None),
    ]
    for method, url, body in attempts:
        response = await client.request(method, url, json=body, headers=visitor["headers"])
        assert_error(response, 404, "not_found")


async def test_visitor_routes_need_a_visitor_token(client: httpx.AsyncClient, team: Team) -> None:
    visitor = await visitor_session(client, team.org)
    conversation_id = (await start_chat(client, visitor))["conversation"]["id"]
    for headers in ({}, team.agent_headers, {"Authorization": "Bearer prl_vt_forged"}):
        response = await client.get(f"{EMBED}/{conversation_id}", headers=headers)
        assert response.status_code == 401, (headers, response.text)
        response = await send(client, {"headers": headers}, conversation_id)
        assert response.status_code == 401, (headers, response.text)
    detail = await agent_detail(client, team, conversation_id)
    assert len(detail["messages"]) == 1


# --- ending ----------------------------------------------------------------------------------


async def test_visitor_ends_the_chat_and_can_no_longer_write(
    client: httpx.AsyncClient, team: Team
) -> None:
    visitor = await visitor_session(client, team.org, name="Erin")
    conversation_id = (await start_chat(client, visitor))["conversation"]["id"]
    response = await client.post(f"{EMBED}/{conversation_id}/end", headers=visitor["headers"])
    assert response.status_code == 200, response.text
    conversation = response.json()["conversation"]
    assert conversation["status"] == "ENDED"
    assert conversation["endedAt"] is not None
    assert conversation["queuePosition"] is None

    refused = await send(client, visitor, conversation_id, "Wait, one more thing")
    error = assert_error(refused, 409, "conversation_ended")
    assert error["conversationId"] == conversation_id

    detail = await agent_detail(client, team, conversation_id)
    assert detail["conversation"]["status"] == "ENDED"
    bodies = [m["body"] for m in detail["messages"]]
    assert bodies[-1] == "Erin ended the chat."
    assert "Wait, one more thing" not in bodies


async def test_ending_twice_changes_nothing(client: httpx.AsyncClient, team: Team) -> None:
    visitor = await visitor_session(client, team.org)
    conversation_id = (await start_chat(client, visitor))["conversation"]["id"]
    first = await client.post(f"{EMBED}/{conversation_id}/end", headers=visitor["headers"])
    after_first = await agent_detail(client, team, conversation_id)
    again = await client.post(f"{EMBED}/{conversation_id}/end", headers=visitor["headers"])
    assert first.status_code == 200, first.text
    assert again.status_code == 200, again.text
    assert again.json()["conversation"] == first.json()["conversation"]
    after_again = await agent_detail(client, team, conversation_id)
    assert after_again["messages"] == after_first["messages"]
    assert after_again["conversation"]["endedAt"] == after_first["conversation"]["endedAt"]


async def test_a_resend_of_a_stored_message_still_answers_after_the_chat_ended(
    client: httpx.AsyncClient, team: Team
) -> None:
    visitor = await visitor_session(client, team.org)
    conversation_id = (await start_chat(client, visitor))["conversation"]["id"]
    client_id = cid()
    sent = await send(client, visitor, conversation_id, "Last words", client_id)
    await client.post(f"{EMBED}/{conversation_id}/end", headers=visitor["headers"])
    again = await send(client, visitor, conversation_id, "Last words", client_id)
    assert again.status_code == 201, again.text
    assert again.json()["message"]["id"] == sent.json()["message"]["id"]


# --- reading ---------------------------------------------------------------------------------


async def test_list_shows_only_the_visitors_own_conversations_newest_first(
    client: httpx.AsyncClient, team: Team
) -> None:
    visitor = await visitor_session(client, team.org)
    other = await visitor_session(client, team.org)
    first = (await start_chat(client, visitor))["conversation"]["id"]
    await client.post(f"{EMBED}/{first}/end", headers=visitor["headers"])
    second = (await start_chat(client, visitor))["conversation"]["id"]
    theirs = (await start_chat(client, other))["conversation"]["id"]

    response = await client.get(EMBED, headers=visitor["headers"])
    assert response.status_code == 200, response.text
    page = response.json()
    assert page["total"] == 2
    assert [c["id"] for c in page["items"]] == [second, first]
    assert [c["status"] for c in page["items"]] == ["WAITING", "ENDED"]

    other_page = (await client.get(EMBED, headers=other["headers"])).json()
    assert [c["id"] for c in other_page["items"]] == [theirs]


async def test_get_conversation_shows_the_agent_and_unread_count(
    client: httpx.AsyncClient, team: Team
) -> None:
    visitor = await visitor_session(client, team.org)
    conversation_id = (await start_chat(client, visitor))["conversation"]["id"]
    await agent_post(client, team.agent_headers, conversation_id, "Hi, I am on it")
    response = await client.get(f"{EMBED}/{conversation_id}", headers=visitor["headers"])
    assert response.status_code == 200, response.text
    conversation = response.json()["conversation"]
    assert conversation["status"] == "ACTIVE"
    assert conversation["agent"] == {"id": team.agent.id, "name": team.agent.name}
    assert conversation["queuePosition"] is None
    assert conversation["unread"] == 2  # "joined the chat" and the reply


async def test_messages_never_include_internal_notes(client: httpx.AsyncClient, team: Team) -> None:
    visitor = await visitor_session(client, team.org)
    conversation_id = (await start_chat(client, visitor))["conversation"]["id"]
    note = await agent_post(
        client, team.agent_headers, conversation_id, "SECRET: refund abuser?", internal=True
    )
    assert note["message"]["isInternal"] is True
    reply = await agent_post(client, team.agent_headers, conversation_id, "Let me check")

    response = await client.get(f"{EMBED}/{conversation_id}/messages", headers=visitor["headers"])
    assert response.status_code == 200, response.text
    items = response.json()["items"]
    ids = [m["id"] for m in items]
    assert note["message"]["id"] not in ids
    assert reply["message"]["id"] in ids
    assert all("SECRET" not in m["body"] for m in items)
    assert all("isInternal" not in m for m in items)
    assert ids == sorted(ids)
    # The agents see the note.
    detail = await agent_detail(client, team, conversation_id)
    assert note["message"]["id"] in [m["id"] for m in detail["messages"]]
    # Paging around the note does not reveal it either.
    around = await client.get(
        f"{EMBED}/{conversation_id}/messages?after={note['message']['id'] - 1}",
        headers=visitor["headers"],
    )
    assert note["message"]["id"] not in [m["id"] for m in around.json()["items"]]


async def test_an_internal_note_does_not_count_as_unread_for_the_visitor(
    client: httpx.AsyncClient, team: Team
) -> None:
    visitor = await visitor_session(client, team.org)
    conversation_id = (await start_chat(client, visitor))["conversation"]["id"]
    await agent_post(client, team.agent_headers, conversation_id, "note", internal=True)
    response = await client.get(f"{EMBED}/{conversation_id}", headers=visitor["headers"])
    conversation = response.json()["conversation"]
    assert conversation["unread"] == 0
    assert conversation["status"] == "WAITING"  # a note does not take the chat


async def test_visitor_can_not_resend_an_agents_client_message_id_to_read_it(
    client: httpx.AsyncClient, team: Team
) -> None:
    visitor = await visitor_session(client, team.org)
    conversation_id = (await start_chat(client, visitor))["conversation"]["id"]
    client_id = cid()
    response = await client.post(
        f"/api/conversations/{conversation_id}/messages",
        json={"body": "SECRET note", "clientMessageId": client_id, "isInternal": True},
        headers=team.agent_headers,
    )
    assert response.status_code == 201, response.text
    guess = await send(client, visitor, conversation_id, "guess", client_id)
    assert guess.status_code == 409, guess.text
    assert "SECRET" not in guess.text


async def test_visitor_read_receipt_moves_the_pointer_and_clears_unread(
    client: httpx.AsyncClient, team: Team
) -> None:
    visitor = await visitor_session(client, team.org)
    conversation_id = (await start_chat(client, visitor))["conversation"]["id"]
    first = await agent_post(client, team.agent_headers, conversation_id, "Hello")
    second = await agent_post(client, team.agent_headers, conversation_id, "Anything else?")
    before = await client.get(f"{EMBED}/{conversation_id}", headers=visitor["headers"])
    assert before.json()["conversation"]["unread"] == 3  # joined, Hello, Anything else?

    partial = await client.post(
        f"{EMBED}/{conversation_id}/read",
        json={"lastReadMessageId": first["message"]["id"]}, headers=visitor["headers"],
    )  # fmt: skip
    assert partial.status_code == 200, partial.text
    assert partial.json()["conversation"]["contactLastReadId"] == first["message"]["id"]
    assert partial.json()["conversation"]["unread"] == 1

    response = await client.post(
        f"{EMBED}/{conversation_id}/read",
        json={"lastReadMessageId": second["message"]["id"]}, headers=visitor["headers"],
    )  # fmt: skip
    assert response.status_code == 200, response.text
    conversation = response.json()["conversation"]
    assert conversation["contactLastReadId"] == second["message"]["id"]
    assert conversation["unread"] == 0
    detail = await agent_detail(client, team, conversation_id)
    assert detail["conversation"]["contactLastReadId"] == second["message"]["id"]

    # Reading backwards changes nothing.
    back = await client.post(
        f"{EMBED}/{conversation_id}/read",
        json={"lastReadMessageId": first["message"]["id"]}, headers=visitor["headers"],
    )  # fmt: skip
    assert back.status_code == 200, back.text
    assert back.json()["conversation"]["contactLastReadId"] == second["message"]["id"]


async def test_visitor_can_not_mark_an_internal_note_read(
    client: httpx.AsyncClient, team: Team
) -> None:
    visitor = await visitor_session(client, team.org)
    conversation_id = (await start_chat(client, visitor))["conversation"]["id"]
    note = await agent_post(client, team.agent_headers, conversation_id, "n", internal=True)
    response = await client.post(
        f"{EMBED}/{conversation_id}/read",
        json={"lastReadMessageId": note["message"]["id"]}, headers=visitor["headers"],
    )  # fmt: skip
    error = assert_error(response, 422, "validation_failed")
    assert "lastReadMessageId" in error["fields"]
    detail = await agent_detail(client, team, conversation_id)
    assert detail["conversation"]["contactLastReadId"] != note["message"]["id"]


@pytest.mark.parametrize("bad", [0, -1, MAX_ID + 1, "abc", None])
async def test_read_with_an_invalid_message_id_is_422(
    client: httpx.AsyncClient, team: Team, bad: Any
) -> None:
    visitor = await visitor_session(client, team.org)
    conversation_id = (await start_chat(client, visitor))["conversation"]["id"]
    response = await client.post(
        f"{EMBED}/{conversation_id}/read", json={"lastReadMessageId": bad},
        headers=visitor["headers"],
    )  # fmt: skip
    assert_error(response, 422, "validation_failed")


async def test_visitor_can_not_mark_a_message_of_another_conversation_read(
    client: httpx.AsyncClient, team: Team
) -> None:
    visitor = await visitor_session(client, team.org)
    other = await visitor_session(client, team.org)
    mine = (await start_chat(client, visitor))["conversation"]["id"]
    theirs = await start_chat(client, other)
    response = await client.post(
        f"{EMBED}/{mine}/read", json={"lastReadMessageId": theirs["message"]["id"]},
        headers=visitor["headers"],
    )  # fmt: skip
    assert_error(response, 422, "validation_failed")


# --- another customer's conversation ---------------------------------------------------------


async def test_another_visitors_conversation_is_404_on_every_route(
    client: httpx.AsyncClient, team: Team
) -> None:
    owner = await visitor_session(client, team.org)
    intruder = await visitor_session(client, team.org)
    started = await start_chat(client, owner, body="private matter")
    conversation_id = started["conversation"]["id"]
    await start_chat(client, intruder)  # the intruder has a chat of their own
    before = await agent_detail(client, team, conversation_id)

    base = f"{EMBED}/{conversation_id}"
    attempts = [
        ("GET", base, None),
        ("GET", f"{base}/messages", None),
        ("POST", f"{base}/messages", {"body": "hijack", "clientMessageId": cid()}),
        ("POST", f"{base}/read", {"lastReadMessageId": started["message"]["id"]}),
        ("POST", f"{base}/end", None),
    ]
    for method, url, body in attempts:
        response = await client.request(method, url, json=body, headers=intruder["headers"])
        assert_error(response, 404, "not_found")
        assert "private matter" not in response.text

    after = await agent_detail(client, team, conversation_id)
    assert after["messages"] == before["messages"]
    assert after["conversation"]["status"] == "WAITING"
    assert after["conversation"]["contactLastReadId"] == before["conversation"]["contactLastReadId"]
    listed = await client.get(EMBED, headers=intruder["headers"])
    assert conversation_id not in [c["id"] for c in listed.json()["items"]]
