"""Request and response shapes of the webhook admin API (camelCase on the wire)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from server.accounts.schemas import PageNumber
from server.web.schema import RequestModel, ResponseModel
from server.webhooks import catalog
from server.webhooks.models import MAX_URL_CHARS

# The document states what the service accepts (`guard.check_url`, `signing.secret_problem`,
# the catalogue), so a client can check a value before sending it. The service checks again:
# it is the one that knows (a private address, an event type).
_PORT = (
    r"(?::(?:6553[0-5]|655[0-2][0-9]|65[0-4][0-9]{2}|6[0-4][0-9]{3}|[1-5][0-9]{4}"
    r"|[1-9][0-9]{0,3}))?"
)
URL_PATTERN = (
    r"^https?://[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*" + _PORT + r"(?:[/?][^\s#\x00-\x1f\x7f]*)?$"
)
Url = Annotated[str, StringConstraints(min_length=1, max_length=MAX_URL_CHARS, pattern=URL_PATTERN)]
EventType = Annotated[
    str,
    StringConstraints(min_length=1, max_length=64),
    Field(json_schema_extra={"enum": catalog.event_types()}),
]
EventTypes = Annotated[list[EventType], Field(min_length=1, max_length=100)]
Description = Annotated[str, StringConstraints(max_length=200)]
# `whsec_` + base64 of 24 to 64 bytes: 8 to 20 groups of four characters and an optional
# padded end, or 21 groups and at most one byte more.
_B64 = "[A-Za-z0-9+/]"
SECRET_PATTERN = (
    rf"^whsec_(?:(?:{_B64}{{4}}){{8,20}}(?:{_B64}{{3}}=|{_B64}{{2}}==)?"
    rf"|(?:{_B64}{{4}}){{21}}(?:{_B64}{{2}}==)?)$"
)
Secret = Annotated[str, StringConstraints(pattern=SECRET_PATTERN)]


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
