"""Who receives each ticket event, and which projection: the one place these rules live.

Agents of the organisation watch the queue and the ticket's own channel and get the full
payload; an agent's personal channel gets assignments that concern them. The requester's
widget (their contact channel) gets the public projection of what is news to a customer: their
ticket created, its subject or status changed, a public reply, its deletion. It never gets an
internal note, an assignment, or any agent-only field. A wrong recipient is a security bug, so
every rule here is tested (`tests/channels/test_audiences.py`).
"""

from __future__ import annotations

from dataclasses import dataclass

from server.channels import events, names
from server.channels.events import EventModel
from server.channels.names import Channel


@dataclass(frozen=True)
class TicketAudience:
    """Whom a ticket concerns: its organisation, itself, and its requester's contact."""

    organization_id: int
    ticket_id: int
    requester_id: int | None


@dataclass(frozen=True)
class Delivery:
    channel: Channel
    payload: EventModel


TicketEvent = (
    events.TicketCreated
    | events.TicketUpdated
    | events.TicketStatusChanged
    | events.TicketAssigned
    | events.TicketResponseAdded
    | events.TicketDeleted
)


def deliveries(event: TicketEvent, audience: TicketAudience) -> list[Delivery]:
    """Every (channel, payload) pair `event` is published as."""
    org = audience.organization_id
    out = [
        Delivery(names.queue(org), event),
        Delivery(names.ticket(org, audience.ticket_id), event),
    ]
    if isinstance(event, events.TicketAssigned):
        for agent_id in dict.fromkeys((event.assignee_id, event.previous_assignee_id)):
            if agent_id is not None:
                out.append(Delivery(names.agent(org, agent_id), event))
    public = public_payload(event)
    if public is not None and audience.requester_id is not None:
        out.append(Delivery(names.contact(org, audience.requester_id), public))
    return out


def public_payload(event: TicketEvent) -> EventModel | None:
    """The requester's projection of `event`, or None when it is not theirs to see."""
    match event:
        case events.TicketCreated():
            return events.PublicTicketCreated(ticket=events.public_ticket(event.ticket))
        case events.TicketUpdated():
            changed = [name for name in event.changed if name in events.PUBLIC_CHANGES]
            if not changed:
                return None
            return events.PublicTicketUpdated(
                ticket=events.public_ticket(event.ticket), changed=changed
            )
        case events.TicketStatusChanged():
            return events.PublicTicketStatusChanged(
                ticket=events.public_ticket(event.ticket), old=event.old, new=event.new
            )
        case events.TicketResponseAdded():
            if event.response.is_internal:
                return None
            return events.PublicTicketResponseAdded(
                ticket=events.public_ticket(event.ticket),
                response=events.public_response(event.response),
            )
        case events.TicketDeleted():
            return events.PublicTicketDeleted(ticket_id=event.ticket_id, reference=event.reference)
        case events.TicketAssigned():
            return None
    raise TypeError(f"no audience rule for {type(event).__name__}")
