"""What a customer writes to tickets by email: a reply to a ticket email matched (by
`server/notify/inbound.py`), or a new ticket.

Same spine as `customer.py`: one transaction with the audit trail and the staged events, then
the relay. The actor is the sender as a customer `by_email` (EMAIL in the audit trail and on
the reply); `automatic` marks mail an auto-responder sent, so no email answers it back.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from tortoise.transactions import in_transaction

from server.accounts.contacts import find_or_create_contact
from server.accounts.models import Organization
from server.events import relay
from server.events.actor import Actor
from server.tickets.customer import reply_locked
from server.tickets.lookups import LoadedTicket
from server.tickets.models import Ticket, TicketStatus
from server.tickets.service import Reply, default_priority, insert_ticket


@dataclass(frozen=True)
class EmailFiles:
    """An email's files, stored as pending uploads of `uploaded_by`, and a `note` for the
    activity trail naming any that were left out."""

    ids: Sequence[int] = ()
    uploaded_by: str = ""
    note: str = ""


NO_FILES = EmailFiles()
CLOSED = frozenset({TicketStatus.CLOSED, TicketStatus.CANCELLED})
SUBJECT_MAX = 300  # Ticket.subject


async def create_email_ticket(
    *,
    org: Organization,
    sender: str,
    sender_name: str,
    subject: str,
    content: str,
    automatic: bool,
    note: str = "",
    files: EmailFiles = NO_FILES,
) -> LoadedTicket:
    """A new ticket from an email, with the sender as requester (a contact by address)."""
    async with in_transaction() as conn:
        contact = await find_or_create_contact(
            organization_id=org.id, email=sender, name=sender_name, conn=conn
        )
        actor = Actor.customer(
            contact.id, sender_name or contact.name or sender, by_email=True, automatic=automatic
        )
        loaded = await insert_ticket(
            actor=actor, org=org, contact=contact, conn=conn,
            subject=(subject.strip() or "(no subject)")[:SUBJECT_MAX], description=content,
            priority=default_priority(org.settings or {}), category=None, tags=[],
            custom_fields={}, metadata={"source": "email"}, assignee=None,
            requester_name=sender_name or contact.name, requester_email=contact.email,
            note=f"From an email. {note} {files.note}".strip(),
            attachment_ids=files.ids, uploaded_by=files.uploaded_by,
        )  # fmt: skip
    await relay.relayed()
    return loaded


async def add_email_reply(
    *,
    org: Organization,
    ticket_id: int,
    sender: str,
    sender_name: str,
    content: str,
    automatic: bool,
    files: EmailFiles = NO_FILES,
) -> Reply | None:
    """A public reply by email to one of the organisation's tickets; None when the ticket is
    gone, CLOSED or CANCELLED (the caller opens a new one). A reply to a ticket waiting on the
    customer, or resolved, reopens it."""
    async with in_transaction() as conn:
        ticket = await (
            Ticket.filter(id=ticket_id, organization_id=org.id)
            .using_db(conn)
            .select_for_update()
            .first()
        )
        if ticket is None or TicketStatus(ticket.status) in CLOSED:
            return None
        contact = await find_or_create_contact(
            organization_id=org.id, email=sender, name=sender_name, conn=conn
        )
        actor = Actor.customer(
            contact.id, sender_name or contact.name or sender, by_email=True, automatic=automatic
        )
        replied = await reply_locked(
            ticket, actor, content, author_email=contact.email,
            description=f"Replied by email. {files.note}".strip(), prefix=org.ticket_prefix,
            conn=conn, attachment_ids=files.ids, uploaded_by=files.uploaded_by,
        )  # fmt: skip
    await relay.relayed()
    return replied
