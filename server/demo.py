"""The demo organisation `./scripts/serve` seeds: idempotent, safe to run on every start."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from server.accounts import agents, org_settings, organizations
from server.accounts.models import Agent, Organization, Role
from server.accounts.principal import Principal
from server.errors import Conflict
from server.tickets import service as tickets
from server.tickets.models import TicketPriority, TicketStatus
from server.tickets.schemas import TicketCreate, TicketSettings

DEMO_SLUG = "demo"
DEMO_ADMIN_EMAIL = "admin@demo.example.com"
DEMO_AGENT_EMAIL = "agent@demo.example.com"
DEMO_PASSWORD = "parley-demo"
DEMO_SETTINGS = {
    "categories": ["Billing", "Technical", "Account", "Other"],
    "defaultPriority": "MEDIUM",
}
DEMO_AGENTS = [
    (DEMO_ADMIN_EMAIL, "Ada Admin", Role.ADMIN),
    (DEMO_AGENT_EMAIL, "Sam Agent", Role.AGENT),
]
REPLY = "Thanks for writing in. We have sent you a reset link."
# (requester, email, subject, category, priority, tags, assignee email, reply)
DEMO_TICKETS = [
    ("Grace Hopper", "grace@example.com", "Invoice shows the wrong VAT number",
     "Billing", TicketPriority.HIGH, ["invoice"], None, None),
    ("Alan Turing", "alan@example.com", "Cannot reset my password",
     "Account", TicketPriority.MEDIUM, ["login"], DEMO_AGENT_EMAIL, REPLY),
    ("Katherine Johnson", "katherine@example.com", "API returns 502 on large uploads",
     "Technical", TicketPriority.URGENT, ["api", "uploads"], DEMO_ADMIN_EMAIL, None),
]  # fmt: skip


@dataclass(frozen=True)
class DemoLogin:
    org_slug: str
    email: str
    password: str
    created: bool  # whether this run created anything
    site_key: str = ""
    origins: tuple[str, ...] = ()


async def seed_demo(*, allow_origins: Sequence[str] = ()) -> DemoLogin:
    """Make sure the demo organisation, its two agents and its sample tickets exist.

    Each piece is looked up before it is made, so a run that stopped half-way is completed by
    the next one and a complete seed is left alone: nothing is duplicated, reset or revived.
    """
    org, created = await _organization()
    agents: dict[str, Agent] = {}
    for email, name, role in DEMO_AGENTS:
        agents[email], made = await _agent(org, email, name, role)
        created = created or made
    made_tickets = await _tickets(org, agents)
    org = await _allow(org, agents[DEMO_ADMIN_EMAIL], allow_origins)
    return DemoLogin(
        DEMO_SLUG, DEMO_ADMIN_EMAIL, DEMO_PASSWORD, created or made_tickets,
        site_key=org.site_key or "", origins=tuple(org_settings.allowed_origins(org)),
    )  # fmt: skip


async def demo_site_key() -> str | None:
    """The demo organisation's widget site key (None before `parley demo`)."""
    org = await Organization.get_or_none(slug=DEMO_SLUG)
    return org.site_key if org else None


async def _allow(org: Organization, admin: Agent, origins: Sequence[str]) -> Organization:
    """Add `origins` (the demo host page's) to the widget's allowed origins; keep the rest."""
    current = org_settings.allowed_origins(org)
    missing = [o for o in origins if o not in current]
    if not missing:
        return org
    principal = Principal(organization_id=org.id, role=admin.role, name=admin.name, agent=admin)
    return await org_settings.update_organization(
        principal=principal, allowed_origins=[*current, *missing]
    )


async def _organization() -> tuple[Organization, bool]:
    org = await Organization.get_or_none(slug=DEMO_SLUG)
    created = org is None
    if org is None:
        try:
            org = await organizations.create_organization(
                name="Acme Support (demo)", slug=DEMO_SLUG
            )
        except Conflict:  # another seeder won the race
            org = await Organization.get(slug=DEMO_SLUG)
    if not org.settings:
        org = await tickets.configure_ticket_settings(
            organization_id=org.id, settings=TicketSettings.model_validate(DEMO_SETTINGS)
        )
    return org, created


async def _agent(org: Organization, email: str, name: str, role: Role) -> tuple[Agent, bool]:
    agent = await Agent.get_or_none(organization_id=org.id, email=email)
    if agent is not None:
        return agent, False
    try:
        agent = await agents.create_agent(
            organization_id=org.id, email=email, name=name, password=DEMO_PASSWORD, role=role
        )
    except Conflict:
        return await Agent.get(organization_id=org.id, email=email), False
    return agent, True


async def _tickets(org: Organization, agents: dict[str, Agent]) -> bool:
    """Create the sample tickets this organisation never had.

    Sample i becomes ticket number i+1 of the fresh organisation, and the ticket counter never
    goes down, so `counter > i` means sample i was made once: a ticket an admin deleted
    stays deleted instead of coming back on the next start.
    """
    admin = agents[DEMO_ADMIN_EMAIL]
    principal = Principal(organization_id=org.id, role=admin.role, name=admin.name, agent=admin)
    counter = (await Organization.get(id=org.id)).ticket_counter
    made = False
    for index, sample in enumerate(DEMO_TICKETS):
        if counter > index:
            continue
        name, email, subject, category, priority, tags, assignee, reply = sample
        loaded = await tickets.create_ticket(
            principal=principal,
            data=TicketCreate(
                requester_name=name, requester_email=email, subject=subject,
                description=f"{subject}. (demo ticket)", category=category, priority=priority,
                tags=tags, assignee_id=agents[assignee].id if assignee else None,
            ),
        )  # fmt: skip
        if reply:
            await tickets.add_response(
                principal=principal, ref=loaded.ticket.id, content=reply,
                status_change=TicketStatus.WAITING_ON_CUSTOMER,
            )  # fmt: skip
        made = True
    return made
