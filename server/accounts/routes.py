"""REST routes for sign-in, the current agent, agents and API keys."""

from __future__ import annotations

from datetime import timedelta

from pydantic import BaseModel

from server.accounts import agents, contacts, organizations, sessions, visitors
from server.accounts.models import Agent
from server.accounts.schemas import (
    AgentCreate,
    AgentEnvelope,
    AgentListQuery,
    AgentOut,
    AgentUpdate,
    ApiKeyCreate,
    ApiKeyCreated,
    ApiKeyListQuery,
    ApiKeyOut,
    ContactOut,
    ContactSearchQuery,
    ContactSummary,
    LoginRequest,
    LoginResponse,
    MeResponse,
    MeUpdate,
    OrganizationBrief,
    VisitorTokenOut,
)
from server.web.endpoints import Access, Api, Call
from server.web.schema import Page

api = Api()


@api.endpoint(
    "POST", "/api/auth/login", summary="Sign in", tag="auth", access=Access.PUBLIC,
    body=LoginRequest, response=LoginResponse, errors=(401, 422, 429),
)  # fmt: skip
async def login(call: Call) -> BaseModel:
    """Exchange email and password for a bearer token. Failures are rate limited."""
    state = call.request.app.state.parley
    token, record, agent = await sessions.login(
        email=str(call.body.email),
        password=call.body.password,
        org_slug=call.body.org,
        client_ip=call.request.client.host if call.request.client else "unknown",
        throttle=state.login_throttle,
        ttl=timedelta(hours=state.settings.token_ttl_hours),
    )
    return LoginResponse(
        token=token, expires_at=record.expires_at, agent=AgentOut.model_validate(agent)
    )


@api.endpoint("POST", "/api/auth/logout", summary="Sign out", tag="auth", status=204)
async def logout(call: Call) -> None:
    """Revoke the token this request carries."""
    await sessions.logout(principal=call.agent)


@api.endpoint("GET", "/api/me", summary="Who am I", tag="auth", response=MeResponse)
async def me(call: Call) -> BaseModel:
    """The signed-in agent (or the API key's organisation), with the agent's email switches."""
    return await _me(call.agent.organization_id, call.agent.agent)


@api.endpoint(
    "PATCH", "/api/me", summary="Change my email switches", tag="auth",
    body=MeUpdate, response=MeResponse, errors=(403, 422),
)  # fmt: skip
async def update_me(call: Call) -> BaseModel:
    """The signed-in agent turns their own emails on or off (given switches only; an API
    key has none: 403)."""
    changes = call.body.email_notifications.model_dump(by_alias=True, exclude_unset=True)
    agent = await agents.update_own_email_switches(principal=call.agent, changes=changes)
    return await _me(call.agent.organization_id, agent)


async def _me(organization_id: int, agent: Agent | None) -> MeResponse:
    org = await organizations.get_organization(organization_id=organization_id)
    return MeResponse(
        agent=AgentOut.model_validate(agent) if agent else None,
        organization=OrganizationBrief.model_validate(org),
        via="token" if agent else "api_key",
        email_notifications=agents.email_switches(agent) if agent else None,
    )


@api.endpoint(
    "GET", "/api/agents", summary="List agents", tag="agents",
    query=AgentListQuery, response=Page[AgentOut],
)  # fmt: skip
async def list_agents(call: Call) -> BaseModel:
    """The organisation's agents (active ones unless `includeInactive`)."""
    q = call.query
    items, total = await agents.list_agents(
        principal=call.agent, page=q.page, page_size=q.page_size,
        include_inactive=q.include_inactive,
    )  # fmt: skip
    return Page[AgentOut](
        items=[AgentOut.model_validate(a) for a in items],
        total=total, page=q.page, page_size=q.page_size,
    )  # fmt: skip


@api.endpoint(
    "POST", "/api/agents", summary="Add an agent", tag="agents", access=Access.ADMIN,
    body=AgentCreate, response=AgentEnvelope, status=201, errors=(403, 409, 422),
    idempotent=True,
)  # fmt: skip
async def create_agent(call: Call) -> BaseModel:
    """Add an agent or admin to the organisation (admins only)."""
    b = call.body
    agent = await agents.create_agent(
        principal=call.agent, organization_id=call.agent.organization_id,
        email=str(b.email), name=b.name, password=b.password, role=b.role,
    )  # fmt: skip
    return AgentEnvelope(agent=AgentOut.model_validate(agent))


@api.endpoint(
    "PATCH", "/api/agents/{agent_id:id}", summary="Change an agent", tag="agents",
    access=Access.ADMIN, body=AgentUpdate, response=AgentEnvelope, errors=(403, 404, 409, 422),
)  # fmt: skip
async def update_agent(call: Call) -> BaseModel:
    """Rename, change role or chat capacity, (de)activate or set a new password.
    Deactivation ends sessions."""
    b = call.body
    agent = await agents.update_agent(
        principal=call.agent, agent_id=call.path["agent_id"],
        name=b.name, role=b.role, is_active=b.is_active, password=b.password,
        chat_capacity=b.chat_capacity,
    )  # fmt: skip
    return AgentEnvelope(agent=AgentOut.model_validate(agent))


@api.endpoint(
    "GET", "/api/api-keys", summary="List API keys", tag="api keys", access=Access.ADMIN,
    query=ApiKeyListQuery, response=Page[ApiKeyOut],
)  # fmt: skip
async def list_api_keys(call: Call) -> BaseModel:
    """The organisation's API keys (never the keys themselves)."""
    q = call.query
    items, total = await sessions.list_api_keys(
        principal=call.agent, page=q.page, page_size=q.page_size
    )
    return Page[ApiKeyOut](
        items=[ApiKeyOut.model_validate(k) for k in items],
        total=total, page=q.page, page_size=q.page_size,
    )  # fmt: skip


@api.endpoint(
    "POST", "/api/api-keys", summary="Create an API key", tag="api keys", access=Access.ADMIN,
    body=ApiKeyCreate, response=ApiKeyCreated, status=201, errors=(403, 422),
    idempotent=True,
)  # fmt: skip
async def create_api_key(call: Call) -> BaseModel:
    """A key for an integration, shown once. It acts with admin rights in this organisation."""
    key, record = await sessions.create_api_key(principal=call.agent, name=call.body.name)
    return ApiKeyCreated(key=key, api_key=ApiKeyOut.model_validate(record))


@api.endpoint(
    "DELETE", "/api/api-keys/{api_key_id:id}", summary="Revoke an API key", tag="api keys",
    access=Access.ADMIN, status=204, errors=(403, 404),
)  # fmt: skip
async def revoke_api_key(call: Call) -> None:
    """Revoke a key; requests made with it are refused from then on."""
    await sessions.revoke_api_key(principal=call.agent, api_key_id=call.path["api_key_id"])


@api.endpoint(
    "POST", "/api/contacts/{contact_id:id}/widget-token", summary="Mint a widget token",
    tag="contacts", response=VisitorTokenOut, status=201, errors=(404,),
)  # fmt: skip
async def mint_widget_token(call: Call) -> BaseModel:
    """A visitor token for one of the organisation's contacts, for `/ws/widget`.

    The public widget session endpoint issues these to customers; this lets an agent (or a
    test, or an integration) act as a contact's widget."""
    settings = call.request.app.state.parley.settings
    token, expires_at, contact = await visitors.issue_visitor_token(
        principal=call.agent, contact_id=call.path["contact_id"],
        secret_key=settings.secret_key, ttl=timedelta(hours=settings.visitor_token_ttl_hours),
    )  # fmt: skip
    return VisitorTokenOut(
        token=token, expires_at=expires_at, contact=ContactOut.model_validate(contact)
    )


@api.endpoint(
    "GET", "/api/contacts", summary="Find contacts", tag="contacts",
    query=ContactSearchQuery, response=Page[ContactSummary], errors=(422,),
)  # fmt: skip
async def search_contacts(call: Call) -> BaseModel:
    """The organisation's contacts whose name or email contains `q`, by name (e.g. to pick a
    requester for a new ticket)."""
    q = call.query
    items, total = await contacts.search_contacts(
        principal=call.agent, text=q.q, page=q.page, page_size=q.page_size
    )
    return Page[ContactSummary](
        items=[ContactSummary.model_validate(c) for c in items],
        total=total, page=q.page, page_size=q.page_size,
    )  # fmt: skip
