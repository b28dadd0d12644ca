"""The relay's listener that publishes each committed event to the channels `rules` names."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from server.events.model import Event, Subject
from server.push.rules import deliveries

Publish = Callable[[str, str, dict[str, Any]], Awaitable[object]]


class PushListener:
    """Publishes through the transport (`Hub.publish(key, type, data)`), in commit order."""

    def __init__(self, publish: Publish) -> None:
        self._publish = publish

    async def handle(self, event: Event, subject: Subject) -> None:
        for delivery in deliveries(event, subject):
            await self._publish(delivery.key, delivery.type, delivery.data)
