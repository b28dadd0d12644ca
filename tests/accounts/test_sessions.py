"""`server/accounts/sessions.py`: signing in and out, access tokens and API keys."""

from __future__ import annotations

from datetime import timedelta

import pytest
from starlette.applications import Starlette

from server.accounts import agents, secrets, sessions
from server.accounts.login_throttle import LoginThrottle
from server.accounts.models import AccessToken, Agent, ApiKey
from server.errors import Forbidden, NotFound, RateLimited, Unauthenticated, ValidationFailed
from tests.factories import PASSWORD, Team, make_agent, make_org, unique

pytestmark = pytest.mark.usefixtures("app")

HOUR = timedelta(hours=1)


def roomy_throttle() -> LoginThrottle:
    return LoginThrottle(per_ip="1000/minute", per_account="1000/minute")


async def login(email: str, password: str = PASSWORD, org: str | None = None, **kw: object):
    return await sessions.login(
        email=email,
        password=password,
        org_slug=org,
        client_ip=str(kw.get("ip", "10.1.1.1")),
        throttle=kw.get("throttle") or roomy_throttle(),  # type: ignore[arg-type]
        ttl=HOUR,
    )


# --- sessions ------------------------------------------------------------------------------


async def test_login_opens_a_session_stored_as_a_digest(team: Team) -> None:
    token, record, agent = await login(team.agent.email.upper())
    assert agent.id == team.agent.id
    assert record.token_hash == secrets.token_digest(token)
    stored = await AccessToken.get(id=record.id)
    assert stored.token_hash == secrets.token_digest(token)
    assert token not in str(await AccessToken.filter(id=record.id).values())
    principal = await sessions.authenticate_token(token)
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
    await agents.update_agent(
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
    b = await agents.create_agent(
        organization_id=second.id, email=email, name="B", password="a-different-password"
    )
    assert (await login(email, "a-different-password"))[2].id == b.id


async def test_expired_token_is_refused(team: Team) -> None:
    token, _ = await sessions.open_session(agent=team.agent, ttl=timedelta(seconds=-1))
    with pytest.raises(Unauthenticated) as caught:
        await sessions.authenticate_token(token)
    assert "expired" in caught.value.message


async def test_unknown_token_is_refused(app: Starlette) -> None:
    for token in ("prl_at_nope", "prl_ak_nope", "", "x" * 5000):
        with pytest.raises(Unauthenticated):
            await sessions.authenticate_token(token)


async def test_logout_revokes_only_that_token(team: Team) -> None:
    one, _ = await sessions.open_session(agent=team.agent, ttl=HOUR)
    two, _ = await sessions.open_session(agent=team.agent, ttl=HOUR)
    await sessions.logout(principal=await sessions.authenticate_token(one))
    with pytest.raises(Unauthenticated):
        await sessions.authenticate_token(one)
    assert (await sessions.authenticate_token(two)).agent_id == team.agent.id


async def test_logout_without_a_token_changes_nothing(team: Team) -> None:
    token, record = await sessions.open_session(agent=team.agent, ttl=HOUR)
    await sessions.logout(principal=team.agent_principal)
    assert (await AccessToken.get(id=record.id)).revoked_at is None
    await sessions.authenticate_token(token)


@pytest.mark.parametrize("change", [{"is_active": False}, {"password": "a-brand-new-password"}])
async def test_deactivation_and_new_password_end_every_session(
    team: Team, change: dict[str, object]
) -> None:
    tokens = [(await sessions.open_session(agent=team.agent, ttl=HOUR))[0] for _ in range(2)]
    await agents.update_agent(principal=team.admin_principal, agent_id=team.agent.id, **change)
    for token in tokens:
        with pytest.raises(Unauthenticated):
            await sessions.authenticate_token(token)
    assert not await AccessToken.filter(agent_id=team.agent.id, revoked_at=None).exists()
    # The admin's own session is untouched.
    assert await AccessToken.filter(agent_id=team.admin.id, revoked_at=None).exists()


async def test_reactivation_does_not_revive_old_sessions(team: Team) -> None:
    token, _ = await sessions.open_session(agent=team.agent, ttl=HOUR)
    for active in (False, True):
        await agents.update_agent(
            principal=team.admin_principal, agent_id=team.agent.id, is_active=active
        )
    with pytest.raises(Unauthenticated):
        await sessions.authenticate_token(token)


async def test_a_deactivated_agents_unrevoked_token_is_refused(team: Team) -> None:
    token, _ = await sessions.open_session(agent=team.agent, ttl=HOUR)
    # Deactivation through any path other than update_agent must still lock the agent out.
    await Agent.filter(id=team.agent.id).update(is_active=False)
    with pytest.raises(Unauthenticated):
        await sessions.authenticate_token(token)


async def test_token_use_is_recorded(team: Team) -> None:
    token, record = await sessions.open_session(agent=team.agent, ttl=HOUR)
    assert record.last_used_at is None
    await sessions.authenticate_token(token)
    assert (await AccessToken.get(id=record.id)).last_used_at is not None


# --- API keys ------------------------------------------------------------------------------


async def test_api_key_is_stored_as_a_digest_and_acts_as_admin(team: Team) -> None:
    key, record = await sessions.create_api_key(principal=team.admin_principal, name="CI")
    assert key.startswith(secrets.API_KEY_PREFIX)
    assert record.prefix == key[: len(secrets.API_KEY_PREFIX) + 4]
    row = await ApiKey.filter(id=record.id).values()
    assert row[0]["key_hash"] == secrets.token_digest(key)
    assert key not in str(row)
    principal = await sessions.authenticate_token(key)
    assert principal.is_admin
    assert (principal.organization_id, principal.api_key_id, principal.agent) == (
        team.org.id,
        record.id,
        None,
    )
    assert (await ApiKey.get(id=record.id)).last_used_at is not None


async def test_api_keys_need_admin(team: Team) -> None:
    with pytest.raises(Forbidden):
        await sessions.create_api_key(principal=team.agent_principal, name="CI")
    with pytest.raises(Forbidden):
        await sessions.list_api_keys(principal=team.agent_principal, page=1, page_size=10)
    _, record = await sessions.create_api_key(principal=team.admin_principal, name="CI")
    with pytest.raises(Forbidden):
        await sessions.revoke_api_key(principal=team.agent_principal, api_key_id=record.id)


async def test_revoked_api_key_is_refused_and_revoking_twice_is_harmless(team: Team) -> None:
    key, record = await sessions.create_api_key(principal=team.admin_principal, name="CI")
    first = await sessions.revoke_api_key(principal=team.admin_principal, api_key_id=record.id)
    again = await sessions.revoke_api_key(principal=team.admin_principal, api_key_id=record.id)
    assert first.revoked_at is not None
    assert again.revoked_at == first.revoked_at
    with pytest.raises(Unauthenticated):
        await sessions.authenticate_token(key)


async def test_api_keys_are_listed_per_organisation_newest_first(team: Team, other_team: Team):
    names = ["first", "second", "third"]
    for name in names:
        await sessions.create_api_key(principal=team.admin_principal, name=name)
    await sessions.create_api_key(principal=other_team.admin_principal, name="theirs")
    items, total = await sessions.list_api_keys(principal=team.admin_principal, page=1, page_size=2)
    assert total == 3
    assert [k.name for k in items] == ["third", "second"]
    with pytest.raises(NotFound):
        theirs = await ApiKey.get(organization_id=other_team.org.id)
        await sessions.revoke_api_key(principal=team.admin_principal, api_key_id=theirs.id)
