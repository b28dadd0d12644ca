"""Tests for server/channels/history_redis.py: what only the Redis backend does.

Publishing, the stream's cap and the keys' expiry, and starting over when one key is lost.
The shared semantics, run against both backends, are in test_history.py, whose `Backend`
these tests reuse (a random organisation id, every touched key deleted).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis

from server.channels import names
from server.channels.history import Entry, Replay, entry_size
from tests.channels.test_history import Backend, fill, kept_bytes, redis_keys, sized
from tests.conftest import TEST_REDIS_URL


@pytest.fixture
async def redis_backend() -> AsyncIterator[Backend]:
    redis = Redis.from_url(TEST_REDIS_URL)
    backend = Backend("redis", redis)
    try:
        yield backend
    finally:
        await backend.cleanup()
        await redis.aclose()


@pytest.mark.redis
async def test_redis_append_publishes_the_entry(redis_backend: Backend) -> None:
    assert redis_backend.redis is not None
    history = redis_backend.make()
    key = redis_backend.channel()
    pubsub = redis_backend.redis.pubsub()
    try:
        await pubsub.subscribe(key)
        confirmation = await pubsub.get_message(timeout=2)
        assert confirmation is not None and confirmation["type"] == "subscribe"
        entry = await history.append(key, "ticket.status_changed", {"old": "open", "new": "é"})
        message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=2)
    finally:
        await pubsub.aclose()
    assert message is not None
    assert message["channel"] == key.encode()
    assert json.loads(message["data"]) == entry.as_dict()
    assert Entry.from_message(message["data"]) == entry
    assert json.loads(message["data"]) == {
        "channel": key,
        "offset": 1,
        "epoch": entry.epoch,
        "event": "ticket.status_changed",
        "ts": entry.ts,
        "data": {"old": "open", "new": "é"},
    }


@pytest.mark.redis
async def test_redis_stream_is_capped_and_keys_expire(redis_backend: Backend) -> None:
    redis = redis_backend.redis
    assert redis is not None
    history = redis_backend.make(max_events=10, max_age_seconds=60)
    key = redis_backend.channel()
    await fill(history, key, 500)
    # Trimmed exactly, so that the byte counter stays true.
    assert await redis.xlen(names.history_key(key)) == 10
    for redis_key in redis_keys(key):
        assert 0 < await redis.pttl(redis_key) <= 60_000


@pytest.mark.redis
async def test_redis_lost_counter_alone_starts_a_new_epoch(redis_backend: Backend) -> None:
    redis = redis_backend.redis
    assert redis is not None
    history = redis_backend.make()
    key = redis_backend.channel()
    entries = await fill(history, key, 4)
    await redis.delete(names.offset_key(key))
    after = await history.append(key, "ticket.updated", {})
    assert after.offset == 1 and after.epoch != entries[0].epoch
    assert (await history.since(key, 0, entries[0].epoch)).recovered is False
    assert await history.since(key, 0, after.epoch) == Replay([after], True, 1, after.epoch)


@pytest.mark.redis
async def test_redis_lost_epoch_alone_starts_a_new_epoch(redis_backend: Backend) -> None:
    redis = redis_backend.redis
    assert redis is not None
    history = redis_backend.make()
    key = redis_backend.channel()
    entries = await fill(history, key, 4)
    await redis.delete(names.epoch_key(key))
    offset, epoch = await history.latest(key)
    assert (offset, epoch != entries[0].epoch) == (0, True)
    assert (await history.since(key, 2, entries[0].epoch)).recovered is False


@pytest.mark.redis
async def test_redis_publishes_an_event_too_large_to_keep(redis_backend: Backend) -> None:
    assert redis_backend.redis is not None
    history = redis_backend.make(max_bytes=10_000)
    key = redis_backend.channel()
    pubsub = redis_backend.redis.pubsub()
    try:
        await pubsub.subscribe(key)
        confirmation = await pubsub.get_message(timeout=2)
        assert confirmation is not None and confirmation["type"] == "subscribe"
        entry = await history.append(key, "ticket.updated", sized(1, 20_000))
        message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=2)
    finally:
        await pubsub.aclose()
    assert message is not None and Entry.from_message(message["data"]) == entry
    assert await redis_backend.redis.xlen(names.history_key(key)) == 0


@pytest.mark.redis
async def test_redis_lost_byte_counter_alone_starts_a_new_epoch(redis_backend: Backend) -> None:
    redis = redis_backend.redis
    assert redis is not None
    history = redis_backend.make()
    key = redis_backend.channel()
    entries = await fill(history, key, 4)
    await redis.delete(names.history_bytes_key(key))
    after = await history.append(key, "ticket.updated", {})
    assert after.offset == 1 and after.epoch != entries[0].epoch
    assert await redis.xlen(names.history_key(key)) == 1
    assert await kept_bytes(redis_backend, history, key) == entry_size("ticket.updated", "{}")


@pytest.mark.redis
async def test_redis_stream_lost_alone_resets_the_byte_counter(redis_backend: Backend) -> None:
    redis = redis_backend.redis
    assert redis is not None
    history = redis_backend.make(max_bytes=10_000)
    key = redis_backend.channel()
    entries = [await history.append(key, "ticket.updated", sized(n, 3000)) for n in range(3)]
    await redis.delete(names.history_key(key))
    after = await history.append(key, "ticket.updated", sized(3, 3000))
    # The counter said 9,000: without the reset this entry would trim itself or the next.
    assert await kept_bytes(redis_backend, history, key) == 3000
    assert (await history.since(key, 2, entries[0].epoch)).recovered is False
    assert await history.since(key, 3, entries[0].epoch) == Replay(
        [after], True, 4, entries[0].epoch
    )
