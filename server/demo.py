"""The demo organisation `./scripts/serve` seeds: idempotent, safe to run on every start."""

from __future__ import annotations

from dataclasses import dataclass

from tortoise.transactions import in_transaction

from server.accounts import service as accounts
from server.accounts.models import Agent, Organization, Role
from server.accounts.principal import Principal
from server.tickets import service as tickets
from server.tickets.models import TicketPriority, TicketStatus
from server.tickets.schemas import TicketCreate

DEMO_SLUG = "demo"
DEMO_ADMIN_EMAIL = "admin@demo.example.com"
DEMO_AGENT_EMAIL = "agent@demo.example.com"
DEMO_PASSWORD = "parley-demo"
DEMO_SETTINGS = {
    "categories": ["Billing", "Technical", "Account", "Other"],
    "defaultPriority": "MEDIUM",
}


@dataclass(frozen=True)
class DemoLogin:
    org_slug: str
    email: str
    password: str
    created: bool


async def seed_demo() -> DemoLogin:
    """Create the demo organisation, two agents and a few tickets unless they exist."""
    org = await Organization.get_or_none(slug=DEMO_SLUG)
    if org is not None:
        return DemoLogin(DEMO_SLUG, DEMO_ADMIN_EMAIL, DEMO_PASSWORD, created=False)
    org = await accounts.create_organization(name="Acme Support (demo)", slug=DEMO_SLUG)
    async with in_transaction():
        await Organization.filter(id=org.id).update(settings=DEMO_SETTINGS)
    admin = await accounts.create_agent(
        organization_id=org.id, email=DEMO_ADMIN_EMAIL, name="Ada Admin",
        password=DEMO_PASSWORD, role=Role.ADMIN,
    )  # fmt: skip
    agent = await accounts.create_agent(
        organization_id=org.id, email=DEMO_AGENT_EMAIL, name="Sam Agent",
        password=DEMO_PASSWORD, role=Role.AGENT,
    )  # fmt: skip
    await _demo_tickets(admin, agent)
    return DemoLogin(DEMO_SLUG, DEMO_ADMIN_EMAIL, DEMO_PASSWORD, created=True)


async def _demo_tickets(admin: Agent, agent: Agent) -> None:
    principal = Principal(
        organization_id=admin.organization_id, role=admin.role, name=admin.name, agent=admin
    )
    samples = [
        ("Grace Hopper", "grace@example.com", "Invoice shows the wrong VAT number",
         "Billing", TicketPriority.HIGH, ["invoice"], None),
        ("Alan Turing", "alan@example.com", "Cannot reset my password",
         "Account", TicketPriority.MEDIUM, ["login"], agent.id),
        ("Katherine Johnson", "katherine@example.com", "API returns 502 on large uploads",
         "Technical", TicketPriority.URGENT, ["api", "uploads"], admin.id),
    ]  # fmt: skip
    for name, email, subject, category, priority, tags, assignee in samples:
        created = await tickets.create_ticket(
            principal=principal,
            data=TicketCreate(
                requester_name=name, requester_email=email, subject=subject,
                description=f"{subject}. (demo ticket)", category=category,
                priority=priority, tags=tags, assignee_id=assignee,
            ),
        )  # fmt: skip
        if assignee == agent.id:
            await tickets.add_response(
                principal=principal, ref=created.ticket.id,
                content="Thanks for writing in. We have sent you a reset link.",
                status_change=TicketStatus.WAITING_ON_CUSTOMER,
            )  # fmt: skip
