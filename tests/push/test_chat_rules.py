"""push rules for live chat: every chat event reaches exactly the right channels, and the
customer only ever gets the public projection (never an internal note, never an agent-only
field)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any

import pytest
from pydantic import Field, TypeAdapter

from server.channels import names
from server.chat import events
from server.chat.announce import conversation_subject
from server.chat.models import ConversationChannel, ConversationStatus
from server.chat.presenters import public_message
from server.chat.schemas import (
    ContactBrief,
    ConversationOut,
    MessageAuthor,
    MessageOut,
    PublicAgent,
    PublicConversation,
    PublicMessage,
)
from server.events.model import Subject
from server.push import projections, rules
from server.tickets.models import TicketPriority, TicketStatus
from server.tickets.schemas import PublicTicket, TicketOut

NOW = datetime(2026, 11, 22, 8, 0, tzinfo=UTC)
ORG = 4
CONTACT = 5
CONVERSATION = 11
AGENT_A = 3
AGENT_B = 8
QUEUE = names.queue(ORG)
CONTACT_CHANNEL = names.contact(ORG, CONTACT)

AGENT_EVENT: TypeAdapter[Any] = TypeAdapter(
    Annotated[events.ChatEvent, Field(discriminator="type")]
)
PUBLIC_EVENT: TypeAdapter[Any] = TypeAdapter(
    Annotated[projections.PublicChatEvent, Field(discriminator="type")]
)

# Strings only agents may see: each sample below carries them somewhere agent-only.
SECRETS = (
    "rita@example.com",  # the contact's email (ContactBrief)
    "203.0.113.7",  # ticket metadata
    "vip",  # ticket tags
    "plan-pro",  # ticket custom fields
    "Refund was approved by finance",  # an internal note's body
)


# --- samples ---------------------------------------------------------------------------------


def conversation(**overrides: Any) -> ConversationOut:
    data: dict[str, Any] = {
        "id": CONVERSATION, "status": ConversationStatus.ACTIVE,
        "channel": ConversationChannel.WIDGET,
        "contact": ContactBrief(id=CONTACT, name="Rita", email="rita@example.com", verified=False),
        "assignee_id": AGENT_A, "assignee_name": "Bob", "assigned_at": NOW,
        "pre_chat": {"email": "rita@example.com"}, "waiting_since": None, "wait_seconds": None,
        "queue_position": None, "awaiting_reply_since": None, "first_response_at": NOW,
        "ended_at": None, "last_message_at": NOW, "unread": 0, "contact_last_read_id": 20,
        "agent_last_read_id": 21, "ticket": None, "created_at": NOW, "updated_at": NOW,
    }  # fmt: skip
    data.update(overrides)
    return ConversationOut(**data)


def public(**overrides: Any) -> PublicConversation:
    data: dict[str, Any] = {
        "id": CONVERSATION, "status": ConversationStatus.ACTIVE,
        "agent": PublicAgent(id=AGENT_A, name="Bob"), "queue_position": None, "unread": 1,
        "contact_last_read_id": 20, "agent_last_read_id": 21, "ticket": None,
        "created_at": NOW, "ended_at": None,
    }  # fmt: skip
    data.update(overrides)
    return PublicConversation(**data)


def message(
    *,
    author: MessageAuthor = MessageAuthor.AGENT,
    internal: bool = False,
    body: str = "Happy to help!",
    client_id: str | None = "client-msg-1",
) -> MessageOut:
    author_id = {MessageAuthor.AGENT: AGENT_A, MessageAuthor.CONTACT: CONTACT}.get(author)
    return MessageOut(
        id=22, conversation_id=CONVERSATION, author_type=author, author_id=author_id,
        author_name={MessageAuthor.CONTACT: "Rita", MessageAuthor.SYSTEM: "Parley"}.get(
            author, "Bob"
        ),
        body=body, is_internal=internal, client_message_id=client_id, created_at=NOW,
    )  # fmt: skip


def ticket() -> TicketOut:
    return TicketOut(
        id=7, number=42, reference="TKT-00042", subject="Refund", description="transcript",
        status=TicketStatus.OPEN, priority=TicketPriority.HIGH, category="Billing",
        tags=["vip"], custom_fields={"plan": "plan-pro"}, metadata={"ip": "203.0.113.7"},
        requester_id=CONTACT, requester_name="Rita", requester_email="rita@example.com",
        assignee_id=AGENT_A, assignee_name="Bob", assigned_at=NOW, origin_chat_id=CONVERSATION,
        first_response_due_at=NOW, resolution_due_at=NOW, first_response_at=None,
        resolved_at=None, closed_at=None, created_at=NOW, updated_at=NOW,
    )  # fmt: skip


NOTE = events.ConversationMessageCreated(
    conversation=conversation(),
    message=message(internal=True, body="Refund was approved by finance"),
)
CREATED = events.ConversationCreated(
    conversation=conversation(
        status=ConversationStatus.WAITING, assignee_id=None, assignee_name=None,
        assigned_at=None, waiting_since=NOW, wait_seconds=3, queue_position=1,
    )
)  # fmt: skip
CLAIMED = events.ConversationAssigned(
    conversation=conversation(), previous_assignee_id=None, assignee_id=AGENT_A,
    reason="claimed",
)  # fmt: skip
REQUEUED = events.ConversationAssigned(
    conversation=conversation(status=ConversationStatus.WAITING, assignee_id=None),
    previous_assignee_id=AGENT_A, assignee_id=None, reason="requeued",
)  # fmt: skip
TRANSFERRED = events.ConversationTransferred(
    conversation=conversation(assignee_id=AGENT_B), from_agent_id=AGENT_A, to_agent_id=AGENT_B
)
ENDED = events.ConversationEnded(
    conversation=conversation(status=ConversationStatus.ENDED, ended_at=NOW), ended_by="agent"
)
REPLY = events.ConversationMessageCreated(conversation=conversation(), message=message())
CUSTOMER_MESSAGE = events.ConversationMessageCreated(
    conversation=conversation(), message=message(author=MessageAuthor.CONTACT)
)
READ = events.ConversationRead(conversation=conversation(), side="agent", last_read_message_id=22)
ESCALATED = events.ConversationEscalated(conversation=conversation(), ticket=ticket())

NAMED: dict[str, events.ChatEvent] = {
    "created": CREATED, "claimed": CLAIMED, "requeued": REQUEUED, "transferred": TRANSFERRED,
    "ended": ENDED, "reply": REPLY, "customer-message": CUSTOMER_MESSAGE, "internal-note": NOTE,
    "read": READ, "escalated": ESCALATED,
}  # fmt: skip
ALL_EVENTS = list(NAMED.values())
PUBLIC_VIEW = public()


@dataclass(frozen=True)
class Delivery:
    """A delivery read back as a client would: its channel, and its payload parsed."""

    channel: names.Channel
    payload: Any


def recorded(event: events.ChatEvent, view: PublicConversation = PUBLIC_VIEW) -> events.ChatEvent:
    """`event` as `announce.stage` records it: with the customer's view of the conversation."""
    return event.model_copy(update={"customer_view": view})


def routed(event: events.ChatEvent, view: PublicConversation = PUBLIC_VIEW) -> list[Delivery]:
    subject = conversation_subject(
        organization_id=ORG, conversation_id=CONVERSATION, contact_id=CONTACT, found=[event]
    )
    out = []
    for d in rules.deliveries(recorded(event, view), subject):
        channel = names.from_key(d.key)
        wire = {"type": d.type, **d.data}
        adapter = PUBLIC_EVENT if channel.kind == "contact" else AGENT_EVENT
        out.append(Delivery(channel, adapter.validate_python(wire)))
    return out


def channels(event: events.ChatEvent) -> list[names.Channel]:
    return [d.channel for d in routed(event)]


def to_contact(event: events.ChatEvent) -> Any:
    """The one payload `event` sends the customer (asserting there is exactly one)."""
    found = [d.payload for d in routed(event) if d.channel == CONTACT_CHANNEL]
    assert len(found) == 1, found
    return found[0]


def wire(payload: Any) -> dict[str, Any]:
    dumped = payload.model_dump(mode="json", by_alias=True)
    assert isinstance(dumped, dict)
    return dumped


# --- every event -----------------------------------------------------------------------------


@pytest.mark.parametrize("event", ALL_EVENTS, ids=list(NAMED))
def test_every_event_goes_to_the_queue_in_full(event: events.ChatEvent) -> None:
    queue = [d for d in routed(event) if d.channel == QUEUE]
    assert len(queue) == 1
    assert queue[0].payload == event  # all of it: the customer's view is not the agents'


@pytest.mark.parametrize("event", ALL_EVENTS, ids=list(NAMED))
def test_agents_never_receive_the_customers_view(event: events.ChatEvent) -> None:
    subject = conversation_subject(
        organization_id=ORG, conversation_id=CONVERSATION, contact_id=CONTACT, found=[event]
    )
    for delivery in rules.deliveries(recorded(event), subject):
        if ":contact:" not in delivery.key:
            assert "customerView" not in delivery.data, delivery.key


@pytest.mark.parametrize("event", ALL_EVENTS, ids=list(NAMED))
def test_every_delivery_stays_in_the_organisation_without_duplicates(
    event: events.ChatEvent,
) -> None:
    found = channels(event)
    assert all(c.organization_id == ORG for c in found)
    assert len(found) == len(set(found))


@pytest.mark.parametrize("event", ALL_EVENTS, ids=list(NAMED))
def test_the_customer_gets_only_a_public_payload_that_leaks_nothing(
    event: events.ChatEvent,
) -> None:
    for delivery in routed(event):
        if delivery.channel.kind != "contact":
            assert delivery.payload == event
            continue
        assert delivery.channel == CONTACT_CHANNEL
        assert delivery.payload != event
        text = str(wire(delivery.payload))
        for secret in SECRETS:
            assert secret not in text, (secret, text)
        assert "isInternal" not in text and "assigneeId" not in text
        assert PUBLIC_EVENT.validate_python(wire(delivery.payload)) == delivery.payload


# --- agents' own channels --------------------------------------------------------------------


def test_a_claim_also_reaches_the_new_agent_only() -> None:
    agents = [d for d in routed(CLAIMED) if d.channel.kind == "agent"]
    assert agents == [Delivery(names.agent(ORG, AGENT_A), CLAIMED)]


def test_a_reassignment_reaches_the_new_and_the_previous_agent() -> None:
    moved = events.ConversationAssigned(
        conversation=conversation(assignee_id=AGENT_B), previous_assignee_id=AGENT_A,
        assignee_id=AGENT_B, reason="routed",
    )  # fmt: skip
    agents = {c for c in channels(moved) if c.kind == "agent"}
    assert agents == {names.agent(ORG, AGENT_A), names.agent(ORG, AGENT_B)}


def test_a_requeue_reaches_the_agent_who_lost_the_chat() -> None:
    assert [c for c in channels(REQUEUED) if c.kind == "agent"] == [names.agent(ORG, AGENT_A)]


def test_the_same_agent_on_both_sides_gets_one_delivery() -> None:
    same = events.ConversationAssigned(
        conversation=conversation(), previous_assignee_id=AGENT_A, assignee_id=AGENT_A,
        reason="reply",
    )  # fmt: skip
    assert [c for c in channels(same) if c.kind == "agent"] == [names.agent(ORG, AGENT_A)]


def test_a_transfer_reaches_both_agents() -> None:
    agents = [c for c in channels(TRANSFERRED) if c.kind == "agent"]
    assert sorted(agents, key=lambda c: c.object_id or 0) == [
        names.agent(ORG, AGENT_A),
        names.agent(ORG, AGENT_B),
    ]


def test_a_transfer_from_the_queue_reaches_only_the_new_agent() -> None:
    transferred = events.ConversationTransferred(
        conversation=conversation(assignee_id=AGENT_B), from_agent_id=None, to_agent_id=AGENT_B
    )
    assert [c for c in channels(transferred) if c.kind == "agent"] == [names.agent(ORG, AGENT_B)]


@pytest.mark.parametrize(
    "event",
    [e for name, e in NAMED.items() if name not in ("claimed", "requeued", "transferred")],
    ids=[name for name in NAMED if name not in ("claimed", "requeued", "transferred")],
)
def test_other_events_reach_no_agent_channel(event: events.ChatEvent) -> None:
    assert [c for c in channels(event) if c.kind == "agent"] == []


# --- the customer's projection ---------------------------------------------------------------


def test_a_new_conversation_is_announced_to_the_customer_in_its_public_form() -> None:
    payload = to_contact(CREATED)
    assert isinstance(payload, projections.PublicConversationCreated)
    assert payload.conversation == PUBLIC_VIEW
    assert wire(payload)["type"] == "conversation.created"


@pytest.mark.parametrize("event", [CLAIMED, TRANSFERRED], ids=["claimed", "transferred"])
def test_assignments_and_transfers_reach_the_customer_as_assigned(
    event: events.ChatEvent,
) -> None:
    payload = to_contact(event)
    assert isinstance(payload, projections.PublicConversationAssigned)
    assert payload.conversation.agent == PublicAgent(id=AGENT_A, name="Bob")
    data = wire(payload)
    assert data["type"] == "conversation.assigned"
    assert set(data) == {"type", "conversation"}  # no agent ids, no reason


def test_the_end_reaches_the_customer() -> None:
    payload = to_contact(ENDED)
    assert isinstance(payload, projections.PublicConversationEnded)
    assert payload.conversation == PUBLIC_VIEW


def test_an_agent_reply_reaches_the_customer_without_agent_fields() -> None:
    payload = to_contact(REPLY)
    assert isinstance(payload, projections.PublicMessageCreated)
    assert isinstance(payload.message, PublicMessage)
    data = wire(payload)["message"]
    assert data["body"] == "Happy to help!"
    assert data["authorName"] == "Bob"
    assert "isInternal" not in data and "authorId" not in data
    assert data["clientMessageId"] is None  # the agent's own id is not the customer's business


def test_the_customers_own_message_carries_their_client_message_id() -> None:
    own = events.ConversationMessageCreated(
        conversation=conversation(),
        message=message(author=MessageAuthor.CONTACT, client_id="widget-abc-1"),
    )
    payload = to_contact(own)
    assert isinstance(payload, projections.PublicMessageCreated)
    assert payload.message.client_message_id == "widget-abc-1"
    assert wire(payload)["message"]["clientMessageId"] == "widget-abc-1"


def test_a_system_message_reaches_the_customer_without_a_client_message_id() -> None:
    system = events.ConversationMessageCreated(
        conversation=conversation(),
        message=message(author=MessageAuthor.SYSTEM, body="Bob joined the chat.", client_id="x"),
    )
    payload = to_contact(system)
    assert isinstance(payload, projections.PublicMessageCreated)
    assert payload.message.body == "Bob joined the chat."
    assert payload.message.client_message_id is None


def test_an_internal_note_never_reaches_the_contact_channel() -> None:
    assert projections.chat_projection(recorded(NOTE)) is None
    found = routed(NOTE)
    assert all(d.channel != CONTACT_CHANNEL for d in found)
    assert all(d.channel.kind != "contact" for d in found)
    assert [d.channel for d in found] == [QUEUE]


def test_a_read_receipt_reaches_the_customer_with_its_side() -> None:
    payload = to_contact(READ)
    assert isinstance(payload, projections.PublicConversationRead)
    assert (payload.side, payload.last_read_message_id) == ("agent", 22)
    data = wire(payload)
    assert data["type"] == "conversation.read"
    assert data["lastReadMessageId"] == 22


def test_an_escalation_shows_the_customer_only_the_public_ticket() -> None:
    payload = to_contact(ESCALATED)
    assert isinstance(payload, projections.PublicTicketLinked)
    assert isinstance(payload.ticket, PublicTicket)
    assert payload.ticket.reference == "TKT-00042"
    assert payload.ticket.subject == "Refund"
    assert payload.ticket.status is TicketStatus.OPEN
    data = wire(payload)
    assert data["type"] == "conversation.escalated"
    for hidden in (
        "assigneeId", "assigneeName", "tags", "metadata", "customFields", "priority",
        "requesterEmail", "description", "firstResponseDueAt",
    ):  # fmt: skip
        assert hidden not in data["ticket"], hidden


def test_the_customers_projection_is_the_recorded_customer_view() -> None:
    """The contact payload carries the customer's view recorded with the event, never one
    derived from the agents' shape."""
    other = public(unread=9, agent=None)
    payload = next(d.payload for d in routed(REPLY, other) if d.channel == CONTACT_CHANNEL)
    assert isinstance(payload, projections.PublicMessageCreated)
    assert payload.conversation.unread == 9 and payload.conversation.agent is None


def test_an_event_recorded_without_the_customers_view_is_refused() -> None:
    with pytest.raises(ValueError, match="customer's view"):
        projections.chat_projection(REPLY)


# --- queue positions -------------------------------------------------------------------------


def test_a_queue_position_goes_to_the_customer_alone() -> None:
    place = events.QueuePosition(conversation_id=CONVERSATION, position=2)
    subject = Subject(organization_id=ORG, kind="conversation", id=CONVERSATION, contact_id=CONTACT)
    found = rules.deliveries(place, subject)
    assert found == [
        rules.Delivery(
            CONTACT_CHANNEL.key,
            "conversation.queue_position",
            {"conversationId": CONVERSATION, "position": 2},
        )
    ]
    assert PUBLIC_EVENT.validate_python({"type": found[0].type, **found[0].data}).position == 2


def test_a_transcript_request_reaches_the_agents_only() -> None:
    asked = events.ConversationTranscriptRequested(
        conversation_id=CONVERSATION, email="rita@example.com", requested_by="contact",
        up_to_message_id=40,
    )  # fmt: skip
    subject = Subject(organization_id=ORG, kind="conversation", id=CONVERSATION, contact_id=CONTACT)
    (only,) = rules.deliveries(asked, subject)
    assert (only.key, only.data["email"]) == (QUEUE.key, "rita@example.com")


# --- presenters ------------------------------------------------------------------------------


def test_public_message_refuses_an_internal_note() -> None:
    with pytest.raises(ValueError):
        public_message(message(internal=True))


def test_public_message_keeps_only_the_customers_own_client_id() -> None:
    assert public_message(message(author=MessageAuthor.CONTACT)).client_message_id == (
        "client-msg-1"
    )
    assert public_message(message(author=MessageAuthor.AGENT)).client_message_id is None
    assert public_message(message(author=MessageAuthor.SYSTEM)).client_message_id is None
