"""REST routes for tickets: thin (parse, authenticate, call one service function)."""

from __future__ import annotations

from pydantic import BaseModel
from starlette.responses import Response, StreamingResponse

from server.tickets import dashboard, lookups, queries, service
from server.tickets.dashboard import Dashboard
from server.tickets.presenters import response_out
from server.tickets.schemas import (
    AssignRequest,
    BulkUpdateRequest,
    BulkUpdateResult,
    ResponseCreate,
    ResponseEnvelope,
    StatusRequest,
    TicketCreate,
    TicketDetailEnvelope,
    TicketEnvelope,
    TicketFilters,
    TicketListQuery,
    TicketOut,
    TicketStats,
    TicketUpdate,
)
from server.web.endpoints import Api, Call
from server.web.schema import Page

api = Api()
TAG = "tickets"
REF = "/api/tickets/{ref}"


@api.endpoint(
    "GET", "/api/tickets", summary="List tickets", tag=TAG,
    query=TicketListQuery, response=Page[TicketOut],
)  # fmt: skip
async def list_tickets(call: Call) -> BaseModel:
    """Filter, sort and page the organisation's tickets."""
    items, total, exact = await queries.list_tickets(principal=call.agent, query=call.query)
    return Page[TicketOut](
        items=[t.out() for t in items],
        total=total,
        total_exact=exact,
        page=call.query.page,
        page_size=call.query.page_size,
    )


@api.endpoint(
    "POST", "/api/tickets", summary="Create a ticket", tag=TAG,
    body=TicketCreate, response=TicketEnvelope, status=201, errors=(422,), idempotent=True,
)  # fmt: skip
async def create_ticket(call: Call) -> BaseModel:
    """Create a ticket for a requester; the contact is found by email or created."""
    client = service.ClientInfo(
        ip=call.request.client.host if call.request.client else None,
        user_agent=call.request.headers.get("user-agent"),
    )
    loaded = await service.create_ticket(principal=call.agent, data=call.body, client=client)
    return TicketEnvelope(ticket=loaded.out())


@api.endpoint(
    "GET", "/api/dashboard", summary="The dashboard's figures", tag=TAG, response=Dashboard
)  # fmt: skip
async def get_dashboard(call: Call) -> BaseModel:
    """Open/resolved/unassigned counts, created today, average first response, and the
    last 14 days' created/resolved volume."""
    return await dashboard.dashboard(principal=call.agent)


@api.endpoint("GET", "/api/tickets/stats", summary="Ticket counts", tag=TAG, response=TicketStats)
async def ticket_stats(call: Call) -> BaseModel:
    """Counts by status and priority, unassigned open work, and tickets created today."""
    return await queries.ticket_stats(principal=call.agent)


@api.endpoint(
    "GET", "/api/tickets/export", summary="Export tickets as CSV", tag=TAG,
    query=TicketFilters, media_type="text/csv",
)  # fmt: skip
async def export_tickets(call: Call) -> Response:
    """Every ticket matching the filters as CSV, streamed in creation order."""
    rows = queries.export_csv(principal=call.agent, filters=call.query)
    return StreamingResponse(
        rows,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="tickets.csv"'},
    )


@api.endpoint(
    "POST", "/api/tickets/bulk-update", summary="Change many tickets at once", tag=TAG,
    body=BulkUpdateRequest, response=BulkUpdateResult, errors=(404, 409, 422),
)  # fmt: skip
async def bulk_update(call: Call) -> BaseModel:
    """Status, priority, assignee and tags for many tickets: all of them or none."""
    tickets = await service.bulk_update(
        principal=call.agent, refs=call.body.refs, changes=call.body.changes
    )
    return BulkUpdateResult(updated=len(tickets), tickets=[t.out() for t in tickets])


@api.endpoint(
    "GET", REF, summary="Get a ticket", tag=TAG, response=TicketDetailEnvelope, errors=(404,)
)
async def get_ticket(call: Call) -> BaseModel:
    """The ticket by reference (`TKT-00042`) or id, with responses and activity."""
    detail = await lookups.get_ticket_detail(principal=call.agent, ref=call.path["ref"])
    return TicketDetailEnvelope(ticket=detail)


@api.endpoint(
    "PATCH", REF, summary="Update a ticket", tag=TAG,
    body=TicketUpdate, response=TicketEnvelope, errors=(404, 409, 422),
)  # fmt: skip
async def update_ticket(call: Call) -> BaseModel:
    """Change subject, description, priority, category, tags, custom fields or status."""
    loaded = await service.update_ticket(principal=call.agent, ref=call.path["ref"], data=call.body)
    return TicketEnvelope(ticket=loaded.out())


@api.endpoint(
    "DELETE", REF, summary="Delete a ticket", tag=TAG,
    status=204, errors=(403, 404),
)  # fmt: skip
async def delete_ticket(call: Call) -> None:
    """Delete a ticket with its responses and activity (admins only)."""
    await service.delete_ticket(principal=call.agent, ref=call.path["ref"])


@api.endpoint(
    "POST", REF + "/responses", summary="Reply or add an internal note", tag=TAG,
    body=ResponseCreate, response=ResponseEnvelope, status=201, errors=(404, 409, 422),
    idempotent=True,
)  # fmt: skip
async def add_response(call: Call) -> BaseModel:
    """A public reply to the requester, or an internal note (`isInternal`).

    With `seen`, a public reply is refused (409 `stale_reply`, listing the replies the agent
    has not seen) when someone else replied after that position, unless `force`."""
    reply = await service.add_response(
        principal=call.agent,
        ref=call.path["ref"],
        content=call.body.content,
        is_internal=call.body.is_internal,
        status_change=call.body.status_change,
        seen=call.body.seen,
        force=call.body.force,
        history=call.request.app.state.parley.hub.history,
        attachment_ids=call.body.attachment_ids,
    )
    return ResponseEnvelope(
        response=response_out(reply.response, reply.files), ticket=reply.loaded.out()
    )


@api.endpoint(
    "POST", REF + "/assign", summary="Assign or unassign", tag=TAG,
    body=AssignRequest, response=TicketEnvelope, errors=(404, 422),
)  # fmt: skip
async def assign_ticket(call: Call) -> BaseModel:
    """Assign the ticket to an active agent of the organisation, or `null` to unassign."""
    loaded = await service.assign_ticket(
        principal=call.agent, ref=call.path["ref"], agent_id=call.body.agent_id
    )
    return TicketEnvelope(ticket=loaded.out())


@api.endpoint(
    "PATCH", REF + "/status", summary="Change status", tag=TAG,
    body=StatusRequest, response=TicketEnvelope, errors=(404, 409),
)  # fmt: skip
async def change_status(call: Call) -> BaseModel:
    """Move the ticket through the workflow; impossible transitions answer 409."""
    loaded = await service.change_status(
        principal=call.agent, ref=call.path["ref"], status=call.body.status
    )
    return TicketEnvelope(ticket=loaded.out())
