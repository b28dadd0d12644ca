"""Tests for server/channels/presence_redis.py: what only the Redis backend does.

The shared semantics, run against both backends, are in test_presence.py, whose `Backend`
these tests reuse (random organisation and connection ids, every touched key deleted).
"""

from __future__ import annotations

import asyncio

import pytest
from redis.asyncio import Redis

from server.channels import names
from server.channels.presence import PresenceDiff
from server.channels.presence_redis import RedisPresence, _presence_keys
from tests.channels.test_presence import ANN, BOB, TTL, Backend, entry
from tests.conftest import TEST_REDIS_URL


@pytest.mark.redis
async def test_redis_keys_are_hash_tagged_and_vanish() -> None:
    redis = Redis.from_url(TEST_REDIS_URL)
    backend = Backend("redis", redis)
    try:
        presence = backend.make()
        key = backend.channel()
        hash_key, expiry_key = _presence_keys(key)
        assert hash_key == f"{{{key}}}:presence"
        assert expiry_key.startswith(f"{{{key}}}:")
        await presence.join(key, backend.conn(1), *ANN)
        for k in (hash_key, expiry_key, names.connection_channels_key(backend.conn(1))):
            assert 0 < await redis.pttl(k) <= 2000
        assert await redis.smembers(names.connection_channels_key(backend.conn(1))) == {
            key.encode()
        }
        await presence.leave(key, backend.conn(1))
        assert await redis.exists(hash_key, expiry_key) == 0
        assert await redis.smembers(names.connection_channels_key(backend.conn(1))) == set()
    finally:
        await backend.cleanup()
        await redis.aclose()


@pytest.mark.redis
async def test_redis_processes_share_presence() -> None:
    first, second = Redis.from_url(TEST_REDIS_URL), Redis.from_url(TEST_REDIS_URL)
    backend = Backend("redis", first)
    try:
        a, b = RedisPresence(first, TTL), RedisPresence(second, TTL)
        key = backend.channel()
        await a.join(key, backend.conn(1), *ANN)
        assert (await b.join(key, backend.conn(2), *ANN)).empty
        assert (await b.join(key, backend.conn(3), *BOB)).joined == [entry(*BOB)]
        assert await a.snapshot(key) == await b.snapshot(key) == [entry(*ANN), entry(*BOB)]
        # Process b dies: only a heartbeats; b's people disappear, seen from a.
        await asyncio.sleep(TTL * 0.6)
        await a.heartbeat([backend.conn(1)])
        await asyncio.sleep(TTL * 0.6)
        assert await a.expire(key) == PresenceDiff(left=["agent:2"])
        assert await a.snapshot(key) == [entry(*ANN)]
    finally:
        await backend.cleanup()
        await first.aclose()
        await second.aclose()
