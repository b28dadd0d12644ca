"""`server/accounts/agents.py`: adding, finding, listing and changing agents."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

import pytest

from server.accounts import agents, secrets
from server.accounts.models import Agent, Role
from server.errors import Conflict, Forbidden, NotFound, ValidationFailed
from tests.factories import PASSWORD, Team, make_agent, make_org, principal_for, unique

pytestmark = pytest.mark.usefixtures("app")


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
        await agents.create_agent(
            organization_id=org.id, email=f"{unique('a')}@example.com", name="A", password="short"
        )
    assert "password" in caught.value.fields
    assert not await Agent.filter(organization_id=org.id).exists()


async def test_an_agent_email_is_bounded_as_stored() -> None:
    """The CLI's address is not checked by a schema: one longer than the column used to
    reach the ORM (a crash in the CLI); `İ` lower-cases to `i`, so it does not grow."""
    org = await make_org()
    with pytest.raises(ValidationFailed) as caught:
        await agents.create_agent(
            organization_id=org.id, email="x" * 250 + "@corp.local", name="A", password=PASSWORD
        )
    assert "email" in caught.value.fields
    assert not await Agent.filter(organization_id=org.id).exists()
    fits = await make_agent(org, email="İ" * 200 + "@corp.local")
    assert (await Agent.get(id=fits.id)).email == "i" * 200 + "@corp.local"


async def test_create_agent_as_principal_needs_admin_and_stays_in_its_org(team: Team) -> None:
    with pytest.raises(Forbidden):
        await agents.create_agent(
            principal=team.agent_principal, organization_id=team.org.id,
            email=f"{unique('a')}@example.com", name="A", password=PASSWORD,
        )  # fmt: skip
    elsewhere = await make_org()
    created = await agents.create_agent(
        principal=team.admin_principal, organization_id=elsewhere.id,
        email=f"{unique('a')}@example.com", name="A", password=PASSWORD,
    )  # fmt: skip
    assert created.organization_id == team.org.id


async def test_get_agent_only_in_the_principals_org(team: Team) -> None:
    assert (await agents.get_agent(principal=team.agent_principal, agent_id=team.admin.id)).id
    stranger = await make_agent(await make_org())
    with pytest.raises(NotFound):
        await agents.get_agent(principal=team.agent_principal, agent_id=stranger.id)


async def test_list_agents_pages_and_hides_inactive(team: Team) -> None:
    extra = [await make_agent(team.org, name=f"Zed {i}") for i in range(3)]
    await agents.update_agent(principal=team.admin_principal, agent_id=extra[0].id, is_active=False)
    active, total = await agents.list_agents(
        principal=team.agent_principal, page=1, page_size=50, include_inactive=False
    )
    assert total == 4
    assert extra[0].id not in [a.id for a in active]
    everyone, total = await agents.list_agents(
        principal=team.agent_principal, page=1, page_size=50, include_inactive=True
    )
    assert total == 5
    assert [a.name for a in everyone] == sorted(a.name for a in everyone)
    second, total = await agents.list_agents(
        principal=team.agent_principal, page=2, page_size=2, include_inactive=True
    )
    assert total == 5
    assert [a.id for a in second] == [a.id for a in everyone[2:4]]


async def test_update_agent_changes_fields(team: Team) -> None:
    updated = await agents.update_agent(
        principal=team.admin_principal, agent_id=team.agent.id, name="Robert", role=Role.ADMIN
    )
    assert (updated.name, updated.role) == ("Robert", Role.ADMIN)
    stored = await Agent.get(id=team.agent.id)
    assert (stored.name, stored.role) == ("Robert", Role.ADMIN)


async def test_update_agent_needs_admin(team: Team) -> None:
    with pytest.raises(Forbidden):
        await agents.update_agent(principal=team.agent_principal, agent_id=team.agent.id, name="X")


async def test_update_agent_of_another_org_is_not_found(team: Team) -> None:
    stranger = await make_agent(await make_org())
    with pytest.raises(NotFound):
        await agents.update_agent(principal=team.admin_principal, agent_id=stranger.id, name="X")
    assert (await Agent.get(id=stranger.id)).name == stranger.name


async def test_last_active_admin_cannot_be_demoted_or_deactivated(team: Team) -> None:
    for change in ({"role": Role.AGENT}, {"is_active": False}):
        with pytest.raises(Conflict):
            await agents.update_agent(
                principal=team.admin_principal, agent_id=team.admin.id, **change
            )
    stored = await Agent.get(id=team.admin.id)
    assert (stored.role, stored.is_active) == (Role.ADMIN, True)


async def test_an_inactive_admin_does_not_count_as_the_remaining_admin(team: Team) -> None:
    second = await make_agent(team.org, role=Role.ADMIN)
    await agents.update_agent(principal=team.admin_principal, agent_id=second.id, is_active=False)
    with pytest.raises(Conflict):
        await agents.update_agent(
            principal=team.admin_principal, agent_id=team.admin.id, role=Role.AGENT
        )


async def test_an_admin_can_step_down_when_another_remains(team: Team) -> None:
    await make_agent(team.org, role=Role.ADMIN)
    demoted = await agents.update_agent(
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
        agents.update_agent(principal=team.admin_principal, agent_id=second.id, role=Role.AGENT),
        agents.update_agent(
            principal=principal_for(second), agent_id=team.admin.id, role=Role.AGENT
        ),
        return_exceptions=True,
    )
    assert sum(isinstance(r, Conflict) for r in results) == 1, results
    assert await Agent.filter(organization_id=team.org.id, role=Role.ADMIN).count() == 1
