"""ResilientRedisBackend against real Redis.

Most tests use the shared TEST_REDIS_URL server with unique channel names. Tests that kill,
pause or disconnect Redis run a private `redis-server` on a free port so they never disturb
the shared one.
"""

from __future__ import annotations

import asyncio
import signal
import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from broadcaster import Broadcast, Event
from redis import asyncio as aioredis

from server.channels.redis_backend import ResilientRedisBackend
from tests.conftest import TEST_REDIS_URL
from tests.support.ports import free_port

pytestmark = pytest.mark.redis

REDIS_SERVER = "/usr/bin/redis-server"
# Fast settings so failures are detected and repaired well inside the tests' time limits.
FAST = {"probe_interval": 0.2, "probe_timeout": 0.3, "backoff_base": 0.05, "backoff_max": 0.3}


def channel_name() -> str:
    return f"test:{uuid.uuid4().hex}"


async def eventually(condition: Callable[[], Any], within: float = 5.0) -> None:
    """Wait until `condition()` is truthy; fail the test after `within` seconds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while loop.time() < deadline:
        if condition():
            return
        await asyncio.sleep(0.01)
    pytest.fail(f"condition still false after {within}s")


async def next_event(backend: ResilientRedisBackend, within: float = 2.0) -> Event:
    return await asyncio.wait_for(backend.next_published(), within)


@pytest.fixture
async def backend() -> AsyncIterator[ResilientRedisBackend]:
    backend = ResilientRedisBackend(TEST_REDIS_URL, **FAST)
    await backend.connect()
    try:
        yield backend
    finally:
        await backend.disconnect()


@pytest.fixture
async def shared_redis() -> AsyncIterator[aioredis.Redis]:
    client = aioredis.Redis.from_url(TEST_REDIS_URL)
    try:
        yield client
    finally:
        await client.aclose()


class PrivateRedis:
    """A throwaway redis-server on a fixed free port that a test may kill and restart."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: asyncio.subprocess.Process | None = None

    async def start(self) -> None:
        self.process = await asyncio.create_subprocess_exec(
            REDIS_SERVER,
            *("--port", str(self.port), "--bind", "127.0.0.1"),
            *("--save", "", "--appendonly", "no"),
            stdout=asyncio.subprocess.DEVNULL,
        )
        client = self.client()
        try:
            async with asyncio.timeout(5):
                while True:
                    try:
                        await client.ping()
                        return
                    except (aioredis.ConnectionError, OSError):
                        await asyncio.sleep(0.02)
        finally:
            await client.aclose()

    async def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        await self.process.wait()
        self.process = None

    def signal(self, signum: int) -> None:
        assert self.process is not None
        self.process.send_signal(signum)

    def client(self) -> aioredis.Redis:
        return aioredis.Redis.from_url(self.url, socket_timeout=2)


@pytest.fixture
async def private_redis() -> AsyncIterator[PrivateRedis]:
    server = PrivateRedis()
    await server.start()
    try:
        yield server
    finally:
        if server.process is not None:
            server.signal(signal.SIGCONT)  # in case a test left it paused
            await server.kill()


async def test_first_message_on_first_channel_is_delivered(
    shared_redis: aioredis.Redis,
) -> None:
    # A fresh backend: the stock broadcaster backend loses exactly this message.
    backend = ResilientRedisBackend(TEST_REDIS_URL, **FAST)
    await backend.connect()
    try:
        assert backend.connected
        channel = channel_name()
        await backend.subscribe(channel)
        # No sleep: subscribe() returning means Redis already counts the subscriber.
        assert await shared_redis.publish(channel, "first") == 1
        assert await next_event(backend) == Event(channel, "first")
    finally:
        await backend.disconnect()


async def test_publish_reaches_subscribers(backend: ResilientRedisBackend) -> None:
    channel = channel_name()
    await backend.subscribe(channel)
    for i in range(3):
        await backend.publish(channel, f"m{i}")
    assert [(await next_event(backend)).message for _ in range(3)] == ["m0", "m1", "m2"]


async def test_unsubscribe_stops_delivery(
    backend: ResilientRedisBackend, shared_redis: aioredis.Redis
) -> None:
    dropped, kept = channel_name(), channel_name()
    await backend.subscribe(dropped)
    await backend.subscribe(kept)
    await backend.unsubscribe(dropped)
    await eventually(lambda: backend.channels == {kept})
    await backend.publish(dropped, "unwanted")
    await backend.publish(kept, "wanted")

    assert await next_event(backend) == Event(kept, "wanted")
    numsub = dict(await shared_redis.pubsub_numsub(dropped))
    assert numsub[dropped.encode()] == 0


async def test_resubscribing_after_unsubscribe_delivers_again(
    backend: ResilientRedisBackend,
) -> None:
    channel = channel_name()
    await backend.subscribe(channel)
    await backend.unsubscribe(channel)
    await backend.subscribe(channel)
    await backend.publish(channel, "again")
    assert await next_event(backend) == Event(channel, "again")


async def test_consumer_that_never_reads_keeps_memory_bounded(
    shared_redis: aioredis.Redis,
) -> None:
    lost: list[Event] = []
    backend = ResilientRedisBackend(TEST_REDIS_URL, queue_size=5, on_overflow=lost.append, **FAST)
    await backend.connect()
    try:
        channel = channel_name()
        await backend.subscribe(channel)
        for i in range(50):
            await shared_redis.publish(channel, str(i))
        # The reader keeps reading (drops the oldest) although nobody consumes.
        await eventually(lambda: backend.dropped == 45)
        assert [e.message for e in lost] == [str(i) for i in range(45)]
        assert [(await next_event(backend)).message for _ in range(5)] == [
            str(i) for i in range(45, 50)
        ]
        # And the connection is still healthy afterwards.
        await shared_redis.publish(channel, "after")
        assert (await next_event(backend)).message == "after"
    finally:
        await backend.disconnect()


async def test_works_as_a_broadcaster_backend() -> None:
    channel = channel_name()
    backend = ResilientRedisBackend(TEST_REDIS_URL, **FAST)
    async with (
        Broadcast(backend=backend) as broadcast,
        broadcast.subscribe(channel) as subscriber,
    ):
        await broadcast.publish(channel, "hello")
        event = await asyncio.wait_for(subscriber.get(), timeout=2)
    assert event == Event(channel, "hello")
    assert not backend.connected


async def test_redis_restart_reconnects_and_resubscribes_in_one_command(
    private_redis: PrivateRedis,
) -> None:
    reconnected: list[frozenset[str]] = []
    backend = ResilientRedisBackend(private_redis.url, on_reconnect=reconnected.append, **FAST)
    await backend.connect()
    try:
        channels = {channel_name() for _ in range(3)}
        for channel in channels:
            await backend.subscribe(channel)

        await private_redis.kill()
        await eventually(lambda: not backend.connected, within=2)
        await private_redis.start()

        async with asyncio.timeout(5):
            await backend.wait_connected()
        await eventually(lambda: reconnected, within=1)
        assert reconnected == [channels]
        client = private_redis.client()
        try:
            # A fresh server: its command stats show exactly how we resubscribed.
            stats = await client.info("commandstats")
            assert stats["cmdstat_subscribe"]["calls"] == 1
            assert {c.decode() for c in await client.pubsub_channels()} == channels
            for channel in sorted(channels):
                assert await client.publish(channel, "after restart") == 1
        finally:
            await client.aclose()
        received = {(await next_event(backend)).channel for _ in channels}
        assert received == channels
    finally:
        await backend.disconnect()


async def test_killed_pubsub_connection_is_replaced(private_redis: PrivateRedis) -> None:
    backend = ResilientRedisBackend(private_redis.url, **FAST)
    await backend.connect()
    client = private_redis.client()
    try:
        channel = channel_name()
        await backend.subscribe(channel)
        assert await client.client_kill_filter(_type="pubsub") == 1

        await eventually(lambda: backend.reconnects == 1 and backend.connected)
        assert await client.publish(channel, "after kill") == 1
        assert await next_event(backend) == Event(channel, "after kill")
    finally:
        await client.aclose()
        await backend.disconnect()


async def test_probe_detects_a_silently_dead_connection(private_redis: PrivateRedis) -> None:
    backend = ResilientRedisBackend(private_redis.url, connect_timeout=0.5, **FAST)
    await backend.connect()
    try:
        channel = channel_name()
        await backend.subscribe(channel)
        # A paused server keeps the TCP connection open and answers nothing: no read error
        # ever comes, so only the PING probe can notice.
        private_redis.signal(signal.SIGSTOP)
        await eventually(lambda: not backend.connected, within=2)
        private_redis.signal(signal.SIGCONT)

        async with asyncio.timeout(5):
            await backend.wait_connected()
        assert backend.reconnects >= 1
        client = private_redis.client()
        try:
            assert await client.publish(channel, "after pause") == 1
        finally:
            await client.aclose()
        assert await next_event(backend) == Event(channel, "after pause")
    finally:
        await backend.disconnect()


async def test_publish_retries_across_a_dropped_connection(private_redis: PrivateRedis) -> None:
    backend = ResilientRedisBackend(private_redis.url, **FAST)
    await backend.connect()
    try:
        channel = channel_name()
        await backend.subscribe(channel)
        await backend.publish(channel, "before")
        client = private_redis.client()
        try:
            # Drop every normal connection, including the publisher's pooled one.
            await client.client_kill_filter(_type="normal", skipme=True)
        finally:
            await client.aclose()
        await backend.publish(channel, "after")
        assert [(await next_event(backend)).message for _ in range(2)] == ["before", "after"]
    finally:
        await backend.disconnect()


async def test_subscribe_while_redis_is_down_completes_after_reconnect(
    private_redis: PrivateRedis,
) -> None:
    backend = ResilientRedisBackend(private_redis.url, **FAST)
    await backend.connect()
    try:
        await private_redis.kill()
        await eventually(lambda: not backend.connected, within=2)
        channel = channel_name()
        pending = asyncio.create_task(backend.subscribe(channel))
        await asyncio.sleep(0.1)
        assert not pending.done()

        await private_redis.start()
        await asyncio.wait_for(pending, timeout=5)
        client = private_redis.client()
        try:
            assert await client.publish(channel, "late") == 1
        finally:
            await client.aclose()
        assert await next_event(backend) == Event(channel, "late")
    finally:
        await backend.disconnect()


async def test_cancelled_subscribe_does_not_linger(private_redis: PrivateRedis) -> None:
    backend = ResilientRedisBackend(private_redis.url, **FAST)
    await backend.connect()
    try:
        await private_redis.kill()
        await eventually(lambda: not backend.connected, within=2)
        channel = channel_name()
        pending = asyncio.create_task(backend.subscribe(channel))
        await asyncio.sleep(0.05)
        pending.cancel()
        with pytest.raises(asyncio.CancelledError):
            await pending

        await private_redis.start()
        async with asyncio.timeout(5):
            await backend.wait_connected()
        assert backend.channels == frozenset()
        client = private_redis.client()
        try:
            assert await client.pubsub_channels() == []
        finally:
            await client.aclose()
    finally:
        await backend.disconnect()
