"""Request and response schemas for authentication, agents and API keys."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, StringConstraints, field_validator

from server.accounts.models import Role
from server.web.schema import Email, RequestModel, ResponseModel, lower_cased, omittable

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Password = Annotated[str, Field(min_length=8, max_length=1024)]
# Bounded so that the offset it implies fits the database's integer (no 500 on page=1e21).
PageNumber = Annotated[int, Field(ge=1, le=100_000)]
Slug = Annotated[
    str, StringConstraints(strip_whitespace=True, pattern=r"^[a-z0-9][a-z0-9-]{0,62}$")
]


class LoginRequest(RequestModel):
    # Not Email: agents made with the CLI may have addresses email-validator refuses
    # (`admin@corp.local`), and any other string simply matches no agent (401). Compared
    # lower-cased, so checked lower-cased: a longer address could not be looked up.
    email: Annotated[
        str,
        StringConstraints(strip_whitespace=True, min_length=1, max_length=254),
        lower_cased(254),
    ]
    password: Annotated[str, Field(min_length=1, max_length=1024)]
    org: Slug | None = Field(
        default=None,
        description="Organisation slug, when the email belongs to agents of several organisations.",
    )


class AgentOut(ResponseModel):
    id: int
    organization_id: int
    email: str
    name: str
    role: Role
    is_active: bool
    chat_capacity: int = Field(description="Active chats automatic routing gives at once.")
    created_at: datetime


class OrganizationBrief(ResponseModel):
    id: int
    name: str
    slug: str
    ticket_prefix: str


class LoginResponse(ResponseModel):
    token: str
    expires_at: datetime
    agent: AgentOut


class MeResponse(ResponseModel):
    agent: AgentOut | None
    organization: OrganizationBrief
    via: str = Field(description="`token` for a login session, `api_key` for an integration.")
    email_notifications: dict[str, bool] | None = Field(
        default=None, description="The agent's own email switches (null for an API key)."
    )


# The emails an agent can switch off for themselves (all on until they do).
AGENT_NOTIFICATIONS = ("assigned",)


class AgentEmailNotifications(RequestModel):
    """Given switches only; none takes null."""

    assigned: bool = omittable(description="Email me when a ticket is assigned to me.")


class MeUpdate(RequestModel):
    email_notifications: AgentEmailNotifications


class AgentCreate(RequestModel):
    email: Email
    name: Name
    password: Password
    role: Role = Role.AGENT


class AgentUpdate(RequestModel):
    name: Name | None = None
    role: Role | None = None
    is_active: bool | None = None
    password: Password | None = None
    chat_capacity: Annotated[int, Field(ge=0, le=50)] | None = Field(
        default=None,
        description="Active chats automatic routing gives this agent at once (0: none).",
    )


class AgentEnvelope(ResponseModel):
    agent: AgentOut


class AgentListQuery(RequestModel):
    page: PageNumber = 1
    page_size: Annotated[int, Field(ge=1, le=200)] = 50
    include_inactive: bool = False


class ApiKeyCreate(RequestModel):
    name: Name


class ApiKeyOut(ResponseModel):
    id: int
    name: str
    prefix: str
    created_at: datetime
    revoked_at: datetime | None
    last_used_at: datetime | None


class ApiKeyCreated(ResponseModel):
    key: str = Field(description="Shown once; only its hash is stored.")
    api_key: ApiKeyOut


class ApiKeyListQuery(RequestModel):
    page: PageNumber = 1
    page_size: Annotated[int, Field(ge=1, le=200)] = 50


# --- contacts and the organisation ----------------------------------------------------------

# An origin as a browser sends it: scheme, host and optional port, nothing else; stored
# lower-cased. ASCII only, spelled out rather than `(?i)`: case-insensitive matching would
# let U+212A (Kelvin sign) and U+017F (long s) pass for letters.
Origin = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True,
        max_length=200,
        pattern=r"^[Hh][Tt][Tt][Pp][Ss]?://[A-Za-z0-9.-]+(:[0-9]{1,5})?$",
    ),
    lower_cased(200),
]


class ContactOut(ResponseModel):
    id: int
    name: str
    email: str | None


class ContactSummary(ContactOut):
    verified: bool


class ContactSearchQuery(RequestModel):
    q: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)] | None = Field(
        default=None, description="Part of the name or email address (case ignored)."
    )
    page: PageNumber = 1
    page_size: Annotated[int, Field(ge=1, le=100)] = 20


class VisitorTokenOut(ResponseModel):
    token: str
    expires_at: datetime
    contact: ContactOut


# --- the widget ------------------------------------------------------------------------------

PreChatMode = Literal["required", "optional", "hidden"]
TimeOfDay = Annotated[str, StringConstraints(pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$")]
Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
Color = Annotated[str, StringConstraints(pattern=r"^#[0-9a-fA-F]{6}$")]


class PreChat(RequestModel):
    """Which pre-chat fields the widget asks for, and whether they are required."""

    name: PreChatMode = "optional"
    email: PreChatMode = "optional"


class BusinessHours(RequestModel):
    """Opening hours; outside them nobody is "available now" and the widget offers the form."""

    timezone: str = Field(max_length=64, description="An IANA zone, e.g. Europe/Paris.")
    days: dict[Weekday, list[tuple[TimeOfDay, TimeOfDay]]] = Field(
        description="Per weekday, up to 4 [start, end) ranges in local time; missing: closed."
    )

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError("not a known IANA time zone") from None
        return value

    @field_validator("days")
    @classmethod
    def _ranges(cls, value: dict[str, list[tuple[str, str]]]) -> dict[str, list[tuple[str, str]]]:
        for day, ranges in value.items():
            if len(ranges) > 4:
                raise ValueError(f"{day}: at most 4 ranges")
            for start, end in ranges:
                if start >= end:
                    raise ValueError(f"{day}: {start}-{end} must start before it ends")
        return value


class WidgetSettings(RequestModel):
    """A change to the widget's settings: fields not given are kept. null puts a look or a
    timing back to its default; the switches (`verificationRequired`, `routing`,
    `allowPriority`) refuse null, so none is turned off by a client that sent no value."""

    greeting: str | None = Field(
        default=None, max_length=500, description="null: back to the default greeting."
    )
    primary_color: Color | None = Field(
        default=None, description="null: back to the default colour (#2563eb)."
    )
    pre_chat: PreChat | None = Field(
        default=None, description="Given fields only; null: both back to `optional`."
    )
    business_hours: BusinessHours | None = Field(
        default=None, description="null: open around the clock (the default)."
    )
    verification_required: bool = omittable(
        description="Refuse widget sessions without a valid `userId` + `userHash`. Not null."
    )
    routing: Literal["manual", "automatic"] = omittable(
        description="`automatic`: waiting chats go to available agents. Not null."
    )
    allow_priority: bool = omittable(
        description="Let customers choose a priority in the widget's ticket form. Not null."
    )
    offline_grace_seconds: Annotated[int, Field(ge=1, le=86400)] | None = Field(
        default=None,
        description="How long an agent may be offline while a customer waits for their answer "
        "before the chat returns to the queue. null: back to the default (120).",
    )


class WidgetOut(ResponseModel):
    greeting: str
    primary_color: str
    pre_chat: dict[str, PreChatMode]
    business_hours: dict[str, Any] | None
    verification_required: bool
    routing: Literal["manual", "automatic"]
    allow_priority: bool
    offline_grace_seconds: int
