"""Presence in process memory, for the embedded mode (the semantics are in `presence`).

Per channel a dict of connection id -> (connection, expiry in seconds), and per connection
the set of its channels, for heartbeats. A mutation sweeps the channel's expired connections,
applies its change and diffs the rollups in one synchronous step (no `await` in between), so
it is atomic within the process, the only one using the store; expiry is judged by one
injectable clock (tests pass a fake). Like the Redis keys, a channel and a connection's
channel set vanish `KEY_TTL_FACTOR` TTLs after their last write: dropped on the next access
to them, or by a sweep (on any access, at most every `SWEEP_INTERVAL_SECONDS`) if nobody
touches them again.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from server.channels import events
from server.channels.presence import (
    DEFAULT_TTL_SECONDS,
    KEY_TTL_FACTOR,
    Conn,
    Presence,
    PresenceDiff,
    Status,
    check_ttl,
    diff_rollups,
    rollup,
)


@dataclass
class _MemoryChannel:
    # connection id -> (entry, expiry in seconds); like a Redis key, the whole channel
    # vanishes at `vanishes_at` (KEY_TTL_FACTOR TTLs after the last write).
    connections: dict[str, tuple[Conn, float]] = field(default_factory=dict)
    vanishes_at: float = 0.0


class MemoryPresence(Presence):
    """Presence in process memory, for the embedded mode.

    `clock` returns seconds since the Unix epoch; tests pass a fake to expire connections.
    """

    # Drop vanished channels and connection sets at most this often.
    SWEEP_INTERVAL_SECONDS = 60.0

    def __init__(
        self, ttl: float = DEFAULT_TTL_SECONDS, *, clock: Callable[[], float] = time.time
    ) -> None:
        check_ttl(ttl)
        self.ttl = ttl
        self._clock = clock
        self._channels: dict[str, _MemoryChannel] = {}
        # connection id -> (channel keys, vanishes at): mirrors the Redis per-connection set.
        self._connection_channels: dict[str, tuple[set[str], float]] = {}
        self._next_sweep = clock() + self.SWEEP_INTERVAL_SECONDS

    def _sweep(self, now: float) -> None:
        if now < self._next_sweep:
            return
        self._next_sweep = now + self.SWEEP_INTERVAL_SECONDS
        for key in [k for k, c in self._channels.items() if c.vanishes_at <= now]:
            del self._channels[key]
        for conn in [k for k, (_, v) in self._connection_channels.items() if v <= now]:
            del self._connection_channels[conn]

    def _live_channel(self, channel_key: str, now: float) -> _MemoryChannel | None:
        self._sweep(now)
        state = self._channels.get(channel_key)
        if state is not None and state.vanishes_at <= now:
            del self._channels[channel_key]
            return None
        return state

    def _connection_set(self, connection_id: str, now: float) -> set[str]:
        channels, vanishes_at = self._connection_channels.get(connection_id, (set(), 0.0))
        if vanishes_at <= now:
            channels = set()
        self._connection_channels[connection_id] = (channels, now + self.ttl * KEY_TTL_FACTOR)
        return channels

    def _mutate(
        self,
        channel_key: str,
        change: Callable[[dict[str, tuple[Conn, float]], float], None],
        connection_id: str | None = None,
    ) -> PresenceDiff:
        """Sweep expired connections, apply `change`, and diff the rollups (like the Lua).

        Only the people whose connections changed can change in the rollup: the person of
        `connection_id` (the only connection `change` touches) and those of the expired
        connections. The rollups are computed for them alone, so a join on a channel with
        thousands of connections costs a scan, not a rollup of everyone.
        """
        now = self._clock()
        state = self._live_channel(channel_key, now)
        stored = dict(state.connections) if state is not None else {}
        expired = [cid for cid, (_, expiry) in stored.items() if expiry <= now]
        touched = [*expired, connection_id] if connection_id is not None else expired
        after_conns = stored.copy()
        for cid in expired:
            del after_conns[cid]
        change(after_conns, now)
        people = {
            found[0].person
            for cid in touched
            for found in (stored.get(cid), after_conns.get(cid))
            if found is not None
        }
        if after_conns:
            if state is None:
                state = self._channels[channel_key] = _MemoryChannel()
            state.connections = after_conns
            state.vanishes_at = now + self.ttl * KEY_TTL_FACTOR
        elif state is not None:
            del self._channels[channel_key]
        if not people:
            return PresenceDiff()
        before = rollup({cid: c for cid, (c, _) in stored.items() if c.person in people})
        after = rollup({cid: c for cid, (c, _) in after_conns.items() if c.person in people})
        return diff_rollups(before, after)

    async def _join(self, channel_key: str, connection_id: str, conn: Conn) -> PresenceDiff:
        def change(conns: dict[str, tuple[Conn, float]], now: float) -> None:
            conns[connection_id] = (conn, now + self.ttl)

        diff = self._mutate(channel_key, change, connection_id)
        self._connection_set(connection_id, self._clock()).add(channel_key)
        return diff

    async def _update(
        self,
        channel_key: str,
        connection_id: str,
        status: Status | None,
        composing: bool | None,
    ) -> PresenceDiff:
        gone = False

        def change(conns: dict[str, tuple[Conn, float]], now: float) -> None:
            nonlocal gone
            if connection_id not in conns:
                return
            old = conns[connection_id][0]
            new_status = old.status if status is None else status
            if new_status == "offline":
                del conns[connection_id]
                gone = True
                return
            new_composing = old.composing if composing is None else composing
            conns[connection_id] = (
                Conn(old.person, old.name, new_status, new_composing),
                now + self.ttl,
            )

        diff = self._mutate(channel_key, change, connection_id)
        if gone:
            self._forget(connection_id, channel_key)
        return diff

    def _forget(self, connection_id: str, channel_key: str) -> None:
        entry = self._connection_channels.get(connection_id)
        if entry is not None:
            entry[0].discard(channel_key)

    async def _leave(self, channel_key: str, connection_id: str) -> PresenceDiff:
        def change(conns: dict[str, tuple[Conn, float]], now: float) -> None:
            conns.pop(connection_id, None)

        diff = self._mutate(channel_key, change, connection_id)
        self._forget(connection_id, channel_key)
        return diff

    async def _heartbeat(self, connection_ids: list[str]) -> None:
        now = self._clock()
        for connection_id in connection_ids:
            channels = self._connection_set(connection_id, now)
            for channel_key in list(channels):
                state = self._live_channel(channel_key, now)
                value = state.connections.get(connection_id) if state is not None else None
                if state is None or value is None or value[1] <= now:
                    channels.discard(channel_key)  # Left, expired or vanished: forget it.
                    continue
                state.connections[connection_id] = (value[0], now + self.ttl)
                state.vanishes_at = now + self.ttl * KEY_TTL_FACTOR
            if not channels:
                del self._connection_channels[connection_id]

    async def _snapshot(self, channel_key: str) -> list[events.PresenceEntry]:
        now = self._clock()
        state = self._live_channel(channel_key, now)
        if state is None:
            return []
        live = {cid: conn for cid, (conn, expiry) in state.connections.items() if expiry > now}
        return list(rollup(live).values())

    async def _expire(self, channel_key: str) -> PresenceDiff:
        return self._mutate(channel_key, lambda conns, now: None)
