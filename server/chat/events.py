"""Live chat's real-time event payloads, declared once: a literal `type`, nothing extra.

Agents receive the full payloads (`ConversationOut`, `MessageOut`: the REST shapes); the
customer's widget receives the `Public*` projections (`PublicConversation`, `PublicMessage`),
which carry no internal note, no agent-only field and nobody else's data. Who gets which is
decided in `server/chat/audiences.py`.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from server.channels.events import EventModel, PublicTicket
from server.chat.schemas import (
    ConversationOut,
    MessageOut,
    PublicConversation,
    PublicMessage,
)
from server.tickets.schemas import TicketOut

AssignReason = Literal["claimed", "routed", "transferred", "requeued", "reply"]

# --- agents ----------------------------------------------------------------------------------


class ConversationCreated(EventModel):
    type: Literal["conversation.created"] = "conversation.created"
    conversation: ConversationOut


class ConversationAssigned(EventModel):
    """Claimed, routed, taken by replying, or back in the queue (`assigneeId` null)."""

    type: Literal["conversation.assigned"] = "conversation.assigned"
    conversation: ConversationOut
    previous_assignee_id: int | None
    assignee_id: int | None
    reason: AssignReason


class ConversationTransferred(EventModel):
    type: Literal["conversation.transferred"] = "conversation.transferred"
    conversation: ConversationOut
    from_agent_id: int | None
    to_agent_id: int


class ConversationEnded(EventModel):
    type: Literal["conversation.ended"] = "conversation.ended"
    conversation: ConversationOut
    ended_by: Literal["agent", "contact"]


class ConversationMessageCreated(EventModel):
    type: Literal["conversation.message_created"] = "conversation.message_created"
    conversation: ConversationOut
    message: MessageOut


class ConversationRead(EventModel):
    type: Literal["conversation.read"] = "conversation.read"
    conversation: ConversationOut
    side: Literal["agent", "contact"]
    last_read_message_id: int


class ConversationEscalated(EventModel):
    type: Literal["conversation.escalated"] = "conversation.escalated"
    conversation: ConversationOut
    ticket: TicketOut


AgentChatEvent = (
    ConversationCreated
    | ConversationAssigned
    | ConversationTransferred
    | ConversationEnded
    | ConversationMessageCreated
    | ConversationRead
    | ConversationEscalated
)

# --- the customer's widget -------------------------------------------------------------------


class PublicConversationCreated(EventModel):
    type: Literal["conversation.created"] = "conversation.created"
    conversation: PublicConversation


class PublicConversationAssigned(EventModel):
    """An agent took the chat (claimed, routed or transferred), or it went back to the queue."""

    type: Literal["conversation.assigned"] = "conversation.assigned"
    conversation: PublicConversation


class PublicConversationEnded(EventModel):
    type: Literal["conversation.ended"] = "conversation.ended"
    conversation: PublicConversation


class PublicMessageCreated(EventModel):
    type: Literal["conversation.message_created"] = "conversation.message_created"
    conversation: PublicConversation
    message: PublicMessage


class PublicConversationRead(EventModel):
    type: Literal["conversation.read"] = "conversation.read"
    conversation: PublicConversation
    side: Literal["agent", "contact"]
    last_read_message_id: int


class QueuePosition(EventModel):
    type: Literal["conversation.queue_position"] = "conversation.queue_position"
    conversation_id: int
    position: int = Field(description="1 = next in line.")


class PublicTicketLinked(EventModel):
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
    | QueuePosition
    | PublicTicketLinked
)
