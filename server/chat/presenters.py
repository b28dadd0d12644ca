"""Turning conversation and message rows into their REST and event shapes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from server.accounts.models import Agent, Contact
from server.attachments import queries as attachment_queries
from server.attachments.schemas import AttachmentOut, public_attachment
from server.chat.models import ChatMessage, Conversation, ConversationStatus
from server.chat.schemas import (
    ContactBrief,
    ConversationOut,
    MessageAuthor,
    MessageOut,
    PublicAgent,
    PublicConversation,
    PublicMessage,
    PublicTicketLink,
    TicketLink,
)
from server.tickets.models import Ticket
from server.tickets.numbering import format_reference


@dataclass
class LoadedConversation:
    """A conversation with what its shapes show: contact, assignee, ticket, queue place."""

    conversation: Conversation
    contact: Contact
    assignee: Agent | None
    ticket: Ticket | None
    prefix: str
    queue_position: int | None

    def out(self, now: datetime) -> ConversationOut:
        return conversation_out(self, now)

    def public(self) -> PublicConversation:
        return public_conversation(self)


def conversation_out(loaded: LoadedConversation, now: datetime) -> ConversationOut:
    c, contact = loaded.conversation, loaded.contact
    waiting = c.status == ConversationStatus.WAITING and c.waiting_since is not None
    return ConversationOut(
        id=c.id,
        status=c.status,
        channel=c.channel,
        contact=ContactBrief(
            id=contact.id,
            name=contact.name,
            email=contact.email or contact.claimed_email,
            verified=contact.verified,
        ),
        assignee_id=c.assignee_id,
        assignee_name=loaded.assignee.name if loaded.assignee else None,
        assigned_at=c.assigned_at,
        pre_chat={str(k): str(v) for k, v in (c.pre_chat or {}).items()},
        waiting_since=c.waiting_since,
        wait_seconds=(
            max(0, int((now - c.waiting_since).total_seconds()))
            if waiting and c.waiting_since
            else None
        ),
        queue_position=loaded.queue_position,
        awaiting_reply_since=c.awaiting_reply_since,
        first_response_at=c.first_response_at,
        ended_at=c.ended_at,
        last_message_at=c.last_message_at,
        unread=c.agent_unread,
        contact_last_read_id=c.contact_last_read_id,
        agent_last_read_id=c.agent_last_read_id,
        ticket=(
            TicketLink(id=loaded.ticket.id, reference=_reference(loaded)) if loaded.ticket else None
        ),
        created_at=c.created_at,
        updated_at=c.updated_at,
    )


def _reference(loaded: LoadedConversation) -> str:
    assert loaded.ticket is not None
    return format_reference(loaded.prefix, loaded.ticket.number)


def public_conversation(loaded: LoadedConversation) -> PublicConversation:
    c, agent, ticket = loaded.conversation, loaded.assignee, loaded.ticket
    return PublicConversation(
        id=c.id,
        status=c.status,
        agent=PublicAgent(id=agent.id, name=agent.name) if agent else None,
        queue_position=loaded.queue_position,
        unread=c.contact_unread,
        contact_last_read_id=c.contact_last_read_id,
        agent_last_read_id=c.agent_last_read_id,
        ticket=(
            PublicTicketLink(
                reference=_reference(loaded), subject=ticket.subject, status=ticket.status
            )
            if ticket
            else None
        ),
        created_at=c.created_at,
        ended_at=c.ended_at,
    )


def message_out(message: ChatMessage, files: Sequence[AttachmentOut] = ()) -> MessageOut:
    return MessageOut(
        id=message.id,
        conversation_id=message.conversation_id,
        author_type=MessageAuthor.of(message.author_type),
        author_id=message.author_agent_id or message.author_contact_id,
        author_name=message.author_name,
        body=message.body,
        is_internal=message.is_internal,
        client_message_id=message.client_message_id,
        created_at=message.created_at,
        attachments=list(files),
    )


async def messages_out(messages: Sequence[ChatMessage]) -> list[MessageOut]:
    """Messages with their files (one query for all of them)."""
    files = await attachment_queries.for_messages([m.id for m in messages])
    return [message_out(m, files.get(m.id, ())) for m in messages]


def public_message(message: MessageOut) -> PublicMessage:
    """The customer's view of a message. Refuses internal notes outright."""
    if message.is_internal:
        raise ValueError("an internal note has no public projection")
    return PublicMessage(
        id=message.id,
        conversation_id=message.conversation_id,
        author_type=message.author_type,
        author_name=message.author_name,
        body=message.body,
        client_message_id=(
            message.client_message_id if message.author_type is MessageAuthor.CONTACT else None
        ),
        created_at=message.created_at,
        attachments=[public_attachment(a) for a in message.attachments],
    )
