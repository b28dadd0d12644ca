"""The transport's own payloads: presence. Domain events are declared by their domains
(`server/tickets/events.py`, `server/chat/events.py`) and pushed by `server/push/`."""

from __future__ import annotations

from typing import Literal

from pydantic import ConfigDict, Field

from server.web.schema import ResponseModel


class EventModel(ResponseModel):
    """A payload on the wire: camelCase, and nothing it does not declare."""

    model_config = ConfigDict(extra="forbid")


class PresenceEntry(EventModel):
    person: str = Field(description="`agent:{id}` or `contact:{id}`.")
    name: str
    status: Literal["online", "away", "offline"]
    composing: bool = False


class PresenceChanged(EventModel):
    type: Literal["presence.changed"] = "presence.changed"
    channel: str
    joined: list[PresenceEntry] = []
    left: list[str] = Field(default=[], description="`person` keys that left.")
    updated: list[PresenceEntry] = []
