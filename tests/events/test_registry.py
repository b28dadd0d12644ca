"""The registry: every domain event type has a schema, a push rule and a line in the docs.

A new event type fails here until it has all three: add a sample below (which proves its
schema round-trips and its push rule exists), and a line in docs/realtime.md.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal

import pytest

import server.accounts.events
import server.chat.events
import server.tickets.events  # noqa: F401  (each domain registers its events on import)
from server.accounts.events import AccessRevoked, TokenRevoked
from server.chat.events import ConversationTranscriptRequested, QueuePosition
from server.events import registry
from server.events.model import Event, Subject
from server.push import rules
from server.tickets import events as tickets
from server.tickets.models import TicketStatus
from tests.push.test_chat_rules import NAMED, recorded
from tests.tickets.test_events import response, ticket

DOCS = Path(__file__).resolve().parents[2] / "docs" / "realtime.md"
SUBJECT = Subject(organization_id=4, kind="ticket", id=7, contact_id=5, agent_ids=(3,))

SAMPLES: list[Event] = [
    tickets.TicketCreated(ticket=ticket()),
    tickets.TicketUpdated(ticket=ticket(), changed=["subject"]),
    tickets.TicketStatusChanged(ticket=ticket(), old=TicketStatus.NEW, new=TicketStatus.OPEN),
    tickets.TicketAssigned(ticket=ticket(), previous_assignee_id=None, assignee_id=3),
    tickets.TicketResponseAdded(ticket=ticket(), response=response(internal=False)),
    tickets.TicketDeleted(ticket_id=7, reference="TKT-00042"),
    *(recorded(event) for event in NAMED.values()),
    QueuePosition(conversation_id=11, position=1),
    ConversationTranscriptRequested(
        conversation_id=11, email="rita@example.com", requested_by="contact", up_to_message_id=40
    ),
    AccessRevoked(identity="agent", identity_id=3),
    TokenRevoked(token_digest="abc"),
]


def test_every_registered_type_has_a_sample_here() -> None:
    assert {sample.type for sample in SAMPLES} == set(registry.registered())


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda s: s.type)
def test_every_event_round_trips_through_its_registered_schema(sample: Event) -> None:
    cls = registry.registered()[sample.type]
    assert isinstance(sample, cls)
    assert registry.parse(sample.type, sample.payload()) == sample
    assert cls.model_config.get("extra") == "forbid"


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda s: s.type)
def test_every_event_has_a_push_rule(sample: Event) -> None:
    found = rules.deliveries(sample, SUBJECT)
    assert found, f"{sample.type} reaches nobody"


@pytest.mark.parametrize("name", sorted(registry.registered()))
def test_every_event_type_has_a_line_in_the_realtime_docs(name: str) -> None:
    assert re.search(rf"`{re.escape(name)}`", DOCS.read_text()), f"docs/realtime.md: {name}"


def test_an_event_without_a_push_rule_is_refused() -> None:
    class Stray(Event):
        type: Literal["test.stray"] = "test.stray"

    with pytest.raises(TypeError, match="no push rule"):
        rules.deliveries(Stray(), SUBJECT)


def test_a_type_declared_twice_is_refused() -> None:
    class Impostor(Event):
        type: Literal["ticket.created"] = "ticket.created"

    with pytest.raises(ValueError, match="declared twice"):
        registry.register(Impostor)
    assert registry.registered()["ticket.created"] is tickets.TicketCreated


def test_a_class_without_a_literal_type_cannot_register() -> None:
    class Nameless(Event):
        pass

    with pytest.raises(TypeError, match="no literal type"):
        registry.register(Nameless)
