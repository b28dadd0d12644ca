"""Every real-time ticket and presence payload, declared once: a literal `type` and no extra
fields (live chat's payloads are in `server/chat/events.py`, built on `EventModel` here).

Agents receive the full payloads (`Ticket*` events carrying `TicketOut`/`ResponseOut`, the
same shapes as the REST API). A customer's widget receives the `Public*` projections only,
which have no internal notes, no assignee, no metadata, custom fields, tags or SLA clocks,
and never another customer's data. Which audience gets which payload is decided in one place
per event (`server/channels/audiences.py`, with the hub).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import ConfigDict, Field

from server.tickets.models import AuthorType, TicketStatus
from server.tickets.schemas import ResponseOut, TicketOut
from server.web.schema import ResponseModel


class EventModel(ResponseModel):
    """A payload on the wire: camelCase, and nothing it does not declare."""

    model_config = ConfigDict(extra="forbid")


# --- agents --------------------------------------------------------------------------------


class TicketCreated(EventModel):
    type: Literal["ticket.created"] = "ticket.created"
    ticket: TicketOut


class TicketUpdated(EventModel):
    type: Literal["ticket.updated"] = "ticket.updated"
    ticket: TicketOut
    changed: list[str] = Field(description="Wire names of the fields that changed.")


class TicketStatusChanged(EventModel):
    type: Literal["ticket.status_changed"] = "ticket.status_changed"
    ticket: TicketOut
    old: TicketStatus
    new: TicketStatus


class TicketAssigned(EventModel):
    type: Literal["ticket.assigned"] = "ticket.assigned"
    ticket: TicketOut
    previous_assignee_id: int | None
    assignee_id: int | None


class TicketResponseAdded(EventModel):
    type: Literal["ticket.response_added"] = "ticket.response_added"
    ticket: TicketOut
    response: ResponseOut


class TicketDeleted(EventModel):
    type: Literal["ticket.deleted"] = "ticket.deleted"
    ticket_id: int
    reference: str


class PresenceEntry(EventModel):
    person: str = Field(description="`agent:{id}` or `contact:{id}`.")
    name: str
    status: Literal["online", "away", "offline"]
    composing: bool = False


class PresenceChanged(EventModel):
    type: Literal["presence.changed"] = "presence.changed"
    channel: str
    joined: list[PresenceEntry] = []
    left: list[str] = Field(default=[], description="`person` keys that left.")
    updated: list[PresenceEntry] = []


AgentEvent = Annotated[
    TicketCreated
    | TicketUpdated
    | TicketStatusChanged
    | TicketAssigned
    | TicketResponseAdded
    | TicketDeleted
    | PresenceChanged,
    Field(discriminator="type"),
]


# --- customers (the widget): projections -----------------------------------------------------


class PublicTicket(EventModel):
    """What a requester may see of their own ticket."""

    id: int
    reference: str
    subject: str
    status: TicketStatus
    created_at: datetime
    updated_at: datetime
    resolved_at: datetime | None
    closed_at: datetime | None


class PublicResponse(EventModel):
    """A public reply as the requester sees it (internal notes are never projected)."""

    id: int
    ticket_id: int
    content: str
    author_type: AuthorType
    author_name: str
    created_at: datetime


class PublicTicketCreated(EventModel):
    type: Literal["ticket.created"] = "ticket.created"
    ticket: PublicTicket


class PublicTicketUpdated(EventModel):
    type: Literal["ticket.updated"] = "ticket.updated"
    ticket: PublicTicket
    changed: list[str]


class PublicTicketStatusChanged(EventModel):
    type: Literal["ticket.status_changed"] = "ticket.status_changed"
    ticket: PublicTicket
    old: TicketStatus
    new: TicketStatus


class PublicTicketResponseAdded(EventModel):
    type: Literal["ticket.response_added"] = "ticket.response_added"
    ticket: PublicTicket
    response: PublicResponse


class PublicTicketDeleted(EventModel):
    type: Literal["ticket.deleted"] = "ticket.deleted"
    ticket_id: int
    reference: str


PublicEvent = Annotated[
    PublicTicketCreated
    | PublicTicketUpdated
    | PublicTicketStatusChanged
    | PublicTicketResponseAdded
    | PublicTicketDeleted,
    Field(discriminator="type"),
]

# Changes (wire names) a requester sees; a change to any other field is not news to them.
PUBLIC_CHANGES = frozenset({"subject", "status"})


def public_ticket(ticket: TicketOut) -> PublicTicket:
    return PublicTicket(
        id=ticket.id,
        reference=ticket.reference,
        subject=ticket.subject,
        status=ticket.status,
        created_at=ticket.created_at,
        updated_at=ticket.updated_at,
        resolved_at=ticket.resolved_at,
        closed_at=ticket.closed_at,
    )


def public_response(response: ResponseOut) -> PublicResponse:
    """The requester's view of a reply. Refuses internal notes outright."""
    if response.is_internal:
        raise ValueError("an internal note has no public projection")
    return PublicResponse(
        id=response.id,
        ticket_id=response.ticket_id,
        content=response.content,
        author_type=response.author_type,
        author_name=response.author_name,
        created_at=response.created_at,
    )
