"""What the transport asks of the rest of Parley: who a token is, and who may subscribe.

The transport knows channels, frames and identities, never tickets, chats or accounts. The
composition root (`server/app.py`) hands `websocket_routes` a `Gate` that answers both
questions; Parley's own is `server/push/access.py`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal, Protocol

from server.channels.connection import Identity
from server.channels.names import Channel

Endpoint = Literal["agent", "widget"]


@dataclass(frozen=True)
class Admission:
    """A token's identity, and the origins its organisation lets use the widget."""

    identity: Identity
    widget_origins: Sequence[str] = field(default=())


class Gate(Protocol):
    async def admit(self, token: str, endpoint: Endpoint) -> Admission:
        """Who `token` belongs to. `Unauthenticated` when it is wrong for this endpoint
        (the `agent` endpoint takes agent tokens and API keys, `widget` visitor tokens);
        other errors (the database away) are classified by the caller."""
        ...

    async def may_subscribe(self, identity: Identity, channel: Channel) -> None:
        """Return if `identity` may subscribe to `channel`; raise `BadFrame` ("forbidden",
        "not_found") if not. `channel` is always in the identity's organisation."""
        ...
