"""push rules for tickets: every ticket event reaches exactly the right channels with the right
payload, and the requester only the public projection of what is news to them."""

from __future__ import annotations

from typing import Annotated, Any

import pytest
from pydantic import Field, TypeAdapter

from server.events.model import Subject
from server.push import projections
from server.push.rules import Delivery, deliveries
from server.tickets import events
from server.tickets.models import TicketStatus
from tests.tickets.test_events import response, ticket

ORG = 4
SUBJECT = Subject(organization_id=ORG, kind="ticket", id=7, contact_id=5)
AGENT_EVENT: TypeAdapter[Any] = TypeAdapter(
    Annotated[events.TicketEvent, Field(discriminator="type")]
)
PUBLIC_EVENT: TypeAdapter[Any] = TypeAdapter(
    Annotated[projections.PublicTicketEvent, Field(discriminator="type")]
)

ALL_EVENTS = [
    events.TicketCreated(ticket=ticket()),
    events.TicketUpdated(ticket=ticket(), changed=["subject", "tags"]),
    events.TicketUpdated(ticket=ticket(), changed=["tags", "customFields"]),
    events.TicketStatusChanged(ticket=ticket(), old=TicketStatus.OPEN, new=TicketStatus.RESOLVED),
    events.TicketAssigned(ticket=ticket(), previous_assignee_id=2, assignee_id=3),
    events.TicketResponseAdded(ticket=ticket(), response=response(internal=False)),
    events.TicketResponseAdded(ticket=ticket(), response=response(internal=True)),
    events.TicketDeleted(ticket_id=7, reference="TKT-00042"),
]


def routed(event: events.TicketEvent, subject: Subject = SUBJECT) -> list[Delivery]:
    return deliveries(event, subject)


def wires(event: events.TicketEvent, subject: Subject = SUBJECT) -> dict[str, Any]:
    return {d.key: {"type": d.type, **d.data} for d in routed(event, subject)}


@pytest.mark.parametrize("event", ALL_EVENTS, ids=lambda e: e.type)
def test_agents_always_get_the_full_event_and_customers_only_projections(
    event: events.TicketEvent,
) -> None:
    found = routed(event)
    keys = [d.key for d in found]
    assert f"parley:org:{ORG}:queue" in keys and f"parley:org:{ORG}:ticket:7" in keys
    assert len(keys) == len(set(keys))
    for delivery in found:
        wire = {"type": delivery.type, **delivery.data}
        if delivery.key.startswith((f"parley:org:{ORG}:contact:", f"parley:org:{ORG}:tracking:")):
            assert PUBLIC_EVENT.validate_python(wire).type == event.type
        else:
            assert AGENT_EVENT.validate_python(wire) == event
    assert all(key.startswith(f"parley:org:{ORG}:") for key in keys)


def test_an_internal_note_never_reaches_the_contact_channel() -> None:
    note = events.TicketResponseAdded(ticket=ticket(), response=response(internal=True))
    assert projections.ticket_projection(note) is None
    assert "parley:org:4:contact:5" not in wires(note)


def test_a_public_reply_reaches_the_requester_without_agent_fields() -> None:
    reply = events.TicketResponseAdded(ticket=ticket(), response=response(internal=False))
    for channel in ("contact:5", "tracking:7"):
        public = wires(reply)[f"parley:org:4:{channel}"]
        text = str(public)
        for secret in ("bob@example.com", "203.0.113.7", "vip", "isInternal", "assignee"):
            assert secret not in text


def test_the_tracking_page_gets_what_the_requester_gets_of_that_ticket_alone() -> None:
    """`tracking:{ticket id}`: the same projection as the requester's own channel, for every
    event type (none where the requester gets none: internal notes, assignments, changes that
    are not news), and never another ticket's."""
    for event in ALL_EVENTS:
        found = wires(event)
        tracking = {k: v for k, v in found.items() if ":tracking:" in k}
        contact = found.get("parley:org:4:contact:5")
        if contact is None:
            assert tracking == {}, event
        else:
            assert tracking == {"parley:org:4:tracking:7": contact}, event


def test_an_internal_note_never_reaches_the_tracking_page() -> None:
    note = events.TicketResponseAdded(ticket=ticket(), response=response(internal=True))
    assert not any(":tracking:" in key for key in wires(note))
    # Nor does a ticket whose requester is gone (no contact) lose its page's public events.
    orphan = Subject(organization_id=ORG, kind="ticket", id=7, contact_id=None)
    reply = events.TicketResponseAdded(ticket=ticket(), response=response(internal=False))
    assert "parley:org:4:tracking:7" in wires(reply, orphan)
    assert not any(":tracking:" in key for key in wires(note, orphan))


def test_assignments_reach_both_agents_and_never_the_customer() -> None:
    assigned = events.TicketAssigned(ticket=ticket(), previous_assignee_id=2, assignee_id=3)
    moved = Subject(organization_id=ORG, kind="ticket", id=7, contact_id=5, agent_ids=(3, 2))
    keys = set(wires(assigned, moved))
    assert {"parley:org:4:agent:3", "parley:org:4:agent:2"} <= keys
    assert "parley:org:4:contact:5" not in keys


def test_only_assignments_go_to_the_agents_channels() -> None:
    moved = Subject(organization_id=ORG, kind="ticket", id=7, contact_id=5, agent_ids=(3, 2))
    for event in ALL_EVENTS:
        if not isinstance(event, events.TicketAssigned):
            assert not any(":agent:" in key for key in wires(event, moved)), event.type


def test_only_public_changes_are_news_to_the_requester() -> None:
    quiet = events.TicketUpdated(ticket=ticket(), changed=["tags", "customFields"])
    assert "parley:org:4:contact:5" not in wires(quiet)
    loud = events.TicketUpdated(ticket=ticket(), changed=["subject", "tags"])
    public = PUBLIC_EVENT.validate_python(wires(loud)["parley:org:4:contact:5"])
    assert isinstance(public, projections.PublicTicketUpdated)
    assert public.changed == ["subject"]


def test_a_ticket_without_requester_has_no_customer_delivery() -> None:
    orphan = Subject(organization_id=ORG, kind="ticket", id=7, contact_id=None)
    created = events.TicketCreated(ticket=ticket())
    assert all(":contact:" not in d.key for d in routed(created, orphan))
