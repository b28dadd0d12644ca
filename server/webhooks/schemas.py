"""Request and response shapes of the webhook admin API (camelCase on the wire)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from server.accounts.schemas import PageNumber
from server.web.schema import RequestModel, ResponseModel
from server.webhooks.models import MAX_URL_CHARS

Url = Annotated[str, StringConstraints(min_length=1, max_length=MAX_URL_CHARS)]
EventType = Annotated[str, StringConstraints(min_length=1, max_length=64)]
EventTypes = Annotated[list[EventType], Field(min_length=1, max_length=100)]
Description = Annotated[str, StringConstraints(max_length=200)]
Secret = Annotated[str, StringConstraints(min_length=1, max_length=120)]


class WebhookCreate(RequestModel):
    url: Url = Field(description="Where to POST: https:// (or http://), no credentials.")
    event_types: EventTypes = Field(
        description="Event types to send (GET /api/admin/webhooks/event-types lists them)."
    )
    description: Description = ""
    secret: Secret | None = Field(
        default=None,
        description="A Standard Webhooks secret (`whsec_` + base64 of 24 to 64 bytes) to use; "
        "none: Parley makes one.",
    )
    is_active: bool = True


class WebhookUpdate(RequestModel):
    url: Url | None = None
    event_types: EventTypes | None = None
    description: Description | None = None
    is_active: bool | None = Field(
        default=None, description="true enables it again (clearing why it was disabled)."
    )


class WebhookOut(ResponseModel):
    id: int
    url: str
    description: str
    event_types: list[str]
    is_active: bool
    disabled_reason: str | None = Field(
        description="Why Parley disabled it (410, a day of failures); null otherwise."
    )
    disabled_at: datetime | None
    failing_since: datetime | None = Field(
        description="The first failure since the last success; null while it succeeds."
    )
    previous_secret_expires_at: datetime | None = Field(
        description="Until when the secret before the last rotation signs too."
    )
    created_at: datetime
    updated_at: datetime


class WebhookWithSecret(WebhookOut):
    secret: str = Field(description="Shown only when the webhook is created or rotated.")


class WebhookQuery(RequestModel):
    page: PageNumber = 1
    page_size: Annotated[int, Field(ge=1, le=200)] = 50


class DeliveryQuery(RequestModel):
    state: Literal["pending", "succeeded", "failed"] | None = None
    page: PageNumber = 1
    page_size: Annotated[int, Field(ge=1, le=200)] = 50


class AttemptOut(ResponseModel):
    attempt: int = Field(description="1-based, counted from creation or the last replay.")
    status_code: int | None = Field(description="null: no answer (see `error`).")
    duration_ms: int
    error: str | None
    attempted_at: datetime


class WebhookDeliveryOut(ResponseModel):
    id: int
    message_id: str = Field(description="The `webhook-id` it is sent under, on every attempt.")
    type: str
    state: Literal["pending", "succeeded", "failed"]
    attempt_count: int = Field(description="Attempts since it was created or replayed.")
    next_attempt_at: datetime = Field(description="When a pending delivery is tried next.")
    retry_until: datetime = Field(description="A failure after this is the last attempt.")
    last_status_code: int | None
    last_error: str | None
    delivered_at: datetime | None
    created_at: datetime
    attempts: list[AttemptOut]


class EventTypesOut(ResponseModel):
    items: list[str]
