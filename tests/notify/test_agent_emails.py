"""Email to an agent when someone else assigns them a ticket, end to end through the API,
the relay (with the change's actor), a durable delivery and the real SMTP server."""

from __future__ import annotations

from typing import Any

import httpx

from server.notify.ids import EmailIds
from tests.conftest import MAIL_FROM
from tests.factories import Team, unique
from tests.notify.test_customer_emails import SECRET, create, html_of, set_email, text_of
from tests.support.smtp import MailCatcher


async def assign(
    client: httpx.AsyncClient, headers: dict[str, str], ref: str, agent_id: int | None
) -> None:
    answer = await client.post(
        f"/api/tickets/{ref}/assign", json={"agentId": agent_id}, headers=headers
    )
    assert answer.status_code == 200, answer.text


async def my_switches(
    client: httpx.AsyncClient, headers: dict[str, str], body: Any
) -> httpx.Response:
    return await client.patch("/api/me", json=body, headers=headers)


async def test_an_agent_hears_of_a_ticket_someone_else_gave_them(
    client: httpx.AsyncClient, team: Team, mail_catcher: MailCatcher
) -> None:
    ticket = await create(client, team, subject="Refund <please>")
    ref = ticket["reference"]
    await assign(client, team.admin_headers, ref, team.agent.id)
    (message,) = await mail_catcher.wait_for(team.agent.email, 1)
    assert message["Subject"] == f"[{ref}] Assigned to you: Refund <please>"
    assert message["To"].addresses[0].display_name == "Bob Agent"
    assert "Reply-To" not in message
    made = EmailIds(SECRET, MAIL_FROM).read_message_id(message["Message-ID"])
    assert made is not None and made.ticket_id == ticket["id"] and made.part.startswith("n")
    text = text_of(message)
    assert f"Alice Admin assigned {ref} to you:" in text
    assert f"http://localhost:8000/console/#/tickets/{ref}" in text
    assert "Refund &lt;please&gt;" in html_of(message)


async def test_taking_a_ticket_yourself_sends_nothing(
    client: httpx.AsyncClient, team: Team, mail_catcher: MailCatcher
) -> None:
    ticket = await create(client, team)
    ref = ticket["reference"]
    await assign(client, team.agent_headers, ref, team.agent.id)  # Bob takes it
    await assign(client, team.admin_headers, ref, None)
    await assign(client, team.admin_headers, ref, team.agent.id)  # Alice gives it back
    messages = await mail_catcher.wait_for(team.agent.email, 1)
    assert "Alice Admin assigned" in text_of(messages[0])
    # The customer's "received" email arrived too: every delivery of the ticket is done.
    await mail_catcher.wait_for(ticket["requesterEmail"], 1)
    assert len(mail_catcher.messages_to(team.agent.email)) == 1


async def test_an_agent_or_the_organisation_can_turn_it_off(
    client: httpx.AsyncClient, team: Team, mail_catcher: MailCatcher
) -> None:
    me = await client.get("/api/me", headers=team.agent_headers)
    assert me.json()["emailNotifications"] == {"assigned": True}
    answer = await my_switches(
        client, team.agent_headers, {"emailNotifications": {"assigned": False}}
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["emailNotifications"] == {"assigned": False}
    first = await create(client, team)
    await assign(client, team.admin_headers, first["reference"], team.agent.id)
    # Another agent of the same organisation still gets theirs; the org then turns it off.
    colleague = await client.post(
        "/api/agents",
        json={"email": f"{unique('carol')}@example.com", "name": "Carol", "password": "x" * 12},
        headers=team.admin_headers,
    )
    assert colleague.status_code == 201, colleague.text
    carol = colleague.json()["agent"]
    second = await create(client, team)
    await assign(client, team.admin_headers, second["reference"], carol["id"])
    await mail_catcher.wait_for(carol["email"], 1)
    await set_email(client, team, notifications={"assigned": False})
    third = await create(client, team)
    await assign(client, team.admin_headers, third["reference"], carol["id"])
    await mail_catcher.wait_for(third["requesterEmail"], 1)
    assert mail_catcher.messages_to(team.agent.email) == []
    assert len(mail_catcher.messages_to(carol["email"])) == 1


async def test_only_an_agent_has_switches_and_they_are_validated(
    client: httpx.AsyncClient, team: Team
) -> None:
    key = await client.post("/api/api-keys", headers=team.admin_headers, json={"name": "CI"})
    headers = {"Authorization": f"Bearer {key.json()['key']}"}
    me = await client.get("/api/me", headers=headers)
    assert me.json()["emailNotifications"] is None
    refused = await my_switches(client, headers, {"emailNotifications": {"assigned": False}})
    assert refused.status_code == 403
    for body in (
        {},
        {"emailNotifications": {"assigned": None}},
        {"emailNotifications": {"assigned": "no"}},
        {"emailNotifications": {"digest": True}},
        {"emailNotifications": {"assigned": True}, "name": "Bobby"},
    ):
        answer = await my_switches(client, team.agent_headers, body)
        assert answer.status_code == 422, (body, answer.text)
