"""audiences: every ticket event reaches exactly the right channels with the right payload."""

from __future__ import annotations

import pytest
from pydantic import TypeAdapter

from server.channels import events
from server.channels.audiences import TicketAudience, deliveries, public_payload
from server.tickets.models import TicketStatus
from tests.channels.test_events import response, ticket

ORG = 4
AUDIENCE = TicketAudience(organization_id=ORG, ticket_id=7, requester_id=5)
AGENT_EVENT = TypeAdapter(events.AgentEvent)
PUBLIC_EVENT = TypeAdapter(events.PublicEvent)

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


def wires(event: events.EventModel) -> dict[str, events.EventModel]:
    return {d.channel.key: d.payload for d in deliveries(event, AUDIENCE)}  # type: ignore[arg-type]


@pytest.mark.parametrize("event", ALL_EVENTS, ids=lambda e: e.type)
def test_agents_always_get_the_full_event_and_customers_only_projections(
    event: events.EventModel,
) -> None:
    routed = deliveries(event, AUDIENCE)  # type: ignore[arg-type]
    keys = [d.channel.key for d in routed]
    assert f"parley:org:{ORG}:queue" in keys and f"parley:org:{ORG}:ticket:7" in keys
    assert len(keys) == len(set(keys))
    for delivery in routed:
        wire = delivery.payload.model_dump(mode="json", by_alias=True)
        if delivery.channel.kind == "contact":
            assert PUBLIC_EVENT.validate_python(wire) == delivery.payload
        else:
            assert delivery.payload is event
            assert AGENT_EVENT.validate_python(wire) == event
    assert all(d.channel.organization_id == ORG for d in routed)


def test_an_internal_note_never_reaches_the_contact_channel() -> None:
    note = events.TicketResponseAdded(ticket=ticket(), response=response(internal=True))
    assert public_payload(note) is None
    assert "parley:org:4:contact:5" not in wires(note)


def test_a_public_reply_reaches_the_requester_without_agent_fields() -> None:
    reply = events.TicketResponseAdded(ticket=ticket(), response=response(internal=False))
    public = wires(reply)["parley:org:4:contact:5"]
    text = str(public.model_dump(by_alias=True))
    for secret in ("bob@example.com", "203.0.113.7", "vip", "isInternal", "assignee"):
        assert secret not in text


def test_assignments_reach_both_agents_and_never_the_customer() -> None:
    assigned = events.TicketAssigned(ticket=ticket(), previous_assignee_id=2, assignee_id=3)
    keys = set(wires(assigned))
    assert {"parley:org:4:agent:3", "parley:org:4:agent:2"} <= keys
    assert "parley:org:4:contact:5" not in keys


def test_only_public_changes_are_news_to_the_requester() -> None:
    quiet = events.TicketUpdated(ticket=ticket(), changed=["tags", "customFields"])
    assert "parley:org:4:contact:5" not in wires(quiet)
    loud = events.TicketUpdated(ticket=ticket(), changed=["subject", "tags"])
    public = wires(loud)["parley:org:4:contact:5"]
    assert isinstance(public, events.PublicTicketUpdated)
    assert public.changed == ["subject"]


def test_a_ticket_without_requester_has_no_customer_delivery() -> None:
    orphan = TicketAudience(organization_id=ORG, ticket_id=7, requester_id=None)
    created = events.TicketCreated(ticket=ticket())
    assert all(d.channel.kind != "contact" for d in deliveries(created, orphan))
