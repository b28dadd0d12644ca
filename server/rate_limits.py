"""Where rate-limit counters live (the `limits` library): in Redis when configured, so every
process counts together; otherwise in this process. Shared by sign-in throttling, the
WebSocket handshake limit and the widget's chat limits."""

from __future__ import annotations

from limits.aio.storage import MemoryStorage, RedisStorage, Storage

DEFAULT_KEY_PREFIX = "parley:limits"


def limits_storage(redis_url: str, key_prefix: str = DEFAULT_KEY_PREFIX) -> Storage:
    """Counters shared by every process through Redis, or this process's own without it."""
    if redis_url:
        return RedisStorage("async+" + redis_url, implementation="redispy", key_prefix=key_prefix)
    return MemoryStorage()
