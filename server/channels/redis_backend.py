"""A Redis pub/sub backend for broadcaster that survives Redis restarts.

broadcaster 0.3.1's own Redis backend loses the first channel with redis-py 8, dies
silently when Redis restarts and buffers without bound. This one:

- `subscribe` returns only once Redis has confirmed the subscription;
- one reader task owns the pub/sub connection and pushes events into a bounded
  `EventBuffer` (drop-oldest, counted, reported: see `buffer.EventBuffer`), so a
  slow consumer never stops Redis from being read;
- a probe PINGs the pub/sub connection every `probe_interval` seconds and treats a missing
  PONG after `probe_timeout` as a dead connection (a half-open TCP connection raises no error);
- on any loss it reconnects with exponential backoff plus jitter (capped), resubscribes every
  channel in ONE `SUBSCRIBE`, then calls `on_reconnect(channels)` so the hub can replay what
  was missed from history;
- `publish` goes through a separate, ordinary client with retries on connection errors.

The pub/sub connection is a bare redis-py `Connection` rather than redis-py's `PubSub`,
because `PubSub` reconnects and resubscribes on its own, which would race with (and hide)
the reconnection logic above.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import random
from collections.abc import Awaitable, Callable
from typing import Any

from broadcaster import BroadcastBackend, Event
from redis import asyncio as aioredis
from redis.asyncio.connection import AbstractConnection, Connection, parse_url
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialWithJitterBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from server.channels.buffer import (
    DEFAULT_QUEUE_SIZE,
    BufferedBackendState,
    EventBuffer,
    OverflowCallback,
)

logger = logging.getLogger(__name__)

ReconnectCallback = Callable[[frozenset[str]], Awaitable[None] | None]

# Errors that mean "this connection is gone": reconnect rather than crash the reader.
_CONNECTION_ERRORS = (RedisConnectionError, RedisTimeoutError, OSError, TimeoutError, EOFError)


PUBLISH_MAX_CONNECTIONS = 32


class ProbeFailed(RedisConnectionError):
    """The pub/sub connection did not answer a PING in time."""


class ResilientRedisBackend(BufferedBackendState, BroadcastBackend):
    """broadcaster backend over Redis pub/sub that reconnects and resubscribes by itself."""

    def __init__(
        self,
        url: str,
        *,
        queue_size: int = DEFAULT_QUEUE_SIZE,
        on_overflow: OverflowCallback | None = None,
        on_reconnect: ReconnectCallback | None = None,
        probe_interval: float = 5.0,
        probe_timeout: float = 2.0,
        connect_timeout: float = 5.0,
        backoff_base: float = 0.1,
        backoff_max: float = 5.0,
        publish_retries: int = 3,
    ) -> None:
        self._url = url
        self._buffer = EventBuffer(queue_size, on_overflow)
        self._on_reconnect = on_reconnect
        self._probe_interval = probe_interval
        self._probe_timeout = probe_timeout
        self._connect_timeout = connect_timeout
        self._backoff_base = backoff_base
        self._backoff_max = backoff_max
        self._publish_retries = publish_retries

        self._channels: set[str] = set()
        # SUBSCRIBE commands sent on the current connection and not yet confirmed, per
        # channel; a channel's waiters are released when the LAST of them is confirmed, so
        # a subscribe that follows an unsubscribe is never released by the earlier reply.
        self._outstanding: dict[str, int] = {}
        self._waiters: dict[str, list[asyncio.Future[None]]] = {}
        self._pong: asyncio.Future[None] | None = None

        self._conn: AbstractConnection | None = None
        # Serialises writes on the pub/sub connection and the "is it writable" decision, so
        # a subscribe never slips between a reconnect's channel snapshot and its SUBSCRIBE.
        self._write_lock = asyncio.Lock()
        self._connected = asyncio.Event()
        self._supervisor: asyncio.Task[None] | None = None
        self._callbacks: set[asyncio.Task[None]] = set()
        self._publisher: aioredis.Redis | None = None
        self.reconnects = 0

    # -- state ------------------------------------------------------------------------------

    @property
    def channels(self) -> frozenset[str]:
        """The channels this backend is (or will be, after reconnecting) subscribed to."""
        return frozenset(self._channels)

    # -- BroadcastBackend -------------------------------------------------------------------

    async def connect(self) -> None:
        """Start the listener and wait (up to `connect_timeout`) for the first connection.

        If Redis is down at start-up, the listener keeps retrying in the background and
        `connected` stays False (so /readyz says 503) rather than failing the process.
        """
        # A blocking pool: a burst of publishes waits for one of a bounded set of connections
        # instead of failing with "Too many connections" (redis-py's default cap is 100).
        pool = aioredis.BlockingConnectionPool.from_url(
            self._url,
            max_connections=PUBLISH_MAX_CONNECTIONS,
            timeout=self._connect_timeout,
            socket_connect_timeout=self._connect_timeout,
            socket_timeout=self._connect_timeout,
            retry=Retry(
                ExponentialWithJitterBackoff(cap=self._backoff_max, base=self._backoff_base),
                self._publish_retries,
            ),
            retry_on_error=[RedisConnectionError, RedisTimeoutError],
        )
        self._publisher = aioredis.Redis.from_pool(pool)  # owns the pool: aclose() closes it
        self._supervisor = asyncio.create_task(self._supervise(), name="redis-pubsub-listener")
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(self._connect_timeout):
                await self.wait_connected()

    async def disconnect(self) -> None:
        tasks = [t for t in [self._supervisor, *self._callbacks] if t is not None]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._supervisor = None
        self._connected.clear()
        await self._close_connection()
        if self._publisher is not None:
            await self._publisher.aclose()
            self._publisher = None

    async def subscribe(self, channel: str) -> None:
        """Subscribe and return once Redis has confirmed it (events from then on arrive).

        While Redis is unreachable this waits until the listener reconnects and resubscribes.
        """
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        async with self._write_lock:
            self._channels.add(channel)
            self._waiters.setdefault(channel, []).append(waiter)
            if self._conn is not None:
                self._outstanding[channel] = self._outstanding.get(channel, 0) + 1
                # A failed send is a lost connection: the reconnect resubscribes the
                # channel (it is in `_channels`) and releases the waiter then.
                with contextlib.suppress(*_CONNECTION_ERRORS):
                    await self._conn.send_command("SUBSCRIBE", channel, check_health=False)
        try:
            await waiter
        except asyncio.CancelledError:
            self._abandon(channel, waiter)
            raise

    async def unsubscribe(self, channel: str) -> None:
        async with self._write_lock:
            self._channels.discard(channel)
            self._buffer.discard(channel)
            if self._conn is not None:
                with contextlib.suppress(*_CONNECTION_ERRORS):
                    await self._conn.send_command("UNSUBSCRIBE", channel, check_health=False)

    async def publish(self, channel: str, message: Any) -> None:
        if self._publisher is None:
            raise RuntimeError("publish() before connect()")
        await self._publisher.publish(channel, message)

    async def next_published(self) -> Event:
        return await self._buffer.get()

    # -- the listener -----------------------------------------------------------------------

    async def _supervise(self) -> None:
        """Connect, listen until the connection dies, back off, repeat; forever.

        `on_reconnect` is called after every successful RE-connection, not the first one:
        nothing can have been missed before the first.
        """
        failures = 0
        first = True
        while True:
            try:
                channels = await self._open()
                failures = 0
                if not first:
                    self.reconnects += 1
                    self._notify_reconnect(channels)
                first = False
                async with asyncio.TaskGroup() as group:
                    group.create_task(self._read())
                    group.create_task(self._probe())
            except* _CONNECTION_ERRORS as errors:
                logger.warning("redis pub/sub connection lost: %r", errors.exceptions[0])
            except* Exception:
                # A bug must not kill the listener silently (that is the stock backend's
                # failure mode): log it and start over on a fresh connection.
                logger.exception("redis pub/sub listener failed; reconnecting")
            finally:
                self._connected.clear()
                await self._close_connection()
            delay = self._backoff_delay(failures)
            failures += 1
            await asyncio.sleep(delay)

    def _backoff_delay(self, failures: int) -> float:
        """Exponential backoff capped at `backoff_max`, with jitter in its upper half.

        The first retry is immediate-ish (a blip), later ones spread out; jitter keeps many
        processes from reconnecting to a restarted Redis in lockstep.
        """
        ceiling = min(self._backoff_max, self._backoff_base * 2 ** min(failures, 30))
        return random.uniform(ceiling / 2, ceiling)

    async def _open(self) -> frozenset[str]:
        """Open the pub/sub connection and resubscribe every channel in one SUBSCRIBE.

        Returns the channels resubscribed, once Redis has confirmed all of them.
        """
        kwargs: dict[str, Any] = dict(parse_url(self._url))
        connection_class = kwargs.pop("connection_class", Connection)
        # RESP2 so pub/sub messages are plain replies; no socket timeout because the reader
        # blocks until a message comes and liveness is the probe's job.
        conn = connection_class(**kwargs, protocol=2, socket_timeout=None, health_check_interval=0)
        try:
            async with asyncio.timeout(self._connect_timeout):
                await conn.connect()
        except BaseException:
            await conn.disconnect(nowait=True)
            raise
        async with self._write_lock:
            self._conn = conn
            self._outstanding.clear()
            self._pong = None
            channels = frozenset(self._channels)
            if channels:
                for channel in channels:
                    self._outstanding[channel] = 1
                await conn.send_command("SUBSCRIBE", *channels, check_health=False)
        # Confirmations are read here (not by the reader task) so "connected" is only
        # reported once every channel is back.
        async with asyncio.timeout(self._connect_timeout):
            while any(self._outstanding.get(channel) for channel in channels):
                self._handle(await conn.read_response(timeout=math.inf))
        self._connected.set()
        return channels

    async def _read(self) -> None:
        """Read every reply on the pub/sub connection until it fails."""
        conn = self._conn
        assert conn is not None
        while True:
            self._handle(await conn.read_response(timeout=math.inf))

    async def _probe(self) -> None:
        """PING every `probe_interval`; no PONG within `probe_timeout` means a dead link."""
        conn = self._conn
        assert conn is not None
        while True:
            await asyncio.sleep(self._probe_interval)
            pong = asyncio.get_running_loop().create_future()
            async with self._write_lock:
                self._pong = pong
                await conn.send_command("PING", check_health=False)
            try:
                async with asyncio.timeout(self._probe_timeout):
                    await pong
            except TimeoutError:
                raise ProbeFailed(f"no PONG within {self._probe_timeout}s") from None

    def _handle(self, reply: Any) -> None:
        """Dispatch one reply read from the pub/sub connection."""
        if reply in (b"PONG", b"pong"):
            # PING outside subscribed mode answers a simple string.
            self._resolve_pong()
            return
        if not isinstance(reply, list) or not reply:
            return
        kind = reply[0]
        if kind == b"message":
            channel = reply[1].decode(errors="replace")
            # A message can still arrive between our UNSUBSCRIBE and its confirmation.
            if channel in self._channels:
                # "replace", not strict: one undecodable message must not cost a reconnect.
                message = reply[2].decode(errors="replace")
                self._buffer.push(Event(channel=channel, message=message))
        elif kind == b"subscribe":
            self._confirm(reply[1].decode(errors="replace"))
        elif kind == b"pong":
            self._resolve_pong()

    def _confirm(self, channel: str) -> None:
        left = self._outstanding.get(channel, 0) - 1
        if left > 0:
            self._outstanding[channel] = left
            return
        self._outstanding.pop(channel, None)
        for waiter in self._waiters.pop(channel, []):
            if not waiter.done():
                waiter.set_result(None)

    def _resolve_pong(self) -> None:
        if self._pong is not None and not self._pong.done():
            self._pong.set_result(None)

    def _abandon(self, channel: str, waiter: asyncio.Future[None]) -> None:
        """Undo a subscribe whose caller was cancelled before it was confirmed.

        The caller believes it is not subscribed, so unless someone else is still waiting
        for the same channel, the subscription must not linger (nor come back on reconnect).
        """
        waiters = self._waiters.get(channel, [])
        if waiter in waiters:
            waiters.remove(waiter)
        if waiters:
            return
        self._waiters.pop(channel, None)
        self._channels.discard(channel)
        # UNSUBSCRIBE needs the write lock; awaiting here would swallow the cancellation.
        task = asyncio.create_task(self.unsubscribe(channel), name="redis-pubsub-abandon")
        self._callbacks.add(task)
        task.add_done_callback(self._callbacks.discard)

    def _notify_reconnect(self, channels: frozenset[str]) -> None:
        """Run `on_reconnect` in its own task so a slow replay never delays reading."""
        if self._on_reconnect is None:
            return
        callback = self._on_reconnect

        async def run() -> None:
            try:
                result = callback(channels)
                if result is not None:
                    await result
            except Exception:
                logger.exception("on_reconnect callback failed")

        task = asyncio.create_task(run(), name="redis-pubsub-on-reconnect")
        self._callbacks.add(task)
        task.add_done_callback(self._callbacks.discard)

    async def _close_connection(self) -> None:
        async with self._write_lock:
            conn, self._conn = self._conn, None
            self._outstanding.clear()
        if conn is not None:
            with contextlib.suppress(Exception):
                await conn.disconnect(nowait=True)
