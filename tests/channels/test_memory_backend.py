"""The in-process backend: subscribed-only delivery, unsubscribe, bounded buffer."""

from __future__ import annotations

import asyncio

import pytest
from broadcaster import Broadcast, Event

from server.channels.buffer import EventBuffer
from server.channels.memory_backend import MemoryBackend


async def next_event(backend: MemoryBackend) -> Event:
    return await asyncio.wait_for(backend.next_published(), timeout=1)


async def test_delivers_only_subscribed_channels_in_order() -> None:
    backend = MemoryBackend()
    await backend.connect()
    await backend.subscribe("a")
    await backend.publish("b", "not subscribed")
    await backend.publish("a", "1")
    await backend.publish("a", "2")

    assert await next_event(backend) == Event("a", "1")
    assert await next_event(backend) == Event("a", "2")
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(backend.next_published(), timeout=0.05)


async def test_unsubscribe_stops_delivery_and_discards_buffered_events() -> None:
    backend = MemoryBackend()
    await backend.connect()
    await backend.subscribe("a")
    await backend.subscribe("b")
    await backend.publish("a", "buffered before unsubscribe")
    await backend.unsubscribe("a")
    await backend.publish("a", "after unsubscribe")
    await backend.publish("b", "still subscribed")

    assert await next_event(backend) == Event("b", "still subscribed")
    assert backend.channels == {"b"}


async def test_full_buffer_drops_oldest_and_reports_it() -> None:
    lost: list[Event] = []
    backend = MemoryBackend(queue_size=10, on_overflow=lost.append)
    await backend.connect()
    await backend.subscribe("a")
    # Nobody reads: publishing must neither block nor grow the buffer past its size.
    async with asyncio.timeout(1):
        for i in range(100):
            await backend.publish("a", str(i))

    assert backend.dropped == 90
    assert [e.message for e in lost] == [str(i) for i in range(90)]
    assert [(await next_event(backend)).message for _ in range(10)] == [
        str(i) for i in range(90, 100)
    ]


def test_buffer_size_must_be_positive() -> None:
    with pytest.raises(ValueError):
        EventBuffer(0)


async def test_connected_follows_connect_and_disconnect() -> None:
    backend = MemoryBackend()
    assert not backend.connected
    await backend.connect()
    async with asyncio.timeout(0.1):
        await backend.wait_connected()
    assert backend.connected
    await backend.disconnect()
    assert not backend.connected


async def test_works_as_a_broadcaster_backend() -> None:
    async with (
        Broadcast(backend=MemoryBackend()) as broadcast,
        broadcast.subscribe("ticket") as subscriber,
    ):
        await broadcast.publish("other", "ignored")
        await broadcast.publish("ticket", "hello")
        event = await asyncio.wait_for(subscriber.get(), timeout=1)
    assert event == Event("ticket", "hello")
