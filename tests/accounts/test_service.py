"""The accounts service: organisations, agents, sessions, API keys and contacts."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import timedelta
from typing import Any

import pytest
from starlette.applications import Starlette
from tortoise.transactions import in_transaction

from server.accounts import secrets
from server.accounts import service as accounts
from server.accounts.login_throttle import LoginThrottle
from server.accounts.models import AccessToken, Agent, ApiKey, Contact, Role
from server.errors import (
    Conflict,
    Forbidden,
    NotFound,
    RateLimited,
    Unauthenticated,
    ValidationFailed,
)
from tests.factories import PASSWORD, Team, make_agent, make_org, principal_for, unique

pytestmark = pytest.mark.usefixtures("app")

HOUR = timedelta(hours=1)


def roomy_throttle() -> LoginThrottle:
    return LoginThrottle(per_ip="1000/minute", per_account="1000/minute")


async def login(email: str, password: str = PASSWORD, org: str | None = None, **kw: object):
    return await accounts.login(
        email=email,
        password=password,
        org_slug=org,
        client_ip=str(kw.get("ip", "10.1.1.1")),
        throttle=kw.get("throttle") or roomy_throttle(),  # type: ignore[arg-type]
        ttl=HOUR,
    )


# --- organisations -------------------------------------------------------------------------


async def test_create_organization_validates_each_field() -> None:
    cases = [
        ({"name": "  ", "slug": unique("org")}, "name"),
        ({"name": "x" * 201, "slug": unique("org")}, "name"),
        ({"name": "Acme", "slug": "Has Spaces"}, "slug"),
        ({"name": "Acme", "slug": "-leading"}, "slug"),
        ({"name": "Acme", "slug": unique("org"), "ticket_prefix": "tk"}, "ticketPrefix"),
        ({"name": "Acme", "slug": unique("org"), "ticket_prefix": "1AB"}, "ticketPrefix"),
        # `$` matches before a final line break: the whole value must match.
        ({"name": "Acme", "slug": unique("org") + "\n"}, "slug"),
        ({"name": "Acme", "slug": unique("org"), "ticket_prefix": "TK\n"}, "ticketPrefix"),
    ]
    for kwargs, field in cases:
        with pytest.raises(ValidationFailed) as caught:
            await accounts.create_organization(**kwargs)
        assert field in caught.value.fields


async def test_duplicate_slug_conflicts() -> None:
    org = await make_org()
    with pytest.raises(Conflict):
        await accounts.create_organization(name="Again", slug=org.slug)


async def test_organization_lookups() -> None:
    org = await make_org(name="  Trimmed  ", ticket_prefix="HELP")
    assert org.name == "Trimmed"
    assert (await accounts.get_organization(organization_id=org.id)).slug == org.slug
    assert (await accounts.get_organization_by_slug(slug=org.slug)).id == org.id
    with pytest.raises(NotFound):
        await accounts.get_organization(organization_id=2**31 - 1)
    with pytest.raises(NotFound):
        await accounts.get_organization_by_slug(slug=unique("missing"))


# --- agents --------------------------------------------------------------------------------


async def test_create_agent_normalises_email_and_hashes_password() -> None:
    org = await make_org()
    email = unique("Mixed") + "@Example.COM"
    agent = await make_agent(org, email=f"  {email}  ")
    assert agent.email == email.lower()
    assert agent.password_hash != PASSWORD
    assert secrets.verify_password(agent.password_hash, PASSWORD)


async def test_duplicate_email_in_an_organisation_conflicts_whatever_its_case() -> None:
    org = await make_org()
    agent = await make_agent(org)
    with pytest.raises(Conflict):
        await make_agent(org, email=agent.email.upper())
    # The same address in another organisation is a different agent.
    other = await make_agent(await make_org(), email=agent.email)
    assert other.id != agent.id


async def test_short_password_is_refused() -> None:
    org = await make_org()
    with pytest.raises(ValidationFailed) as caught:
        await accounts.create_agent(
            organization_id=org.id, email=f"{unique('a')}@example.com", name="A", password="short"
        )
    assert "password" in caught.value.fields
    assert not await Agent.filter(organization_id=org.id).exists()


async def test_an_agent_email_is_bounded_as_stored() -> None:
    """The CLI's address is not checked by a schema: one longer than the column used to
    reach the ORM (a crash in the CLI); `İ` lower-cases to `i`, so it does not grow."""
    org = await make_org()
    with pytest.raises(ValidationFailed) as caught:
        await accounts.create_agent(
            organization_id=org.id, email="x" * 250 + "@corp.local", name="A", password=PASSWORD
        )
    assert "email" in caught.value.fields
    assert not await Agent.filter(organization_id=org.id).exists()
    fits = await make_agent(org, email="İ" * 200 + "@corp.local")
    assert (await Agent.get(id=fits.id)).email == "i" * 200 + "@corp.local"


async def test_create_agent_as_principal_needs_admin_and_stays_in_its_org(team: Team) -> None:
    with pytest.raises(Forbidden):
        await accounts.create_agent(
            principal=team.agent_principal, organization_id=team.org.id,
            email=f"{unique('a')}@example.com", name="A", password=PASSWORD,
        )  # fmt: skip
    elsewhere = await make_org()
    created = await accounts.create_agent(
        principal=team.admin_principal, organization_id=elsewhere.id,
        email=f"{unique('a')}@example.com", name="A", password=PASSWORD,
    )  # fmt: skip
    assert created.organization_id == team.org.id


async def test_get_agent_only_in_the_principals_org(team: Team) -> None:
    assert (await accounts.get_agent(principal=team.agent_principal, agent_id=team.admin.id)).id
    stranger = await make_agent(await make_org())
    with pytest.raises(NotFound):
        await accounts.get_agent(principal=team.agent_principal, agent_id=stranger.id)


async def test_list_agents_pages_and_hides_inactive(team: Team) -> None:
    extra = [await make_agent(team.org, name=f"Zed {i}") for i in range(3)]
    await accounts.update_agent(
        principal=team.admin_principal, agent_id=extra[0].id, is_active=False
    )
    active, total = await accounts.list_agents(
        principal=team.agent_principal, page=1, page_size=50, include_inactive=False
    )
    assert total == 4
    assert extra[0].id not in [a.id for a in active]
    everyone, total = await accounts.list_agents(
        principal=team.agent_principal, page=1, page_size=50, include_inactive=True
    )
    assert total == 5
    assert [a.name for a in everyone] == sorted(a.name for a in everyone)
    second, total = await accounts.list_agents(
        principal=team.agent_principal, page=2, page_size=2, include_inactive=True
    )
    assert total == 5
    assert [a.id for a in second] == [a.id for a in everyone[2:4]]


async def test_update_agent_changes_fields(team: Team) -> None:
    updated = await accounts.update_agent(
        principal=team.admin_principal, agent_id=team.agent.id, name="Robert", role=Role.ADMIN
    )
    assert (updated.name, updated.role) == ("Robert", Role.ADMIN)
    stored = await Agent.get(id=team.agent.id)
    assert (stored.name, stored.role) == ("Robert", Role.ADMIN)


async def test_update_agent_needs_admin(team: Team) -> None:
    with pytest.raises(Forbidden):
        await accounts.update_agent(
            principal=team.agent_principal, agent_id=team.agent.id, name="X"
        )


async def test_update_agent_of_another_org_is_not_found(team: Team) -> None:
    stranger = await make_agent(await make_org())
    with pytest.raises(NotFound):
        await accounts.update_agent(principal=team.admin_principal, agent_id=stranger.id, name="X")
    assert (await Agent.get(id=stranger.id)).name == stranger.name


async def test_last_active_admin_cannot_be_demoted_or_deactivated(team: Team) -> None:
    for change in ({"role": Role.AGENT}, {"is_active": False}):
        with pytest.raises(Conflict):
            await accounts.update_agent(
                principal=team.admin_principal, agent_id=team.admin.id, **change
            )
    stored = await Agent.get(id=team.admin.id)
    assert (stored.role, stored.is_active) == (Role.ADMIN, True)


async def test_an_inactive_admin_does_not_count_as_the_remaining_admin(team: Team) -> None:
    second = await make_agent(team.org, role=Role.ADMIN)
    await accounts.update_agent(principal=team.admin_principal, agent_id=second.id, is_active=False)
    with pytest.raises(Conflict):
        await accounts.update_agent(
            principal=team.admin_principal, agent_id=team.admin.id, role=Role.AGENT
        )


async def test_an_admin_can_step_down_when_another_remains(team: Team) -> None:
    await make_agent(team.org, role=Role.ADMIN)
    demoted = await accounts.update_agent(
        principal=team.admin_principal, agent_id=team.admin.id, role=Role.AGENT
    )
    assert demoted.role is Role.AGENT


async def test_two_admins_demoting_each_other_at_once_leave_one_admin(
    team: Team, monkeypatch: pytest.MonkeyPatch
) -> None:
    second = await make_agent(team.org, role=Role.ADMIN)
    # Hold each update just before its write until the other has also counted the admins
    # (or a second has passed, which is what happens when the first one holds a lock).
    arrived: list[int] = []
    both_counted = asyncio.Event()
    original_save = Agent.save

    async def save_after_both_counted(self: Agent, *args: Any, **kwargs: Any) -> None:
        arrived.append(self.id)
        if len(arrived) >= 2:
            both_counted.set()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(both_counted.wait(), 1.0)
        await original_save(self, *args, **kwargs)

    monkeypatch.setattr(Agent, "save", save_after_both_counted)
    results = await asyncio.gather(
        accounts.update_agent(principal=team.admin_principal, agent_id=second.id, role=Role.AGENT),
        accounts.update_agent(
            principal=principal_for(second), agent_id=team.admin.id, role=Role.AGENT
        ),
        return_exceptions=True,
    )
    assert sum(isinstance(r, Conflict) for r in results) == 1, results
    assert await Agent.filter(organization_id=team.org.id, role=Role.ADMIN).count() == 1


# --- sessions ------------------------------------------------------------------------------


async def test_login_opens_a_session_stored_as_a_digest(team: Team) -> None:
    token, record, agent = await login(team.agent.email.upper())
    assert agent.id == team.agent.id
    assert record.token_hash == secrets.token_digest(token)
    stored = await AccessToken.get(id=record.id)
    assert stored.token_hash == secrets.token_digest(token)
    assert token not in str(await AccessToken.filter(id=record.id).values())
    principal = await accounts.authenticate_token(token)
    assert (principal.agent_id, principal.token_digest) == (agent.id, record.token_hash)


async def test_wrong_password_and_unknown_email_fail_alike(team: Team) -> None:
    messages = []
    for email, password in ((team.agent.email, "wrong-password"), ("nobody@example.com", "x")):
        with pytest.raises(Unauthenticated) as caught:
            await login(email, password)
        messages.append(caught.value.message)
    assert messages[0] == messages[1]


async def test_failed_logins_are_counted_successful_ones_are_not(team: Team) -> None:
    throttle = LoginThrottle(per_ip="1000/minute", per_account="2/minute")
    for _ in range(3):
        await login(team.agent.email, throttle=throttle)
    for _ in range(2):
        with pytest.raises(Unauthenticated):
            await login(team.agent.email, "wrong-password", throttle=throttle)
    with pytest.raises(RateLimited):
        await login(team.agent.email, throttle=throttle)


async def test_deactivated_agent_cannot_log_in(team: Team) -> None:
    await accounts.update_agent(
        principal=team.admin_principal, agent_id=team.agent.id, is_active=False
    )
    with pytest.raises(Unauthenticated):
        await login(team.agent.email)


async def test_same_email_in_two_orgs() -> None:
    email = f"{unique('shared')}@example.com"
    first, second = await make_org(), await make_org()
    a = await make_agent(first, email=email)
    b = await make_agent(second, email=email)
    with pytest.raises(ValidationFailed) as caught:
        await login(email)
    assert "org" in caught.value.fields
    assert (await login(email, org=second.slug))[2].id == b.id
    assert (await login(email, org=first.slug))[2].id == a.id
    with pytest.raises(Unauthenticated):
        await login(email, org=unique("other"))


async def test_same_email_two_orgs_only_one_password_matches() -> None:
    email = f"{unique('shared')}@example.com"
    first, second = await make_org(), await make_org()
    await make_agent(first, email=email)
    b = await accounts.create_agent(
        organization_id=second.id, email=email, name="B", password="a-different-password"
    )
    assert (await login(email, "a-different-password"))[2].id == b.id


async def test_expired_token_is_refused(team: Team) -> None:
    token, _ = await accounts.open_session(agent=team.agent, ttl=timedelta(seconds=-1))
    with pytest.raises(Unauthenticated) as caught:
        await accounts.authenticate_token(token)
    assert "expired" in caught.value.message


async def test_unknown_token_is_refused(app: Starlette) -> None:
    for token in ("prl_at_nope", "prl_ak_nope", "", "x" * 5000):
        with pytest.raises(Unauthenticated):
            await accounts.authenticate_token(token)


async def test_logout_revokes_only_that_token(team: Team) -> None:
    one, _ = await accounts.open_session(agent=team.agent, ttl=HOUR)
    two, _ = await accounts.open_session(agent=team.agent, ttl=HOUR)
    await accounts.logout(principal=await accounts.authenticate_token(one))
    with pytest.raises(Unauthenticated):
        await accounts.authenticate_token(one)
    assert (await accounts.authenticate_token(two)).agent_id == team.agent.id


async def test_logout_without_a_token_changes_nothing(team: Team) -> None:
    token, record = await accounts.open_session(agent=team.agent, ttl=HOUR)
    await accounts.logout(principal=team.agent_principal)
    assert (await AccessToken.get(id=record.id)).revoked_at is None
    await accounts.authenticate_token(token)


@pytest.mark.parametrize("change", [{"is_active": False}, {"password": "a-brand-new-password"}])
async def test_deactivation_and_new_password_end_every_session(
    team: Team, change: dict[str, object]
) -> None:
    tokens = [(await accounts.open_session(agent=team.agent, ttl=HOUR))[0] for _ in range(2)]
    await accounts.update_agent(principal=team.admin_principal, agent_id=team.agent.id, **change)
    for token in tokens:
        with pytest.raises(Unauthenticated):
            await accounts.authenticate_token(token)
    assert not await AccessToken.filter(agent_id=team.agent.id, revoked_at=None).exists()
    # The admin's own session is untouched.
    assert await AccessToken.filter(agent_id=team.admin.id, revoked_at=None).exists()


async def test_reactivation_does_not_revive_old_sessions(team: Team) -> None:
    token, _ = await accounts.open_session(agent=team.agent, ttl=HOUR)
    for active in (False, True):
        await accounts.update_agent(
            principal=team.admin_principal, agent_id=team.agent.id, is_active=active
        )
    with pytest.raises(Unauthenticated):
        await accounts.authenticate_token(token)


async def test_a_deactivated_agents_unrevoked_token_is_refused(team: Team) -> None:
    token, _ = await accounts.open_session(agent=team.agent, ttl=HOUR)
    # Deactivation through any path other than update_agent must still lock the agent out.
    await Agent.filter(id=team.agent.id).update(is_active=False)
    with pytest.raises(Unauthenticated):
        await accounts.authenticate_token(token)


async def test_token_use_is_recorded(team: Team) -> None:
    token, record = await accounts.open_session(agent=team.agent, ttl=HOUR)
    assert record.last_used_at is None
    await accounts.authenticate_token(token)
    assert (await AccessToken.get(id=record.id)).last_used_at is not None


# --- API keys ------------------------------------------------------------------------------


async def test_api_key_is_stored_as_a_digest_and_acts_as_admin(team: Team) -> None:
    key, record = await accounts.create_api_key(principal=team.admin_principal, name="CI")
    assert key.startswith(secrets.API_KEY_PREFIX)
    assert record.prefix == key[: len(secrets.API_KEY_PREFIX) + 4]
    row = await ApiKey.filter(id=record.id).values()
    assert row[0]["key_hash"] == secrets.token_digest(key)
    assert key not in str(row)
    principal = await accounts.authenticate_token(key)
    assert principal.is_admin
    assert (principal.organization_id, principal.api_key_id, principal.agent) == (
        team.org.id,
        record.id,
        None,
    )
    assert (await ApiKey.get(id=record.id)).last_used_at is not None


async def test_api_keys_need_admin(team: Team) -> None:
    with pytest.raises(Forbidden):
        await accounts.create_api_key(principal=team.agent_principal, name="CI")
    with pytest.raises(Forbidden):
        await accounts.list_api_keys(principal=team.agent_principal, page=1, page_size=10)
    _, record = await accounts.create_api_key(principal=team.admin_principal, name="CI")
    with pytest.raises(Forbidden):
        await accounts.revoke_api_key(principal=team.agent_principal, api_key_id=record.id)


async def test_revoked_api_key_is_refused_and_revoking_twice_is_harmless(team: Team) -> None:
    key, record = await accounts.create_api_key(principal=team.admin_principal, name="CI")
    first = await accounts.revoke_api_key(principal=team.admin_principal, api_key_id=record.id)
    again = await accounts.revoke_api_key(principal=team.admin_principal, api_key_id=record.id)
    assert first.revoked_at is not None
    assert again.revoked_at == first.revoked_at
    with pytest.raises(Unauthenticated):
        await accounts.authenticate_token(key)


async def test_api_keys_are_listed_per_organisation_newest_first(team: Team, other_team: Team):
    names = ["first", "second", "third"]
    for name in names:
        await accounts.create_api_key(principal=team.admin_principal, name=name)
    await accounts.create_api_key(principal=other_team.admin_principal, name="theirs")
    items, total = await accounts.list_api_keys(principal=team.admin_principal, page=1, page_size=2)
    assert total == 3
    assert [k.name for k in items] == ["third", "second"]
    with pytest.raises(NotFound):
        theirs = await ApiKey.get(organization_id=other_team.org.id)
        await accounts.revoke_api_key(principal=team.admin_principal, api_key_id=theirs.id)


# --- contacts ------------------------------------------------------------------------------


async def test_contacts_are_found_by_lower_cased_email_and_names_filled_in() -> None:
    org = await make_org()
    email = f"{unique('Customer')}@Example.com"
    async with in_transaction() as conn:
        first = await accounts.find_or_create_contact(
            organization_id=org.id, email=email, name="", conn=conn
        )
    assert first.email == email.lower()
    async with in_transaction() as conn:
        named = await accounts.find_or_create_contact(
            organization_id=org.id, email=email.upper(), name="Cara", conn=conn
        )
        kept = await accounts.find_or_create_contact(
            organization_id=org.id, email=email, name="Someone Else", conn=conn
        )
    assert first.id == named.id == kept.id
    assert (await Contact.get(id=first.id)).name == "Cara"


async def test_contacts_without_email_are_never_merged() -> None:
    org = await make_org()
    async with in_transaction() as conn:
        one = await accounts.find_or_create_contact(
            organization_id=org.id, email=None, name="Anon", conn=conn
        )
        two = await accounts.find_or_create_contact(
            organization_id=org.id, email=None, name="Anon", conn=conn
        )
    assert one.id != two.id


async def test_the_same_contact_email_in_two_orgs_is_two_contacts() -> None:
    email = f"{unique('c')}@example.com"
    found = []
    for org in (await make_org(), await make_org()):
        async with in_transaction() as conn:
            found.append(
                await accounts.find_or_create_contact(
                    organization_id=org.id, email=email, name="", conn=conn
                )
            )
    assert found[0].id != found[1].id
