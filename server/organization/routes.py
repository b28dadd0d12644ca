"""`GET/PATCH /api/org`, the identity secret, and the widget's public configuration."""

from __future__ import annotations

from pydantic import BaseModel

from server.accounts import clock, embed, org_email, org_settings, organizations
from server.accounts.embed_routes import check_origin
from server.accounts.models import Organization
from server.accounts.org_email import EmailSettingsOut
from server.accounts.schemas import WidgetOut
from server.organization.schemas import (
    EmbedConfigOut,
    EmbedConfigQuery,
    EmbedOrganization,
    OrganizationOut,
    OrganizationUpdate,
)
from server.tickets import service as tickets
from server.web.endpoints import Access, Api, Call

api = Api()


def _organization_out(org: Organization, *, admin: bool) -> OrganizationOut:
    return OrganizationOut(
        id=org.id, name=org.name, slug=org.slug, ticket_prefix=org.ticket_prefix,
        allowed_origins=org_settings.allowed_origins(org), site_key=org.site_key or "",
        widget=WidgetOut.model_validate(org_settings.widget_settings(org)),
        categories=tickets.ticket_categories(org),
        default_priority=tickets.default_priority(org.settings or {}),
        email=EmailSettingsOut.model_validate(org_email.email_settings(org)),
        inbound_email_configured=org.inbound_email_secret is not None,
        identity_secret=org.identity_secret if admin else None,
    )  # fmt: skip


@api.endpoint(
    "GET", "/api/org", summary="The organisation", tag="organisation",
    response=OrganizationOut,
)  # fmt: skip
async def get_org(call: Call) -> BaseModel:
    """The organisation, its widget's site key and settings, its ticket categories and default
    priority (the identity secret: admins)."""
    org = await organizations.get_organization(organization_id=call.agent.organization_id)
    return _organization_out(org, admin=call.agent.is_admin)


@api.endpoint(
    "PATCH", "/api/org", summary="Change the organisation", tag="organisation",
    access=Access.ADMIN, body=OrganizationUpdate, response=OrganizationOut, errors=(403, 422),
)  # fmt: skip
async def update_org(call: Call) -> BaseModel:
    """Set the widget's allowed origins and settings, the ticket categories, the default
    priority and the email settings (given fields only, in one write; admins only)."""
    b = call.body
    widget = (
        b.widget.model_dump(mode="json", by_alias=True, exclude_unset=True) if b.widget else None
    )
    given = {name: getattr(b, name) for name in ("categories", "default_priority")}
    ticket_settings = tickets.ticket_settings_changes(
        **{name: value for name, value in given.items() if name in b.model_fields_set}
    )
    org = await org_settings.update_organization(
        principal=call.agent,
        allowed_origins=b.allowed_origins,
        widget=widget,
        other_settings=ticket_settings,
        other_patches={"email": org_email.email_settings_patch(b.email)} if b.email else None,
    )
    return _organization_out(org, admin=True)


@api.endpoint(
    "POST", "/api/org/identity-secret", summary="Rotate the identity secret",
    tag="organisation", access=Access.ADMIN, response=OrganizationOut, errors=(403,),
)  # fmt: skip
async def rotate_identity_secret(call: Call) -> BaseModel:
    """A new identity secret; `userHash`es made with the old one are refused from now on."""
    org = await organizations.rotate_identity_secret(principal=call.agent)
    return _organization_out(org, admin=True)


@api.endpoint(
    "GET", "/api/embed/config", summary="The widget's configuration", tag="embed",
    access=Access.PUBLIC, query=EmbedConfigQuery, response=EmbedConfigOut, errors=(403, 404),
)  # fmt: skip
async def embed_config(call: Call) -> EmbedConfigOut:
    """Branding, greeting, pre-chat fields, categories, whether someone can chat now, and
    where the widget's WebSocket is."""
    request = call.request
    org = await organizations.organization_for_site_key(call.query.site_key)
    check_origin(request, org)
    widget = org_settings.widget_settings(org)
    hub = request.app.state.parley.hub
    within = embed.within_business_hours(widget.get("businessHours"), clock.now())
    available = within and await embed.agents_online(hub.presence, org)
    scheme = "wss" if request.url.scheme == "https" else "ws"
    return EmbedConfigOut(
        organization=EmbedOrganization(name=org.name),
        widget=WidgetOut.model_validate(widget),
        categories=tickets.ticket_categories(org),
        available_now=available,
        within_business_hours=within,
        websocket_url=f"{scheme}://{request.headers.get('host', '')}/ws/widget",
    )
