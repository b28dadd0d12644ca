"""In-process broadcast backend for the embedded (single-process, no Redis) mode.

It has the same delivery semantics as `ResilientRedisBackend`: events reach `next_published`
only for channels that are subscribed, through a bounded buffer that drops the OLDEST event
when full (counted in `dropped`, reported through `on_overflow`): see `buffer.EventBuffer`,
shared by both backends so the overflow policy is written once.
"""

from __future__ import annotations

import asyncio
from typing import Any

from broadcaster import BroadcastBackend, Event

from server.channels.buffer import (
    DEFAULT_QUEUE_SIZE,
    BufferedBackendState,
    EventBuffer,
    OverflowCallback,
)


class MemoryBackend(BufferedBackendState, BroadcastBackend):
    """Broadcaster backend delivering within this process only.

    Unlike broadcaster's stock `MemoryBackend`, the buffer is bounded and events of channels
    that are not subscribed are never buffered (they are filtered at publish time).
    """

    def __init__(
        self,
        url: str = "memory://",
        *,
        queue_size: int = DEFAULT_QUEUE_SIZE,
        on_overflow: OverflowCallback | None = None,
    ) -> None:
        # `url` is accepted (and ignored) so broadcaster-style construction keeps working.
        self._subscribed: set[str] = set()
        self._buffer = EventBuffer(queue_size, on_overflow)
        self._connected = asyncio.Event()

    @property
    def channels(self) -> frozenset[str]:
        """The channels currently subscribed."""
        return frozenset(self._subscribed)

    async def connect(self) -> None:
        self._connected.set()

    async def disconnect(self) -> None:
        self._connected.clear()

    async def subscribe(self, channel: str) -> None:
        self._subscribed.add(channel)

    async def unsubscribe(self, channel: str) -> None:
        self._subscribed.discard(channel)
        self._buffer.discard(channel)

    async def publish(self, channel: str, message: Any) -> None:
        if channel in self._subscribed:
            self._buffer.push(Event(channel=channel, message=message))

    async def next_published(self) -> Event:
        return await self._buffer.get()
