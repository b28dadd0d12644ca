"""The bounded buffer between a broadcast backend's producer and `next_published`."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from broadcaster import Event

OverflowCallback = Callable[[Event], None]

DEFAULT_QUEUE_SIZE = 10_000


class EventBuffer:
    """A bounded FIFO of events between a backend's producer and `next_published`.

    Overflow policy: when full, the oldest event is dropped to make room for the new one.
    The producer (the Redis reader, or `publish` in memory) therefore never waits for the
    consumer, so one slow consumer cannot stall reading from Redis and memory stays bounded.
    Dropping the oldest rather than the newest keeps the freshest state flowing; the gap is
    never silent: `dropped` counts it and `on_overflow(event)` names the lost event's channel
    so the hub can make that channel's subscribers resync from history (every event carries
    an offset, so they can also detect the gap themselves).
    """

    def __init__(self, maxsize: int, on_overflow: OverflowCallback | None = None) -> None:
        if maxsize < 1:
            raise ValueError("maxsize must be at least 1")
        self.maxsize = maxsize
        self.dropped = 0
        self._on_overflow = on_overflow
        self._queue: asyncio.Queue[Event] = asyncio.Queue(maxsize)

    def push(self, event: Event) -> None:
        """Append without ever waiting; drops (and reports) the oldest event when full."""
        if self._queue.full():
            lost = self._queue.get_nowait()
            self.dropped += 1
            if self._on_overflow is not None:
                # Synchronous on purpose: the reader must not wait on the hub here.
                self._on_overflow(lost)
        self._queue.put_nowait(event)

    async def get(self) -> Event:
        """The oldest buffered event, waiting for one if the buffer is empty."""
        return await self._queue.get()

    def discard(self, channel: str) -> None:
        """Forget buffered events of `channel` (it was unsubscribed: nobody wants them)."""
        kept = []
        while not self._queue.empty():
            event = self._queue.get_nowait()
            if event.channel != channel:
                kept.append(event)
        for event in kept:
            self._queue.put_nowait(event)

    def qsize(self) -> int:
        """How many events are waiting to be consumed."""
        return self._queue.qsize()


class BufferedBackendState:
    """The state both broadcast backends expose (for /readyz and the hub), written once.

    Subclasses set `_buffer` (an `EventBuffer`) and `_connected` (an `asyncio.Event`).
    """

    _buffer: EventBuffer
    _connected: asyncio.Event

    @property
    def connected(self) -> bool:
        """True while the backend can deliver (for Redis: connected and resubscribed)."""
        return self._connected.is_set()

    @property
    def dropped(self) -> int:
        """Events dropped because the consumer fell `queue_size` events behind."""
        return self._buffer.dropped

    async def wait_connected(self) -> None:
        """Return once connected; bound it with `asyncio.timeout` where that matters."""
        await self._connected.wait()
