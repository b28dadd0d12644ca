"""For every event type, which channels receive it and which payload each gets.

- Tickets: every agent of the organisation gets the full event on the `queue` channel and on
  the ticket's own channel; the agents an assignment moves between also on their `agent:{id}`
  channel; the requester (their `contact:{id}` channel) gets the public projection of what is
  news to a customer, never an internal note, an assignment or an agent-only field; the
  ticket's tracking page (`tracking:{id}`) gets that same projection, for that ticket only.
- Live chat: every agent gets every chat event in full on `queue` (the queue views, unread
  counts and internal notes live there); the agents an assignment or transfer moves between
  also on their own channel; the customer gets the public projection on their contact
  channel. Queue positions are the customer's alone; a transcript request is the agents'.
  Typing and "who is in this chat" are presence on `conversation:{id}`, not events.
- Access revoked: no client gets an event; every process closes the affected sockets
  (the transport's control channel).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from server.accounts import events as accounts
from server.channels import names
from server.chat import events as chat
from server.events.model import Event, Subject
from server.push.projections import agent_payload, chat_projection, ticket_projection
from server.tickets import events as tickets

CONTROL_EVENT = "control"


@dataclass(frozen=True)
class Delivery:
    """One message for one channel (`key`: `names.Channel.key`, or the control channel)."""

    key: str
    type: str
    data: dict[str, Any]


def deliveries(event: Event, subject: Subject) -> list[Delivery]:
    """Every (channel, payload) pair `event` about `subject` is published as."""
    match event:
        case (
            tickets.TicketCreated() | tickets.TicketUpdated() | tickets.TicketStatusChanged()
            | tickets.TicketAssigned() | tickets.TicketResponseAdded() | tickets.TicketDeleted()
        ):  # fmt: skip
            return _ticket(event, subject)
        case chat.ConversationTranscriptRequested():
            # Agents see that a chat was emailed; the customer asked (or has the REST answer).
            org = subject.organization_id
            return [Delivery(names.queue(org).key, event.type, agent_payload(event))]
        case chat.QueuePosition():
            return _to_contact(subject, chat_projection(event))
        case chat.ConversationEvent():
            return _conversation(event, subject)  # type: ignore[arg-type]
        case accounts.AccessRevoked():
            return [_control({"revoke": {
                "kind": event.identity, "id": event.identity_id,
                "organizationId": subject.organization_id,
            }})]  # fmt: skip
        case accounts.TokenRevoked():
            return [_control({"revoke": {"tokenDigest": event.token_digest}})]
    raise TypeError(f"no push rule for {type(event).__name__}")


def _ticket(event: tickets.TicketEvent, subject: Subject) -> list[Delivery]:
    org = subject.organization_id
    full = agent_payload(event)
    out = [
        Delivery(names.queue(org).key, event.type, full),
        Delivery(names.ticket(org, subject.id).key, event.type, full),
    ]
    if isinstance(event, tickets.TicketAssigned):
        out += [Delivery(names.agent(org, a).key, event.type, full) for a in subject.agent_ids]
    return out + _to_requester(subject, ticket_projection(event))


def _conversation(event: chat.ChatEvent, subject: Subject) -> list[Delivery]:
    org = subject.organization_id
    full = agent_payload(event)
    out = [Delivery(names.queue(org).key, event.type, full)]
    if isinstance(event, chat.ConversationAssigned | chat.ConversationTransferred):
        out += [Delivery(names.agent(org, a).key, event.type, full) for a in subject.agent_ids]
    return out + _to_contact(subject, chat_projection(event))


def _to_contact(subject: Subject, projection: BaseModel | None) -> list[Delivery]:
    if projection is None or subject.contact_id is None:
        return []
    data = projection.model_dump(mode="json", by_alias=True, exclude={"type"})
    key = names.contact(subject.organization_id, subject.contact_id).key
    return [Delivery(key, projection.type, data)]  # type: ignore[attr-defined]


def _to_requester(subject: Subject, projection: BaseModel | None) -> list[Delivery]:
    """A ticket's public projection to its requester's widget and to its tracking page (which
    sees what the widget sees of it), serialised once for both."""
    if projection is None:
        return []
    data = projection.model_dump(mode="json", by_alias=True, exclude={"type"})
    kind: str = projection.type  # type: ignore[attr-defined]
    out = [Delivery(names.tracking(subject.organization_id, subject.id).key, kind, data)]
    if subject.contact_id is not None:
        out.insert(
            0, Delivery(names.contact(subject.organization_id, subject.contact_id).key, kind, data)
        )
    return out


def _control(message: dict[str, Any]) -> Delivery:
    return Delivery(names.CONTROL_KEY, CONTROL_EVENT, message)
