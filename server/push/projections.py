"""Every event projection a customer's widget receives, declared and built in one place.

Agents receive each domain event as recorded, without its internal fields (`agent_payload`).
A customer receives only these projections: their ticket's public view (no internal notes,
no assignee, no metadata, custom fields, tags or SLA clocks), their conversation as they see
it, and messages that are not internal notes. An event with no projection (an assignment of a
ticket, an internal note) does not reach them at all.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict
from pydantic.alias_generators import to_camel

from server.chat import events as chat
from server.chat.presenters import public_message
from server.chat.schemas import PublicConversation, PublicMessage
from server.events.model import Event
from server.tickets import events as tickets
from server.tickets.models import TicketStatus
from server.tickets.presenters import public_response, public_ticket
from server.tickets.schemas import PublicResponse, PublicTicket


class Projection(BaseModel):
    """A payload for a customer: camelCase, and nothing it does not declare."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid")

    type: str


def agent_payload(event: Event) -> dict[str, Any]:
    """What agents receive of `event`: all of it but the fields kept for projections."""
    payload = event.payload()
    for name in event.internal_fields:
        payload.pop(to_camel(name), None)
    return payload


# --- tickets ---------------------------------------------------------------------------------

# Changes (wire names) a requester sees; a change to any other field is not news to them.
PUBLIC_CHANGES = frozenset({"subject", "status"})


class PublicTicketCreated(Projection):
    type: Literal["ticket.created"] = "ticket.created"
    ticket: PublicTicket


class PublicTicketUpdated(Projection):
    type: Literal["ticket.updated"] = "ticket.updated"
    ticket: PublicTicket
    changed: list[str]


class PublicTicketStatusChanged(Projection):
    type: Literal["ticket.status_changed"] = "ticket.status_changed"
    ticket: PublicTicket
    old: TicketStatus
    new: TicketStatus


class PublicTicketResponseAdded(Projection):
    type: Literal["ticket.response_added"] = "ticket.response_added"
    ticket: PublicTicket
    response: PublicResponse


class PublicTicketDeleted(Projection):
    type: Literal["ticket.deleted"] = "ticket.deleted"
    ticket_id: int
    reference: str


PublicTicketEvent = (
    PublicTicketCreated
    | PublicTicketUpdated
    | PublicTicketStatusChanged
    | PublicTicketResponseAdded
    | PublicTicketDeleted
)


def ticket_projection(event: tickets.TicketEvent) -> PublicTicketEvent | None:
    """The requester's projection of a ticket event, or None when it is not theirs to see."""
    match event:
        case tickets.TicketCreated():
            return PublicTicketCreated(ticket=public_ticket(event.ticket))
        case tickets.TicketUpdated():
            changed = [name for name in event.changed if name in PUBLIC_CHANGES]
            if not changed:
                return None
            return PublicTicketUpdated(ticket=public_ticket(event.ticket), changed=changed)
        case tickets.TicketStatusChanged():
            return PublicTicketStatusChanged(
                ticket=public_ticket(event.ticket), old=event.old, new=event.new
            )
        case tickets.TicketResponseAdded():
            if event.response.is_internal:
                return None
            return PublicTicketResponseAdded(
                ticket=public_ticket(event.ticket), response=public_response(event.response)
            )
        case tickets.TicketDeleted():
            return PublicTicketDeleted(ticket_id=event.ticket_id, reference=event.reference)
        case tickets.TicketAssigned():
            return None
    raise TypeError(f"no projection rule for {type(event).__name__}")


# --- live chat -------------------------------------------------------------------------------


class PublicConversationCreated(Projection):
    type: Literal["conversation.created"] = "conversation.created"
    conversation: PublicConversation


class PublicConversationAssigned(Projection):
    """An agent took the chat (claimed, routed or transferred), or it went back to the queue."""

    type: Literal["conversation.assigned"] = "conversation.assigned"
    conversation: PublicConversation


class PublicConversationEnded(Projection):
    type: Literal["conversation.ended"] = "conversation.ended"
    conversation: PublicConversation


class PublicMessageCreated(Projection):
    type: Literal["conversation.message_created"] = "conversation.message_created"
    conversation: PublicConversation
    message: PublicMessage


class PublicConversationRead(Projection):
    type: Literal["conversation.read"] = "conversation.read"
    conversation: PublicConversation
    side: Literal["agent", "contact"]
    last_read_message_id: int


class PublicQueuePosition(Projection):
    type: Literal["conversation.queue_position"] = "conversation.queue_position"
    conversation_id: int
    position: int


class PublicTicketLinked(Projection):
    """The chat became a ticket: what the customer needs to follow it."""

    type: Literal["conversation.escalated"] = "conversation.escalated"
    conversation: PublicConversation
    ticket: PublicTicket


PublicChatEvent = (
    PublicConversationCreated
    | PublicConversationAssigned
    | PublicConversationEnded
    | PublicMessageCreated
    | PublicConversationRead
    | PublicQueuePosition
    | PublicTicketLinked
)


def chat_projection(event: chat.ChatEvent | chat.QueuePosition) -> PublicChatEvent | None:
    """The customer's projection of a chat event, or None when it is not theirs to see."""
    if isinstance(event, chat.QueuePosition):
        return PublicQueuePosition(conversation_id=event.conversation_id, position=event.position)
    public = event.customer_view
    if public is None:
        raise ValueError(f"{event.type} was recorded without the customer's view")
    match event:
        case chat.ConversationCreated():
            return PublicConversationCreated(conversation=public)
        case chat.ConversationAssigned() | chat.ConversationTransferred():
            return PublicConversationAssigned(conversation=public)
        case chat.ConversationEnded():
            return PublicConversationEnded(conversation=public)
        case chat.ConversationMessageCreated():
            if event.message.is_internal:
                return None
            return PublicMessageCreated(conversation=public, message=public_message(event.message))
        case chat.ConversationRead():
            return PublicConversationRead(
                conversation=public,
                side=event.side,
                last_read_message_id=event.last_read_message_id,
            )
        case chat.ConversationEscalated():
            return PublicTicketLinked(conversation=public, ticket=public_ticket(event.ticket))
    raise TypeError(f"no projection rule for {type(event).__name__}")
