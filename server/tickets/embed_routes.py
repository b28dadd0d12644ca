"""The widget's view of tickets: tracking by reference + email (public), and a visitor's own
tickets (visitor token). Public projections only (`server/tickets/tracking.py`)."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, EmailStr, Field

from server.accounts import service as accounts
from server.accounts.embed_routes import SiteKey, check_origin
from server.accounts.schemas import PageNumber
from server.tickets import tracking
from server.tickets.schemas import Ref
from server.tickets.tracking import PublicTicketEnvelope, TicketSummary
from server.web.endpoints import Access, Api, Call
from server.web.schema import Page, RequestModel

api = Api()
TAG = "embed"


class TrackQuery(RequestModel):
    site_key: SiteKey
    ref: Ref
    email: EmailStr


class OwnTicketsQuery(RequestModel):
    page: PageNumber = 1
    page_size: Annotated[int, Field(ge=1, le=100)] = 20


@api.endpoint(
    "GET", "/api/embed/tickets/status", summary="Track a ticket by reference and email",
    tag=TAG, access=Access.PUBLIC, query=TrackQuery, response=PublicTicketEnvelope,
    errors=(403, 404, 422, 429),
)  # fmt: skip
async def track_ticket(call: Call) -> BaseModel:
    """The public view of a ticket: status, priority, category, timeline and public replies.
    A wrong email answers the same 404 as a wrong reference; lookups are rate limited per
    address."""
    request = call.request
    await request.app.state.parley.chat_limiter.ticket_lookup(
        request.client.host if request.client else "unknown"
    )
    q = call.query
    org = await accounts.organization_for_site_key(q.site_key)
    check_origin(request, org)
    view = await tracking.track(org=org, ref=q.ref, email=str(q.email))
    return PublicTicketEnvelope(ticket=view)


@api.endpoint(
    "GET", "/api/embed/tickets", summary="The visitor's tickets", tag=TAG,
    access=Access.VISITOR, query=OwnTicketsQuery, response=Page[TicketSummary],
    errors=(401, 422),
)  # fmt: skip
async def visitor_list_tickets(call: Call) -> BaseModel:
    """The tickets the visitor is the requester of, newest first."""
    q = call.query
    items, total = await tracking.own_tickets(
        contact=call.contact, page=q.page, page_size=q.page_size
    )
    return Page[TicketSummary](items=items, total=total, page=q.page, page_size=q.page_size)


@api.endpoint(
    "GET", "/api/embed/tickets/{ref}", summary="One of the visitor's tickets", tag=TAG,
    access=Access.VISITOR, response=PublicTicketEnvelope, errors=(401, 404),
)  # fmt: skip
async def visitor_get_ticket(call: Call) -> BaseModel:
    """The public view of one of the visitor's own tickets (anyone else's is 404)."""
    view = await tracking.own_ticket(contact=call.contact, ref=call.path["ref"])
    return PublicTicketEnvelope(ticket=view)
