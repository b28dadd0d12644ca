"""Turning ticket rows into their REST shapes (one function per shape)."""

from __future__ import annotations

from collections.abc import Sequence

from server.attachments.queries import TicketFiles
from server.attachments.schemas import AttachmentOut, public_attachment
from server.tickets.models import Ticket, TicketActivity, TicketResponse
from server.tickets.numbering import format_reference
from server.tickets.schemas import (
    ActivityOut,
    PerformedBy,
    PublicResponse,
    PublicTicket,
    ResponseOut,
    TicketDetail,
    TicketOut,
)


def ticket_out(
    ticket: Ticket, *, prefix: str, tags: list[str], assignee_name: str | None
) -> TicketOut:
    return TicketOut(
        id=ticket.id,
        number=ticket.number,
        reference=format_reference(prefix, ticket.number),
        subject=ticket.subject,
        description=ticket.description,
        status=ticket.status,
        priority=ticket.priority,
        category=ticket.category,
        tags=sorted(tags),
        custom_fields=ticket.custom_fields or {},
        metadata=ticket.metadata or {},
        requester_id=ticket.requester_id,
        requester_name=ticket.requester_name,
        requester_email=ticket.requester_email,
        assignee_id=ticket.assignee_id,
        assignee_name=assignee_name,
        assigned_at=ticket.assigned_at,
        origin_chat_id=ticket.origin_chat_id,
        first_response_due_at=ticket.first_response_due_at,
        resolution_due_at=ticket.resolution_due_at,
        first_response_at=ticket.first_response_at,
        resolved_at=ticket.resolved_at,
        closed_at=ticket.closed_at,
        created_at=ticket.created_at,
        updated_at=ticket.updated_at,
    )


def response_out(response: TicketResponse, files: Sequence[AttachmentOut] = ()) -> ResponseOut:
    return ResponseOut(
        id=response.id,
        ticket_id=response.ticket_id,
        content=response.content,
        is_internal=response.is_internal,
        author_type=response.author_type,
        author_id=response.author_agent_id or response.author_contact_id,
        author_name=response.author_name,
        author_email=response.author_email,
        created_at=response.created_at,
        attachments=list(files),
    )


def public_ticket(ticket: TicketOut) -> PublicTicket:
    """The requester's view of their ticket."""
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
        attachments=[public_attachment(a) for a in response.attachments],
    )


def activity_out(activity: TicketActivity) -> ActivityOut:
    return ActivityOut(
        id=activity.id,
        type=activity.type,
        description=activity.description,
        changes=activity.changes or {},
        performed_by=PerformedBy(
            type=activity.performed_by_type,
            id=activity.performed_by_id,
            name=activity.performed_by_name,
        ),
        created_at=activity.created_at,
    )


def ticket_detail(
    base: TicketOut,
    *,
    responses: list[TicketResponse],
    activities: list[TicketActivity],
    files: TicketFiles,
) -> TicketDetail:
    """The ticket with its own files, its replies with theirs, and its trail."""
    return TicketDetail(
        **base.model_dump(),
        attachments=files.own,
        responses=[response_out(r, files.by_response.get(r.id, ())) for r in responses],
        activity=[activity_out(a) for a in activities],
    )
