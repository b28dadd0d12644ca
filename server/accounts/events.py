"""The accounts domain's events: access that ended and must end live sessions too.

Nothing here reaches a client as an event: `server/push/` turns each into the control message
that closes the affected sockets in every process (see `server/channels/hub.py`).
"""

from __future__ import annotations

from typing import Literal

from server.events import registry
from server.events.model import Event


class AccessRevoked(Event):
    """An agent was deactivated or changed password, or an API key was revoked: every socket
    of that identity closes."""

    type: Literal["access.revoked"] = "access.revoked"
    identity: Literal["agent", "integration"]
    identity_id: int


class TokenRevoked(Event):
    """One access token was revoked (sign-out): the sockets opened with it close."""

    type: Literal["access.token_revoked"] = "access.token_revoked"
    token_digest: str


registry.register(AccessRevoked, TokenRevoked)
