"""Signing in and out: agents' access tokens, integrations' API keys, and who a bearer
token is (`authenticate_token`).

Writes take keyword-only arguments, check access and validate first, then write in one
transaction.
"""

from __future__ import annotations

from datetime import timedelta

from tortoise.transactions import in_transaction

from server.accounts import clock, events, secrets
from server.accounts.login_throttle import LoginThrottle
from server.accounts.models import AccessToken, Agent, ApiKey, Role
from server.accounts.principal import Principal
from server.errors import NotFound, Unauthenticated, ValidationFailed
from server.events import relay
from server.events.model import Subject
from server.events.outbox import record
from server.web.schema import lower_case

# Token use is recorded at most this often, so authenticating is not a write per request.
LAST_USED_RESOLUTION = timedelta(minutes=1)


# --- login sessions ------------------------------------------------------------------------


async def login(
    *,
    email: str,
    password: str,
    org_slug: str | None,
    client_ip: str,
    throttle: LoginThrottle,
    ttl: timedelta,
) -> tuple[str, AccessToken, Agent]:
    """Check the credentials and open a session. Failures are counted and throttled."""
    email = lower_case(email.strip())
    await throttle.check(ip=client_ip, account=email)
    query = Agent.filter(email=email, is_active=True).select_related("organization")
    if org_slug:
        query = query.filter(organization__slug=org_slug)
    candidates = list(await query)
    matches = [a for a in candidates if secrets.verify_password(a.password_hash, password)]
    if not candidates:
        secrets.verify_password(None, password)  # same cost as a wrong password
    if not matches:
        await throttle.record_failure(ip=client_ip, account=email)
        raise Unauthenticated("Wrong email or password.")
    if len(matches) > 1:
        raise ValidationFailed(
            "This email signs in to several organisations; say which one.",
            fields={"org": "Required for this account."},
        )
    agent = matches[0]
    token, record = await open_session(agent=agent, ttl=ttl)
    return token, record, agent


async def open_session(*, agent: Agent, ttl: timedelta) -> tuple[str, AccessToken]:
    """Issue a new access token for `agent` (after its credentials were checked)."""
    token = secrets.new_token(secrets.ACCESS_TOKEN_PREFIX)
    async with in_transaction():
        record = await AccessToken.create(
            agent=agent, token_hash=secrets.token_digest(token), expires_at=clock.now() + ttl
        )
    return token, record


async def logout(*, principal: Principal) -> None:
    """Revoke the token the request was made with (API keys are revoked by id instead)."""
    if principal.token_digest is None:
        return
    async with in_transaction() as conn:
        await (
            AccessToken.filter(token_hash=principal.token_digest, revoked_at=None)
            .using_db(conn)
            .update(revoked_at=clock.now())
        )
        # Sockets opened with this token close too (within a second, in every process).
        await record(
            conn,
            events.TokenRevoked(token_digest=principal.token_digest),
            subject=Subject(
                organization_id=principal.organization_id,
                kind="agent" if principal.agent else "api_key",
                id=principal.agent.id if principal.agent else principal.api_key_id or 0,
            ),
            actor=principal.actor,
        )
    await relay.relayed()


async def authenticate_token(token: str) -> Principal:
    """The principal behind an access token or API key; `Unauthenticated` otherwise."""
    digest = secrets.token_digest(token)
    current = clock.now()
    if token.startswith(secrets.API_KEY_PREFIX):
        key = await ApiKey.get_or_none(key_hash=digest, revoked_at=None).select_related(
            "organization"
        )
        if key is None:
            raise Unauthenticated("Invalid or revoked API key.")
        if key.last_used_at is None or current - key.last_used_at > LAST_USED_RESOLUTION:
            await ApiKey.filter(id=key.id).update(last_used_at=current)
        return Principal(
            organization_id=key.organization_id,
            role=Role.ADMIN,
            name=f"API key {key.name}",
            api_key_id=key.id,
            organization=key.organization,
        )
    record = await AccessToken.get_or_none(token_hash=digest).select_related("agent__organization")
    if record is None or record.revoked_at is not None:
        raise Unauthenticated("Invalid or revoked token.")
    if record.expires_at <= current:
        raise Unauthenticated("The token has expired; sign in again.")
    agent = record.agent
    if not agent.is_active:
        raise Unauthenticated("This agent is deactivated.")
    if record.last_used_at is None or current - record.last_used_at > LAST_USED_RESOLUTION:
        await AccessToken.filter(id=record.id).update(last_used_at=current)
    return Principal(
        organization_id=agent.organization_id,
        role=agent.role,
        name=agent.name,
        agent=agent,
        token_digest=digest,
        organization=agent.organization,
    )


# --- API keys ------------------------------------------------------------------------------


async def create_api_key(*, principal: Principal, name: str) -> tuple[str, ApiKey]:
    principal.require_admin()
    key = secrets.new_token(secrets.API_KEY_PREFIX)
    async with in_transaction():
        record = await ApiKey.create(
            organization_id=principal.organization_id,
            name=name,
            prefix=key[: len(secrets.API_KEY_PREFIX) + 4],
            key_hash=secrets.token_digest(key),
            created_by_id=principal.agent_id,
        )
    return key, record


async def list_api_keys(
    *, principal: Principal, page: int, page_size: int
) -> tuple[list[ApiKey], int]:
    principal.require_admin()
    query = ApiKey.filter(organization_id=principal.organization_id)
    total = await query.count()
    items = (
        await query.order_by("-created_at", "-id").offset((page - 1) * page_size).limit(page_size)
    )
    return list(items), total


async def revoke_api_key(*, principal: Principal, api_key_id: int) -> ApiKey:
    principal.require_admin()
    async with in_transaction() as conn:
        key = (
            await ApiKey.filter(id=api_key_id, organization_id=principal.organization_id)
            .using_db(conn)
            .get_or_none()
        )
        if key is None:
            raise NotFound("API key not found.")
        if key.revoked_at is None:
            key.revoked_at = clock.now()
            await key.save(using_db=conn, update_fields=["revoked_at"])
            await record(
                conn,
                events.AccessRevoked(identity="integration", identity_id=key.id),
                subject=Subject(
                    organization_id=principal.organization_id, kind="api_key", id=key.id
                ),
                actor=principal.actor,
            )
    await relay.relayed()
    return key
