"""Agents: adding, finding, listing and changing them, and the password rule.

Writes take keyword-only arguments, check access and validate first, then write in one
transaction.
"""

from __future__ import annotations

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from server.accounts import clock, events, secrets
from server.accounts.models import AccessToken, Agent, Organization, Role
from server.accounts.principal import Principal
from server.accounts.schemas import AGENT_NOTIFICATIONS
from server.errors import Conflict, Forbidden, NotFound, ValidationFailed
from server.events import relay
from server.events.model import Subject
from server.events.outbox import record
from server.web.schema import lower_case

EMAIL_MAX_LENGTH = 254
MIN_PASSWORD_LENGTH = 8


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationFailed(
            "Invalid password.",
            fields={"password": f"At least {MIN_PASSWORD_LENGTH} characters."},
        )


async def create_agent(
    *,
    organization_id: int,
    email: str,
    name: str,
    password: str,
    role: Role = Role.AGENT,
    principal: Principal | None = None,
) -> Agent:
    """Add an agent. `principal` is the admin doing it (None for the CLI)."""
    if principal is not None:
        principal.require_admin()
        organization_id = principal.organization_id
    _check_password(password)
    email = lower_case(email.strip())
    # Measured lower-cased, as stored (the CLI's address is not checked by the schema).
    if not email or len(email) > EMAIL_MAX_LENGTH:
        raise ValidationFailed(
            "Invalid email.", fields={"email": f"1 to {EMAIL_MAX_LENGTH} characters."}
        )
    try:
        async with in_transaction():
            return await Agent.create(
                organization_id=organization_id,
                email=email,
                name=name.strip(),
                password_hash=secrets.hash_password(password),
                role=role,
            )
    except IntegrityError:
        raise Conflict("An agent with this email already exists in the organisation.") from None


async def get_agent(*, principal: Principal, agent_id: int) -> Agent:
    agent = await Agent.get_or_none(id=agent_id, organization_id=principal.organization_id)
    if agent is None:
        raise NotFound("Agent not found.")
    return agent


async def list_agents(
    *, principal: Principal, page: int, page_size: int, include_inactive: bool
) -> tuple[list[Agent], int]:
    query = Agent.filter(organization_id=principal.organization_id)
    if not include_inactive:
        query = query.filter(is_active=True)
    total = await query.count()
    items = await query.order_by("name", "id").offset((page - 1) * page_size).limit(page_size)
    return list(items), total


async def update_agent(
    *,
    principal: Principal,
    agent_id: int,
    name: str | None = None,
    role: Role | None = None,
    is_active: bool | None = None,
    password: str | None = None,
    chat_capacity: int | None = None,
) -> Agent:
    principal.require_admin()
    if password is not None:
        _check_password(password)
    async with in_transaction() as conn:
        # The organisation row serialises agent changes, so two admins demoting each other
        # at once cannot both see the other still counted and leave no admin at all.
        await (
            Organization.filter(id=principal.organization_id)
            .using_db(conn)
            .select_for_update(no_key=True)
            .first()
        )
        agent = await (
            Agent.filter(id=agent_id, organization_id=principal.organization_id)
            .using_db(conn)
            .select_for_update()
            .first()
        )
        if agent is None:
            raise NotFound("Agent not found.")
        loses_admin = (
            agent.role is Role.ADMIN
            and agent.is_active
            and ((role is not None and role is not Role.ADMIN) or is_active is False)
        )
        if loses_admin:
            admins = (
                await Agent.filter(
                    organization_id=principal.organization_id, role=Role.ADMIN, is_active=True
                )
                .using_db(conn)
                .count()
            )
            if admins <= 1:
                raise Conflict("The organisation must keep at least one active admin.")
        if name is not None:
            agent.name = name
        if role is not None:
            agent.role = role
        if password is not None:
            agent.password_hash = secrets.hash_password(password)
        if is_active is not None:
            agent.is_active = is_active
        if chat_capacity is not None:
            agent.chat_capacity = chat_capacity
        await agent.save(using_db=conn)
        if is_active is False or password is not None:
            # A deactivated agent or a changed password ends every open session.
            await (
                AccessToken.filter(agent_id=agent.id, revoked_at=None)
                .using_db(conn)
                .update(revoked_at=clock.now())
            )
            # ... and closes the agent's live sockets, in every process.
            await record(
                conn,
                events.AccessRevoked(identity="agent", identity_id=agent.id),
                subject=Subject(organization_id=agent.organization_id, kind="agent", id=agent.id),
                actor=principal.actor,
            )
    await relay.relayed()
    return agent


def email_switches(agent: Agent) -> dict[str, bool]:
    """The agent's own email switches, each on unless they turned it off."""
    stored = agent.email_notifications if isinstance(agent.email_notifications, dict) else {}
    return {
        name: value if isinstance(value := stored.get(name), bool) else True
        for name in AGENT_NOTIFICATIONS
    }


async def update_own_email_switches(*, principal: Principal, changes: dict[str, bool]) -> Agent:
    """The signed-in agent turns their own emails on or off (given switches only)."""
    if principal.agent is None:
        raise Forbidden("Only an agent has email switches; an API key has none.")
    async with in_transaction() as conn:
        agent = await Agent.filter(id=principal.agent.id).using_db(conn).select_for_update().get()
        agent.email_notifications = {**email_switches(agent), **changes}
        await agent.save(using_db=conn, update_fields=["email_notifications", "updated_at"])
    return agent
