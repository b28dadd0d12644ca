"""Request and response schemas for the ticket REST API (camelCase on the wire)."""

from __future__ import annotations

import math
import re
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Annotated, Any

from pydantic import (
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
)

from server.attachments.schemas import AttachmentIds, AttachmentOut, PublicAttachment
from server.db import MAX_ID
from server.events.actor import AuthorType
from server.tickets.models import (
    ActivityType,
    TicketPriority,
    TicketStatus,
)
from server.web.schema import (
    Email,
    RequestModel,
    ResponseModel,
    lower_cased,
    omittable,
    trimmed_length_pattern,
)

Subject = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]
Description = Annotated[str, Field(max_length=50_000)]
Content = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50_000)]
# A reply may be files alone: then its text may be empty (`_content_or_files`).
ContentOrFiles = Annotated[str, StringConstraints(strip_whitespace=True, max_length=50_000)]
Category = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
Tag = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64), lower_cased(64)
]
Tags = Annotated[list[Tag], Field(max_length=20)]
Ref = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)]
PersonName = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)]

MAX_CUSTOM_FIELDS = 50
DATE_ONLY = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
# The start every ISO 8601 moment shares; pydantic alone would also read `12345` as a time.
MOMENT_START = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ]")


def _check_custom_fields(value: dict[str, Any] | None) -> dict[str, Any] | None:
    if value is None:
        return None
    if len(value) > MAX_CUSTOM_FIELDS:
        raise ValueError(f"At most {MAX_CUSTOM_FIELDS} custom fields.")
    for key, item in value.items():
        if not key or len(key) > 64:
            raise ValueError("Custom field names are 1 to 64 characters.")
        if not isinstance(item, str | int | float | bool | None):
            raise ValueError(f"Custom field {key!r} must be a string, number, boolean or null.")
        if isinstance(item, float) and not math.isfinite(item):
            raise ValueError(f"Custom field {key!r} must be a finite number.")
        if isinstance(item, str) and len(item) > 2000:
            raise ValueError(f"Custom field {key!r} is longer than 2000 characters.")
    return value


# What `_check_custom_fields` enforces, for the OpenAPI document (the type is a plain dict).
CustomFields = Annotated[
    dict[str, Any],
    WithJsonSchema(
        {
            "type": "object",
            "maxProperties": MAX_CUSTOM_FIELDS,
            # Names are trimmed like every request string.
            "propertyNames": {
                "minLength": 1,
                "maxLength": 64,
                "pattern": trimmed_length_pattern(1),
            },
            "additionalProperties": {
                "anyOf": [
                    {"type": "string", "maxLength": 2000},
                    {"type": "number"},
                    {"type": "boolean"},
                    {"type": "null"},
                ]
            },
        }
    ),
]


def unique(tags: list[str] | None) -> list[str] | None:
    return list(dict.fromkeys(tags)) if tags is not None else None


def _day_or_moment(value: Any) -> Any:
    """`2024-05-01` is a day (the filter covers all of it), `2024-05-01T09:30:00Z` a moment;
    nothing else, as the OpenAPI document promises (no Unix times, no numbers).

    Without this, pydantic reads a bare date as midnight and `createdTo` drops the day.
    """
    if isinstance(value, date):
        return value
    text = value.strip() if isinstance(value, str) else ""
    if DATE_ONLY.match(text):
        return date.fromisoformat(text)
    if not MOMENT_START.match(text):
        raise ValueError("Give an ISO 8601 date (2024-05-01) or moment (2024-05-01T09:30:00Z).")
    return text


def _as_utc(value: datetime | date | None) -> datetime | date | None:
    """Moments in UTC (naive ones are UTC), refusing those UTC cannot represent."""
    if not isinstance(value, datetime):
        return value
    try:
        return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)
    except OverflowError:
        raise ValueError("Date out of range.") from None


def _content_or_files(content: str, info: ValidationInfo) -> str:
    """A reply needs text, files, or both (`attachment_ids` is declared first to be seen)."""
    if not content and not info.data.get("attachment_ids"):
        raise ValueError("Write a reply or attach a file.")
    return content


class TicketCreate(RequestModel):
    requester_name: PersonName = ""
    requester_email: Email
    subject: Subject
    description: Description = ""
    priority: TicketPriority | None = Field(
        default=None, description="Defaults to the organisation's default priority."
    )
    category: Category | None = None
    tags: Tags = Field(default_factory=list)
    custom_fields: CustomFields = Field(default_factory=dict)
    assignee_id: int | None = None
    attachment_ids: AttachmentIds = Field(default_factory=list)

    _custom = field_validator("custom_fields")(_check_custom_fields)
    _tags = field_validator("tags")(unique)


class WidgetTicketCreate(RequestModel):
    """The widget's contact form: a ticket from the visitor (their token says who)."""

    name: PersonName | None = Field(default=None, description="Fills in an anonymous visitor.")
    email: Email | None = Field(
        default=None,
        description="Where to follow up (and what to track the ticket with); required unless "
        "the visitor already has an address.",
    )
    subject: Subject
    description: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50_000)
    ]
    category: Category | None = None
    priority: TicketPriority | None = Field(
        default=None, description="Only where the widget allows it (`widget.allowPriority`)."
    )
    attachment_ids: AttachmentIds = Field(default_factory=list)


class CustomerReplyCreate(RequestModel):
    attachment_ids: AttachmentIds = Field(default_factory=list)
    content: ContentOrFiles

    _files = field_validator("content")(_content_or_files)


class TicketUpdate(RequestModel):
    """Given fields only. Only `category` takes null (it clears it); the others refuse it."""

    subject: Subject = omittable()
    description: Description = omittable()
    priority: TicketPriority = omittable()
    category: Category | None = Field(default=None, description="null clears the category.")
    tags: Tags = omittable(description="Replaces the ticket's tags.")
    custom_fields: CustomFields = omittable(description="Replaces the ticket's custom fields.")
    status: TicketStatus = omittable()

    _custom = field_validator("custom_fields")(_check_custom_fields)
    _tags = field_validator("tags")(unique)


class SeenPosition(RequestModel):
    offset: int = Field(ge=0, le=2**53)
    epoch: str = Field(min_length=1, max_length=64)


class ResponseCreate(RequestModel):
    attachment_ids: AttachmentIds = Field(default_factory=list)
    content: ContentOrFiles
    is_internal: bool = False
    status_change: TicketStatus | None = Field(
        default=None,
        description="Move the ticket to this status with the reply (e.g. WAITING_ON_CUSTOMER).",
    )
    seen: SeenPosition | None = Field(
        default=None,
        description=(
            "Collision control: the ticket channel position (`offset` and `epoch` of the last "
            "frame the agent saw) the reply was written against. If a public reply by someone "
            "else came after it, the answer is 409 `stale_reply` with the unseen replies, "
            "unless `force` is true."
        ),
    )
    force: bool = Field(default=False, description="Send even if newer replies exist.")

    _files = field_validator("content")(_content_or_files)


class AssignRequest(RequestModel):
    agent_id: int | None = Field(description="The agent to assign, or null to unassign.")


class StatusRequest(RequestModel):
    status: TicketStatus


class BulkChanges(RequestModel):
    status: TicketStatus = omittable()
    priority: TicketPriority = omittable()
    assignee_id: int | None = Field(default=None, description="null unassigns (when given).")
    add_tags: Tags = Field(default_factory=list)
    remove_tags: Tags = Field(default_factory=list)


class BulkUpdateRequest(RequestModel):
    refs: Annotated[list[Ref | int], Field(min_length=1, max_length=500)]
    changes: BulkChanges


class TicketSort(StrEnum):
    CREATED = "created"
    CREATED_DESC = "-created"
    UPDATED = "updated"
    UPDATED_DESC = "-updated"
    PRIORITY = "priority"
    PRIORITY_DESC = "-priority"
    STATUS = "status"
    STATUS_DESC = "-status"


class TicketFilters(RequestModel):
    status: list[TicketStatus] | None = None
    priority: list[TicketPriority] | None = None
    assignee: str | None = Field(
        default=None, pattern=r"^(me|none|[0-9]{1,9})$", description="`me`, `none` or an agent id."
    )
    category: Category | None = None
    tag: Tag | None = None
    requester_email: Annotated[str, StringConstraints(max_length=254), lower_cased(254)] | None = (
        None
    )
    requester_id: Annotated[int, Field(ge=1, le=MAX_ID)] | None = Field(
        default=None, description="The requester's contact id (a customer's tickets)."
    )
    q: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)] | None = None
    created_from: datetime | date | None = None
    created_to: datetime | date | None = Field(
        default=None, description="Inclusive; a date means the whole day (UTC)."
    )

    _days = field_validator("created_from", "created_to", mode="before")(_day_or_moment)
    _utc = field_validator("created_from", "created_to")(_as_utc)


class TicketListQuery(TicketFilters):
    sort: TicketSort = TicketSort.CREATED_DESC
    page: Annotated[int, Field(ge=1, le=100_000)] = 1
    page_size: Annotated[int, Field(ge=1, le=100)] = 25


class TicketOut(ResponseModel):
    id: int
    number: int
    reference: str
    subject: str
    description: str
    status: TicketStatus
    priority: TicketPriority
    category: str | None
    tags: list[str]
    custom_fields: dict[str, Any]
    metadata: dict[str, Any]
    requester_id: int | None
    requester_name: str
    requester_email: str | None
    assignee_id: int | None
    assignee_name: str | None
    assigned_at: datetime | None
    origin_chat_id: int | None = Field(
        default=None, description="The live chat this ticket was created from, if any."
    )
    first_response_due_at: datetime | None
    resolution_due_at: datetime | None
    first_response_at: datetime | None
    resolved_at: datetime | None
    closed_at: datetime | None
    created_at: datetime
    updated_at: datetime


class ResponseOut(ResponseModel):
    id: int
    ticket_id: int
    content: str
    is_internal: bool
    author_type: AuthorType
    author_id: int | None
    author_name: str
    author_email: str | None
    created_at: datetime
    attachments: list[AttachmentOut] = Field(default_factory=list)


# --- what a requester may see (the REST tracking views and the widget's events) --------------


class PublicTicket(ResponseModel):
    """What a requester may see of their own ticket."""

    model_config = ConfigDict(extra="forbid")

    id: int
    reference: str
    subject: str
    status: TicketStatus
    created_at: datetime
    updated_at: datetime
    resolved_at: datetime | None
    closed_at: datetime | None


class PublicResponse(ResponseModel):
    """A public reply as the requester sees it (internal notes are never projected)."""

    model_config = ConfigDict(extra="forbid")

    id: int
    ticket_id: int
    content: str
    author_type: AuthorType
    author_name: str
    created_at: datetime
    attachments: list[PublicAttachment] = Field(default_factory=list)


class PerformedBy(ResponseModel):
    type: AuthorType
    id: int | None
    name: str


class ActivityOut(ResponseModel):
    id: int
    type: ActivityType
    description: str
    changes: dict[str, Any]
    performed_by: PerformedBy
    created_at: datetime


class TicketDetail(TicketOut):
    attachments: list[AttachmentOut] = Field(
        description="Files on the ticket itself (given with it, or from its chat); a reply's "
        "files are on the reply."
    )
    responses: list[ResponseOut]
    activity: list[ActivityOut]


class TicketEnvelope(ResponseModel):
    ticket: TicketOut


class TicketDetailEnvelope(ResponseModel):
    ticket: TicketDetail


class ResponseEnvelope(ResponseModel):
    response: ResponseOut
    ticket: TicketOut


class BulkUpdateResult(ResponseModel):
    updated: int
    tickets: list[TicketOut]


class TicketStats(ResponseModel):
    total: int
    by_status: dict[TicketStatus, int]
    by_priority: dict[TicketPriority, int]
    unassigned: int = Field(
        description="Unassigned tickets that are not resolved/closed/cancelled."
    )
    created_today: int = Field(description="Created since midnight UTC.")


SlaHours = Annotated[float, Field(gt=0, le=24 * 365)]


class SlaPolicy(RequestModel):
    """Hours to first response and to resolution per priority (missing ones use defaults)."""

    first_response_hours: dict[TicketPriority, SlaHours] | None = None
    resolution_hours: dict[TicketPriority, SlaHours] | None = None


class TicketSettings(RequestModel):
    """An organisation's ticket settings, stored in `Organization.settings`."""

    categories: Annotated[list[Category], Field(max_length=100)] | None = None
    default_priority: TicketPriority | None = None
    sla: SlaPolicy | None = None

    _categories = field_validator("categories")(unique)
