"""Every write to accounts: organisations, agents, logins, tokens, API keys, contacts.

Functions take keyword-only arguments, check access and validate first, then write in one
transaction.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from pydantic import BaseModel, ValidationError
from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.exceptions import IntegrityError
from tortoise.expressions import Q
from tortoise.fields import CharField
from tortoise.transactions import in_transaction

from server.accounts import events, secrets, visitor_tokens, widget_identity
from server.accounts.login_throttle import LoginThrottle
from server.accounts.models import AccessToken, Agent, ApiKey, Contact, Organization, Role
from server.accounts.principal import Principal
from server.accounts.schemas import PreChat, WidgetSettings
from server.db import MAX_ID
from server.errors import Conflict, NotFound, Unauthenticated, ValidationFailed
from server.events import relay
from server.events.model import Subject
from server.events.outbox import record
from server.web.schema import lower_case

log = logging.getLogger(__name__)

SLUG_PATTERN = re.compile(r"[a-z0-9][a-z0-9-]{0,62}")
PREFIX_PATTERN = re.compile(r"[A-Z][A-Z0-9]{0,11}")
EMAIL_MAX_LENGTH = 254
# A longer key cannot be stored, so it names no organisation (and the ORM refuses to look
# up a value longer than its column).
SITE_KEY_MAX_LENGTH: int = cast(
    "CharField[Any]", Organization._meta.fields_map["site_key"]
).max_length
MIN_PASSWORD_LENGTH = 8
# Token use is recorded at most this often, so authenticating is not a write per request.
LAST_USED_RESOLUTION = timedelta(minutes=1)
# How long after issue a visitor token can still be exchanged for a new one (same contact).
VISITOR_REFRESH_WINDOW = timedelta(days=7)


def now() -> datetime:
    return datetime.now(UTC)


# --- organisations -------------------------------------------------------------------------


async def create_organization(*, name: str, slug: str, ticket_prefix: str = "TKT") -> Organization:
    name = name.strip()
    if not name or len(name) > 200:
        raise ValidationFailed("Invalid organisation.", fields={"name": "1 to 200 characters."})
    # fullmatch: `$` would also accept a slug ending in a line break.
    if not SLUG_PATTERN.fullmatch(slug):
        raise ValidationFailed(
            "Invalid organisation.",
            fields={"slug": "Lower-case letters, digits and hyphens, at most 63."},
        )
    if not PREFIX_PATTERN.fullmatch(ticket_prefix):
        raise ValidationFailed(
            "Invalid organisation.",
            fields={"ticketPrefix": "Upper-case letters and digits, starting with a letter."},
        )
    try:
        async with in_transaction():
            return await Organization.create(
                name=name,
                slug=slug,
                ticket_prefix=ticket_prefix,
                site_key=widget_identity.new_site_key(),
                identity_secret=widget_identity.new_identity_secret(),
            )
    except IntegrityError:
        raise Conflict(f"An organisation with slug {slug!r} already exists.") from None


async def get_organization(*, organization_id: int) -> Organization:
    org = await Organization.get_or_none(id=organization_id)
    if org is None:
        raise NotFound("Organisation not found.")
    return org


async def get_organization_by_slug(*, slug: str) -> Organization:
    org = await Organization.get_or_none(slug=slug)
    if org is None:
        raise NotFound(f"No organisation with slug {slug!r}.")
    return org


# --- agents --------------------------------------------------------------------------------


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
                .update(revoked_at=now())
            )
            # ... and closes the agent's live sockets, in every process.
            await record(
                conn,
                events.AccessRevoked(identity="agent", identity_id=agent.id),
                subject=Subject(organization_id=agent.organization_id, kind="agent", id=agent.id),
            )
    await relay.relayed()
    return agent


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
            agent=agent, token_hash=secrets.token_digest(token), expires_at=now() + ttl
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
            .update(revoked_at=now())
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
        )
    await relay.relayed()


async def authenticate_token(token: str) -> Principal:
    """The principal behind an access token or API key; `Unauthenticated` otherwise."""
    digest = secrets.token_digest(token)
    current = now()
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
            key.revoked_at = now()
            await key.save(using_db=conn, update_fields=["revoked_at"])
            await record(
                conn,
                events.AccessRevoked(identity="integration", identity_id=key.id),
                subject=Subject(
                    organization_id=principal.organization_id, kind="api_key", id=key.id
                ),
            )
    await relay.relayed()
    return key


# --- contacts ------------------------------------------------------------------------------


async def find_or_create_contact(
    *, organization_id: int, email: str | None, name: str, conn: BaseDBAsyncClient
) -> Contact:
    """The organisation's contact with this email, created if new, inside `conn`'s transaction.

    A name given for an existing contact that has none fills it in; an existing name is kept.
    """
    email = lower_case(email.strip()) if email else None
    if email is None:
        return await Contact.create(organization_id=organization_id, name=name, using_db=conn)
    contact = (
        await Contact.filter(organization_id=organization_id, email=email)
        .using_db(conn)
        .get_or_none()
    )
    if contact is None:
        try:
            # A savepoint, so a concurrent insert of the same email does not abort the caller.
            async with in_transaction(conn.connection_name) as inner:
                contact = await Contact.create(
                    organization_id=organization_id, email=email, name=name, using_db=inner
                )
        except IntegrityError:
            contact = (
                await Contact.filter(organization_id=organization_id, email=email)
                .using_db(conn)
                .get()
            )
    elif name and not contact.name:
        contact.name = name
        await contact.save(using_db=conn, update_fields=["name", "updated_at"])
    return contact


async def get_contact(*, principal: Principal, contact_id: int) -> Contact:
    contact = (
        await Contact.get_or_none(id=contact_id, organization_id=principal.organization_id)
        if 0 < contact_id <= MAX_ID
        else None
    )
    if contact is None:
        raise NotFound("Contact not found.")
    return contact


async def search_contacts(
    *, principal: Principal, text: str | None, page: int, page_size: int
) -> tuple[list[Contact], int]:
    """The organisation's contacts whose name, email or typed email contains `text`."""
    query = Contact.filter(organization_id=principal.organization_id)
    if text:
        query = query.filter(
            Q(name__icontains=text) | Q(email__icontains=text) | Q(claimed_email__icontains=text)
        )
    total = await query.count()
    rows = await query.order_by("name", "id").offset((page - 1) * page_size).limit(page_size)
    return list(rows), total


async def issue_visitor_token(
    *, principal: Principal, contact_id: int, secret_key: str, ttl: timedelta
) -> tuple[str, datetime, Contact]:
    """A widget token for one of the organisation's contacts (any agent may mint one)."""
    contact = await get_contact(principal=principal, contact_id=contact_id)
    token, expires_at = visitor_tokens.issue(
        secret_key, organization_id=contact.organization_id, contact_id=contact.id, ttl=ttl
    )
    return token, expires_at, contact


async def authenticate_visitor(*, token: str, secret_key: str, ttl: timedelta) -> Contact:
    """The contact behind a valid visitor token (the contact must still exist)."""
    claims = visitor_tokens.verify(secret_key, token, ttl=ttl)
    contact = await Contact.get_or_none(
        id=claims.contact_id, organization_id=claims.organization_id
    )
    if contact is None:
        raise Unauthenticated("The visitor token's contact no longer exists.")
    return contact


# --- organisation settings -----------------------------------------------------------------


def allowed_origins(org: Organization) -> list[str]:
    """Origins (besides Parley's own) whose pages may open the widget's socket."""
    value = (org.settings or {}).get("allowedOrigins") or []
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return list(value)
    _invalid_setting(org, "allowedOrigins")
    return []


DEFAULT_WIDGET: dict[str, Any] = {
    "greeting": "Hi! How can we help?",
    "primaryColor": "#2563eb",
    "preChat": {"name": "optional", "email": "optional"},
    "businessHours": None,
    "verificationRequired": False,
    "routing": "manual",
    "allowPriority": False,
    "offlineGraceSeconds": 120,
}


def widget_settings(org: Organization) -> dict[str, Any]:
    """The organisation's widget settings, defaults filled in (wire names).

    A stored value that no longer validates (edited by hand, written by an older version)
    falls back to its default with a warning: one bad value must not take every embedded
    widget of the organisation down, nor the admin's page that can repair it.
    """
    stored = _stored_dict(org, (org.settings or {}).get("widget"), "widget")
    merged = {
        name: _valid_or_default(org, WidgetSettings, "widget", name, stored.get(name), default)
        for name, default in DEFAULT_WIDGET.items()
        if name != "preChat"
    }
    form = _stored_dict(org, stored.get("preChat"), "widget.preChat")
    merged["preChat"] = {
        name: _valid_or_default(org, PreChat, "widget.preChat", name, form.get(name), default)
        for name, default in DEFAULT_WIDGET["preChat"].items()
    }
    return merged


def _stored_dict(org: Organization, value: Any, where: str) -> dict[str, Any]:
    if value is None or isinstance(value, dict):
        return value or {}
    _invalid_setting(org, where)
    return {}


def _valid_or_default(
    org: Organization, schema: type[BaseModel], where: str, name: str, value: Any, default: Any
) -> Any:
    """`value` as `schema` reads field `name` (wire name), or `default` if unset or invalid."""
    if value is None:
        return default
    try:
        checked = schema.model_validate({name: value})
    except ValidationError:
        _invalid_setting(org, f"{where}.{name}")
        return default
    return checked.model_dump(mode="json", by_alias=True)[name]


def _invalid_setting(org: Organization, name: str) -> None:
    log.warning(
        "organisation %s: the stored setting %s is not valid; using its default", org.id, name
    )


async def update_organization(
    *,
    principal: Principal,
    allowed_origins: list[str] | None = None,
    widget: dict[str, Any] | None = None,
    other_settings: Mapping[str, Any] | None = None,
) -> Organization:
    """Admins change the widget's origins and settings (`widget`: given keys only; a null
    value puts that setting back to its default), and with them, in the same write, settings
    another domain owns and has validated (`other_settings`, top-level keys of
    `Organization.settings`, e.g. the ticket categories; None removes a key, so it reads as
    that domain's default)."""
    principal.require_admin()
    if allowed_origins is None and not widget and not other_settings:
        raise ValidationFailed(
            "Nothing to change.", fields={"body": "Give at least one setting to change."}
        )
    async with in_transaction() as conn:
        org = await (
            Organization.filter(id=principal.organization_id)
            .using_db(conn)
            .select_for_update()
            .first()
        )
        if org is None:
            raise NotFound("Organisation not found.")
        settings = dict(org.settings or {})
        if allowed_origins is not None:
            settings["allowedOrigins"] = list(dict.fromkeys(allowed_origins))
        if widget:
            settings["widget"] = _changed_widget(settings.get("widget"), widget)
        for key, value in (other_settings or {}).items():
            if value is None:
                settings.pop(key, None)
            else:
                settings[key] = value
        org.settings = settings
        await org.save(using_db=conn, update_fields=["settings", "updated_at"])
    return org


def _changed_widget(stored: Any, changes: dict[str, Any]) -> dict[str, Any]:
    """The stored widget settings with `changes` (wire names) applied: null removes a value,
    so it reads as its default; one field of the pre-chat form changes, not all."""
    new = dict(stored) if isinstance(stored, dict) else {}
    for name, value in changes.items():
        if value is None:
            new.pop(name, None)
        elif name == "preChat":
            old_form = new.get("preChat")
            new["preChat"] = {**(old_form if isinstance(old_form, dict) else {}), **value}
        else:
            new[name] = value
    return new


async def rotate_identity_secret(*, principal: Principal) -> Organization:
    """A new identity secret; hashes made with the old one stop verifying at once."""
    principal.require_admin()
    async with in_transaction() as conn:
        org = await Organization.filter(id=principal.organization_id).using_db(conn).get_or_none()
        if org is None:
            raise NotFound("Organisation not found.")
        org.identity_secret = widget_identity.new_identity_secret()
        await org.save(using_db=conn, update_fields=["identity_secret", "updated_at"])
    return org


async def organization_for_site_key(site_key: str) -> Organization:
    """The organisation whose widget `site_key` names; 404 for any key that names none."""
    usable = 0 < len(site_key) <= SITE_KEY_MAX_LENGTH
    org = await Organization.get_or_none(site_key=site_key) if usable else None
    if org is None:
        raise NotFound("Unknown site key.")
    return org


async def open_visitor_session(
    *,
    org: Organization,
    name: str | None,
    email: str | None,
    user_id: str | None,
    user_hash: str | None,
    token: str | None,
    secret_key: str,
) -> Contact:
    """The contact a widget session is for (see docs/widget.md):

    - `userId` + `userHash` (HMAC of the user id with the identity secret): that user's
      verified contact, found by user id or created;
    - else, when the organisation requires verification: 401;
    - else a still-valid visitor token of this organisation: the same (anonymous) contact;
    - else a new anonymous contact. The email an unverified visitor types is kept as
      `claimedEmail` only: it never finds or merges with another contact.
    """
    widget = widget_settings(org)
    if user_id is not None or user_hash is not None:
        if not user_id or not user_hash:
            raise ValidationFailed(
                "Identity verification needs both userId and userHash.",
                fields={"userHash" if user_id else "userId": "Required with the other."},
            )
        if not org.identity_secret or not widget_identity.verify(
            org.identity_secret, user_id, user_hash
        ):
            raise Unauthenticated("Identity verification failed: userHash does not match.")
        return await _verified_contact(org, user_id, name, email)
    if widget["verificationRequired"]:
        raise Unauthenticated("This site requires identity verification (userId and userHash).")
    if token:
        claims = _visitor_claims(token, secret_key)
        if claims is not None and claims.organization_id == org.id:
            contact = await Contact.get_or_none(id=claims.contact_id, organization_id=org.id)
            if contact is not None:
                return await _fill_in(contact, name, email)
    async with in_transaction() as conn:
        return await Contact.create(
            organization_id=org.id, name=name or "", claimed_email=email, using_db=conn
        )


def _visitor_claims(token: str, secret_key: str) -> visitor_tokens.VisitorClaims | None:
    try:
        # A token past its lifetime still identifies an anonymous visitor for a refresh
        # within a week of issue; after that they start over.
        return visitor_tokens.verify(secret_key, token, ttl=VISITOR_REFRESH_WINDOW)
    except Unauthenticated:
        return None


async def _verified_contact(
    org: Organization, user_id: str, name: str | None, email: str | None
) -> Contact:
    async with in_transaction() as conn:
        contact = (
            await Contact.filter(organization_id=org.id, external_id=user_id)
            .using_db(conn)
            .get_or_none()
        )
        if contact is None:
            try:
                async with in_transaction(conn.connection_name) as inner:
                    contact = await Contact.create(
                        organization_id=org.id, external_id=user_id, verified=True,
                        name=name or "", claimed_email=email, using_db=inner,
                    )  # fmt: skip
                    return contact
            except IntegrityError:  # created meanwhile by another session of this user
                contact = (
                    await Contact.filter(organization_id=org.id, external_id=user_id)
                    .using_db(conn)
                    .get()
                )
        if not contact.verified:
            contact.verified = True
            await contact.save(using_db=conn, update_fields=["verified", "updated_at"])
    return await _fill_in(contact, name, email)


async def remember_visitor_answers(
    contact: Contact, *, name: str | None, email: str | None, conn: BaseDBAsyncClient
) -> None:
    """What a visitor typed in a form (pre-chat, ticket form) fills in an anonymous contact:
    the name they give replaces theirs, the email becomes their `claimedEmail` unless they
    have a real one. A verified contact's identity is never changed."""
    changed = []
    if name and name != contact.name and not contact.verified:
        contact.name = name
        changed.append("name")
    if email and not contact.verified and not contact.email:
        contact.claimed_email = lower_case(email)
        changed.append("claimed_email")
    if changed:
        await contact.save(using_db=conn, update_fields=[*changed, "updated_at"])


async def _fill_in(contact: Contact, name: str | None, email: str | None) -> Contact:
    """A name or email given now fills in what the contact lacks (never overwrites)."""
    changed = []
    if name and not contact.name:
        contact.name = name
        changed.append("name")
    if email and not contact.email and not contact.claimed_email:
        contact.claimed_email = email
        changed.append("claimed_email")
    if changed:
        await contact.save(update_fields=[*changed, "updated_at"])
    return contact
