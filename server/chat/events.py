"""Live chat's domain events: what a chat write records (`announce.py`), in its transaction.

Each carries the conversation as agents see it over REST (`ConversationOut`, `MessageOut`) and,
in `customerView`, as its customer sees it (`PublicConversation`: their unread count, their
agent), both taken when the write recorded them. Agents receive the event without
`customerView`; the customer receives a projection built from it, which carries no internal
note, no agent-only field and nobody else's data. Who gets which is decided in `server/push/`.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from server.chat.schemas import ConversationOut, MessageOut, PublicConversation
from server.events import registry
from server.events.model import Event
from server.tickets.schemas import TicketOut

AssignReason = Literal["claimed", "routed", "transferred", "requeued", "reply"]


class ConversationEvent(Event):
    """An event about one conversation, with both views of it after the write."""

    internal_fields = frozenset({"customer_view"})
    conversation: ConversationOut
    # Filled in by `announce.stage` when the write records the event, from the same loaded
    # conversation as `conversation`; None only while a service is still building the event.
    customer_view: PublicConversation | None = Field(
        default=None,
        description="The customer's view of the conversation (never sent to agents).",
    )


class ConversationCreated(ConversationEvent):
    type: Literal["conversation.created"] = "conversation.created"


class ConversationAssigned(ConversationEvent):
    """Claimed, routed, taken by replying, or back in the queue (`assigneeId` null)."""

    type: Literal["conversation.assigned"] = "conversation.assigned"
    previous_assignee_id: int | None
    assignee_id: int | None
    reason: AssignReason


class ConversationTransferred(ConversationEvent):
    type: Literal["conversation.transferred"] = "conversation.transferred"
    from_agent_id: int | None
    to_agent_id: int


class ConversationEnded(ConversationEvent):
    type: Literal["conversation.ended"] = "conversation.ended"
    ended_by: Literal["agent", "contact"]


class ConversationMessageCreated(ConversationEvent):
    type: Literal["conversation.message_created"] = "conversation.message_created"
    message: MessageOut


class ConversationRead(ConversationEvent):
    type: Literal["conversation.read"] = "conversation.read"
    side: Literal["agent", "contact"]
    last_read_message_id: int


class ConversationEscalated(ConversationEvent):
    type: Literal["conversation.escalated"] = "conversation.escalated"
    ticket: TicketOut


ChatEvent = (
    ConversationCreated
    | ConversationAssigned
    | ConversationTransferred
    | ConversationEnded
    | ConversationMessageCreated
    | ConversationRead
    | ConversationEscalated
)


class ConversationTranscriptRequested(Event):
    """Someone asked for the conversation's transcript by email (`server/notify/`): the
    messages up to `upToMessageId`, so a retried email says the same."""

    type: Literal["conversation.transcript_requested"] = "conversation.transcript_requested"
    conversation_id: int
    email: str
    requested_by: Literal["agent", "contact"]
    up_to_message_id: int


class QueuePosition(Event):
    """A waiting customer's place in the queue (theirs alone)."""

    type: Literal["conversation.queue_position"] = "conversation.queue_position"
    conversation_id: int
    position: int = Field(description="1 = next in line.")


registry.register(
    ConversationCreated,
    ConversationAssigned,
    ConversationTransferred,
    ConversationEnded,
    ConversationMessageCreated,
    ConversationRead,
    ConversationEscalated,
    ConversationTranscriptRequested,
    QueuePosition,
)
