"""What a customer writes to tickets from the widget: a new ticket from the contact form, and
replies to their own tickets.

Same spine as `service.py` (check, then one transaction with the audit trail and the staged
events, then publish), with the customer as the actor (`Actor.customer`): the audit trail and
the replies say CUSTOMER, agents see the write live on `queue`/`ticket:{id}`, and the
customer's own widget sees the public projection on `contact:{id}`.
"""

from __future__ import annotations

from collections.abc import Sequence

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from server.accounts import org_settings, visitors
from server.accounts.models import Contact, Organization
from server.attachments import service as attachments
from server.db import MAX_ID
from server.errors import NotFound, TicketClosed, ValidationFailed
from server.events import relay
from server.events.actor import Actor
from server.tickets.changes import AuditTrail, apply_status
from server.tickets.lookups import LoadedTicket, ref_filter
from server.tickets.models import ActivityType, Ticket, TicketResponse, TicketStatus
from server.tickets.schemas import WidgetTicketCreate
from server.tickets.service import (
    ClientInfo,
    Reply,
    check_category,
    default_priority,
    insert_ticket,
    save_and_stage,
)
from server.web.schema import lower_case

# A customer's reply to a ticket waiting on them, or to one marked resolved, puts it back in
# the agents' court. CLOSED and CANCELLED stay closed: the customer opens a new ticket.
BACK_TO_OPEN = frozenset({TicketStatus.WAITING_ON_CUSTOMER, TicketStatus.RESOLVED})
_CLOSED = frozenset({TicketStatus.CLOSED, TicketStatus.CANCELLED})


def _actor(contact: Contact) -> Actor:
    return Actor.customer(contact.id, contact.name or "Customer")


def _requester_email(contact: Contact, data: WidgetTicketCreate) -> str:
    """The address the ticket is followed with: a contact's real address when the
    organisation knows one, else the one typed in the form, else the one typed before."""
    email = contact.email or (lower_case(str(data.email)) if data.email else None)
    email = email or contact.claimed_email
    if not email:
        raise ValidationFailed(
            "Please fill in the form.",
            fields={"email": "Your email address is required to follow up on the ticket."},
        )
    return email


async def create_widget_ticket(
    *, contact: Contact, data: WidgetTicketCreate, client: ClientInfo | None = None
) -> LoadedTicket:
    """A ticket from the widget's contact form, with the visitor as its requester.

    `priority` is accepted only where the organisation lets customers choose it
    (`widget.allowPriority`); otherwise the organisation's default applies.
    """
    org = await Organization.get(id=contact.organization_id)
    widget = org_settings.widget_settings(org)
    if data.priority is not None and not widget["allowPriority"]:
        raise ValidationFailed(
            "Please fill in the form.",
            fields={"priority": "This organisation sets the priority of new tickets itself."},
        )
    check_category(org, data.category)
    email = _requester_email(contact, data)
    metadata: dict[str, str] = {"source": "widget"}
    if client and client.ip:
        metadata["ip"] = client.ip
    if client and client.user_agent:
        metadata["userAgent"] = client.user_agent[:500]
    async with in_transaction() as conn:
        await visitors.remember_visitor_answers(
            contact, name=data.name or None, email=email, conn=conn
        )
        loaded = await insert_ticket(
            actor=_actor(contact), org=org, contact=contact, conn=conn,
            subject=data.subject, description=data.description,
            priority=data.priority or default_priority(org.settings or {}),
            category=data.category, tags=[], custom_fields={}, metadata=metadata,
            assignee=None, requester_name=data.name or contact.name,
            # An anonymous visitor has no real address: the ticket keeps the one they
            # typed, which is what they track it with.
            note="From the website widget.", requester_email=email,
            attachment_ids=data.attachment_ids, uploaded_by=f"contact:{contact.id}",
        )  # fmt: skip
    await relay.relayed()
    return loaded


async def add_customer_reply(
    *, contact: Contact, ref: str, content: str, attachment_ids: Sequence[int] = ()
) -> Reply:
    """The customer's public reply to one of their own tickets (anyone else's is 404).

    A reply to a ticket waiting on the customer, or resolved, reopens it (OPEN); a CLOSED or
    CANCELLED ticket refuses replies (409 `ticket_closed`).
    """
    org = await Organization.get(id=contact.organization_id)
    where = ref_filter(ref, org.ticket_prefix)
    if "id" in where and not 0 < where["id"] <= MAX_ID:
        raise NotFound(f"Ticket {ref.strip()!r} not found.")
    return await _reply_to_own(
        org, contact, where, content, missing=ref.strip(), attachment_ids=attachment_ids
    )


async def add_tracked_reply(
    *, contact: Contact, ticket_id: int, content: str, attachment_ids: Sequence[int] = ()
) -> Reply:
    """The requester's public reply from the ticket's tracking page (whose session names the
    ticket and the contact): the same reply, with the same rules, as from the widget."""
    org = await Organization.get(id=contact.organization_id)
    return await _reply_to_own(
        org, contact, {"id": ticket_id}, content, missing=str(ticket_id),
        attachment_ids=attachment_ids,
    )  # fmt: skip


async def _reply_to_own(
    org: Organization,
    contact: Contact,
    where: dict[str, int],
    content: str,
    *,
    missing: str,
    attachment_ids: Sequence[int],
) -> Reply:
    actor = _actor(contact)
    async with in_transaction() as conn:
        ticket = await (
            Ticket.filter(organization_id=org.id, requester_id=contact.id, **where)
            .using_db(conn)
            .select_for_update()
            .first()
        )
        if ticket is None:
            raise NotFound(f"Ticket {missing!r} not found.")
        status = TicketStatus(ticket.status)
        if status in _CLOSED:
            raise TicketClosed(
                f"This ticket is {status.lower()}; please open a new one.",
                details={"status": str(status)},
            )
        replied = await reply_locked(
            ticket, actor, content, author_email=ticket.requester_email,
            description="The customer replied.", prefix=org.ticket_prefix, conn=conn,
            attachment_ids=attachment_ids, uploaded_by=f"contact:{contact.id}",
        )  # fmt: skip
    await relay.relayed()
    return replied


async def reply_locked(
    ticket: Ticket,
    actor: Actor,
    content: str,
    *,
    author_email: str | None,
    description: str,
    prefix: str,
    conn: BaseDBAsyncClient,
    attachment_ids: Sequence[int] = (),
    uploaded_by: str = "",
) -> Reply:
    """A customer's public reply to a locked open ticket, in the caller's transaction (the
    caller relays after the commit): the response with the files `uploaded_by` uploaded
    (`attachment_ids`), its audit row and its events; a ticket waiting on the customer, or
    resolved, goes back to OPEN."""
    trail = AuditTrail(actor)
    response = await TicketResponse.create(
        ticket_id=ticket.id,
        content=content,
        is_internal=False,
        author_type=actor.author_type,
        author_name=actor.name,
        author_email=author_email,
        using_db=conn,
    )
    files = await attachments.attach(
        conn, organization_id=ticket.organization_id, uploaded_by=uploaded_by,
        ids=attachment_ids,
        target=attachments.Target(
            ticket_id=ticket.id, response_id=response.id, contact_id=ticket.requester_id
        ),
    )  # fmt: skip
    trail.add(ticket, ActivityType.RESPONDED, description, {"responseId": response.id})
    if TicketStatus(ticket.status) in BACK_TO_OPEN:
        apply_status(trail, ticket, TicketStatus.OPEN)
    loaded = await save_and_stage(trail, ticket, prefix, conn, response=response, files=files)
    return Reply(response, loaded, files)
