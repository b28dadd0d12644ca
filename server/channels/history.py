"""Per-channel ordered, resumable history: offsets, epochs and replay.

Every event appended to a channel gets the next *offset* (1, 2, 3, ... with no gaps) and
carries the channel's *epoch*, a random string naming one life of the channel's history.
When a history is lost (Redis flushed or evicted, the process restarted in embedded mode,
the channel idle longer than the age limit) the next access starts a new epoch at offset 0,
so a client can always tell "I missed nothing" from "I cannot know what I missed".

This module holds what the backends share: `Entry`, `Replay`, the `History` interface,
`entry_size`, `encode_data`, `new_epoch`, `format_ts`, the argument checks, and `decide` and
`replay`, which settle `since` the same way for both. Two backends give the semantics below
identically: `history_memory.MemoryHistory` (embedded mode, a bounded buffer per channel) and
`history_redis.RedisHistory` (a capped stream per channel, shared by every process). Channels
are given by their internal key (`names.Channel.key`).

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
Redis backend PUBLISHes on the channel key (e.g. ``parley:org:7:ticket:42``) one compact JSON
object, the same shape as `Entry.as_dict()`:

    {"channel":"parley:org:7:ticket:42","offset":18,"epoch":"9f2c4e1a7b3d5e60",
     "event":"ticket.status_changed","ts":"2026-11-22T08:01:02.345Z","data":{...}}

`Entry.from_message` parses it back. Timestamps are ISO-8601 UTC with milliseconds and a `Z`
(`format_ts`), from the same clock that ages entries out.
"""

from __future__ import annotations

import json
import secrets
from abc import ABC, abstractmethod
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

DEFAULT_MAX_EVENTS = 1000
DEFAULT_MAX_AGE_SECONDS = 86400
# 1 MiB: ~1,000 ordinary ticket events (0.7-1 kB of JSON each), so for ordinary traffic the
# byte bound and max_events agree; the last ~25 replies of 40 kB; and the largest event the
# API can produce (a 50,000-character reply is at most ~300 kB encoded) several times over.
DEFAULT_MAX_BYTES = 1 << 20
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


def check_limits(max_events: int, max_age_seconds: float, max_bytes: int) -> None:
    """Refuse bounds that are not positive (both backends' constructors)."""
    if type(max_events) is not int or max_events < 1:
        raise ValueError(f"max_events must be a positive integer, got {max_events!r}")
    if max_age_seconds <= 0:
        raise ValueError(f"max_age_seconds must be positive, got {max_age_seconds!r}")
    if type(max_bytes) is not int or max_bytes < 1:
        raise ValueError(f"max_bytes must be a positive integer, got {max_bytes!r}")


def check_event(event: str, data: dict[str, Any]) -> None:
    """Refuse an event to append without a name or with data that is not a dict."""
    if not isinstance(event, str) or not event:
        raise ValueError("event name must be a non-empty string")
    if not isinstance(data, dict):
        raise ValueError(f"event data must be a dict, got {type(data).__name__}")


def check_offset(offset: int | None) -> None:
    """Refuse a client position that is not None or a non-negative integer."""
    if offset is not None and (type(offset) is not int or offset < 0):
        raise ValueError(f"offset must be a non-negative integer, got {offset!r}")


def decide(
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


def replay(
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
