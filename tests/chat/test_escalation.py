"""POST /api/tickets/from-chat/{id}: a live chat becomes a ticket (server/chat/escalation.py)."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime
from typing import Any

import httpx

from tests.factories import Team, configure_org, start_chat, visitor_session

LINE = re.compile(r"^\[\d{4}-\d{2}-\d{2} \d{2}:\d{2}\] (Customer|Agent|System): .+$")
SPEAKER = {"CONTACT": "Customer", "AGENT": "Agent", "SYSTEM": "System"}


# --- helpers -----------------------------------------------------------------------------------


async def new_chat(
    client: httpx.AsyncClient, team: Team, body: str = "My parcel never arrived"
) -> tuple[dict[str, Any], int]:
    """A named visitor opens a chat: (visitor, conversation id)."""
    visitor = await visitor_session(client, team.org, name="Carla Customer")
    started = await start_chat(client, visitor, body=body)
    return visitor, started["conversation"]["id"]


async def agent_message(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    conversation_id: int,
    body: str,
    *,
    internal: bool = False,
) -> dict[str, Any]:
    response = await client.post(
        f"/api/conversations/{conversation_id}/messages",
        json={"body": body, "clientMessageId": uuid.uuid4().hex, "isInternal": internal},
        headers=headers,
    )
    assert response.status_code == 201, response.text
    return response.json()["message"]


async def customer_message(
    client: httpx.AsyncClient, visitor: dict[str, Any], conversation_id: int, body: str
) -> None:
    response = await client.post(
        f"/api/embed/conversations/{conversation_id}/messages",
        json={"body": body, "clientMessageId": uuid.uuid4().hex},
        headers=visitor["headers"],
    )
    assert response.status_code == 201, response.text


async def escalate(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    conversation_id: int,
    expect: int = 201,
    **body: Any,
) -> dict[str, Any]:
    response = await client.post(
        f"/api/tickets/from-chat/{conversation_id}", json=body, headers=headers
    )
    assert response.status_code == expect, response.text
    return response.json()


async def detail(client: httpx.AsyncClient, team: Team, conversation_id: int) -> dict[str, Any]:
    response = await client.get(f"/api/conversations/{conversation_id}", headers=team.admin_headers)
    assert response.status_code == 200, response.text
    return response.json()


def expected_line(message: dict[str, Any]) -> str:
    moment = datetime.fromisoformat(message["createdAt"]).astimezone(UTC)
    speaker = SPEAKER[message["authorType"]]
    if message["isInternal"]:
        speaker += " (internal note)"
    text = " ".join(part.strip() for part in message["body"].splitlines() if part.strip())
    return f"[{moment:%Y-%m-%d %H:%M}] {speaker}: {text}"


async def conversation_with_notes(
    client: httpx.AsyncClient, team: Team
) -> tuple[dict[str, Any], int]:
    """Customer, join line, reply, internal note, a multi-line customer message."""
    visitor, conversation_id = await new_chat(client, team, body="My parcel never arrived")
    await agent_message(client, team.agent_headers, conversation_id, "Sorry! Let me check.")
    await agent_message(
        client, team.agent_headers, conversation_id, "Carrier lost it twice", internal=True
    )
    await customer_message(client, visitor, conversation_id, "Order 42\n  was a gift\n\nthanks")
    return visitor, conversation_id


# --- the ticket --------------------------------------------------------------------------------


async def test_ticket_is_for_the_chats_customer_and_points_back_at_the_chat(
    client: httpx.AsyncClient, team: Team
) -> None:
    visitor, conversation_id = await new_chat(client, team, body="Where is my refund?")

    done = await escalate(client, team.agent_headers, conversation_id)

    ticket = done["ticket"]
    assert ticket["requesterId"] == visitor["contact"]["id"]
    assert ticket["requesterName"] == "Carla Customer"
    assert ticket["originChatId"] == conversation_id
    assert ticket["subject"] == "Where is my refund?"
    assert ticket["reference"].startswith(team.org.ticket_prefix)
    assert done["conversation"]["id"] == conversation_id
    assert done["conversation"]["ticket"] == {
        "id": ticket["id"],
        "reference": ticket["reference"],
    }
    # The link is stored, not only in the answer.
    shown = await detail(client, team, conversation_id)
    assert shown["conversation"]["ticket"] == {"id": ticket["id"], "reference": ticket["reference"]}


async def test_ticket_activity_says_it_came_from_the_live_chat(
    client: httpx.AsyncClient, team: Team
) -> None:
    _, conversation_id = await new_chat(client, team)
    ticket = (await escalate(client, team.agent_headers, conversation_id))["ticket"]

    response = await client.get(f"/api/tickets/{ticket['reference']}", headers=team.agent_headers)

    assert response.status_code == 200, response.text
    created = [a for a in response.json()["ticket"]["activity"] if a["type"] == "CREATED"]
    assert len(created) == 1
    assert f"live chat #{conversation_id}" in created[0]["description"]


async def test_subject_defaults_to_a_shortened_first_customer_message(
    client: httpx.AsyncClient, team: Team
) -> None:
    long_body = "My order " + " ".join(f"item{i}" for i in range(40)) + " never came"
    assert len(long_body) > 80
    _, conversation_id = await new_chat(client, team, body=long_body)
    await agent_message(client, team.agent_headers, conversation_id, "Which order number?")

    subject = (await escalate(client, team.agent_headers, conversation_id))["ticket"]["subject"]

    assert len(subject) <= 80
    assert subject.endswith("…")
    assert long_body.startswith(subject[:-1])
    assert len(subject) > 60  # shortened, not cut to a stub


async def test_given_subject_replaces_the_summary(client: httpx.AsyncClient, team: Team) -> None:
    _, conversation_id = await new_chat(client, team)

    done = await escalate(
        client, team.agent_headers, conversation_id, subject="Lost parcel: reship"
    )

    assert done["ticket"]["subject"] == "Lost parcel: reship"


# --- the transcript ----------------------------------------------------------------------------


async def test_description_is_the_transcript_without_internal_notes(
    client: httpx.AsyncClient, team: Team
) -> None:
    _, conversation_id = await conversation_with_notes(client, team)
    before = (await detail(client, team, conversation_id))["messages"]

    description = (await escalate(client, team.agent_headers, conversation_id))["ticket"][
        "description"
    ]

    lines = description.split("\n")
    assert lines == [expected_line(m) for m in before if not m["isInternal"]]
    assert all(LINE.match(line) for line in lines)
    assert [line.split("] ", 1)[1].split(":", 1)[0] for line in lines] == [
        "Customer",
        "System",
        "Agent",
        "Customer",
    ]
    assert lines[0].endswith("] Customer: My parcel never arrived")
    assert lines[1].endswith(f"] System: {team.agent.name} joined the chat.")
    assert lines[2].endswith("] Agent: Sorry! Let me check.")
    assert lines[3].endswith("] Customer: Order 42 was a gift thanks")
    assert "Carrier lost it" not in description


async def test_internal_notes_are_in_the_transcript_when_asked_for(
    client: httpx.AsyncClient, team: Team
) -> None:
    _, conversation_id = await conversation_with_notes(client, team)
    before = (await detail(client, team, conversation_id))["messages"]

    description = (
        await escalate(client, team.agent_headers, conversation_id, includeInternalNotes=True)
    )["ticket"]["description"]

    lines = description.split("\n")
    assert lines == [expected_line(m) for m in before]
    assert len(lines) == 5
    assert lines[3].endswith("] Agent (internal note): Carrier lost it twice")


async def test_without_transcript_the_description_is_empty(
    client: httpx.AsyncClient, team: Team
) -> None:
    _, conversation_id = await conversation_with_notes(client, team)

    done = await escalate(client, team.agent_headers, conversation_id, includeTranscript=False)

    assert done["ticket"]["description"] == ""
    assert done["ticket"]["subject"] == "My parcel never arrived"


# --- what the customer sees --------------------------------------------------------------------


async def test_customer_is_told_the_ticket_reference_in_the_chat(
    client: httpx.AsyncClient, team: Team
) -> None:
    visitor, conversation_id = await new_chat(client, team)
    ticket = (await escalate(client, team.agent_headers, conversation_id))["ticket"]

    messages = (await detail(client, team, conversation_id))["messages"]
    assert messages[-1]["authorType"] == "SYSTEM"
    assert ticket["reference"] in messages[-1]["body"]

    public = await client.get(
        f"/api/embed/conversations/{conversation_id}/messages", headers=visitor["headers"]
    )
    assert public.status_code == 200, public.text
    last = public.json()["items"][-1]
    assert last["authorType"] == "SYSTEM"
    assert ticket["reference"] in last["body"]

    mine = await client.get(
        f"/api/embed/conversations/{conversation_id}", headers=visitor["headers"]
    )
    assert mine.status_code == 200, mine.text
    assert mine.json()["conversation"]["ticket"] == {
        "reference": ticket["reference"],
        "subject": ticket["subject"],
        "status": ticket["status"],
    }


# --- options -----------------------------------------------------------------------------------


async def test_ticket_goes_to_the_chats_agent(client: httpx.AsyncClient, team: Team) -> None:
    _, conversation_id = await new_chat(client, team)
    await agent_message(client, team.agent_headers, conversation_id, "I am on it.")

    ticket = (await escalate(client, team.admin_headers, conversation_id))["ticket"]

    assert ticket["assigneeId"] == team.agent.id
    assert ticket["assigneeName"] == team.agent.name


async def test_ticket_of_an_unassigned_chat_goes_to_the_caller(
    client: httpx.AsyncClient, team: Team
) -> None:
    _, conversation_id = await new_chat(client, team)
    assert (await detail(client, team, conversation_id))["conversation"]["assigneeId"] is None

    ticket = (await escalate(client, team.admin_headers, conversation_id))["ticket"]

    assert ticket["assigneeId"] == team.admin.id


async def test_ticket_stays_unassigned_without_auto_assign(
    client: httpx.AsyncClient, team: Team
) -> None:
    _, conversation_id = await new_chat(client, team)
    await agent_message(client, team.agent_headers, conversation_id, "I am on it.")

    done = await escalate(client, team.admin_headers, conversation_id, autoAssignToAgent=False)

    assert done["ticket"]["assigneeId"] is None
    assert done["conversation"]["assigneeId"] == team.agent.id  # the chat keeps its agent


async def test_priority_category_and_tags_are_applied(
    client: httpx.AsyncClient, team: Team
) -> None:
    await configure_org(team.org, categories=["Billing", "Shipping"])
    _, conversation_id = await new_chat(client, team)

    options = {"priority": "HIGH", "category": "Shipping", "tags": ["Lost-Parcel", "vip"]}
    ticket = (await escalate(client, team.agent_headers, conversation_id, **options))["ticket"]

    assert ticket["priority"] == "HIGH"
    assert ticket["category"] == "Shipping"
    assert sorted(ticket["tags"]) == ["lost-parcel", "vip"]


async def test_tags_fit_their_column_once_lower_cased(
    client: httpx.AsyncClient, team: Team
) -> None:
    """`str.lower` made `İ` two code points: 33 of them passed the 64-character check, then
    the tag row could not be stored (500). It lower-cases to `i`."""
    _, conversation_id = await new_chat(client, team)
    error = (await escalate(client, team.agent_headers, conversation_id, 422, tags=["İ" * 65]))[
        "error"
    ]
    assert "tags.0" in error["fields"]
    ticket = (await escalate(client, team.agent_headers, conversation_id, tags=["İ" * 64]))[
        "ticket"
    ]
    assert ticket["tags"] == ["i" * 64]


async def test_unknown_category_is_refused_and_creates_nothing(
    client: httpx.AsyncClient, team: Team
) -> None:
    await configure_org(team.org, categories=["Billing", "Shipping"])
    _, conversation_id = await new_chat(client, team)

    error = (
        await escalate(client, team.agent_headers, conversation_id, 422, category="Gardening")
    )["error"]

    assert error["code"] == "validation_failed"
    assert "category" in error["fields"]
    shown = await detail(client, team, conversation_id)
    assert shown["conversation"]["ticket"] is None
    assert all(m["authorType"] != "SYSTEM" for m in shown["messages"])


async def test_end_conversation_ends_the_chat(client: httpx.AsyncClient, team: Team) -> None:
    visitor, conversation_id = await new_chat(client, team)
    await agent_message(client, team.agent_headers, conversation_id, "I will open a ticket.")

    done = await escalate(client, team.agent_headers, conversation_id, endConversation=True)

    assert done["conversation"]["status"] == "ENDED"
    assert done["conversation"]["endedAt"] is not None
    shown = await detail(client, team, conversation_id)
    assert shown["conversation"]["status"] == "ENDED"
    bodies = [m["body"] for m in shown["messages"][-2:]]
    assert done["ticket"]["reference"] in bodies[0]
    assert bodies[1] == f"{team.agent.name} ended the chat."
    mine = await client.get(
        f"/api/embed/conversations/{conversation_id}", headers=visitor["headers"]
    )
    assert mine.json()["conversation"]["status"] == "ENDED"


async def test_chat_stays_open_by_default(client: httpx.AsyncClient, team: Team) -> None:
    _, conversation_id = await new_chat(client, team)
    await agent_message(client, team.agent_headers, conversation_id, "I will open a ticket.")

    done = await escalate(client, team.agent_headers, conversation_id)

    assert done["conversation"]["status"] == "ACTIVE"
    assert (await detail(client, team, conversation_id))["conversation"]["status"] == "ACTIVE"


async def test_second_escalation_is_a_conflict_naming_the_first_ticket(
    client: httpx.AsyncClient, team: Team
) -> None:
    _, conversation_id = await new_chat(client, team)
    first = (await escalate(client, team.agent_headers, conversation_id))["ticket"]

    error = (await escalate(client, team.agent_headers, conversation_id, 409))["error"]

    assert error["code"] == "conflict"
    assert error["ticketId"] == first["id"]
    assert error["reference"] == first["reference"]
    shown = await detail(client, team, conversation_id)
    assert shown["conversation"]["ticket"]["id"] == first["id"]


async def test_allow_multiple_creates_another_ticket_and_links_the_newest(
    client: httpx.AsyncClient, team: Team
) -> None:
    visitor, conversation_id = await new_chat(client, team)
    first = (await escalate(client, team.agent_headers, conversation_id))["ticket"]

    done = await escalate(
        client, team.agent_headers, conversation_id, allowMultiple=True, subject="Follow-up"
    )

    second = done["ticket"]
    assert second["id"] != first["id"]
    assert second["reference"] != first["reference"]
    assert second["originChatId"] == conversation_id
    link = {"id": second["id"], "reference": second["reference"]}
    assert done["conversation"]["ticket"] == link
    assert (await detail(client, team, conversation_id))["conversation"]["ticket"] == link
    mine = await client.get(
        f"/api/embed/conversations/{conversation_id}", headers=visitor["headers"]
    )
    assert mine.json()["conversation"]["ticket"]["reference"] == second["reference"]


async def test_another_organisations_conversation_is_not_found(
    client: httpx.AsyncClient, team: Team, other_team: Team
) -> None:
    _, conversation_id = await new_chat(client, team)

    error = (await escalate(client, other_team.admin_headers, conversation_id, 404))["error"]

    assert error["code"] == "not_found"
    assert (await detail(client, team, conversation_id))["conversation"]["ticket"] is None
