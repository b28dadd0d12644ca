"""The REST shapes of tickets, responses and activity (camelCase on the wire)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from starlette.applications import Starlette

from server.attachments.queries import TicketFiles
from server.tickets.models import (
    ActivityType,
    AuthorType,
    Ticket,
    TicketActivity,
    TicketPriority,
    TicketResponse,
    TicketStatus,
)
from server.tickets.presenters import activity_out, response_out, ticket_detail, ticket_out

CREATED = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
UPDATED = datetime(2024, 5, 2, 8, 15, tzinfo=UTC)


@pytest.fixture
def ticket(app: Starlette) -> Ticket:
    """An unsaved ticket (the app fixture has initialised the models)."""
    return Ticket(
        id=7,
        organization_id=1,
        number=42,
        subject="Cannot log in",
        description="Since Tuesday.",
        status=TicketStatus.OPEN,
        priority=TicketPriority.HIGH,
        category="billing",
        custom_fields={"plan": "pro"},
        metadata={"source": "api"},
        requester_id=5,
        requester_name="Rita",
        requester_email="rita@example.com",
        created_at=CREATED,
        updated_at=UPDATED,
    )


def test_ticket_out_builds_the_reference_and_sorts_tags(ticket: Ticket) -> None:
    out = ticket_out(ticket, prefix="ACME", tags=["zeta", "alpha", "mid"], assignee_name=None)
    wire = out.model_dump(mode="json", by_alias=True)
    assert wire["reference"] == "ACME-00042"
    assert wire["tags"] == ["alpha", "mid", "zeta"]
    assert wire["assigneeId"] is None
    assert wire["assigneeName"] is None
    assert wire["customFields"] == {"plan": "pro"}
    assert wire["requesterEmail"] == "rita@example.com"
    assert wire["createdAt"] == "2024-05-01T12:00:00Z"
    assert wire["status"] == "OPEN"
    assert set(wire) == {
        "id", "number", "reference", "subject", "description", "status", "priority",
        "category", "tags", "customFields", "metadata", "requesterId", "requesterName",
        "requesterEmail", "assigneeId", "assigneeName", "assignedAt", "originChatId",
        "firstResponseDueAt", "resolutionDueAt", "firstResponseAt", "resolvedAt", "closedAt",
        "createdAt", "updatedAt",
    }  # fmt: skip


def test_ticket_out_names_the_assignee(ticket: Ticket) -> None:
    ticket.assignee_id = 3
    out = ticket_out(ticket, prefix="TKT", tags=[], assignee_name="Bob Agent")
    assert out.assignee_id == 3
    assert out.assignee_name == "Bob Agent"


def test_response_out_takes_the_author_from_agent_or_contact(app: Starlette) -> None:
    by_agent = TicketResponse(
        id=1,
        ticket_id=7,
        content="Hello",
        is_internal=True,
        author_type=AuthorType.AGENT,
        author_agent_id=3,
        author_name="Bob",
        author_email="bob@example.com",
        created_at=CREATED,
    )
    by_contact = TicketResponse(
        id=2,
        ticket_id=7,
        content="Thanks",
        author_type=AuthorType.CUSTOMER,
        author_contact_id=5,
        author_name="Rita",
        created_at=UPDATED,
    )
    first = response_out(by_agent).model_dump(mode="json", by_alias=True)
    assert first == {
        "id": 1,
        "ticketId": 7,
        "content": "Hello",
        "isInternal": True,
        "authorType": "AGENT",
        "authorId": 3,
        "authorName": "Bob",
        "authorEmail": "bob@example.com",
        "createdAt": "2024-05-01T12:00:00Z",
        "attachments": [],
    }
    second = response_out(by_contact)
    assert second.author_id == 5
    assert second.is_internal is False


def test_activity_out_nests_who_did_it(app: Starlette) -> None:
    activity = TicketActivity(
        id=9,
        ticket_id=7,
        type=ActivityType.PRIORITY_CHANGED,
        description="Priority changed from LOW to HIGH.",
        changes={"priority": {"from": "LOW", "to": "HIGH"}},
        performed_by_type=AuthorType.SYSTEM,
        performed_by_id=4,
        performed_by_name="API key zapier",
        created_at=CREATED,
    )
    assert activity_out(activity).model_dump(mode="json", by_alias=True) == {
        "id": 9,
        "type": "PRIORITY_CHANGED",
        "description": "Priority changed from LOW to HIGH.",
        "changes": {"priority": {"from": "LOW", "to": "HIGH"}},
        "performedBy": {"type": "SYSTEM", "id": 4, "name": "API key zapier"},
        "createdAt": "2024-05-01T12:00:00Z",
    }


def test_ticket_detail_keeps_the_given_order(ticket: Ticket) -> None:
    responses = [
        TicketResponse(
            id=i,
            ticket_id=7,
            content=f"reply {i}",
            author_type=AuthorType.AGENT,
            author_name="Bob",
            created_at=CREATED,
        )
        for i in (3, 1, 2)
    ]
    base = ticket_out(ticket, prefix="TKT", tags=["b", "a"], assignee_name=None)
    no_files = TicketFiles(own=[], by_response={})
    detail = ticket_detail(base, responses=responses, activities=[], files=no_files)
    assert [r.id for r in detail.responses] == [3, 1, 2]
    assert detail.activity == []
    assert detail.reference == "TKT-00042"
    assert detail.tags == ["a", "b"]
