"""Who is making a request: an agent with a login token, or an integration's API key."""

from __future__ import annotations

from dataclasses import dataclass

from server.accounts.models import Agent, Organization, Role
from server.errors import Forbidden
from server.events.actor import Actor


@dataclass(frozen=True)
class Principal:
    organization_id: int
    role: Role
    name: str
    agent: Agent | None = None
    api_key_id: int | None = None
    # Hash of the access token behind this request, so logout revokes exactly it.
    token_digest: str | None = None
    # The organisation row as read when authenticating (saves a query per request); None
    # when the principal was built without it (the CLI, tests).
    organization: Organization | None = None

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMIN

    @property
    def agent_id(self) -> int | None:
        return self.agent.id if self.agent else None

    @property
    def actor(self) -> Actor:
        """Who this request acts as in what it writes: the agent, else the API key's
        integration, else (the CLI, tests) the system under this name."""
        if self.agent is not None:
            return Actor.agent(self.agent.id, self.name)
        if self.api_key_id is not None:
            return Actor.integration(self.api_key_id, self.name)
        return Actor.system(self.name)

    def require_admin(self) -> None:
        if not self.is_admin:
            raise Forbidden("This action needs the admin role.")
