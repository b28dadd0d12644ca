"""History in Redis, shared by every process (the semantics are in `history`).

Per channel four keys under its hash tag (see `names`): a stream of the kept entries, an
offset counter, the epoch and a byte counter (what the stream keeps, by `entry_size`). Each
call is one Lua script, so one round trip and atomic on those keys: `append` starts over if
the history was lost (any of counter, epoch or byte counter missing: new epoch, offset 0,
stream cleared, so offsets are never reused under one epoch), takes the next offset, keeps
the entry, trims the oldest until the bounds hold again, sets all four keys to expire
`max_age_seconds` later, and PUBLISHes the entry on the channel key (the message shape is in
`history`); `since` reads the position and the missed entries in the same atomic step.
Timestamps and stream ids come from the Redis server clock, the clock that ages entries out,
so every process agrees.
"""

from __future__ import annotations

import json
from typing import Any

from redis.asyncio import Redis

from server.channels import names
from server.channels.history import (
    DEFAULT_MAX_AGE_SECONDS,
    DEFAULT_MAX_BYTES,
    DEFAULT_MAX_EVENTS,
    ENTRY_OVERHEAD_BYTES,
    Entry,
    History,
    Replay,
    check_event,
    check_limits,
    check_offset,
    decide,
    encode_data,
    new_epoch,
    replay,
)

# Both scripts: KEYS = stream, offset counter, epoch, byte counter; ARGV[1] = a fresh epoch to
# use if the history has to start over, ARGV[2] = the age limit in ms (also the keys' TTL).
# A history missing its offset counter, epoch or byte counter (flushed, evicted, expired, or
# written before bytes were counted) starts over whole: new epoch, offset 0, stream cleared,
# so offsets are never reused under one epoch.
_START_OVER_LUA = """
local epoch = redis.call('GET', KEYS[3])
if (not epoch) or redis.call('EXISTS', KEYS[2]) == 0 or redis.call('EXISTS', KEYS[4]) == 0 then
  epoch = ARGV[1]
  redis.call('DEL', KEYS[1])
  redis.call('SET', KEYS[2], 0, 'PX', ARGV[2])
  redis.call('SET', KEYS[3], epoch, 'PX', ARGV[2])
  redis.call('SET', KEYS[4], 0, 'PX', ARGV[2])
end
local t = redis.call('TIME')
local now_ms = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
"""

# ARGV[3] = max events, ARGV[4] = event name, ARGV[5] = data as JSON, ARGV[6] = pub/sub channel,
# ARGV[7] = max bytes, ARGV[8] = ENTRY_OVERHEAD_BYTES. Returns {offset, epoch, ts}.
# Trimming is exact and oldest first, in events, bytes (`entry_size`, kept in KEYS[4]) and age
# (stream ids come from the server clock); Redis streams have no byte cap of their own.
_APPEND_LUA = (
    _START_OVER_LUA
    + """
local offset = redis.call('INCR', KEYS[2])
-- Civil date from days since 1970-01-01 (H. Hinnant's algorithm); Redis Lua has no os.date.
local secs = math.floor(now_ms / 1000)
local z = math.floor(secs / 86400) + 719468
local era = math.floor(z / 146097)
local doe = z - era * 146097
local yoe = math.floor((doe - math.floor(doe / 1460) + math.floor(doe / 36524)
  - math.floor(doe / 146096)) / 365)
local doy = doe - (365 * yoe + math.floor(yoe / 4) - math.floor(yoe / 100))
local mp = math.floor((5 * doy + 2) / 153)
local day = doy - math.floor((153 * mp + 2) / 5) + 1
local month = mp < 10 and mp + 3 or mp - 9
local year = yoe + era * 400 + (month <= 2 and 1 or 0)
local sod = secs % 86400
local ts = string.format('%04d-%02d-%02dT%02d:%02d:%02d.%03dZ', year, month, day,
  math.floor(sod / 3600), math.floor(sod % 3600 / 60), sod % 60, now_ms % 1000)
local max_events, max_bytes = tonumber(ARGV[3]), tonumber(ARGV[7])
local size = string.len(ARGV[4]) + string.len(ARGV[5]) + tonumber(ARGV[8])
if size > max_bytes then
  -- Published below but not kept; the entries before it could never be replayed past it.
  redis.call('DEL', KEYS[1])
  redis.call('SET', KEYS[4], 0)
else
  redis.call('XADD', KEYS[1], '*', 'o', offset, 'e', ARGV[4], 'd', ARGV[5], 't', ts)
  local bytes = tonumber(redis.call('GET', KEYS[4])) + size
  local count = redis.call('XLEN', KEYS[1])
  local cutoff = now_ms - tonumber(ARGV[2])
  -- The newest entry always stays (it fits), so one entry left also resets a counter that
  -- went wrong (the stream lost alone).
  while count > 1 do
    local oldest = redis.call('XRANGE', KEYS[1], '-', '+', 'COUNT', 1)[1]
    local id_ms = tonumber(string.match(oldest[1], '^%d+'))
    if count <= max_events and bytes <= max_bytes and id_ms >= cutoff then break end
    local fields = oldest[2]
    local freed = tonumber(ARGV[8])
    for i = 1, #fields, 2 do
      if fields[i] == 'e' or fields[i] == 'd' then freed = freed + string.len(fields[i + 1]) end
    end
    redis.call('XDEL', KEYS[1], oldest[1])
    bytes = bytes - freed
    count = count - 1
  end
  if count == 1 then bytes = size end
  redis.call('SET', KEYS[4], bytes)
end
for i = 1, 4 do redis.call('PEXPIRE', KEYS[i], ARGV[2]) end
redis.call('PUBLISH', ARGV[6], '{"channel":' .. cjson.encode(ARGV[6]) .. ',"offset":' .. offset
  .. ',"epoch":' .. cjson.encode(epoch) .. ',"event":' .. cjson.encode(ARGV[4])
  .. ',"ts":"' .. ts .. '","data":' .. ARGV[5] .. '}')
return {offset, epoch, ts}
"""
)

# ARGV[3] = the client's offset (-1 for none), ARGV[4] = max events. Reads, in the same
# atomic step as the position, the newest (latest - offset) entries when that many could
# still be kept. Returns {latest, epoch, now_ms, entries newest first}.
_SINCE_LUA = (
    _START_OVER_LUA
    + """
local latest = tonumber(redis.call('GET', KEYS[2]))
local missed = latest - tonumber(ARGV[3])
local entries = {}
if tonumber(ARGV[3]) >= 0 and missed > 0 and missed <= tonumber(ARGV[4]) then
  entries = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', missed)
end
return {latest, epoch, now_ms, entries}
"""
)


def _text(value: str | bytes) -> str:
    # Works whether or not the client was built with decode_responses=True.
    return value.decode() if isinstance(value, bytes) else value


class RedisHistory(History):
    """History in Redis: a stream per channel plus an offset counter, an epoch and a byte
    counter.

    `append` runs one Lua script (one round trip, atomic): start over if the history was
    lost, INCR the offset, XADD (unless the event alone exceeds `max_bytes`), XDEL the
    oldest entries until the stream is within `max_events`, `max_bytes` and the age limit
    (exactly: the byte counter must stay true), refresh the TTL of the four keys, and
    PUBLISH the entry on the channel key. `since` checks the age again, as entries age out
    between appends, so the two backends answer the same.
    """

    def __init__(
        self,
        redis: Redis,
        max_events: int = DEFAULT_MAX_EVENTS,
        max_age_seconds: float = DEFAULT_MAX_AGE_SECONDS,
        *,
        max_bytes: int = DEFAULT_MAX_BYTES,
    ) -> None:
        check_limits(max_events, max_age_seconds, max_bytes)
        self.redis = redis
        self.max_events = max_events
        self.max_age_seconds = max_age_seconds
        self.max_bytes = max_bytes
        self._max_age_ms = max(1, int(max_age_seconds * 1000))
        self._append_script = redis.register_script(_APPEND_LUA)
        self._since_script = redis.register_script(_SINCE_LUA)

    @staticmethod
    def _keys(channel_key: str) -> list[str]:
        return [
            names.history_key(channel_key),
            names.offset_key(channel_key),
            names.epoch_key(channel_key),
            names.history_bytes_key(channel_key),
        ]

    async def append(self, channel_key: str, event: str, data: dict[str, Any]) -> Entry:
        """Append an event and publish it; see `History.append` and the module docstring."""
        check_event(event, data)
        payload = encode_data(data)
        offset, epoch, ts = await self._append_script(
            keys=self._keys(channel_key),
            args=[
                new_epoch(),
                self._max_age_ms,
                self.max_events,
                event,
                payload,
                channel_key,
                self.max_bytes,
                ENTRY_OVERHEAD_BYTES,
            ],
        )
        return Entry(channel_key, int(offset), _text(epoch), event, json.loads(payload), _text(ts))

    async def _read(
        self, channel_key: str, offset: int | None
    ) -> tuple[int, str, int, list[Entry]]:
        latest, epoch, now_ms, raw_entries = await self._since_script(
            keys=self._keys(channel_key),
            args=[new_epoch(), self._max_age_ms, -1 if offset is None else offset, self.max_events],
        )
        epoch = _text(epoch)
        entries = []
        for _stream_id, raw_fields in reversed(raw_entries):
            fields = {
                _text(k): _text(v) for k, v in zip(raw_fields[::2], raw_fields[1::2], strict=True)
            }
            entries.append(
                Entry(
                    channel_key,
                    int(fields["o"]),
                    epoch,
                    fields["e"],
                    json.loads(fields["d"]),
                    fields["t"],
                )
            )
        return int(latest), epoch, int(now_ms), entries

    async def since(self, channel_key: str, offset: int | None, epoch: str | None) -> Replay:
        """What a client at (offset, epoch) missed; see the `history` module docstring."""
        check_offset(offset)
        latest, current_epoch, now_ms, entries = await self._read(channel_key, offset)
        decided = decide(offset, epoch, latest, current_epoch, self.max_events)
        if decided is not None:
            return Replay([], decided, latest, current_epoch)
        assert offset is not None
        return replay(entries, offset, latest, current_epoch, now_ms - self._max_age_ms)

    async def latest(self, channel_key: str) -> tuple[int, str]:
        """The channel's current (offset, epoch)."""
        latest, epoch, _, _ = await self._read(channel_key, None)
        return latest, epoch
