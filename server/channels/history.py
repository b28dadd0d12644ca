"""Per-channel ordered, resumable history: offsets, epochs and replay.

Every event appended to a channel gets the next *offset* (1, 2, 3, ... with no gaps) and
carries the channel's *epoch*, a random string naming one life of the channel's history.
When a history is lost (Redis flushed or evicted, the process restarted in embedded mode,
the channel idle longer than the age limit) the next access starts a new epoch at offset 0,
so a client can always tell "I missed nothing" from "I cannot know what I missed".

Two backends with identical semantics: `MemoryHistory` (embedded mode, a bounded buffer per
channel) and `RedisHistory` (a capped stream per channel, appended, trimmed and published in
one round trip by a Lua script). Channels are given by their internal key (`names.Channel.key`).

Bounds: a channel keeps at most `max_events` events, at most `max_bytes` bytes of them
(see `entry_size`), none older than `max_age_seconds`; the oldest go first. In memory the whole
process also keeps at most `max_bytes_total` bytes, evicting the oldest entries of any channel
(with Redis, Redis's own `maxmemory` plays that part). An event larger than `max_bytes` is
published but not kept, and the entries before it go too: no replay across it could be
complete. The whole history (events, counter and epoch) disappears `max_age_seconds` after the
last append, or after creation if nothing was appended, and the next access starts a new epoch.

`since(channel_key, offset, epoch)` -> `Replay(entries, recovered, offset, epoch)`, where
`offset`/`epoch` are always the channel's current position (the client continues from it):

==========================================================  ===========  =================
client position                                             recovered    entries
==========================================================  ===========  =================
no `since` (offset None), any epoch                         True         none
epoch differs from the current one (or is None)             False        none
same epoch, offset == latest (incl. 0 on an empty history)  True         none
same epoch, offset > latest ("from the future")             False        none
same epoch, offset < latest, offsets offset+1..latest all   True         exactly those,
still kept (within the count, byte and age bounds)                       in offset order
same epoch, any of offset+1..latest trimmed, evicted, too   False        none
large to keep, or aged out
==========================================================  ===========  =================

A replay is all or nothing: never a partial list. With `recovered False` the client refetches
state over REST and continues from the returned offset. A negative or non-integer offset is
a caller error (ValueError); the hub validates client frames before asking.

Ordering with live delivery is the caller's job: subscribe to the live channel first, then
call `since`, and drop live events whose offset is not above the replay's last offset.

Published message (Redis only; the embedded hub delivers in process): on every append the
script PUBLISHes on the channel key (e.g. ``parley:org:7:ticket:42``) one compact JSON object,
the same shape as `Entry.as_dict()`:

    {"channel":"parley:org:7:ticket:42","offset":18,"epoch":"9f2c4e1a7b3d5e60",
     "event":"ticket.status_changed","ts":"2026-11-22T08:01:02.345Z","data":{...}}

`Entry.from_message` parses it back. Timestamps are ISO-8601 UTC with milliseconds and a `Z`;
in Redis they come from the Redis server clock (the same clock that ages entries out), so
every process agrees.
"""

from __future__ import annotations

import json
import secrets
import time
from abc import ABC, abstractmethod
from collections import deque
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

from redis.asyncio import Redis

from server.channels import names

DEFAULT_MAX_EVENTS = 1000
DEFAULT_MAX_AGE_SECONDS = 86400
# 1 MiB: ~1,000 ordinary ticket events (0.7-1 kB of JSON each), so for ordinary traffic the
# byte bound and max_events agree; the last ~25 replies of 40 kB; and the largest event the
# API can produce (a 50,000-character reply is at most ~300 kB encoded) several times over.
DEFAULT_MAX_BYTES = 1 << 20
# The embedded process: 64 channels full to the brim, or ~60,000 ordinary events.
DEFAULT_MAX_BYTES_TOTAL = 64 << 20
# Counted per event on top of its name and data: what the embedded process holds for it beyond
# the JSON (measured ~375 bytes on CPython 3.11), so a flood of tiny events cannot slip under
# the byte budgets. Redis needs less; counting the same keeps the backends answering alike.
ENTRY_OVERHEAD_BYTES = 384


def entry_size(event: str, payload: str | bytes) -> int:
    """What one event costs against the byte budgets: the UTF-8 size of its name and of its
    compact JSON data (`payload`), plus `ENTRY_OVERHEAD_BYTES`."""
    if isinstance(payload, str):
        payload = payload.encode()
    return len(event.encode()) + len(payload) + ENTRY_OVERHEAD_BYTES


def encode_data(data: dict[str, Any]) -> str:
    """The compact JSON both backends keep and publish (and measure with `entry_size`)."""
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False)


def new_epoch() -> str:
    """A fresh random epoch (16 hex characters)."""
    return secrets.token_hex(8)


def format_ts(epoch_ms: int) -> str:
    """ISO-8601 UTC with milliseconds, e.g. ``2026-11-22T08:01:02.345Z``."""
    moment = datetime.fromtimestamp(epoch_ms / 1000, UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{epoch_ms % 1000:03d}Z"


@dataclass(frozen=True, slots=True)
class Entry:
    """One event in a channel's history."""

    channel: str
    offset: int
    epoch: str
    event: str
    data: dict[str, Any]
    ts: str

    def as_dict(self) -> dict[str, Any]:
        """The entry as a JSON-ready dict (the published message shape)."""
        return asdict(self)

    @classmethod
    def from_message(cls, message: str | bytes) -> Entry:
        """Parse a message published by `RedisHistory.append`."""
        return cls.from_dict(json.loads(message))

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> Entry:
        """An entry from a published message already parsed (see `from_message`)."""
        return cls(
            channel=raw["channel"],
            offset=int(raw["offset"]),
            epoch=raw["epoch"],
            event=raw["event"],
            # Lua's cjson encodes an empty table as {}, but be lenient with [] anyway.
            data=raw["data"] or {},
            ts=raw["ts"],
        )


@dataclass(frozen=True, slots=True)
class Replay:
    """The answer to `since`: what the client missed, and where the channel is now."""

    entries: list[Entry]
    recovered: bool
    offset: int
    epoch: str


class History(ABC):
    """Ordered, resumable per-channel history (see the module docstring for semantics)."""

    max_events: int
    max_age_seconds: float
    max_bytes: int

    @abstractmethod
    async def append(self, channel_key: str, event: str, data: dict[str, Any]) -> Entry:
        """Append an event to the channel and return it with its offset and epoch."""

    @abstractmethod
    async def since(self, channel_key: str, offset: int | None, epoch: str | None) -> Replay:
        """What a client at (offset, epoch) missed; all or nothing."""

    @abstractmethod
    async def latest(self, channel_key: str) -> tuple[int, str]:
        """The channel's current (offset, epoch); starts a history if there is none."""


def _check_limits(max_events: int, max_age_seconds: float, max_bytes: int) -> None:
    if type(max_events) is not int or max_events < 1:
        raise ValueError(f"max_events must be a positive integer, got {max_events!r}")
    if max_age_seconds <= 0:
        raise ValueError(f"max_age_seconds must be positive, got {max_age_seconds!r}")
    if type(max_bytes) is not int or max_bytes < 1:
        raise ValueError(f"max_bytes must be a positive integer, got {max_bytes!r}")


def _check_event(event: str, data: dict[str, Any]) -> None:
    if not isinstance(event, str) or not event:
        raise ValueError("event name must be a non-empty string")
    if not isinstance(data, dict):
        raise ValueError(f"event data must be a dict, got {type(data).__name__}")


def _check_offset(offset: int | None) -> None:
    if offset is not None and (type(offset) is not int or offset < 0):
        raise ValueError(f"offset must be a non-negative integer, got {offset!r}")


def _decide(
    offset: int | None, epoch: str | None, latest: int, current_epoch: str, max_events: int
) -> bool | None:
    """The cases both backends settle without looking at entries; None means "look"."""
    if offset is None:
        return True
    if epoch != current_epoch or offset > latest:
        return False
    if offset == latest:
        return True
    if latest - offset > max_events:
        return False
    return None


def _replay(
    entries: list[Entry], offset: int, latest: int, current_epoch: str, cutoff_ms: int
) -> Replay:
    """All of offset+1..latest, in order and younger than the cutoff, or nothing."""
    expected = list(range(offset + 1, latest + 1))
    complete = [entry.offset for entry in entries] == expected and all(
        _ts_ms(entry.ts) >= cutoff_ms for entry in entries
    )
    if not complete:
        return Replay([], False, latest, current_epoch)
    return Replay(entries, True, latest, current_epoch)


def _ts_ms(ts: str) -> int:
    moment = datetime.strptime(ts, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)
    return round(moment.timestamp() * 1000)


@dataclass(slots=True)
class _Kept:
    """One event as memory keeps it: encoded, so the byte budgets count what is really held."""

    seq: int  # process-wide append order: the total budget evicts the lowest first
    ms: int  # append time in ms since the Unix epoch
    offset: int
    event: str
    payload: bytes  # the compact JSON of the data
    size: int  # entry_size(event, payload)


@dataclass
class _MemoryChannel:
    epoch: str
    expires_at: float
    latest: int = 0
    bytes: int = 0
    entries: deque[_Kept] = field(default_factory=deque)


class MemoryHistory(History):
    """History in process memory: a bounded buffer per channel, for the embedded mode.

    Each channel is bounded in events, bytes and age; all channels together in bytes
    (`max_bytes_total`), by evicting the process's oldest entries whatever their channel.
    `clock` returns seconds since the Unix epoch; tests pass a fake to age entries out.
    """

    # Sweep idle channels at most this often, so never-revisited channels do not pile up.
    SWEEP_INTERVAL_SECONDS = 60.0

    def __init__(
        self,
        max_events: int = DEFAULT_MAX_EVENTS,
        max_age_seconds: float = DEFAULT_MAX_AGE_SECONDS,
        *,
        max_bytes: int = DEFAULT_MAX_BYTES,
        max_bytes_total: int = DEFAULT_MAX_BYTES_TOTAL,
        clock: Callable[[], float] = time.time,
    ) -> None:
        _check_limits(max_events, max_age_seconds, max_bytes)
        if type(max_bytes_total) is not int or max_bytes_total < max_bytes:
            raise ValueError(
                f"max_bytes_total must be an integer of at least max_bytes ({max_bytes}), "
                f"got {max_bytes_total!r}"
            )
        self.max_events = max_events
        self.max_age_seconds = max_age_seconds
        self.max_bytes = max_bytes
        self.max_bytes_total = max_bytes_total
        self.bytes_total = 0  # what every channel keeps, by `entry_size`
        self._kept_total = 0
        self._clock = clock
        self._channels: dict[str, _MemoryChannel] = {}
        # Every kept entry in append order as (seq, channel key, channel), the total budget's
        # eviction order. Entries that left otherwise stay here until evicted or compacted.
        self._order: deque[tuple[int, str, _MemoryChannel]] = deque()
        self._seq = 0
        self._next_sweep = clock() + self.SWEEP_INTERVAL_SECONDS

    def _channel(self, channel_key: str, now: float) -> _MemoryChannel:
        names.from_key(channel_key)  # Only well-formed channel keys get a history.
        if now >= self._next_sweep:
            self._next_sweep = now + self.SWEEP_INTERVAL_SECONDS
            for key in [k for k, c in self._channels.items() if c.expires_at <= now]:
                self._forget(self._channels.pop(key))
        state = self._channels.get(channel_key)
        if state is None or state.expires_at <= now:
            if state is not None:
                self._forget(state)
            # Like the Redis TTL: an idle history vanishes whole and comes back as a new epoch.
            state = _MemoryChannel(epoch=new_epoch(), expires_at=now + self.max_age_seconds)
            self._channels[channel_key] = state
        return state

    def _forget(self, state: _MemoryChannel) -> None:
        """Take a channel that is being dropped out of the process-wide totals."""
        self.bytes_total -= state.bytes
        self._kept_total -= len(state.entries)

    def _drop_oldest(self, state: _MemoryChannel) -> None:
        kept = state.entries.popleft()
        state.bytes -= kept.size
        self.bytes_total -= kept.size
        self._kept_total -= 1

    def _is_kept(self, seq: int, key: str, state: _MemoryChannel) -> bool:
        # A channel only ever loses its oldest entries, so it keeps `seq` while its oldest
        # is not newer.
        return (
            self._channels.get(key) is state and bool(state.entries) and state.entries[0].seq <= seq
        )

    def _keep(self, channel_key: str, state: _MemoryChannel, kept: _Kept) -> None:
        """Add an entry within the channel's and then the process's budgets."""
        state.entries.append(kept)
        state.bytes += kept.size
        self.bytes_total += kept.size
        self._kept_total += 1
        self._order.append((kept.seq, channel_key, state))
        while len(state.entries) > self.max_events or state.bytes > self.max_bytes:
            self._drop_oldest(state)
        # The new entry is the newest of all and fits max_bytes <= max_bytes_total: it stays.
        while self.bytes_total > self.max_bytes_total:
            seq, key, owner = self._order.popleft()
            if self._is_kept(seq, key, owner):
                self._drop_oldest(owner)
        if len(self._order) > 2 * self._kept_total + 64:
            # Amortised O(1): forget references to entries trimmed by their channel's bounds.
            self._order = deque(ref for ref in self._order if self._is_kept(*ref))

    async def append(self, channel_key: str, event: str, data: dict[str, Any]) -> Entry:
        """Append an event; see `History.append`."""
        _check_event(event, data)
        payload = encode_data(data).encode()
        # Parsed back so both backends hand back the same data (and reject the same).
        data = json.loads(payload)
        now = self._clock()
        state = self._channel(channel_key, now)
        state.latest += 1
        state.expires_at = now + self.max_age_seconds
        now_ms = int(now * 1000)
        entry = Entry(channel_key, state.latest, state.epoch, event, data, format_ts(now_ms))
        size = entry_size(event, payload)
        if size > self.max_bytes:
            # Published (by the hub) but not kept; older entries cannot be replayed past it.
            while state.entries:
                self._drop_oldest(state)
            return entry
        self._seq += 1
        self._keep(channel_key, state, _Kept(self._seq, now_ms, state.latest, event, payload, size))
        return entry

    async def since(self, channel_key: str, offset: int | None, epoch: str | None) -> Replay:
        """What a client at (offset, epoch) missed; see the module docstring."""
        _check_offset(offset)
        now = self._clock()
        state = self._channel(channel_key, now)
        decided = _decide(offset, epoch, state.latest, state.epoch, self.max_events)
        if decided is not None:
            return Replay([], decided, state.latest, state.epoch)
        assert offset is not None
        cutoff_ms = int((now - self.max_age_seconds) * 1000)
        while state.entries and state.entries[0].ms < cutoff_ms:
            self._drop_oldest(state)
        if not state.entries or state.entries[0].offset > offset + 1:
            # Kept entries are consecutive up to the latest: something missed is gone.
            return Replay([], False, state.latest, state.epoch)
        wanted = [
            Entry(
                channel_key,
                kept.offset,
                state.epoch,
                kept.event,
                json.loads(kept.payload),
                format_ts(kept.ms),
            )
            for kept in state.entries
            if kept.offset > offset
        ]
        return _replay(wanted, offset, state.latest, state.epoch, cutoff_ms)

    async def latest(self, channel_key: str) -> tuple[int, str]:
        """The channel's current (offset, epoch)."""
        state = self._channel(channel_key, self._clock())
        return state.latest, state.epoch


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
        _check_limits(max_events, max_age_seconds, max_bytes)
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
        _check_event(event, data)
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
        """What a client at (offset, epoch) missed; see the module docstring."""
        _check_offset(offset)
        latest, current_epoch, now_ms, entries = await self._read(channel_key, offset)
        decided = _decide(offset, epoch, latest, current_epoch, self.max_events)
        if decided is not None:
            return Replay([], decided, latest, current_epoch)
        assert offset is not None
        return _replay(entries, offset, latest, current_epoch, now_ms - self._max_age_ms)

    async def latest(self, channel_key: str) -> tuple[int, str]:
        """The channel's current (offset, epoch)."""
        latest, epoch, _, _ = await self._read(channel_key, None)
        return latest, epoch
