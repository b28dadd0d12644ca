"""Emails to requesters, end to end: a change through the REST API, the relay, a durable
delivery, and a real SMTP server on loopback (`mail_catcher`), whose messages are parsed here.
"""

from __future__ import annotations

import re
from datetime import timedelta
from email.message import EmailMessage
from typing import Any

import httpx
import pytest

from server.accounts.models import Contact
from server.notify.customer_emails import CustomerEmails
from server.notify.ids import EmailIds
from server.notify.mailer import SmtpMailer
from server.tickets.customer import create_widget_ticket
from server.tickets.schemas import WidgetTicketCreate
from tests.conftest import MAIL_FROM
from tests.factories import Team, unique
from tests.support.ports import free_port
from tests.support.smtp import MailCatcher

SECRET = "test-secret-key-" + "x" * 32  # tests/conftest.py test_settings
ids = EmailIds(SECRET, MAIL_FROM)


async def create(client: httpx.AsyncClient, team: Team, **fields: Any) -> dict[str, Any]:
    body = {
        "subject": "Printer <b>on fire</b>",
        "description": "It smokes.",
        "requesterName": "Rita Requester",
        "requesterEmail": f"{unique('rita')}@example.com",
        **fields,
    }
    answer = await client.post("/api/tickets", json=body, headers=team.agent_headers)
    assert answer.status_code == 201, answer.text
    ticket: dict[str, Any] = answer.json()["ticket"]
    return ticket


async def reply(
    client: httpx.AsyncClient, team: Team, ref: str, content: str, **fields: Any
) -> None:
    answer = await client.post(
        f"/api/tickets/{ref}/responses",
        json={"content": content, **fields},
        headers=team.agent_headers,
    )
    assert answer.status_code == 201, answer.text


async def move(client: httpx.AsyncClient, team: Team, ref: str, status: str) -> None:
    answer = await client.patch(
        f"/api/tickets/{ref}/status", json={"status": status}, headers=team.agent_headers
    )
    assert answer.status_code == 200, answer.text


async def set_email(client: httpx.AsyncClient, team: Team, **email: Any) -> dict[str, Any]:
    answer = await client.patch("/api/org", json={"email": email}, headers=team.admin_headers)
    assert answer.status_code == 200, answer.text
    settings: dict[str, Any] = answer.json()["email"]
    return settings


def text_of(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    assert part is not None
    return str(part.get_content()).replace("\r\n", "\n")


def html_of(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("html",))
    assert part is not None
    return str(part.get_content())


async def test_a_new_ticket_tells_the_requester_with_its_reference(
    client: httpx.AsyncClient, team: Team, mail_catcher: MailCatcher
) -> None:
    ticket = await create(client, team)
    (message,) = await mail_catcher.wait_for(ticket["requesterEmail"], 1)
    ref = ticket["reference"]
    assert message["Subject"] == f"[{ref}] Printer <b>on fire</b>"
    assert message["To"].addresses[0].addr_spec == ticket["requesterEmail"]
    assert message["To"].addresses[0].display_name == "Rita Requester"
    assert message["From"].addresses[0].addr_spec == MAIL_FROM
    assert message["From"].addresses[0].display_name == team.org.name
    assert message["Auto-Submitted"] == "auto-generated"
    made = ids.read_message_id(message["Message-ID"])
    assert made is not None and (made.ticket_id, made.part) == (ticket["id"], "created")
    assert ids.read_reply_address(team.org.id, message["Reply-To"]) == ticket["id"]
    assert f"Your reference: {ref}" in text_of(message)
    assert "Hello Rita Requester," in text_of(message)
    # The HTML body escapes what people typed.
    assert "Printer &lt;b&gt;on fire&lt;/b&gt;" in html_of(message)
    assert "<b>on fire</b>" not in html_of(message)


async def test_public_replies_thread_under_the_ticket_and_internal_notes_stay_inside(
    client: httpx.AsyncClient, team: Team, mail_catcher: MailCatcher
) -> None:
    ticket = await create(client, team)
    ref, to = ticket["reference"], ticket["requesterEmail"]
    await reply(client, team, ref, "Internal: the customer is on the old plan.", isInternal=True)
    await reply(client, team, ref, "Have you tried unplugging it?")
    await reply(client, team, ref, "Any news?")
    created, first, second = await mail_catcher.wait_for(to, 3)
    root = created["Message-ID"]
    assert first["Subject"] == f"Re: [{ref}] Printer <b>on fire</b>"
    assert "Have you tried unplugging it?" in text_of(first)
    assert "Bob Agent replied to your request" in text_of(first)
    assert (first["In-Reply-To"], first["References"]) == (root, root)
    assert second["In-Reply-To"] == first["Message-ID"]
    assert second["References"].split() == [root, first["Message-ID"]]
    assert "Auto-Submitted" not in first  # a person wrote it
    for message in (first, second):
        made = ids.read_message_id(message["Message-ID"])
        assert made is not None and made.part.startswith("r")
    everything = "".join(text_of(m) + html_of(m) for m in await mail_catcher.wait_for(to, 3))
    assert "old plan" not in everything
    assert len(mail_catcher.messages_to(to)) == 3


async def test_status_emails_for_the_moves_a_customer_cares_about(
    client: httpx.AsyncClient, team: Team, mail_catcher: MailCatcher
) -> None:
    ticket = await create(client, team)
    ref, to = ticket["reference"], ticket["requesterEmail"]
    await move(client, team, ref, "OPEN")  # nothing
    await move(client, team, ref, "WAITING_ON_CUSTOMER")  # nothing: asked in a reply
    await move(client, team, ref, "IN_PROGRESS")
    await move(client, team, ref, "RESOLVED")
    _, progress, resolved = await mail_catcher.wait_for(to, 3)
    assert f"The status of your request {ref} is now: In progress." in text_of(progress)
    assert f"Your request {ref} has been resolved." in text_of(resolved)
    assert resolved["In-Reply-To"] == ids.message_id(team.org.id, ticket["id"], "created")
    assert len(mail_catcher.messages_to(to)) == 3


async def test_the_organisation_names_the_sender_and_speaks_german(
    client: httpx.AsyncClient, team: Team, mail_catcher: MailCatcher
) -> None:
    settings = await set_email(
        client, team, fromName="Acme Hilfe", replyTo="hilfe@acme.example",
        signature="Acme GmbH\nMusterweg 1", locale="de",
    )  # fmt: skip
    assert settings["fromName"] == "Acme Hilfe" and settings["locale"] == "de"
    ticket = await create(client, team)
    (message,) = await mail_catcher.wait_for(ticket["requesterEmail"], 1)
    assert message["From"].addresses[0].display_name == "Acme Hilfe"
    assert message["Reply-To"].startswith("hilfe+t")
    assert (
        EmailIds(SECRET, "hilfe@acme.example").read_reply_address(team.org.id, message["Reply-To"])
        == ticket["id"]
    )
    text = text_of(message)
    assert "Hallo Rita Requester," in text
    assert f"Ihre Referenz: {ticket['reference']}" in text
    assert text.endswith("Mit freundlichen Grüßen\nAcme Hilfe\n\n-- \nAcme GmbH\nMusterweg 1\n")


async def test_switched_off_notifications_are_not_sent(
    client: httpx.AsyncClient, team: Team, mail_catcher: MailCatcher
) -> None:
    settings = await set_email(client, team, notifications={"ticketCreated": False})
    assert settings["notifications"] == {
        "ticketCreated": False, "publicReply": True, "statusChanged": True,
        "resolved": True, "assigned": True, "chatTranscript": True,
    }  # fmt: skip
    ticket = await create(client, team)
    await reply(client, team, ticket["reference"], "On it.")
    (message,) = await mail_catcher.wait_for(ticket["requesterEmail"], 1)
    assert "On it." in text_of(message)  # the reply, and no "we received it" before it


async def test_a_ticket_from_the_widget_form_is_confirmed_by_email(
    app: object, team: Team, mail_catcher: MailCatcher
) -> None:
    contact = await Contact.create(organization_id=team.org.id, name="")
    email = f"{unique('visitor')}@example.com"
    loaded = await create_widget_ticket(
        contact=contact,
        data=WidgetTicketCreate(
            name="Vera Visitor", email=email, subject="Where is my order?", description="#123"
        ),
    )
    (message,) = await mail_catcher.wait_for(email, 1)
    assert message["Subject"] == f"[{loaded.out().reference}] Where is my order?"
    assert "Hello Vera Visitor," in text_of(message)


async def test_a_refused_or_unreachable_server_fails_the_attempt_so_it_is_retried(
    client: httpx.AsyncClient, team: Team, mail_catcher: MailCatcher
) -> None:
    """The worker retries a delivery whose `deliver` raised (tests/events/test_deliveries.py);
    here: a server that answers 451, and one that is not there, both raise."""
    from server.events.model import Subject
    from server.tickets.events import TicketCreated
    from server.tickets.schemas import TicketOut

    ticket = await create(client, team)
    await mail_catcher.wait_for(ticket["requesterEmail"], 1)
    event = TicketCreated(ticket=TicketOut.model_validate(ticket))
    subject = Subject(organization_id=team.org.id, kind="ticket", id=ticket["id"])
    for port in (mail_catcher.port, free_port()):
        mailer = SmtpMailer(host="127.0.0.1", port=port, security="none", timeout=5)
        emails = CustomerEmails(
            mailer, mail_from=MAIL_FROM, secret_key=SECRET, public_url="http://parley.test",
            tracking_link_ttl=timedelta(days=30),
        )  # fmt: skip
        mail_catcher.refuse = port == mail_catcher.port
        try:
            with pytest.raises(Exception):  # noqa: B017 (aiosmtplib's errors, or OSError)
                await emails.deliver(1, event, subject)
        finally:
            mail_catcher.refuse = False
    assert len(mail_catcher.messages_to(ticket["requesterEmail"])) == 1


TRACKING_LINK = re.compile(r"https?://\S+/track#(prl_tl_[A-Za-z0-9_.\-]+)")


async def test_every_customer_email_carries_a_working_tracking_link(
    client: httpx.AsyncClient, team: Team, mail_catcher: MailCatcher
) -> None:
    """The link in the text and HTML bodies of each message opens that ticket's page: its
    token trades for a session on that ticket (tests/tickets/test_tracking_routes.py)."""
    ticket = await create(client, team)
    ref, to = ticket["reference"], ticket["requesterEmail"]
    await reply(client, team, ref, "Have you tried unplugging it?")
    await move(client, team, ref, "RESOLVED")
    messages = await mail_catcher.wait_for(to, 3)
    assert len(messages) == 3
    for message in messages:
        text, html = text_of(message), html_of(message)
        assert "Follow your request and reply to it online:" in text
        (token,) = TRACKING_LINK.findall(text)
        found = TRACKING_LINK.search(text)
        assert found is not None and f'href="{found[0]}"' in html
        assert "This link works for 30 days" in text
        opened = await client.post("/api/track/session", json={"link": token})
        assert opened.status_code == 201, opened.text
        assert opened.json()["ticket"]["reference"] == ref
        assert opened.json()["channel"] == f"tracking:{ticket['id']}"


async def test_the_tracking_link_speaks_german_too(
    client: httpx.AsyncClient, team: Team, mail_catcher: MailCatcher
) -> None:
    await set_email(client, team, locale="de")
    ticket = await create(client, team)
    (message,) = await mail_catcher.wait_for(ticket["requesterEmail"], 1)
    text = text_of(message)
    assert "Ihre Anfrage online verfolgen und beantworten:" in text
    assert "Dieser Link gilt 30 Tage" in text
    assert TRACKING_LINK.search(text) is not None
