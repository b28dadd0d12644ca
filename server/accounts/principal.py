"""Who is making a request: an agent with a login token, or an integration's API key."""

from __future__ import annotations

from dataclasses import dataclass

from server.accounts.models import Agent, Organization, Role
from server.errors import Forbidden


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

    def require_admin(self) -> None:
        if not self.is_admin:
            raise Forbidden("This action needs the admin role.")
