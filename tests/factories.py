"""Test data built through the real services (never by writing models directly)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from server.accounts import agents, organizations, sessions
from server.accounts.models import Agent, Organization, Role
from server.accounts.principal import Principal
from server.tickets import service as tickets
from server.tickets.schemas import TicketCreate, TicketSettings

PASSWORD = "correct-horse-battery"


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


async def make_org(**kwargs: Any) -> Organization:
    kwargs.setdefault("name", "Org " + uuid.uuid4().hex[:6])
    kwargs.setdefault("slug", unique("org"))
    return await organizations.create_organization(**kwargs)


async def make_agent(
    org: Organization, *, role: Role = Role.AGENT, email: str | None = None, name: str = ""
) -> Agent:
    return await agents.create_agent(
        organization_id=org.id,
        email=email or f"{unique('agent')}@example.com",
        name=name or f"Agent {uuid.uuid4().hex[:4]}",
        password=PASSWORD,
        role=role,
    )


def principal_for(agent: Agent) -> Principal:
    return Principal(
        organization_id=agent.organization_id, role=agent.role, name=agent.name, agent=agent
    )


async def bearer_for(agent: Agent, ttl: timedelta = timedelta(hours=1)) -> dict[str, str]:
    """Authorization headers for `agent` (a real access token, without the password check)."""
    token, _ = await sessions.open_session(agent=agent, ttl=ttl)
    return {"Authorization": f"Bearer {token}"}


async def make_ticket(principal: Principal, **overrides: Any) -> tickets.LoadedTicket:
    data: dict[str, Any] = {
        "requester_name": "Rita Requester",
        "requester_email": f"{unique('customer')}@example.com",
        "subject": "Something is broken",
        "description": "Steps to reproduce: ...",
    }
    data.update(overrides)
    return await tickets.create_ticket(principal=principal, data=TicketCreate(**data))


@dataclass
class Team:
    org: Organization
    admin: Agent
    agent: Agent
    admin_headers: dict[str, str]
    agent_headers: dict[str, str]

    @property
    def admin_principal(self) -> Principal:
        return principal_for(self.admin)

    @property
    def agent_principal(self) -> Principal:
        return principal_for(self.agent)


async def make_team() -> Team:
    org = await make_org()
    admin = await make_agent(org, role=Role.ADMIN, name="Alice Admin")
    agent = await make_agent(org, role=Role.AGENT, name="Bob Agent")
    return Team(
        org=org,
        admin=admin,
        agent=agent,
        admin_headers=await bearer_for(admin),
        agent_headers=await bearer_for(agent),
    )


async def configure_org(org: Organization, **settings: Any) -> Organization:
    """Merge ticket settings (wire names: `categories`, `defaultPriority`, `sla`) into the
    org's, through the validating service."""
    return await tickets.configure_ticket_settings(
        organization_id=org.id, settings=TicketSettings.model_validate(settings)
    )


async def visitor_session(client: Any, org: Organization, **body: Any) -> dict[str, Any]:
    """A widget session through the real endpoint: `{"token", "contact", "headers"}`."""
    response = await client.post("/api/embed/session", json={"siteKey": org.site_key, **body})
    assert response.status_code == 200, response.text
    session = response.json()
    session["headers"] = {"Authorization": f"Bearer {session['token']}"}
    return session


async def start_chat(
    client: Any, visitor: dict[str, Any], body: str = "Hello, I need help", **extra: Any
) -> dict[str, Any]:
    """A conversation opened by `visitor` through the widget's endpoint (its JSON)."""
    response = await client.post(
        "/api/embed/conversations",
        json={"body": body, "clientMessageId": uuid.uuid4().hex, **extra},
        headers=visitor["headers"],
    )
    assert response.status_code == 201, response.text
    return response.json()
