"""Shared helpers for the ticket tests: HTTP shortcuts and a database snapshot.

`snapshot` reads every ticket-related row of one organisation, so a test can prove that a
refused request wrote nothing at all ("no write is half-done").
"""

from __future__ import annotations

from typing import Any

import httpx

from server.accounts.models import Contact, Organization
from server.tickets.models import Ticket, TicketActivity, TicketResponse, TicketTag
from tests.factories import unique


def requester_email() -> str:
    return f"{unique('customer')}@example.com"


async def create(client: httpx.AsyncClient, headers: dict[str, str], **fields: Any) -> dict:
    """POST /api/tickets with sensible defaults; returns the created ticket (asserts 201)."""
    body: dict[str, Any] = {
        "requesterName": "Rita Requester",
        "requesterEmail": requester_email(),
        "subject": "The printer is on fire",
        "description": "Smoke everywhere.",
    }
    body.update(fields)
    response = await client.post("/api/tickets", headers=headers, json=body)
    assert response.status_code == 201, response.text
    return response.json()["ticket"]


async def detail(client: httpx.AsyncClient, headers: dict[str, str], ref: str | int) -> dict:
    """GET /api/tickets/{ref}; returns the ticket with responses and activity (asserts 200)."""
    response = await client.get(f"/api/tickets/{ref}", headers=headers)
    assert response.status_code == 200, response.text
    return response.json()["ticket"]


def error_of(response: httpx.Response, status: int, code: str | None = None) -> dict:
    """The error object of an error response, after checking its status and shape."""
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error"}, body
    error = body["error"]
    assert isinstance(error["message"], str) and error["message"]
    if code is not None:
        assert error["code"] == code, error
    return error


async def snapshot(org_id: int) -> dict[str, Any]:
    """Every ticket-related row of the organisation, in a stable order."""
    tickets = Ticket.filter(organization_id=org_id)
    return {
        "counter": await Organization.filter(id=org_id).values_list("ticket_counter", flat=True),
        "tickets": await tickets.order_by("id").values(),
        "tags": await TicketTag.filter(organization_id=org_id).order_by("id").values(),
        "responses": await TicketResponse.filter(ticket__organization_id=org_id)
        .order_by("id")
        .values(),
        "activities": await TicketActivity.filter(ticket__organization_id=org_id)
        .order_by("id")
        .values(),
        "contacts": await Contact.filter(organization_id=org_id).order_by("id").values(),
    }


def activity_types(ticket: dict) -> list[str]:
    return [a["type"] for a in ticket["activity"]]
