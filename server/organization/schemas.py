"""The organisation as `GET/PATCH /api/org` and `GET /api/embed/config` show it."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, field_validator

from server.accounts.embed_routes import SiteKey
from server.accounts.org_email import EmailSettingsOut, EmailSettingsUpdate
from server.accounts.schemas import Origin, WidgetOut, WidgetSettings
from server.tickets.models import TicketPriority
from server.tickets.schemas import Category, unique
from server.web.schema import RequestModel, ResponseModel


class OrganizationOut(ResponseModel):
    id: int
    name: str
    slug: str
    ticket_prefix: str
    allowed_origins: list[str] = Field(
        description="Origins whose pages may use the widget (`/api/embed/*`, `/ws/widget`)."
    )
    site_key: str = Field(description="The widget's public key (`data-site-key`).")
    widget: WidgetOut
    categories: list[str] = Field(description="Ticket categories (empty: free text).")
    default_priority: TicketPriority = Field(description="The priority new tickets get by default.")
    email: EmailSettingsOut = Field(description="Email notifications (docs/email.md).")
    inbound_email_configured: bool = Field(
        description="Whether `POST /api/webhooks/email` has a secret to check (admins make "
        "one with `POST /api/org/inbound-email-secret`)."
    )
    identity_secret: str | None = Field(
        description="For identity verification (admins only; null for agents). Keep it on "
        "your servers: `userHash = HMAC-SHA256(identitySecret, userId)` in hex."
    )


class OrganizationUpdate(RequestModel):
    """Given fields only. null resets `categories` (any category) and `defaultPriority`
    (MEDIUM); `allowedOrigins` and `widget` take null as "unchanged"."""

    allowed_origins: list[Origin] | None = Field(default=None, max_length=100)
    widget: WidgetSettings | None = None
    categories: Annotated[list[Category], Field(max_length=100)] | None = Field(
        default=None,
        description="The ticket categories tickets must use (duplicates dropped); `[]` or "
        "null: any category.",
    )
    default_priority: TicketPriority | None = Field(
        default=None, description="The priority new tickets get. null: back to MEDIUM."
    )
    email: EmailSettingsUpdate | None = Field(
        default=None, description="Given fields only; null: unchanged."
    )

    _categories = field_validator("categories")(unique)


class EmbedConfigQuery(RequestModel):
    site_key: SiteKey


class EmbedOrganization(ResponseModel):
    name: str


class EmbedConfigOut(ResponseModel):
    organization: EmbedOrganization
    widget: WidgetOut
    categories: list[str]
    available_now: bool = Field(
        description="An agent is online and it is within business hours: offer chat; else the "
        "ticket form."
    )
    within_business_hours: bool
    websocket_url: str
