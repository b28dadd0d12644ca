"""What a customer may see of their tickets: the public view (status, priority, category, a
timeline and the public replies), found by reference + email, as the widget's visitor, or
through the tracking link of a customer email (`server/tickets/tracking_links.py`).

Never internal notes, assignees, tags, custom fields, metadata or SLA clocks. A lookup by
reference and email answers the same 404 whether the reference or the email is wrong, so the
endpoint cannot be used to find out which references exist.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from pydantic import Field

from server.accounts.models import Contact, Organization
from server.attachments import queries as attachment_queries
from server.attachments.schemas import PublicAttachment, public_attachment
from server.db import MAX_ID
from server.errors import NotFound
from server.tickets import tracking_links
from server.tickets.lookups import ref_filter
from server.tickets.models import (
    ActivityType,
    Ticket,
    TicketActivity,
    TicketPriority,
    TicketResponse,
    TicketStatus,
)
from server.tickets.numbering import format_reference
from server.tickets.presenters import public_response, response_out
from server.tickets.schemas import PublicResponse
from server.tickets.tracking_links import TrackingClaims
from server.web.schema import ResponseModel, lower_case

# Activity that tells a customer something: the ticket was opened or its status moved.
_STATUS_ACTIVITY = (
    ActivityType.STATUS_CHANGED,
    ActivityType.RESOLVED,
    ActivityType.CLOSED,
    ActivityType.REOPENED,
)


class TimelineEntry(ResponseModel):
    at: datetime
    kind: Literal["created", "status_changed", "reply"]
    status: TicketStatus | None = Field(
        default=None, description="created / status_changed: the status from then on."
    )
    previous_status: TicketStatus | None = None
    response_id: int | None = Field(default=None, description="reply: the reply's id.")


class TicketSummary(ResponseModel):
    reference: str
    subject: str
    status: TicketStatus
    created_at: datetime
    updated_at: datetime


class PublicTicketView(ResponseModel):
    reference: str
    subject: str
    status: TicketStatus
    priority: TicketPriority
    category: str | None
    created_at: datetime
    updated_at: datetime
    resolved_at: datetime | None
    closed_at: datetime | None
    attachments: list[PublicAttachment] = Field(
        default_factory=list, description="Files on the ticket itself (not on a reply)."
    )
    responses: list[PublicResponse] = Field(description="Public replies, oldest first.")
    timeline: list[TimelineEntry] = Field(description="Oldest first.")


class PublicTicketEnvelope(ResponseModel):
    ticket: PublicTicketView


def _not_found() -> NotFound:
    return NotFound("No ticket with this reference and email address.")


async def public_view(ticket: Ticket, prefix: str) -> PublicTicketView:
    replies = await TicketResponse.filter(ticket_id=ticket.id, is_internal=False).order_by(
        "created_at", "id"
    )
    activity = await TicketActivity.filter(
        ticket_id=ticket.id, type__in=(ActivityType.CREATED, *_STATUS_ACTIVITY)
    ).order_by("created_at", "id")
    files = await attachment_queries.on_ticket(ticket.organization_id, ticket.id, public_only=True)
    public = [public_response(response_out(r, files.by_response.get(r.id, ()))) for r in replies]
    timeline = [_entry(a) for a in activity]
    timeline += [TimelineEntry(at=r.created_at, kind="reply", response_id=r.id) for r in public]
    timeline.sort(key=lambda e: e.at)
    return PublicTicketView(
        reference=format_reference(prefix, ticket.number),
        subject=ticket.subject,
        status=ticket.status,
        priority=ticket.priority,
        category=ticket.category,
        created_at=ticket.created_at,
        updated_at=ticket.updated_at,
        resolved_at=ticket.resolved_at,
        closed_at=ticket.closed_at,
        attachments=[public_attachment(a) for a in files.own],
        responses=public,
        timeline=timeline,
    )


def _entry(activity: TicketActivity) -> TimelineEntry:
    if activity.type == ActivityType.CREATED:
        return TimelineEntry(at=activity.created_at, kind="created", status=TicketStatus.NEW)
    change = (activity.changes or {}).get("status") or {}
    return TimelineEntry(
        at=activity.created_at,
        kind="status_changed",
        status=change.get("to"),
        previous_status=change.get("from"),
    )


async def track(*, org: Organization, ref: str, email: str) -> PublicTicketView:
    """The public view of the organisation's ticket `ref` if `email` is its requester's."""
    try:
        where = ref_filter(ref, org.ticket_prefix)
    except NotFound:
        raise _not_found() from None
    if "id" in where:  # a bare number is not a reference a customer was given
        raise _not_found()
    ticket = await Ticket.filter(organization_id=org.id, **where).first()
    if ticket is None or lower_case(ticket.requester_email or "") != lower_case(email.strip()):
        raise _not_found()
    return await public_view(ticket, org.ticket_prefix)


async def own_tickets(
    *, contact: Contact, page: int, page_size: int
) -> tuple[list[TicketSummary], int]:
    """The visitor's own tickets (they are the requester), newest first."""
    org = await Organization.get(id=contact.organization_id)
    query = Ticket.filter(organization_id=contact.organization_id, requester_id=contact.id)
    total = await query.count()
    rows = (
        await query.order_by("-created_at", "-id").offset((page - 1) * page_size).limit(page_size)
    )
    return [
        TicketSummary(
            reference=format_reference(org.ticket_prefix, t.number),
            subject=t.subject,
            status=t.status,
            created_at=t.created_at,
            updated_at=t.updated_at,
        )
        for t in rows
    ], total


async def own_ticket(*, contact: Contact, ref: str) -> PublicTicketView:
    """One of the visitor's own tickets by reference; anyone else's is 404."""
    org = await Organization.get(id=contact.organization_id)
    where = ref_filter(ref, org.ticket_prefix)
    if "id" in where and not 0 < where["id"] <= MAX_ID:
        raise _not_found()
    ticket = await Ticket.filter(organization_id=org.id, requester_id=contact.id, **where).first()
    if ticket is None:
        raise NotFound(f"Ticket {ref.strip()!r} not found.")
    return await public_view(ticket, org.ticket_prefix)


# --- the tracking page -------------------------------------------------------------------------


@dataclass(frozen=True)
class TrackedTicket:
    """The one ticket a tracking session may read and answer, and who it is for."""

    claims: TrackingClaims
    organization: Organization
    ticket: Ticket
    contact: Contact

    async def view(self) -> PublicTicketView:
        return await public_view(self.ticket, self.organization.ticket_prefix)


async def tracked_ticket(claims: TrackingClaims, kind: tracking_links.Kind) -> TrackedTicket:
    """What `claims` name, if it still stands: the ticket exists in the organisation and its
    requester is still the named contact. Else the same 401 as a forged token, so a link to a
    deleted ticket or to another organisation's says nothing about either."""
    ticket = await Ticket.get_or_none(id=claims.ticket_id, organization_id=claims.organization_id)
    if ticket is None or ticket.requester_id != claims.contact_id:
        raise tracking_links.invalid(kind)
    org_id = ticket.organization_id
    contact = await Contact.get_or_none(id=claims.contact_id, organization_id=org_id)
    org = await Organization.get_or_none(id=claims.organization_id)
    if contact is None or org is None:
        raise tracking_links.invalid(kind)
    return TrackedTicket(claims=claims, organization=org, ticket=ticket, contact=contact)


async def open_tracking_session(
    *, link: str, secret_key: str, link_ttl: timedelta
) -> tuple[str, datetime, TrackedTicket]:
    """Trade a tracking link's token for a session token on the same ticket (and when it
    expires): 401 `reason: expired` for an old link, `reason: invalid` for anything else."""
    claims = tracking_links.verify(secret_key, "link", link.strip(), ttl=link_ttl)
    tracked = await tracked_ticket(claims, "link")
    session = tracking_links.sign(secret_key, "session", claims)
    return session, tracking_links.session_expiry(), tracked


async def authenticate_tracking_session(*, token: str, secret_key: str) -> TrackedTicket:
    """The ticket a valid session token names (Bearer on /api/track/*, the widget socket)."""
    claims = tracking_links.verify(secret_key, "session", token, ttl=tracking_links.SESSION_TTL)
    return await tracked_ticket(claims, "session")
