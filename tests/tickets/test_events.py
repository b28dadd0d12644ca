"""ticket events: every payload is typed and closed to extra fields; the requester's views of a
ticket and a reply leak nothing agents-only."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

import pytest
from pydantic import Field, TypeAdapter, ValidationError

from server.channels.events import PresenceChanged, PresenceEntry
from server.push import projections
from server.tickets import events
from server.tickets.models import AuthorType, TicketPriority, TicketStatus
from server.tickets.presenters import public_response, public_ticket
from server.tickets.schemas import ResponseOut, TicketOut

NOW = datetime(2026, 11, 22, 8, 0, tzinfo=UTC)


def ticket(**overrides: object) -> TicketOut:
    data: dict[str, object] = {
        "id": 7, "number": 42, "reference": "TKT-00042", "subject": "Refund",
        "description": "Card charged twice", "status": TicketStatus.OPEN,
        "priority": TicketPriority.HIGH, "category": "Billing", "tags": ["vip"],
        "custom_fields": {"plan": "pro"}, "metadata": {"ip": "203.0.113.7"},
        "requester_id": 5, "requester_name": "Rita", "requester_email": "rita@example.com",
        "assignee_id": 3, "assignee_name": "Bob", "assigned_at": NOW,
        "first_response_due_at": NOW, "resolution_due_at": NOW, "first_response_at": None,
        "resolved_at": None, "closed_at": None, "created_at": NOW, "updated_at": NOW,
    }  # fmt: skip
    data.update(overrides)
    return TicketOut.model_validate(data)


def response(*, internal: bool) -> ResponseOut:
    return ResponseOut(
        id=9, ticket_id=7, content="We refunded you.", is_internal=internal,
        author_type=AuthorType.AGENT, author_id=3, author_name="Bob",
        author_email="bob@example.com", created_at=NOW,
    )  # fmt: skip


AGENT: TypeAdapter[Any] = TypeAdapter(
    Annotated[events.TicketEvent | PresenceChanged, Field(discriminator="type")]
)
PUBLIC: TypeAdapter[Any] = TypeAdapter(
    Annotated[projections.PublicTicketEvent, Field(discriminator="type")]
)


def test_every_agent_event_round_trips_through_its_schema() -> None:
    samples = [
        events.TicketCreated(ticket=ticket()),
        events.TicketUpdated(ticket=ticket(), changed=["subject", "tags"]),
        events.TicketStatusChanged(ticket=ticket(), old=TicketStatus.NEW, new=TicketStatus.OPEN),
        events.TicketAssigned(ticket=ticket(), previous_assignee_id=None, assignee_id=3),
        events.TicketResponseAdded(ticket=ticket(), response=response(internal=True)),
        events.TicketDeleted(ticket_id=7, reference="TKT-00042"),
        PresenceChanged(
            channel="ticket:7",
            joined=[PresenceEntry(person="agent:3", name="Bob", status="online")],
        ),
    ]
    for sample in samples:
        wire = sample.model_dump(mode="json", by_alias=True)
        assert AGENT.validate_python(wire) == sample
    assert {s.type for s in samples} == {
        "ticket.created", "ticket.updated", "ticket.status_changed", "ticket.assigned",
        "ticket.response_added", "ticket.deleted", "presence.changed",
    }  # fmt: skip


def test_extra_fields_and_unknown_types_are_refused() -> None:
    wire = events.TicketDeleted(ticket_id=7, reference="TKT-00042").model_dump(by_alias=True)
    with pytest.raises(ValidationError):
        AGENT.validate_python({**wire, "secret": 1})
    with pytest.raises(ValidationError):
        AGENT.validate_python({**wire, "type": "ticket.exploded"})


def test_the_public_ticket_carries_nothing_agent_only() -> None:
    public = public_ticket(ticket()).model_dump(by_alias=True)
    assert set(public) == {
        "id", "reference", "subject", "status", "createdAt", "updatedAt", "resolvedAt",
        "closedAt",
    }  # fmt: skip
    text = str(public)
    for secret in ("Bob", "203.0.113.7", "pro", "vip", "Card charged", "rita@example.com"):
        assert secret not in text


def test_an_internal_note_has_no_public_projection() -> None:
    with pytest.raises(ValueError, match="internal note"):
        public_response(response(internal=True))
    public = public_response(response(internal=False)).model_dump(by_alias=True)
    assert public["content"] == "We refunded you."
    assert "authorEmail" not in public and "isInternal" not in public


def test_public_events_validate_and_are_closed() -> None:
    created = projections.PublicTicketCreated(ticket=public_ticket(ticket()))
    wire = created.model_dump(mode="json", by_alias=True)
    assert PUBLIC.validate_python(wire) == created
    with pytest.raises(ValidationError):
        PUBLIC.validate_python({**wire, "ticket": {**wire["ticket"], "assigneeId": 3}})
