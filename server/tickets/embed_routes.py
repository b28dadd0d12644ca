"""The widget's tickets: tracking by reference + email (public), and a visitor's own tickets
(visitor token): list, view, the contact form and replies. Public projections only
(`server/tickets/tracking.py`)."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, Field

from server.accounts import organizations
from server.accounts.embed_routes import SiteKey, check_origin
from server.accounts.schemas import PageNumber
from server.tickets import customer, tracking
from server.tickets.presenters import public_response, response_out
from server.tickets.schemas import CustomerReplyCreate, PublicResponse, Ref, WidgetTicketCreate
from server.tickets.service import ClientInfo
from server.tickets.tracking import PublicTicketEnvelope, PublicTicketView, TicketSummary
from server.web.endpoints import Access, Api, Call
from server.web.schema import Email, Page, RequestModel, ResponseModel

api = Api()
TAG = "embed"


class TrackQuery(RequestModel):
    site_key: SiteKey
    ref: Ref
    email: Email


class CustomerReplyOut(ResponseModel):
    response: PublicResponse
    ticket: PublicTicketView


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
    org = await organizations.organization_for_site_key(q.site_key)
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


@api.endpoint(
    "POST", "/api/embed/tickets", summary="Open a ticket from the widget's contact form",
    tag=TAG, access=Access.VISITOR, body=WidgetTicketCreate, response=PublicTicketEnvelope,
    status=201, errors=(401, 422, 429), idempotent=True,
)  # fmt: skip
async def visitor_create_ticket(call: Call) -> BaseModel:
    """A ticket with the visitor as requester; the answer is its public view (with the
    reference to track it by)."""
    request = call.request
    ip = request.client.host if request.client else "unknown"
    await request.app.state.parley.chat_limiter.widget_ticket(
        organization_id=call.contact.organization_id, contact_id=call.contact.id, ip=ip
    )
    loaded = await customer.create_widget_ticket(
        contact=call.contact,
        data=call.body,
        client=ClientInfo(ip=ip, user_agent=request.headers.get("user-agent")),
    )
    view = await tracking.public_view(loaded.ticket, loaded.prefix)
    return PublicTicketEnvelope(ticket=view)


@api.endpoint(
    "POST", "/api/embed/tickets/{ref}/responses", summary="Reply to one of the visitor's tickets",
    tag=TAG, access=Access.VISITOR, body=CustomerReplyCreate, response=CustomerReplyOut,
    status=201, errors=(401, 404, 409, 422, 429), idempotent=True,
)  # fmt: skip
async def visitor_reply_ticket(call: Call) -> BaseModel:
    """A public reply from the customer; a ticket waiting on them or resolved reopens, a
    closed one answers 409 `ticket_closed`."""
    contact = call.contact
    await call.request.app.state.parley.chat_limiter.message(
        organization_id=contact.organization_id, contact_id=contact.id
    )
    reply = await customer.add_customer_reply(
        contact=contact,
        ref=call.path["ref"],
        content=call.body.content,
        attachment_ids=call.body.attachment_ids,
    )
    view = await tracking.public_view(reply.loaded.ticket, reply.loaded.prefix)
    return CustomerReplyOut(
        response=public_response(response_out(reply.response, reply.files)), ticket=view
    )
