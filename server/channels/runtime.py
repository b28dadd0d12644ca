"""Assembling the real-time parts for one process: backend, history, presence and hub.

Embedded mode (no PARLEY_REDIS_URL): in-process backend, ring-buffer history, in-memory
presence. With Redis: the resilient pub/sub backend, stream history and Redis presence, so
every process sees every event and every person's presence.
"""

from __future__ import annotations

from dataclasses import dataclass

import redis.asyncio as aioredis
from broadcaster import Event

from server.channels.history import History
from server.channels.history_memory import MemoryHistory
from server.channels.history_redis import RedisHistory
from server.channels.hub import Hub
from server.channels.memory_backend import MemoryBackend
from server.channels.presence import Presence
from server.channels.presence_memory import MemoryPresence
from server.channels.presence_redis import RedisPresence
from server.channels.redis_backend import ResilientRedisBackend
from server.settings import Settings


@dataclass
class Realtime:
    hub: Hub

    async def stop(self) -> None:
        await self.hub.stop()


async def start_realtime(settings: Settings, redis: aioredis.Redis | None) -> Realtime:
    """Start the hub (what it publishes comes from the relay: `server/events/relay.py`)."""
    history: History
    presence: Presence
    backend: ResilientRedisBackend | MemoryBackend
    hub: Hub
    # The backends call back into the hub, which needs the backend to exist: the callbacks
    # look `hub` up when they run, by then assigned below.

    async def on_reconnect(channels: frozenset[str]) -> None:
        await hub.on_backend_reconnect(channels)

    def on_overflow(event: Event) -> None:
        hub.on_overflow(event)

    if redis is not None:
        history = RedisHistory(
            redis,
            settings.history_max_events,
            settings.history_max_age_seconds,
            max_bytes=settings.history_max_bytes_per_channel,
        )
        presence = RedisPresence(redis, ttl=settings.presence_ttl_seconds)
        backend = ResilientRedisBackend(
            settings.redis_url, on_reconnect=on_reconnect, on_overflow=on_overflow
        )
    else:
        history = MemoryHistory(
            settings.history_max_events,
            settings.history_max_age_seconds,
            max_bytes=settings.history_max_bytes_per_channel,
            max_bytes_total=settings.history_max_bytes_total,
        )
        presence = MemoryPresence(ttl=settings.presence_ttl_seconds)
        backend = MemoryBackend(on_overflow=on_overflow)
    hub = Hub(
        backend=backend,
        history=history,
        presence=presence,
        # RedisHistory's append script publishes; in memory the hub publishes the entry.
        append_publishes=redis is not None,
    )
    await hub.start()
    return Realtime(hub=hub)
