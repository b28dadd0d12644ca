"""The hub: one broadcaster subscription per channel per process, fanned out to sockets.

Publishing (called by the relay's push listener): `publish(key, event, data)` appends the event to
the channel's history, which gives it its offset and epoch and publishes it (Redis: in the
same Lua script; embedded: the hub publishes the entry to the in-process backend).

Receiving: every channel some local socket is subscribed to has one `Feed`, holding one
`Broadcast.subscribe` for the whole process. The feed encodes each event once and hands the
same text to every subscribed `Connection` (which queues it without waiting). The feed tracks
the last offset it delivered; when an event arrives past a gap (events dropped by a full
buffer, or missed while the Redis listener was reconnecting) it first fetches the missing ones
from history, so subscribers see every offset in order. After the Redis listener reconnects,
every feed catches up from history at once, without waiting for the next event.

Subscribing a socket: the subscription is registered as *pending* (live events are held),
then history is asked what the client missed since its `since` position; the hub sends
`subscribed` (with `recovered`, and the offset the following events continue from: the
client's own on a successful resume, else the current one), the replayed events, then the
held live events above the replayed offset, and switches the subscription to live: no
duplicate, no gap.

A subscriber that finds an epoch change or a gap the feed could not fill gets a fresh
`subscribed` frame with `recovered: false` (it refetches over REST) before the next event.

Presence diffs and process-control messages travel through the same backend without history.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import logging
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any, Literal, ParamSpec, TypeVar

from broadcaster import Broadcast
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from server.channels import names, protocol
from server.channels.buffer import BufferedBackendState
from server.channels.connection import Connection, Message, text_message
from server.channels.history import Entry, History
from server.channels.names import Channel
from server.channels.presence import Presence, PresenceDiff, to_event

log = logging.getLogger(__name__)

# How long a subscribe may wait for the backend (e.g. Redis reconnecting) before it fails.
SUBSCRIBE_TIMEOUT_SECONDS = 5.0
PRESENCE_KIND = "presence"


class NotAvailable(Exception):
    """The real-time backend cannot serve this request right now."""


P = ParamSpec("P")
R = TypeVar("R")


def _backend_needed(method: Callable[P, Awaitable[R]]) -> Callable[P, Awaitable[R]]:
    """Redis refusing or dropping a command (it is restarting, the listener reconnecting)
    raises `NotAvailable`: the client is told `not_ready` and retries, not `internal_error`."""

    @functools.wraps(method)
    async def calling(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return await method(*args, **kwargs)
        except (RedisConnectionError, RedisTimeoutError) as exc:
            raise NotAvailable("The real-time backend is not available; retry.") from exc

    return calling


def _reraise_cancellation(exc: Exception) -> None:
    """Raise CancelledError if the current task is being cancelled.

    broadcaster 0.3.1's `subscribe`, cancelled while the backend has not yet confirmed the
    subscription (Redis down), raises KeyError from its cleanup instead: a feed logged a
    spurious failure, and the control listener took it for one and restarted, so the hub
    could not stop.
    """
    task = asyncio.current_task()
    if task is not None and task.cancelling():
        raise asyncio.CancelledError from exc


@dataclass(slots=True)
class Subscription:
    """One socket's position on one channel."""

    offset: int = 0
    epoch: str = ""
    # Live events held while the subscription's replay is being prepared.
    pending: list[tuple[Entry, Message]] | None = field(default_factory=list)


class Feed:
    """A channel's single broadcaster subscription in this process, and its local sockets."""

    def __init__(self, hub: Hub, channel: Channel) -> None:
        self.hub = hub
        self.channel = channel
        self.key = channel.key
        self.wire = channel.wire
        self.subscribers: dict[Connection, Subscription] = {}
        self.offset = 0
        self.epoch = ""
        self.lock = asyncio.Lock()
        self.ready: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.task = asyncio.create_task(self._run(), name=f"feed {self.key}")

    async def _run(self) -> None:
        try:
            async with self.hub.broadcast.subscribe(self.key) as subscriber:
                # Position taken after the subscription is confirmed: anything published
                # later arrives live; anything earlier is in history.
                self.offset, self.epoch = await self.hub.history.latest(self.key)
                if not self.ready.done():
                    self.ready.set_result(None)
                while True:
                    event = await subscriber.get()
                    await self._receive(event.message)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            _reraise_cancellation(exc)
            log.exception("feed %s stopped", self.key)
            if not self.ready.done():
                self.ready.set_exception(exc)
            for conn in list(self.subscribers):
                conn.close(protocol.Close.TRY_AGAIN_LATER, "channel feed failed")

    async def _receive(self, message: Any) -> None:
        if isinstance(message, Entry):
            entry = message
        else:
            raw = json.loads(message)
            if raw.get("kind") == PRESENCE_KIND:
                frame = text_message(protocol.presence_diff(raw["change"]))
                for conn, sub in self.subscribers.items():
                    if sub.pending is None:
                        conn.send_message(frame)
                return
            entry = Entry.from_dict(raw)  # parsed once, above
        async with self.lock:
            if entry.epoch == self.epoch and entry.offset > self.offset + 1:
                await self._fill_gap(entry.offset)
            if entry.epoch == self.epoch and entry.offset <= self.offset:
                return  # already delivered (replayed after a gap or a reconnect)
            self._fan_out(entry)

    async def _fill_gap(self, before: int) -> None:
        replay = await self.hub.history.since(self.key, self.offset, self.epoch)
        if replay.recovered:
            for missed in replay.entries:
                if missed.offset < before:
                    self._fan_out(missed)

    async def catch_up(self) -> None:
        """Deliver what was published while this process was not listening (Redis blip)."""
        async with self.lock:
            replay = await self.hub.history.since(self.key, self.offset, self.epoch)
            if replay.recovered:
                for entry in replay.entries:
                    self._fan_out(entry)
                return
            # History was lost: every subscriber starts over from the current position.
            self.offset, self.epoch = replay.offset, replay.epoch
            frame = protocol.subscribed(self.wire, replay.offset, replay.epoch, False)
            for conn, sub in self.subscribers.items():
                if sub.pending is None:
                    sub.offset, sub.epoch = replay.offset, replay.epoch
                    conn.send(frame)

    def _fan_out(self, entry: Entry) -> None:
        self.offset, self.epoch = entry.offset, entry.epoch
        # Encoded once, and one ASGI message object, for every subscriber.
        frame = text_message(protocol.event(self.wire, entry))
        offset, epoch = entry.offset, entry.epoch
        for conn, sub in self.subscribers.items():
            if sub.pending is not None:
                sub.pending.append((entry, frame))
            elif sub.offset == offset - 1 and sub.epoch == epoch:
                sub.offset = offset  # the usual case, inlined: this loop is the hot path
                conn.send_message(frame)
            else:
                self.deliver(conn, sub, entry, frame)

    def deliver(self, conn: Connection, sub: Subscription, entry: Entry, frame: Message) -> None:
        if entry.epoch != sub.epoch or entry.offset > sub.offset + 1:
            # The client cannot have what came before: tell it to refetch, then go on.
            conn.send(protocol.subscribed(self.wire, entry.offset - 1, entry.epoch, False))
        elif entry.offset <= sub.offset:
            return
        sub.offset, sub.epoch = entry.offset, entry.epoch
        conn.send_message(frame)

    async def close(self) -> None:
        self.task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await self.task


class Hub:
    """Feeds, connections and presence of this process. Start it in the app's lifespan."""

    def __init__(
        self,
        *,
        backend: BufferedBackendState,
        history: History,
        presence: Presence,
        append_publishes: bool,
    ) -> None:
        self.backend = backend
        self.broadcast = Broadcast(backend=backend)  # type: ignore[arg-type]
        self.history = history
        self.presence = presence
        # True when `history.append` publishes by itself (RedisHistory's Lua script).
        self._append_publishes = append_publishes
        self.feeds: dict[str, Feed] = {}
        self.connections: set[Connection] = set()
        self._tasks: list[asyncio.Task[None]] = []
        self._background: set[asyncio.Task[Any]] = set()
        self._control: Feed | None = None

    # -- lifecycle ------------------------------------------------------------------------------

    async def start(self) -> None:
        await self.broadcast.connect()
        self._tasks.append(asyncio.create_task(self._listen_control(), name="hub-control"))

    async def stop(self) -> None:
        for conn in list(self.connections):
            conn.close(protocol.Close.SERVICE_RESTART, "server restarting")
        for conn in list(self.connections):
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(2):
                    await conn.closed.wait()
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        for feed in list(self.feeds.values()):
            await feed.close()
        self.feeds.clear()
        await self.broadcast.disconnect()

    @property
    def ready(self) -> bool:
        """False while the backend cannot deliver (the Redis listener is reconnecting)."""
        return self.backend.connected

    async def on_backend_reconnect(self, channels: frozenset[str]) -> None:
        """Called by the Redis backend after it resubscribed: replay what was missed."""
        await asyncio.gather(
            *(feed.catch_up() for feed in list(self.feeds.values())), return_exceptions=True
        )

    def on_overflow(self, lost: Any) -> None:
        """The backend's buffer dropped an event: that channel's feed fills the gap from
        history when the next event arrives; catch up now in case none does."""
        feed = self.feeds.get(getattr(lost, "channel", ""))
        if feed is not None:
            self._spawn(feed.catch_up())

    def _spawn(self, work: Coroutine[Any, Any, Any]) -> None:
        """Run `work` in the background, keeping a reference until it is done."""
        task = asyncio.get_running_loop().create_task(work)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    # -- publishing -----------------------------------------------------------------------------

    async def publish(self, key: str, event: str, data: dict[str, Any]) -> None:
        """Append to the channel's history and publish (the push listener's only call)."""
        if key == names.CONTROL_KEY:
            await self.broadcast.publish(key, json.dumps(data))
            return
        entry = await self.history.append(key, event, data)
        if not self._append_publishes:
            await self.broadcast.publish(key, entry)

    # -- connections ----------------------------------------------------------------------------

    def register(self, conn: Connection) -> None:
        self.connections.add(conn)

    async def unregister(self, conn: Connection) -> None:
        """Forget a socket: leave its channels and its presence everywhere."""
        self.connections.discard(conn)
        for key in list(conn.channels):
            self._detach(conn, key)
        for key in list(conn.presence_keys):
            await self._leave_presence(conn, key)

    @_backend_needed
    async def subscribe(
        self, conn: Connection, channel: Channel, since: protocol.Since | None
    ) -> None:
        """Subscribe `conn` (already authorised) and send `subscribed`, replay, presence."""
        key = channel.key
        if key in conn.channels:
            self._detach(conn, key)
        feed = await self._feed(channel)
        sub = Subscription()
        feed.subscribers[conn] = sub
        conn.channels.add(key)
        try:
            if since is None:
                offset, epoch = await self.history.latest(key)
                replay_entries: list[Entry] = []
                recovered = True
            else:
                replay = await self.history.since(key, since.offset, since.epoch)
                offset, epoch = replay.offset, replay.epoch
                replay_entries, recovered = replay.entries, replay.recovered
        except Exception:
            self._detach(conn, key)
            raise
        if conn not in feed.subscribers:  # unsubscribed or gone meanwhile
            return
        pending = sub.pending or []
        # The socket stands where the client stood; the replay moves it to `offset`.
        start = since.offset if since is not None and replay_entries else offset
        sub.offset, sub.epoch, sub.pending = start, epoch, None
        conn.send(protocol.subscribed(channel.wire, start, epoch, recovered))
        for entry in replay_entries:
            feed.deliver(conn, sub, entry, text_message(protocol.event(channel.wire, entry)))
        for entry, frame in pending:
            feed.deliver(conn, sub, entry, frame)
        if _has_presence(conn, channel):
            await self.join_presence(conn, channel)
            conn.send(protocol.presence_snapshot(channel.wire, await self.presence.snapshot(key)))
            if channel.kind == "contact":
                # The organisation's agents see on their queue which customers are online.
                await self.join_presence(conn, names.queue(channel.organization_id))

    async def unsubscribe(self, conn: Connection, channel: Channel) -> bool:
        key = channel.key
        if key not in conn.channels:
            return False
        self._detach(conn, key)
        if key in conn.presence_keys:
            await self._leave_presence(conn, key)
        return True

    def _detach(self, conn: Connection, key: str) -> None:
        conn.channels.discard(key)
        feed = self.feeds.get(key)
        if feed is None:
            return
        feed.subscribers.pop(conn, None)
        if not feed.subscribers:
            del self.feeds[key]
            self._spawn(feed.close())

    async def _feed(self, channel: Channel) -> Feed:
        key = channel.key
        feed = self.feeds.get(key)
        if feed is None:
            feed = Feed(self, channel)
            self.feeds[key] = feed
        try:
            async with asyncio.timeout(SUBSCRIBE_TIMEOUT_SECONDS):
                await asyncio.shield(feed.ready)
        except Exception as exc:
            if not feed.subscribers and self.feeds.get(key) is feed:
                del self.feeds[key]
                self._spawn(feed.close())
            raise NotAvailable("The real-time backend is not available; retry.") from exc
        return feed

    # -- presence -------------------------------------------------------------------------------

    async def join_presence(self, conn: Connection, channel: Channel) -> None:
        person = conn.identity.person
        if person is None:
            return
        diff = await self.presence.join(
            channel.key, conn.id, person, conn.identity.name, conn.status
        )
        conn.presence_keys.add(channel.key)
        await self._announce(channel, diff)

    @_backend_needed
    async def set_status(self, conn: Connection, status: Literal["online", "away"]) -> None:
        conn.status = status
        for key in list(conn.presence_keys):
            diff = await self.presence.update(key, conn.id, status=status)
            await self._announce(names.from_key(key), diff)

    @_backend_needed
    async def typing(self, conn: Connection, channel: Channel, composing: bool) -> None:
        if channel.key not in conn.presence_keys:
            return
        diff = await self.presence.update(channel.key, conn.id, composing=composing)
        await self._announce(channel, diff)

    async def _leave_presence(self, conn: Connection, key: str) -> None:
        conn.presence_keys.discard(key)
        try:
            diff = await self.presence.leave(key, conn.id)
            await self._announce(names.from_key(key), diff)
        except Exception:  # the entry expires by itself within the TTL
            log.warning("could not remove presence of %s on %s", conn.id, key, exc_info=True)

    async def _announce(self, channel: Channel, diff: PresenceDiff) -> None:
        if diff.empty:
            return
        change = to_event(channel.wire, diff).model_dump(mode="json", by_alias=True)
        message = json.dumps({"kind": PRESENCE_KIND, "change": change})
        await self.broadcast.publish(channel.key, message)

    @property
    def presence_upkeep_interval(self) -> float:
        """How often `presence_upkeep` must run: three times per presence TTL."""
        return max(1.0, self.presence.ttl / 3)

    async def presence_upkeep(self, slot: object = None) -> None:
        """Refresh this process's entries, and push the departure of expired ones (e.g. of a
        process that was killed) on the channels this process watches. A job that every
        process runs for itself (the composition root schedules it)."""
        ids = [c.id for c in self.connections if c.presence_keys]
        await self.presence.heartbeat(ids)
        watched = {key for c in self.connections for key in c.presence_keys}
        for key in watched:
            await self._announce(names.from_key(key), await self.presence.expire(key))

    # -- control --------------------------------------------------------------------------------

    async def _listen_control(self) -> None:
        while True:
            try:
                async with self.broadcast.subscribe(names.CONTROL_KEY) as subscriber:
                    while True:
                        event = await subscriber.get()
                        self._control_message(json.loads(event.message))
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                _reraise_cancellation(exc)
                log.warning("control listener failed; restarting", exc_info=True)
                await asyncio.sleep(1)

    def _control_message(self, message: dict[str, Any]) -> None:
        revoke = message.get("revoke")
        if not isinstance(revoke, dict):
            return
        for conn in list(self.connections):
            if _matches(conn, revoke):
                conn.close(protocol.Close.UNAUTHENTICATED, "token revoked")


def _matches(conn: Connection, revoke: dict[str, Any]) -> bool:
    who = conn.identity
    if "tokenDigest" in revoke:
        return who.token_digest is not None and who.token_digest == revoke["tokenDigest"]
    if "organizationId" in revoke and revoke["organizationId"] != who.organization_id:
        return False
    return revoke.get("kind") == who.kind and revoke.get("id") == who.id


def _has_presence(conn: Connection, channel: Channel) -> bool:
    """Viewers of a ticket, agents on the queue, a customer on their own channel, everyone in
    a live chat (typing both ways)."""
    return conn.identity.person is not None and channel.kind in (
        "ticket", "queue", "contact", "conversation",
    )  # fmt: skip
