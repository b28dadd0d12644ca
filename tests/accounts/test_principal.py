"""Principal: who is calling, and what that allows."""

from __future__ import annotations

import pytest

from server.accounts.models import Agent, Role
from server.accounts.principal import Principal
from server.errors import Forbidden
from server.events.actor import AuthorType


def agent(role: Role) -> Agent:
    return Agent(id=7, organization_id=3, email="a@example.com", name="Ann", role=role)


def test_admin_agent() -> None:
    principal = Principal(organization_id=3, role=Role.ADMIN, name="Ann", agent=agent(Role.ADMIN))
    assert principal.is_admin
    assert principal.agent_id == 7
    assert principal.actor.author_type is AuthorType.AGENT
    principal.require_admin()


def test_agent_role_is_refused_admin_actions() -> None:
    principal = Principal(organization_id=3, role=Role.AGENT, name="Ann", agent=agent(Role.AGENT))
    assert not principal.is_admin
    with pytest.raises(Forbidden) as caught:
        principal.require_admin()
    assert caught.value.status == 403


def test_api_key_acts_as_admin_and_as_the_system() -> None:
    principal = Principal(organization_id=3, role=Role.ADMIN, name="API key ci", api_key_id=9)
    assert principal.is_admin
    assert principal.agent_id is None
    assert principal.actor.author_type is AuthorType.SYSTEM
    principal.require_admin()
