"""The ticket domain's events: what a ticket write records (`announce.py`), in its transaction.

Each carries the ticket as the REST API shows it to agents (`TicketOut`, `ResponseOut`), taken
when the write recorded it. Who receives which projection of them is decided in
`server/push/` alone; the customer's projections never carry an internal note or an
agent-only field.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from server.events import registry
from server.events.model import Event
from server.tickets.models import TicketStatus
from server.tickets.schemas import ResponseOut, TicketOut


class TicketCreated(Event):
    type: Literal["ticket.created"] = "ticket.created"
    ticket: TicketOut


class TicketUpdated(Event):
    type: Literal["ticket.updated"] = "ticket.updated"
    ticket: TicketOut
    changed: list[str] = Field(description="Wire names of the fields that changed.")


class TicketStatusChanged(Event):
    type: Literal["ticket.status_changed"] = "ticket.status_changed"
    ticket: TicketOut
    old: TicketStatus
    new: TicketStatus


class TicketAssigned(Event):
    type: Literal["ticket.assigned"] = "ticket.assigned"
    ticket: TicketOut
    previous_assignee_id: int | None
    assignee_id: int | None


class TicketResponseAdded(Event):
    type: Literal["ticket.response_added"] = "ticket.response_added"
    ticket: TicketOut
    response: ResponseOut


class TicketDeleted(Event):
    type: Literal["ticket.deleted"] = "ticket.deleted"
    ticket_id: int
    reference: str


TicketEvent = (
    TicketCreated
    | TicketUpdated
    | TicketStatusChanged
    | TicketAssigned
    | TicketResponseAdded
    | TicketDeleted
)

registry.register(
    TicketCreated,
    TicketUpdated,
    TicketStatusChanged,
    TicketAssigned,
    TicketResponseAdded,
    TicketDeleted,
)
