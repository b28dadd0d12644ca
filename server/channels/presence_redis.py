"""Presence in Redis, shared by every process (the semantics are in `presence`).

Per channel a hash of connection id -> JSON entry (``{"p": person, "n": name, "s": status,
"c": composing}``) plus a sorted set of connection id -> expiry in ms, both under the
channel's hash tag (one cluster slot, see `names`), mutated by one Lua script that sweeps the
expired connections, applies the change and rolls up before and after atomically, using the
Redis server clock, so every process agrees on what has expired; and per connection a set of
its channels, for heartbeats. Mutations and heartbeats set the channel's keys, and joins
and heartbeats the connection's channel set, to expire `KEY_TTL_FACTOR` TTLs later, so an
untouched channel, and a connection's channel set without heartbeats, vanish whole.
"""

from __future__ import annotations

import json
from typing import Any, Literal

from redis.asyncio import Redis

from server.channels import events, names
from server.channels.presence import (
    DEFAULT_TTL_SECONDS,
    KEY_TTL_FACTOR,
    Conn,
    Presence,
    PresenceDiff,
    Status,
    check_ttl,
    diff_rollups,
)


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


def _conn_json(conn: Conn) -> str:
    """A connection as the hash stores it (the one-letter keys p, n, s, c)."""
    return json.dumps(
        {"p": conn.person, "n": conn.name, "s": conn.status, "c": conn.composing},
        separators=(",", ":"),
        ensure_ascii=False,
    )


def _conn_from_json(raw: str | bytes) -> Conn:
    """A connection (or a rollup entry of `_ROLLUP_LUA`) from its JSON."""
    value = json.loads(raw)
    return Conn(value["p"], value["n"], value["s"], bool(value["c"]))


def _rolled(entries: list[Any]) -> dict[str, events.PresenceEntry]:
    """Rollup entries made by `_ROLLUP_LUA`, by person (in person order)."""
    out: dict[str, events.PresenceEntry] = {}
    for raw in entries:
        conn = _conn_from_json(raw)
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
        check_ttl(ttl)
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

    async def _join(self, channel_key: str, connection_id: str, conn: Conn) -> PresenceDiff:
        return await self._mutate(
            channel_key, "join", connection_id, _conn_json(conn), channel_set="add"
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
