"""Who is on a channel: per-connection presence with a TTL, rolled up per person.

Every socket that shows itself on a channel is one *connection* (an id unique per socket,
e.g. ``{process_id}:{n}``) carrying the *person* behind it (``agent:{id}`` or
``contact:{id}``), a display name, a status (``online`` or ``away``; ``offline`` means the
connection leaves) and a composing flag. Each connection has an expiry, `ttl` seconds after
its last join, update or heartbeat; one `heartbeat(connection_ids)` call per process
refreshes all of that process's connections on every channel they are in. When a process
dies its heartbeats stop, and the hub's periodic `expire(channel_key)` removes its
connections within the TTL.

Clients see people, not connections. The *rollup* of a channel merges the connections of one
person (several tabs or devices) into one `events.PresenceEntry`: the best status of any of
them (online > away), composing if any of them composes, and the name of the connection with
the smallest id (names of one person's tabs normally agree). Snapshots and diffs are sorted
by person key (plain string order).

Every mutation (`join`, `update`, `leave`, `expire`) first removes the channel's expired
connections, then applies its change, atomically, and returns the `PresenceDiff` between the
rollup of the *stored* connections before and after. Consequently a second tab of a person
already present gives an empty diff, closing one of two tabs gives no ``left``, and the diffs
of a channel, applied in order to a snapshot, always give the current rollup (an expired
connection the previous diffs still count is reported ``left`` by the next mutation).
`snapshot` reads without writing and leaves expired connections out. `heartbeat` extends
only connections that have not yet expired: an expired connection is dead, and its socket
has to join again.

Two backends with identical semantics: `MemoryPresence` (embedded mode, dicts, an injectable
clock) and `RedisPresence` (per channel a hash of connection id -> JSON entry plus a sorted
set of connection id -> expiry in ms, both under the channel's hash tag, mutated by one Lua
script using the Redis server clock, so every process agrees on what has expired; and per
connection a set of its channels, for heartbeats). A channel untouched for twice the TTL
vanishes whole (Redis key TTL; the memory backend mirrors it), and so does a connection's
channel set without heartbeats.
"""

from __future__ import annotations

import json
import re
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

from redis.asyncio import Redis

from server.channels import events, names

DEFAULT_TTL_SECONDS = 30.0
# A channel's (or a connection's channel set's) keys live this many TTLs after the last
# write, so `expire` has a full TTL to report a dead connection before its channel vanishes.
KEY_TTL_FACTOR = 2
MAX_CONNECTION_ID_LENGTH = 200

Status = Literal["online", "away", "offline"]
STATUSES: tuple[str, ...] = ("online", "away", "offline")
_RANK = {"online": 2, "away": 1}
_PERSON = re.compile(r"(?:agent|contact):[1-9][0-9]{0,8}")


@dataclass(slots=True)
class PresenceDiff:
    """What changed in a channel's rollup; each list sorted by person key."""

    joined: list[events.PresenceEntry] = field(default_factory=list)
    left: list[str] = field(default_factory=list)
    updated: list[events.PresenceEntry] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        """True when nothing visible changed (nothing to push)."""
        return not (self.joined or self.left or self.updated)


def to_event(channel_wire: str, diff: PresenceDiff) -> events.PresenceChanged:
    """The `presence.changed` event announcing `diff` on the channel named `channel_wire`."""
    return events.PresenceChanged(
        channel=channel_wire,
        joined=list(diff.joined),
        left=list(diff.left),
        updated=list(diff.updated),
    )


@dataclass(frozen=True, slots=True)
class _Conn:
    """One stored connection (the JSON in Redis uses the one-letter keys p, n, s, c)."""

    person: str
    name: str
    status: str
    composing: bool

    def as_json(self) -> str:
        return json.dumps(
            {"p": self.person, "n": self.name, "s": self.status, "c": self.composing},
            separators=(",", ":"),
            ensure_ascii=False,
        )

    @classmethod
    def from_json(cls, raw: str | bytes) -> _Conn:
        value = json.loads(raw)
        return cls(value["p"], value["n"], value["s"], bool(value["c"]))


def rollup(connections: dict[str, _Conn]) -> dict[str, events.PresenceEntry]:
    """Merge connections per person: best status, composing if any, smallest id's name."""
    grouped: dict[str, list[tuple[str, _Conn]]] = {}
    for connection_id, conn in connections.items():
        grouped.setdefault(conn.person, []).append((connection_id, conn))
    result: dict[str, events.PresenceEntry] = {}
    for person in sorted(grouped):
        conns = grouped[person]
        best = max(_RANK.get(conn.status, 0) for _, conn in conns)
        result[person] = events.PresenceEntry(
            person=person,
            name=min(conns, key=lambda item: item[0])[1].name,
            status="online" if best == _RANK["online"] else "away",
            composing=any(conn.composing for _, conn in conns),
        )
    return result


def diff_rollups(
    before: dict[str, events.PresenceEntry], after: dict[str, events.PresenceEntry]
) -> PresenceDiff:
    """The diff taking rollup `before` to rollup `after`."""
    return PresenceDiff(
        joined=[after[p] for p in sorted(after.keys() - before.keys())],
        left=sorted(before.keys() - after.keys()),
        updated=[after[p] for p in sorted(after.keys() & before.keys()) if after[p] != before[p]],
    )


def _check_ttl(ttl: float) -> None:
    if isinstance(ttl, bool) or not isinstance(ttl, int | float) or not ttl > 0:
        raise ValueError(f"ttl must be a positive number of seconds, got {ttl!r}")


def _check_channel(channel_key: str) -> None:
    names.from_key(channel_key)  # Only well-formed channel keys get presence.


def _check_connection(connection_id: str) -> None:
    if (
        not isinstance(connection_id, str)
        or not connection_id
        or len(connection_id) > MAX_CONNECTION_ID_LENGTH
    ):
        raise ValueError(
            f"connection id must be a non-empty string of at most {MAX_CONNECTION_ID_LENGTH} "
            f"characters, got {str(connection_id)[:80]!r}"
        )


def _check_status(status: object) -> None:
    if status not in STATUSES:
        raise ValueError(f"status must be one of {', '.join(STATUSES)}, got {status!r}")


def _check_join(connection_id: str, person: str, name: str, status: str) -> None:
    _check_connection(connection_id)
    if not isinstance(person, str) or not _PERSON.fullmatch(person):
        raise ValueError(f"person must be agent:<id> or contact:<id>, got {str(person)[:80]!r}")
    if not isinstance(name, str):
        raise ValueError(f"name must be a string, got {type(name).__name__}")
    _check_status(status)


def _check_update(connection_id: str, status: str | None, composing: bool | None) -> None:
    _check_connection(connection_id)
    if status is not None:
        _check_status(status)
    if composing is not None and not isinstance(composing, bool):
        raise ValueError(f"composing must be a bool, got {composing!r}")


class Presence(ABC):
    """Per-connection presence rolled up per person (see the module docstring)."""

    ttl: float

    async def join(
        self,
        channel_key: str,
        connection_id: str,
        person: str,
        name: str,
        status: Status = "online",
    ) -> PresenceDiff:
        """Show a connection on a channel (again: replaces it, composing off); `offline` leaves."""
        _check_channel(channel_key)
        _check_join(connection_id, person, name, status)
        if status == "offline":
            return await self._leave(channel_key, connection_id)
        return await self._join(channel_key, connection_id, _Conn(person, name, status, False))

    async def update(
        self,
        channel_key: str,
        connection_id: str,
        *,
        status: Status | None = None,
        composing: bool | None = None,
    ) -> PresenceDiff:
        """Change a present connection's status/composing and refresh its expiry.

        `offline` leaves; an unknown (or expired) connection is ignored (empty diff).
        """
        _check_channel(channel_key)
        _check_update(connection_id, status, composing)
        return await self._update(channel_key, connection_id, status, composing)

    async def leave(self, channel_key: str, connection_id: str) -> PresenceDiff:
        """Remove a connection from a channel (an unknown one is ignored)."""
        _check_channel(channel_key)
        _check_connection(connection_id)
        return await self._leave(channel_key, connection_id)

    async def heartbeat(self, connection_ids: Iterable[str]) -> None:
        """Extend the expiry of these connections on every channel they are still alive in."""
        ids = list(dict.fromkeys(connection_ids))
        for connection_id in ids:
            _check_connection(connection_id)
        if ids:
            await self._heartbeat(ids)

    async def snapshot(self, channel_key: str) -> list[events.PresenceEntry]:
        """The channel's rollup without expired connections, sorted by person."""
        _check_channel(channel_key)
        return await self._snapshot(channel_key)

    async def expire(self, channel_key: str) -> PresenceDiff:
        """Remove the channel's expired connections; the diff says who disappeared."""
        _check_channel(channel_key)
        return await self._expire(channel_key)

    # Each backend implements these; arguments arrive validated (see the methods above).

    @abstractmethod
    async def _join(self, channel_key: str, connection_id: str, conn: _Conn) -> PresenceDiff: ...

    @abstractmethod
    async def _update(
        self,
        channel_key: str,
        connection_id: str,
        status: Status | None,
        composing: bool | None,
    ) -> PresenceDiff: ...

    @abstractmethod
    async def _leave(self, channel_key: str, connection_id: str) -> PresenceDiff: ...

    @abstractmethod
    async def _heartbeat(self, connection_ids: list[str]) -> None: ...

    @abstractmethod
    async def _snapshot(self, channel_key: str) -> list[events.PresenceEntry]: ...

    @abstractmethod
    async def _expire(self, channel_key: str) -> PresenceDiff: ...


# --- memory ----------------------------------------------------------------------------------


@dataclass
class _MemoryChannel:
    # connection id -> (entry, expiry in seconds); like a Redis key, the whole channel
    # vanishes at `vanishes_at` (KEY_TTL_FACTOR TTLs after the last write).
    connections: dict[str, tuple[_Conn, float]] = field(default_factory=dict)
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
        _check_ttl(ttl)
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
        change: Callable[[dict[str, tuple[_Conn, float]], float], None],
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

    async def _join(self, channel_key: str, connection_id: str, conn: _Conn) -> PresenceDiff:
        def change(conns: dict[str, tuple[_Conn, float]], now: float) -> None:
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

        def change(conns: dict[str, tuple[_Conn, float]], now: float) -> None:
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
                _Conn(old.person, old.name, new_status, new_composing),
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
        def change(conns: dict[str, tuple[_Conn, float]], now: float) -> None:
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


# --- Redis -----------------------------------------------------------------------------------


def _presence_keys(channel_key: str) -> list[str]:
    """The channel's presence hash and expiry sorted set (one cluster slot, see names)."""
    return [names.presence_key(channel_key), names.presence_expiry_key(channel_key)]


# Rolls the connections of a channel up per person, in Lua, like `rollup()`: `flat` is an
# HGETALL (connection id, JSON, ...); `only` (a set of people) and `live` (a set of connection
# ids) restrict it when not nil. Returns one JSON entry ({p, n, s, c}) per person.
_ROLLUP_LUA = """
local RANK = {online = 2, away = 1}
local function rollup(flat, only, live)
  local best = {}
  for i = 1, #flat, 2 do
    local conn = flat[i]
    if live == nil or live[conn] then
      local e = cjson.decode(flat[i + 1])
      if only == nil or only[e.p] then
        local r = best[e.p]
        if r == nil then
          best[e.p] = {p = e.p, n = e.n, s = e.s, c = e.c, id = conn}
        else
          if (RANK[e.s] or 0) > (RANK[r.s] or 0) then r.s = e.s end
          if e.c then r.c = true end
          if conn < r.id then r.id = conn; r.n = e.n end
        end
      end
    end
  end
  local out = {}
  for _, r in pairs(best) do
    out[#out + 1] = cjson.encode({p = r.p, n = r.n, s = r.s, c = r.c})
  end
  return out
end
"""

# KEYS = presence hash, expiry zset. ARGV[1] = op (join, update, leave, expire), ARGV[2] = TTL
# in ms, ARGV[3] = key TTL in ms, ARGV[4] = connection id, ARGV[5] = entry JSON (join) or
# status or '' (update), ARGV[6] = '1', '0' or '' (update's composing).
# Sweeps expired connections (expiry <= now, server clock), applies the op, and returns
# {stored entries before (flat HGETALL), stored entries after, 1 if the connection left}.
_MUTATE_LUA = (
    _ROLLUP_LUA
    + """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local before = redis.call('HGETALL', KEYS[1])
local stored = {}
for i = 1, #before, 2 do stored[before[i]] = before[i + 1] end
-- Only the people whose connections change can change in the rollup: the expired
-- connections' and the mutated connection's. Both rollups are made here, for them alone, so
-- a mutation on a channel with thousands of connections ships a few entries, not them all.
local people = {}
local function touch(raw) if raw then people[cjson.decode(raw).p] = true end end
for _, conn in ipairs(redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now)) do
  touch(stored[conn])
  redis.call('HDEL', KEYS[1], conn)
  redis.call('ZREM', KEYS[2], conn)
end
local op, conn, gone = ARGV[1], ARGV[4], 0
touch(stored[conn])
if op == 'join' then
  touch(ARGV[5])
  redis.call('HSET', KEYS[1], conn, ARGV[5])
  redis.call('ZADD', KEYS[2], now + tonumber(ARGV[2]), conn)
elseif op == 'update' then
  local raw = redis.call('HGET', KEYS[1], conn)
  if raw then
    local entry = cjson.decode(raw)
    if ARGV[5] ~= '' then entry.s = ARGV[5] end
    if ARGV[6] ~= '' then entry.c = (ARGV[6] == '1') end
    if entry.s == 'offline' then
      redis.call('HDEL', KEYS[1], conn)
      redis.call('ZREM', KEYS[2], conn)
      gone = 1
    else
      redis.call('HSET', KEYS[1], conn, cjson.encode(entry))
      redis.call('ZADD', KEYS[2], now + tonumber(ARGV[2]), conn)
    end
  end
elseif op == 'leave' then
  redis.call('HDEL', KEYS[1], conn)
  redis.call('ZREM', KEYS[2], conn)
end
redis.call('PEXPIRE', KEYS[1], ARGV[3])
redis.call('PEXPIRE', KEYS[2], ARGV[3])
if next(people) == nil then return {{}, {}, gone} end
return {rollup(before, people, nil), rollup(redis.call('HGETALL', KEYS[1]), people, nil), gone}
"""
)


_HEARTBEAT_LUA = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local missing = {}
for i = 3, #ARGV do
  local expiry = redis.call('ZSCORE', KEYS[2], ARGV[i])
  if expiry and tonumber(expiry) > now then
    redis.call('ZADD', KEYS[2], now + tonumber(ARGV[1]), ARGV[i])
  else
    table.insert(missing, ARGV[i])
  end
end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
redis.call('PEXPIRE', KEYS[2], ARGV[2])
return missing
"""

# KEYS = presence hash, expiry zset. Returns the rollup of the live connections (one JSON
# entry per person), read in one atomic step.
_SNAPSHOT_LUA = (
    _ROLLUP_LUA
    + """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local live = {}
for _, conn in ipairs(redis.call('ZRANGEBYSCORE', KEYS[2], '(' .. now, '+inf')) do
  live[conn] = true
end
return rollup(redis.call('HGETALL', KEYS[1]), nil, live)
"""
)


def _text(value: str | bytes) -> str:
    # Works whether or not the client was built with decode_responses=True.
    return value.decode() if isinstance(value, bytes) else value


def _rolled(entries: list[Any]) -> dict[str, events.PresenceEntry]:
    """Rollup entries made by `_ROLLUP_LUA`, by person (in person order)."""
    out: dict[str, events.PresenceEntry] = {}
    for raw in entries:
        conn = _Conn.from_json(raw)
        out[conn.person] = events.PresenceEntry(
            person=conn.person,
            name=conn.name,
            status="online" if conn.status == "online" else "away",
            composing=conn.composing,
        )
    return dict(sorted(out.items()))


class RedisPresence(Presence):
    """Presence in Redis, shared by every process (see the module docstring for the layout).

    Each mutation is one round trip: a pipeline holding the Lua script (atomic on the
    channel's keys, so rollup-before and -after are consistent) and the update of the
    connection's channel set. `heartbeat` is two round trips whatever the number of
    connections: read every connection's channel set, then one script per channel.
    """

    def __init__(self, redis: Redis, ttl: float = DEFAULT_TTL_SECONDS) -> None:
        _check_ttl(ttl)
        self.redis = redis
        self.ttl = ttl
        self._ttl_ms = max(1, int(ttl * 1000))
        self._key_ttl_ms = self._ttl_ms * KEY_TTL_FACTOR
        self._mutate_script = redis.register_script(_MUTATE_LUA)
        self._heartbeat_script = redis.register_script(_HEARTBEAT_LUA)
        self._snapshot_script = redis.register_script(_SNAPSHOT_LUA)

    async def _mutate(
        self,
        channel_key: str,
        op: str,
        connection_id: str = "",
        arg: str = "",
        composing: str = "",
        channel_set: Literal["add", "remove", "remove if gone", None] = None,
    ) -> PresenceDiff:
        keys = _presence_keys(channel_key)
        args: list[str | int] = [op, self._ttl_ms, self._key_ttl_ms, connection_id, arg, composing]
        if channel_set is None or channel_set == "remove if gone":
            result = await self._mutate_script(keys=keys, args=args)
        else:
            async with self.redis.pipeline(transaction=False) as pipe:
                await self._mutate_script(keys=keys, args=args, client=pipe)
                set_key = names.connection_channels_key(connection_id)
                if channel_set == "add":
                    pipe.sadd(set_key, channel_key)
                    pipe.pexpire(set_key, self._key_ttl_ms)
                elif channel_set == "remove":
                    pipe.srem(set_key, channel_key)
                result = (await pipe.execute())[0]
        before_flat, after_flat, gone = result
        if channel_set == "remove if gone" and int(gone):
            await self.redis.srem(names.connection_channels_key(connection_id), channel_key)
        return diff_rollups(_rolled(before_flat), _rolled(after_flat))

    async def _join(self, channel_key: str, connection_id: str, conn: _Conn) -> PresenceDiff:
        return await self._mutate(
            channel_key, "join", connection_id, conn.as_json(), channel_set="add"
        )

    async def _update(
        self,
        channel_key: str,
        connection_id: str,
        status: Status | None,
        composing: bool | None,
    ) -> PresenceDiff:
        return await self._mutate(
            channel_key,
            "update",
            connection_id,
            status or "",
            "" if composing is None else str(int(composing)),
            channel_set="remove if gone",
        )

    async def _leave(self, channel_key: str, connection_id: str) -> PresenceDiff:
        return await self._mutate(channel_key, "leave", connection_id, channel_set="remove")

    async def _heartbeat(self, connection_ids: list[str]) -> None:
        ids = connection_ids
        async with self.redis.pipeline(transaction=False) as pipe:
            for connection_id in ids:
                pipe.smembers(names.connection_channels_key(connection_id))
                pipe.pexpire(names.connection_channels_key(connection_id), self._key_ttl_ms)
            replies = await pipe.execute()
        by_channel: dict[str, list[str]] = {}
        for connection_id, members in zip(ids, replies[::2], strict=True):
            for channel_key in members:
                by_channel.setdefault(_text(channel_key), []).append(connection_id)
        if not by_channel:
            return
        channels = list(by_channel)
        async with self.redis.pipeline(transaction=False) as pipe:
            for channel_key in channels:
                await self._heartbeat_script(
                    keys=_presence_keys(channel_key),
                    args=[self._ttl_ms, self._key_ttl_ms, *by_channel[channel_key]],
                    client=pipe,
                )
            missing = await pipe.execute()
        stale = [
            (names.connection_channels_key(_text(conn)), channel_key)
            for channel_key, conns in zip(channels, missing, strict=True)
            for conn in conns
        ]
        if stale:  # Left, expired or vanished channels: forget them.
            async with self.redis.pipeline(transaction=False) as pipe:
                for set_key, channel_key in stale:
                    pipe.srem(set_key, channel_key)
                await pipe.execute()

    async def _snapshot(self, channel_key: str) -> list[events.PresenceEntry]:
        entries = await self._snapshot_script(keys=_presence_keys(channel_key))
        return list(_rolled(entries).values())

    async def _expire(self, channel_key: str) -> PresenceDiff:
        return await self._mutate(channel_key, "expire")
