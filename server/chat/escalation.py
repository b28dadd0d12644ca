"""Turning a live chat into a ticket: one transaction creates the ticket (requester, transcript,
origin), links the conversation to it, tells the customer in the chat, and stages the events
both sides see live (`ticket.created` on the queue and the customer's channel,
`conversation.escalated` with the ticket's public projection for the customer)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from tortoise.transactions import in_transaction

from server.accounts.models import Agent, Contact
from server.accounts.principal import Principal
from server.attachments import service as attachments
from server.chat import announce, events, lookups
from server.chat.models import ChatMessage, ConversationStatus
from server.chat.presenters import LoadedConversation, message_out
from server.chat.schemas import EscalateRequest
from server.chat.writes import close, now, system_message
from server.errors import Conflict
from server.events import relay
from server.events.actor import CUSTOMER_AUTHORS, AuthorType
from server.tickets import service as tickets
from server.tickets.lookups import LoadedTicket, organization_of
from server.tickets.models import Ticket
from server.tickets.numbering import format_reference

SUBJECT_CHARS = 80
_SPEAKER = {
    AuthorType.CUSTOMER: "Customer",
    AuthorType.EMAIL: "Customer",
    AuthorType.AGENT: "Agent",
    AuthorType.SYSTEM: "System",
}
_LINE_BREAKS = re.compile(r"\s*[\r\n]+\s*")


@dataclass
class Escalated:
    ticket: LoadedTicket
    conversation: LoadedConversation


def transcript(messages: list[ChatMessage]) -> str:
    """One line per message: `[YYYY-MM-DD HH:MM] Customer|Agent|System: text` (UTC).

    A message's own line breaks become spaces so each message stays on its line; an internal
    note (when asked for) is marked `Agent (internal note)`."""
    lines = []
    for m in messages:
        speaker = _SPEAKER[AuthorType(m.author_type)]
        if m.is_internal:
            speaker += " (internal note)"
        text = _LINE_BREAKS.sub(" ", m.body.strip())
        lines.append(f"[{m.created_at:%Y-%m-%d %H:%M}] {speaker}: {text}")
    return "\n".join(lines)


def summary(messages: list[ChatMessage]) -> str:
    """The default subject: the start of the customer's first message."""
    first = next((m for m in messages if m.author_type in CUSTOMER_AUTHORS), None)
    text = _LINE_BREAKS.sub(" ", first.body.strip()) if first else ""
    if not text:
        return "Live chat"
    if len(text) <= SUBJECT_CHARS:
        return text
    return text[: SUBJECT_CHARS - 1].rstrip() + "…"


async def escalate(
    *, principal: Principal, conversation_id: int, data: EscalateRequest
) -> Escalated:
    org = await organization_of(principal)
    tickets.check_category(org, data.category)
    priority = data.priority or tickets.default_priority(org.settings or {})
    async with in_transaction() as conn:
        conversation = await lookups.lock_conversation(
            conversation_id, conn, organization_id=principal.organization_id
        )
        if conversation.ticket_id is not None and not data.allow_multiple:
            existing = await Ticket.filter(id=conversation.ticket_id).using_db(conn).get_or_none()
            reference = format_reference(org.ticket_prefix, existing.number) if existing else None
            raise Conflict(
                f"This conversation already became ticket {reference}; "
                "send allowMultiple to create another.",
                details={"ticketId": conversation.ticket_id, "reference": reference},
            )
        contact = await Contact.filter(id=conversation.contact_id).using_db(conn).get()
        history = ChatMessage.filter(conversation_id=conversation.id).using_db(conn)
        shown = list(await history.order_by("id"))
        if not data.include_internal_notes:
            shown = [m for m in shown if not m.is_internal]
        assignee: Agent | None = None
        if data.auto_assign_to_agent:
            if conversation.assignee_id is not None:
                assignee = (
                    await Agent.filter(id=conversation.assignee_id, is_active=True)
                    .using_db(conn)
                    .get_or_none()
                )
            assignee = assignee or principal.agent
        ticket = await tickets.insert_ticket(
            actor=principal.actor, org=org, contact=contact, conn=conn,
            subject=data.subject or summary(shown),
            description=transcript(shown) if data.include_transcript else "",
            priority=priority, category=data.category, tags=data.tags,
            custom_fields={}, metadata={"source": "chat", "chatId": conversation.id},
            assignee=assignee, requester_name=contact.name,
            origin_chat_id=conversation.id,
            note=f"Created from live chat #{conversation.id}.",
        )  # fmt: skip
        conversation.ticket_id = ticket.ticket.id
        if data.include_attachments:
            await attachments.link_chat_to_ticket(
                conn, organization_id=conversation.organization_id,
                conversation_id=conversation.id, ticket_id=ticket.ticket.id,
                include_internal=data.include_internal_notes,
            )  # fmt: skip
        system = await system_message(
            conversation, f"We created ticket {ticket.reference} for your request.", conn
        )
        was_waiting = conversation.status == ConversationStatus.WAITING
        end_line: ChatMessage | None = None
        if data.end_conversation and conversation.status != ConversationStatus.ENDED:
            end_line = await close(conversation, principal.name, conn)
        await conversation.save(using_db=conn)
        loaded = await lookups.load_conversation(conversation, conn)
        out = loaded.out(now())
        found: list[events.ChatEvent] = [
            events.ConversationEscalated(conversation=out, ticket=ticket.out()),
            events.ConversationMessageCreated(conversation=out, message=message_out(system)),
        ]
        if end_line is not None:
            found += [
                events.ConversationEnded(conversation=out, ended_by="agent"),
                events.ConversationMessageCreated(conversation=out, message=message_out(end_line)),
            ]
        await announce.stage(loaded, found, conn, principal.actor)
        if end_line is not None and was_waiting:
            await announce.queue_positions(conversation.organization_id, conn)
    await relay.relayed()
    return Escalated(ticket=ticket, conversation=loaded)
