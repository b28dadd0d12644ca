"""Chat transcripts by email, through the real routes and a real SMTP server on loopback: to the
customer's own address only, once per chat for the customer, again for agents, never an
internal note, never another customer's chat, and refused (not silently dropped) when the
organisation switched them off."""

from __future__ import annotations

from email.message import EmailMessage
from typing import Any

import httpx

from tests.chat.test_embed_routes import agent_post, assert_error, send
from tests.factories import Team, start_chat, unique, visitor_session
from tests.support.smtp import MailCatcher

EMBED = "/api/embed/conversations"


def _text(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    assert part is not None
    return str(part.get_content())


def _html(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("html",))
    assert part is not None
    return str(part.get_content())


async def ask(
    client: httpx.AsyncClient, visitor: dict[str, Any], conversation_id: int, **body: Any
) -> httpx.Response:
    return await client.post(
        f"{EMBED}/{conversation_id}/transcript", json=body, headers=visitor["headers"]
    )


async def test_a_customer_gets_their_chat_by_email_without_internal_notes(
    client: httpx.AsyncClient, team: Team, mail_catcher: MailCatcher
) -> None:
    email = f"{unique('tina')}@example.com"
    visitor = await visitor_session(client, team.org, name="Tina", email=email)
    chat = (await start_chat(client, visitor, "My <b>order</b> is late"))["conversation"]
    await agent_post(client, team.agent_headers, chat["id"], "Let me check that for you.")
    await agent_post(client, team.agent_headers, chat["id"], "SECRET: VIP", internal=True)
    await send(client, visitor, chat["id"], "Thanks!")

    answer = await ask(client, visitor, chat["id"])
    assert answer.status_code == 202, answer.text
    assert answer.json()["transcript"]["email"] == email
    # Written after the request: not in this transcript (a retry sends the same text).
    await agent_post(client, team.agent_headers, chat["id"], "Anything else?")

    (message,) = await mail_catcher.wait_for(email, 1)
    text, html = _text(message), _html(message)
    assert message["To"] == f"Tina <{email}>"
    assert message["Subject"].startswith(f"Your chat with {team.org.name} on ")
    assert "Hello Tina," in text
    lines = [line.split("] ", 1)[1] for line in text.splitlines() if line.startswith("[")]
    assert lines == [
        "You: My <b>order</b> is late",
        f"{team.agent.name} joined the chat.",  # the system's own line, as the widget shows it
        f"{team.agent.name}: Let me check that for you.",
        "You: Thanks!",
    ]
    assert "SECRET" not in text and "SECRET" not in html
    assert "Anything else" not in text
    assert "My &lt;b&gt;order&lt;/b&gt; is late" in html  # escaped, never markup


async def test_a_customer_may_ask_once_per_chat_and_an_agent_again(
    client: httpx.AsyncClient, team: Team, mail_catcher: MailCatcher
) -> None:
    email = f"{unique('once')}@example.com"
    visitor = await visitor_session(client, team.org, email=email)
    chat = (await start_chat(client, visitor))["conversation"]
    assert (await ask(client, visitor, chat["id"])).status_code == 202
    assert_error(await ask(client, visitor, chat["id"]), 409, "conflict")
    again = await client.post(
        f"/api/conversations/{chat['id']}/transcript", headers=team.agent_headers
    )
    assert again.status_code == 202, again.text
    assert again.json()["transcript"]["email"] == email
    assert len(await mail_catcher.wait_for(email, 2)) == 2


async def test_the_address_is_the_customers_own(
    client: httpx.AsyncClient, team: Team, mail_catcher: MailCatcher
) -> None:
    known = f"{unique('known')}@example.com"
    visitor = await visitor_session(client, team.org, email=known)
    chat = (await start_chat(client, visitor))["conversation"]
    elsewhere = await ask(client, visitor, chat["id"], email="victim@example.com")
    assert assert_error(elsewhere, 422, "validation_failed")["fields"]["email"]

    # An anonymous visitor with no address yet gives one, and it becomes theirs.
    anonymous = await visitor_session(client, team.org)
    other = (await start_chat(client, anonymous))["conversation"]
    assert (
        "email"
        in assert_error(await ask(client, anonymous, other["id"]), 422, "validation_failed")[
            "fields"
        ]
    )
    given = f"{unique('anon')}@example.com"
    answer = await ask(client, anonymous, other["id"], email=given.upper())
    assert answer.status_code == 202, answer.text
    assert answer.json()["transcript"]["email"] == given
    await mail_catcher.wait_for(given, 1)
    assert not mail_catcher.messages_to("victim@example.com")


async def test_nobody_gets_another_customers_chat(
    client: httpx.AsyncClient, team: Team, other_team: Team
) -> None:
    owner = await visitor_session(client, team.org, email=f"{unique('own')}@example.com")
    chat = (await start_chat(client, owner))["conversation"]
    stranger = await visitor_session(client, team.org, email=f"{unique('str')}@example.com")
    assert_error(await ask(client, stranger, chat["id"]), 404, "not_found")
    foreign = await client.post(
        f"/api/conversations/{chat['id']}/transcript", headers=other_team.agent_headers
    )
    assert_error(foreign, 404, "not_found")


async def test_an_agent_is_told_when_there_is_no_address(
    client: httpx.AsyncClient, team: Team
) -> None:
    anonymous = await visitor_session(client, team.org)
    chat = (await start_chat(client, anonymous))["conversation"]
    answer = await client.post(
        f"/api/conversations/{chat['id']}/transcript", headers=team.agent_headers
    )
    assert_error(answer, 409, "conflict")


async def test_switched_off_transcripts_are_refused_not_dropped(
    client: httpx.AsyncClient, team: Team
) -> None:
    off = await client.patch(
        "/api/org",
        json={"email": {"notifications": {"chatTranscript": False}}},
        headers=team.admin_headers,
    )
    assert off.status_code == 200, off.text
    assert off.json()["email"]["notifications"]["chatTranscript"] is False
    visitor = await visitor_session(client, team.org, email=f"{unique('off')}@example.com")
    chat = (await start_chat(client, visitor))["conversation"]
    assert_error(await ask(client, visitor, chat["id"]), 409, "conflict")
    # Nothing was noted: once switched back on, the customer may still ask.
    on = await client.patch(
        "/api/org",
        json={"email": {"notifications": {"chatTranscript": True}}},
        headers=team.admin_headers,
    )
    assert on.status_code == 200, on.text
    assert (await ask(client, visitor, chat["id"])).status_code == 202
