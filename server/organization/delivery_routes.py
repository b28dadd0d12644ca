"""`/api/admin/deliveries`: what is on its way out of Parley (email), and what died trying.

Admins see their organisation's deliveries that are still on record: pending ones (waiting
for their next attempt) and dead ones (out of attempts, with their last error), and can send
one again now. A delivery that succeeded is deleted, so it is not listed.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field, StringConstraints

from server.accounts.schemas import PageNumber
from server.events import deliveries
from server.events.deliveries import Delivery, DeliveryState
from server.web.endpoints import Access, Api, Call
from server.web.schema import Page, RequestModel, ResponseModel

api = Api()
TAG = "deliveries"


class DeliveryQuery(RequestModel):
    state: Literal["pending", "dead"] | None = Field(
        default=None, description="Either; none: both."
    )
    listener: Annotated[str, StringConstraints(min_length=1, max_length=64)] | None = Field(
        default=None, description="`email.customer`: emails to requesters."
    )
    page: PageNumber = 1
    page_size: Annotated[int, Field(ge=1, le=200)] = 50


class DeliveryOut(ResponseModel):
    id: int
    listener: str
    type: str = Field(description="The event type it carries (`ticket.created`, …).")
    subject_kind: str
    subject_id: int
    state: Literal["pending", "dead"]
    attempts: int
    next_attempt_at: datetime = Field(description="When a pending delivery is tried next.")
    last_error: str | None
    created_at: datetime
    updated_at: datetime


def _out(delivery: Delivery) -> DeliveryOut:
    return DeliveryOut(
        id=delivery.id, listener=delivery.listener, type=delivery.type,
        subject_kind=str(delivery.subject.get("kind", "")),
        subject_id=int(delivery.subject.get("id", 0)),
        state=DeliveryState(delivery.state).value, attempts=delivery.attempts,
        next_attempt_at=delivery.next_attempt_at, last_error=delivery.last_error,
        created_at=delivery.created_at, updated_at=delivery.updated_at,
    )  # fmt: skip


@api.endpoint(
    "GET", "/api/admin/deliveries", summary="Pending and dead deliveries", tag=TAG,
    access=Access.ADMIN, query=DeliveryQuery, response=Page[DeliveryOut], errors=(403, 422),
)  # fmt: skip
async def list_deliveries(call: Call) -> BaseModel:
    """The organisation's deliveries still on record, newest first."""
    q = call.query
    rows, total = await deliveries.list_deliveries(
        organization_id=call.agent.organization_id,
        state=DeliveryState(q.state) if q.state else None,
        listener=q.listener, page=q.page, page_size=q.page_size,
    )  # fmt: skip
    return Page[DeliveryOut](
        items=[_out(row) for row in rows], total=total, page=q.page, page_size=q.page_size
    )


@api.endpoint(
    "POST", "/api/admin/deliveries/{delivery_id:id}/retry", summary="Send a delivery again",
    tag=TAG, access=Access.ADMIN, response=DeliveryOut, errors=(403, 404),
)  # fmt: skip
async def retry_delivery(call: Call) -> BaseModel:
    """Try a pending or dead delivery again now, its attempts counted from zero."""
    delivery = await deliveries.retry_delivery(
        organization_id=call.agent.organization_id, delivery_id=call.path["delivery_id"]
    )
    return _out(delivery)
