"""Who receives each live-chat event, and which projection: the one place these rules live.

- Every agent of the organisation gets every chat event in full on the `queue` channel (the
  queue views, unread counts and internal notes live there).
- The agents a conversation moves between also get assignments and transfers on their own
  `agent:{id}` channel.
- The customer gets the public projection on their `contact:{id}` channel: their
  conversation created, taken by an agent, ended, read by the agents, escalated, and every
  message that is not an internal note. Internal notes never have a public projection
  (`public_payload` returns None for them, and `PublicMessage` has no `isInternal`).
- Queue positions are the customer's alone.

Typing and "who is in this chat" are presence on `conversation:{id}`, not events.
"""

from __future__ import annotations

from dataclasses import dataclass

from server.channels import names
from server.channels.audiences import Delivery
from server.channels.events import EventModel, public_ticket
from server.chat import events
from server.chat.presenters import public_message
from server.chat.schemas import PublicConversation


@dataclass(frozen=True)
class ChatAudience:
    """Whom a conversation concerns, with the customer's view of it after the write."""

    organization_id: int
    contact_id: int
    public: PublicConversation


def deliveries(event: events.AgentChatEvent, audience: ChatAudience) -> list[Delivery]:
    """Every (channel, payload) pair `event` is published as."""
    org = audience.organization_id
    out = [Delivery(names.queue(org), event)]
    moved: tuple[int | None, ...] = ()
    if isinstance(event, events.ConversationAssigned):
        moved = (event.assignee_id, event.previous_assignee_id)
    elif isinstance(event, events.ConversationTransferred):
        moved = (event.to_agent_id, event.from_agent_id)
    for agent_id in dict.fromkeys(moved):
        if agent_id is not None:
            out.append(Delivery(names.agent(org, agent_id), event))
    public = public_payload(event, audience.public)
    if public is not None:
        out.append(Delivery(names.contact(org, audience.contact_id), public))
    return out


def public_payload(event: events.AgentChatEvent, public: PublicConversation) -> EventModel | None:
    """The customer's projection of `event`, or None when it is not theirs to see."""
    match event:
        case events.ConversationCreated():
            return events.PublicConversationCreated(conversation=public)
        case events.ConversationAssigned() | events.ConversationTransferred():
            return events.PublicConversationAssigned(conversation=public)
        case events.ConversationEnded():
            return events.PublicConversationEnded(conversation=public)
        case events.ConversationMessageCreated():
            if event.message.is_internal:
                return None
            return events.PublicMessageCreated(
                conversation=public, message=public_message(event.message)
            )
        case events.ConversationRead():
            return events.PublicConversationRead(
                conversation=public,
                side=event.side,
                last_read_message_id=event.last_read_message_id,
            )
        case events.ConversationEscalated():
            return events.PublicTicketLinked(
                conversation=public, ticket=public_ticket(event.ticket)
            )
    raise TypeError(f"no audience rule for {type(event).__name__}")


def queue_position(
    organization_id: int, contact_id: int, event: events.QueuePosition
) -> list[Delivery]:
    """A waiting customer's place in the queue: theirs alone."""
    return [Delivery(names.contact(organization_id, contact_id), event)]
