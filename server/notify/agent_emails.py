"""Email to an agent when a ticket is assigned to them by someone else. A durable listener,
like the customer emails (`customer_emails.py`).

Not sent when the agent assigned it to themselves (the event's actor), when the ticket has
moved on to another agent or was deleted before the email went out, to an inactive agent,
or when the organisation (`assigned`) or the agent (`PATCH /api/me`) turned it off.
"""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import quote

from server.accounts.agents import email_switches
from server.accounts.models import Agent, Organization
from server.accounts.org_email import email_settings
from server.events.actor import Actor
from server.events.deliveries import exponential_backoff
from server.events.model import Event, Subject
from server.notify.compose import Envelope, compose, render
from server.notify.ids import EmailIds
from server.notify.locales import STRINGS
from server.notify.mailer import Mailer
from server.tickets.events import TicketAssigned
from server.tickets.models import Ticket


class AgentEmails:
    """The durable listener that emails agents (see the module doc)."""

    name = "email.agent"
    max_attempts = 16

    def __init__(self, mailer: Mailer, *, mail_from: str, secret_key: str, public_url: str) -> None:
        self.mailer = mailer
        self.mail_from = mail_from
        self.public_url = public_url
        self.message_ids = EmailIds(secret_key, mail_from)

    def wants(self, event: Event, subject: Subject) -> bool:
        return isinstance(event, TicketAssigned) and event.assignee_id is not None

    def backoff(self, attempt: int) -> timedelta:
        return exponential_backoff(attempt)

    async def deliver(
        self, delivery_id: int, event: Event, subject: Subject, actor: Actor | None = None
    ) -> None:
        if not isinstance(event, TicketAssigned) or event.assignee_id is None:
            return
        if actor is not None and actor.agent_id == event.assignee_id:
            return  # they took it themselves
        org = await Organization.get_or_none(id=subject.organization_id)
        agent = await Agent.get_or_none(
            id=event.assignee_id, organization_id=subject.organization_id, is_active=True
        )
        if org is None or agent is None:
            return
        ticket = event.ticket
        if not await Ticket.exists(id=ticket.id, assignee_id=agent.id):
            return  # deleted, or with someone else by now
        settings = email_settings(org)
        if not settings["notifications"]["assigned"] or not email_switches(agent)["assigned"]:
            return
        locale = settings["locale"]
        subject_line = STRINGS[locale]["assigned_subject"].format(
            reference=ticket.reference, subject=ticket.subject
        )
        url = f"{self.public_url}/console/#/tickets/{quote(ticket.reference)}"
        text, html = render(
            "assigned", locale, name=agent.name, reference=ticket.reference,
            ticket_subject=ticket.subject, subject=subject_line, url=url,
            actor=actor.name if actor is not None and actor.kind == "agent" else "",
        )  # fmt: skip
        envelope = Envelope(
            sender_name=settings["fromName"] or org.name,
            sender=self.mail_from,
            reply_to=None,
            to=agent.email,
            to_name=agent.name,
            subject=subject_line,
            message_id=self.message_ids.message_id(org.id, ticket.id, f"n{delivery_id}"),
        )
        await self.mailer.send(compose(envelope, text, html))
