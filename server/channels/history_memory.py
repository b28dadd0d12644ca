"""History in process memory, for the embedded mode (the semantics are in `history`).

Per channel a deque of the kept entries, encoded (so the byte budgets count what is really
held), with its offset counter, epoch and byte count; and, for `max_bytes_total`, every kept
entry of the process in append order, so the total budget evicts the oldest entries whatever
their channel. No call awaits anything, so each is atomic within the process and offsets
are consecutive. Ages come from one injectable clock (tests pass a fake): `since` drops the
entries older than the age limit before answering, and a channel not appended to for
`max_age_seconds` vanishes whole and comes back as a new epoch (on its next access, or by a
sweep at most every `SWEEP_INTERVAL_SECONDS`), like the Redis keys' TTL. A restart of the
process loses every history, and the next access starts a new epoch.
"""

from __future__ import annotations

import json
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from server.channels import names
from server.channels.history import (
    DEFAULT_MAX_AGE_SECONDS,
    DEFAULT_MAX_BYTES,
    DEFAULT_MAX_EVENTS,
    Entry,
    History,
    Replay,
    check_event,
    check_limits,
    check_offset,
    decide,
    encode_data,
    entry_size,
    format_ts,
    new_epoch,
    replay,
)

# The embedded process: 64 channels full to the brim, or ~60,000 ordinary events.
DEFAULT_MAX_BYTES_TOTAL = 64 << 20


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
        check_limits(max_events, max_age_seconds, max_bytes)
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
        check_event(event, data)
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
        """What a client at (offset, epoch) missed; see the `history` module docstring."""
        check_offset(offset)
        now = self._clock()
        state = self._channel(channel_key, now)
        decided = decide(offset, epoch, state.latest, state.epoch, self.max_events)
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
        return replay(wanted, offset, state.latest, state.epoch, cutoff_ms)

    async def latest(self, channel_key: str) -> tuple[int, str]:
        """The channel's current (offset, epoch)."""
        state = self._channel(channel_key, self._clock())
        return state.latest, state.epoch
