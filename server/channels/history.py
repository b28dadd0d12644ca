"""Per-channel ordered, resumable history: offsets, epochs and replay.

Every event appended to a channel gets the next *offset* (1, 2, 3, ... with no gaps) and
carries the channel's *epoch*, a random string naming one life of the channel's history.
When a history is lost (Redis flushed or evicted, the process restarted in embedded mode,
the channel idle longer than the age limit) the next access starts a new epoch at offset 0,
so a client can always tell "I missed nothing" from "I cannot know what I missed".

Two backends with identical semantics: `MemoryHistory` (embedded mode, a ring buffer per
channel) and `RedisHistory` (a capped stream per channel, appended and published in one
round trip by a Lua script). Channels are given by their internal key (`names.Channel.key`).

Bounds: a channel keeps at most `max_events` events, none older than `max_age_seconds`;
the whole history (events, counter and epoch) disappears `max_age_seconds` after the last
append, or after creation if nothing was appended, and the next access starts a new epoch.

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
still kept (within `max_events` and `max_age_seconds`)                   in offset order
same epoch, any of offset+1..latest trimmed or aged out     False        none
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

    @abstractmethod
    async def append(self, channel_key: str, event: str, data: dict[str, Any]) -> Entry:
        """Append an event to the channel and return it with its offset and epoch."""

    @abstractmethod
    async def since(self, channel_key: str, offset: int | None, epoch: str | None) -> Replay:
        """What a client at (offset, epoch) missed; all or nothing."""

    @abstractmethod
    async def latest(self, channel_key: str) -> tuple[int, str]:
        """The channel's current (offset, epoch); starts a history if there is none."""


def _check_limits(max_events: int, max_age_seconds: float) -> None:
    if type(max_events) is not int or max_events < 1:
        raise ValueError(f"max_events must be a positive integer, got {max_events!r}")
    if max_age_seconds <= 0:
        raise ValueError(f"max_age_seconds must be positive, got {max_age_seconds!r}")


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


@dataclass
class _MemoryChannel:
    epoch: str
    expires_at: float
    latest: int = 0
    # (append time in ms, entry); the deque's maxlen is the max_events trim.
    entries: deque[tuple[int, Entry]] = field(default_factory=deque)


class MemoryHistory(History):
    """History in process memory: a ring buffer per channel, for the embedded mode.

    `clock` returns seconds since the Unix epoch; tests pass a fake to age entries out.
    """

    # Sweep idle channels at most this often, so never-revisited channels do not pile up.
    SWEEP_INTERVAL_SECONDS = 60.0

    def __init__(
        self,
        max_events: int = DEFAULT_MAX_EVENTS,
        max_age_seconds: float = DEFAULT_MAX_AGE_SECONDS,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        _check_limits(max_events, max_age_seconds)
        self.max_events = max_events
        self.max_age_seconds = max_age_seconds
        self._clock = clock
        self._channels: dict[str, _MemoryChannel] = {}
        self._next_sweep = clock() + self.SWEEP_INTERVAL_SECONDS

    def _channel(self, channel_key: str, now: float) -> _MemoryChannel:
        names.from_key(channel_key)  # Only well-formed channel keys get a history.
        if now >= self._next_sweep:
            self._next_sweep = now + self.SWEEP_INTERVAL_SECONDS
            for key in [k for k, c in self._channels.items() if c.expires_at <= now]:
                del self._channels[key]
        state = self._channels.get(channel_key)
        if state is None or state.expires_at <= now:
            # Like the Redis TTL: an idle history vanishes whole and comes back as a new epoch.
            state = _MemoryChannel(epoch=new_epoch(), expires_at=now + self.max_age_seconds)
            state.entries = deque(maxlen=self.max_events)
            self._channels[channel_key] = state
        return state

    async def append(self, channel_key: str, event: str, data: dict[str, Any]) -> Entry:
        """Append an event; see `History.append`."""
        _check_event(event, data)
        # Round-trip through JSON so both backends hand back the same data (and reject the same).
        data = json.loads(json.dumps(data))
        now = self._clock()
        state = self._channel(channel_key, now)
        state.latest += 1
        state.expires_at = now + self.max_age_seconds
        now_ms = int(now * 1000)
        entry = Entry(channel_key, state.latest, state.epoch, event, data, format_ts(now_ms))
        state.entries.append((now_ms, entry))
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
        while state.entries and state.entries[0][0] < cutoff_ms:
            state.entries.popleft()
        wanted = [entry for _, entry in state.entries if entry.offset > offset]
        return _replay(wanted, offset, state.latest, state.epoch, cutoff_ms)

    async def latest(self, channel_key: str) -> tuple[int, str]:
        """The channel's current (offset, epoch)."""
        state = self._channel(channel_key, self._clock())
        return state.latest, state.epoch


# Both scripts: KEYS = stream, offset counter, epoch; ARGV[1] = a fresh epoch to use if the
# history has to start over, ARGV[2] = the age limit in ms (also the keys' TTL).
# A history missing its counter or epoch (flushed, evicted, expired) starts over whole: new
# epoch, offset 0, stream cleared, so offsets are never reused under one epoch.
_START_OVER_LUA = """
local epoch = redis.call('GET', KEYS[3])
if (not epoch) or redis.call('EXISTS', KEYS[2]) == 0 then
  epoch = ARGV[1]
  redis.call('DEL', KEYS[1])
  redis.call('SET', KEYS[2], 0, 'PX', ARGV[2])
  redis.call('SET', KEYS[3], epoch, 'PX', ARGV[2])
end
local t = redis.call('TIME')
local now_ms = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
"""

# ARGV[3] = max events, ARGV[4] = event name, ARGV[5] = data as JSON, ARGV[6] = pub/sub channel.
# Returns {offset, epoch, ts}. Stream ids come from the server clock, so MINID trims by age.
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
redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[3], '*',
  'o', offset, 'e', ARGV[4], 'd', ARGV[5], 't', ts)
redis.call('XTRIM', KEYS[1], 'MINID', '~', now_ms - tonumber(ARGV[2]))
for i = 1, 3 do redis.call('PEXPIRE', KEYS[i], ARGV[2]) end
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
    """History in Redis: a capped stream per channel plus an offset counter and an epoch key.

    `append` runs one Lua script (one round trip, atomic): start over if the history was
    lost, INCR the offset, XADD with MAXLEN ~ max_events, XTRIM MINID ~ (now - max age),
    refresh the TTL of the three keys, and PUBLISH the entry on the channel key. The
    approximate trims keep Redis cheap; `since` enforces both limits exactly, so the two
    backends answer the same.
    """

    def __init__(
        self,
        redis: Redis,
        max_events: int = DEFAULT_MAX_EVENTS,
        max_age_seconds: float = DEFAULT_MAX_AGE_SECONDS,
    ) -> None:
        _check_limits(max_events, max_age_seconds)
        self.redis = redis
        self.max_events = max_events
        self.max_age_seconds = max_age_seconds
        self._max_age_ms = max(1, int(max_age_seconds * 1000))
        self._append_script = redis.register_script(_APPEND_LUA)
        self._since_script = redis.register_script(_SINCE_LUA)

    @staticmethod
    def _keys(channel_key: str) -> list[str]:
        return [
            names.history_key(channel_key),
            names.offset_key(channel_key),
            names.epoch_key(channel_key),
        ]

    async def append(self, channel_key: str, event: str, data: dict[str, Any]) -> Entry:
        """Append an event and publish it; see `History.append` and the module docstring."""
        _check_event(event, data)
        payload = json.dumps(data, separators=(",", ":"), ensure_ascii=False)
        offset, epoch, ts = await self._append_script(
            keys=self._keys(channel_key),
            args=[new_epoch(), self._max_age_ms, self.max_events, event, payload, channel_key],
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
