"""Tests for server/channels/history.py: both backends, one set of semantics.

Every behaviour test runs against `MemoryHistory` (always) and `RedisHistory` (with
TEST_REDIS_URL); what only one backend does is tested in test_history_memory.py and
test_history_redis.py. Redis tests use a random organisation id so their keys never meet
another test's, and delete every key they touched.
"""

from __future__ import annotations

import asyncio
import random
import re
import secrets
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest
from redis.asyncio import Redis

from server.channels import names
from server.channels.history import (
    DEFAULT_MAX_BYTES,
    ENTRY_OVERHEAD_BYTES,
    Entry,
    History,
    Replay,
    encode_data,
    entry_size,
)
from server.channels.history_memory import MemoryHistory
from server.channels.history_redis import RedisHistory
from tests.channels.fakes import FakeClock
from tests.conftest import TEST_REDIS_URL

TS = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z")


class Backend:
    """One history backend plus the test's handles on time and storage."""

    def __init__(self, kind: str, redis: Redis | None) -> None:
        self.kind = kind
        self.redis = redis
        self.clock = FakeClock()
        self.organization_id = 1_000_000_000 + secrets.randbelow(1_000_000_000)
        self._keys: set[str] = set()

    def make(
        self,
        max_events: int = 1000,
        max_age_seconds: float = 86400,
        max_bytes: int = DEFAULT_MAX_BYTES,
    ) -> History:
        """A history with the given limits (Redis ones share the server's state)."""
        if self.redis is None:
            return MemoryHistory(max_events, max_age_seconds, max_bytes=max_bytes, clock=self.clock)
        return RedisHistory(self.redis, max_events, max_age_seconds, max_bytes=max_bytes)

    def channel(self, ticket_id: int = 1, organization_id: int | None = None) -> str:
        """A fresh ticket channel key for this test."""
        channel = names.ticket(organization_id or self.organization_id, ticket_id)
        self._keys.update(redis_keys(channel.key))
        return channel.key

    async def advance(self, seconds: float) -> None:
        """Let time pass: moved by hand in memory, really waited for Redis."""
        if self.redis is None:
            self.clock.now += seconds
        else:
            await asyncio.sleep(seconds)

    async def lose_history(self, history: History, channel_key: str) -> History:
        """What a Redis flush (or, embedded, a process restart) does to one channel."""
        if self.redis is None:
            return MemoryHistory(
                history.max_events,
                history.max_age_seconds,
                max_bytes=history.max_bytes,
                clock=self.clock,
            )
        await self.redis.delete(*redis_keys(channel_key))
        return history

    async def cleanup(self) -> None:
        if self.redis is not None and self._keys:
            await self.redis.delete(*self._keys)


def redis_keys(channel_key: str) -> list[str]:
    """Every Redis key of one channel's history."""
    return [
        names.history_key(channel_key),
        names.epoch_key(channel_key),
        names.offset_key(channel_key),
        names.history_bytes_key(channel_key),
    ]


@pytest.fixture(params=["memory", pytest.param("redis", marks=pytest.mark.redis)])
async def backend(request: pytest.FixtureRequest) -> AsyncIterator[Backend]:
    redis = Redis.from_url(TEST_REDIS_URL) if request.param == "redis" else None
    backend = Backend(request.param, redis)
    try:
        yield backend
    finally:
        await backend.cleanup()
        if redis is not None:
            await redis.aclose()


async def fill(history: History, channel_key: str, count: int) -> list[Entry]:
    """Append `count` numbered events."""
    return [await history.append(channel_key, "ticket.updated", {"n": n}) for n in range(count)]


async def test_offsets_start_at_one_and_increase_by_one(backend: Backend) -> None:
    history = backend.make()
    key = backend.channel()
    entries = await fill(history, key, 5)
    assert [entry.offset for entry in entries] == [1, 2, 3, 4, 5]
    assert len({entry.epoch for entry in entries}) == 1
    assert await history.latest(key) == (5, entries[0].epoch)


async def test_entry_carries_channel_event_data_and_utc_timestamp(backend: Backend) -> None:
    history = backend.make()
    key = backend.channel()
    data = {"ticket": {"id": 1, "subject": 'Ça / "marche"'}, "tags": ["a", "b"], "n": None}
    entry = await history.append(key, "ticket.created", data)
    assert (entry.channel, entry.event, entry.data) == (key, "ticket.created", data)
    assert TS.fullmatch(entry.ts)
    moment = datetime.strptime(entry.ts, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)
    now = backend.clock() if backend.redis is None else time.time()
    assert abs(moment.timestamp() - now) < 5
    replay = await history.since(key, 0, entry.epoch)
    assert replay.entries == [entry]


async def test_concurrent_appends_get_distinct_consecutive_offsets(backend: Backend) -> None:
    history = backend.make()
    key = backend.channel()
    entries = await asyncio.gather(
        *(history.append(key, "ticket.updated", {"n": n}) for n in range(50))
    )
    assert sorted(entry.offset for entry in entries) == list(range(1, 51))
    replay = await history.since(key, 0, entries[0].epoch)
    assert [entry.offset for entry in replay.entries] == list(range(1, 51))


async def test_replays_exactly_the_missed_events_in_order(backend: Backend) -> None:
    history = backend.make()
    key = backend.channel()
    seen = await fill(history, key, 3)
    missed = await fill(history, key, 20)
    replay = await history.since(key, seen[-1].offset, seen[-1].epoch)
    assert replay == Replay(missed, True, 23, seen[-1].epoch)
    assert [entry.data["n"] for entry in replay.entries] == list(range(20))


async def test_no_since_is_a_fresh_subscription(backend: Backend) -> None:
    history = backend.make()
    key = backend.channel()
    entries = await fill(history, key, 4)
    for epoch in (None, entries[0].epoch, "something-else"):
        assert await history.since(key, None, epoch) == Replay([], True, 4, entries[0].epoch)


async def test_empty_history(backend: Backend) -> None:
    history = backend.make()
    key = backend.channel()
    fresh = await history.since(key, None, None)
    assert (fresh.entries, fresh.recovered, fresh.offset) == ([], True, 0)
    assert fresh.epoch
    # The epoch given before anything was published stays valid for the first events.
    assert await history.latest(key) == (0, fresh.epoch)
    assert await history.since(key, 0, fresh.epoch) == Replay([], True, 0, fresh.epoch)
    assert await history.since(key, 2, fresh.epoch) == Replay([], False, 0, fresh.epoch)
    assert await history.since(key, 0, "other") == Replay([], False, 0, fresh.epoch)
    assert await history.since(key, 0, None) == Replay([], False, 0, fresh.epoch)
    first = await history.append(key, "ticket.created", {})
    assert first.epoch == fresh.epoch
    assert await history.since(key, 0, fresh.epoch) == Replay([first], True, 1, fresh.epoch)


async def test_same_position_recovers_with_nothing(backend: Backend) -> None:
    history = backend.make()
    key = backend.channel()
    entries = await fill(history, key, 7)
    assert await history.since(key, 7, entries[0].epoch) == Replay([], True, 7, entries[0].epoch)


async def test_position_in_the_future_is_not_recovered(backend: Backend) -> None:
    history = backend.make()
    key = backend.channel()
    entries = await fill(history, key, 7)
    assert await history.since(key, 8, entries[0].epoch) == Replay([], False, 7, entries[0].epoch)
    assert await history.since(key, 10**9, entries[0].epoch) == Replay(
        [], False, 7, entries[0].epoch
    )


async def test_unknown_epoch_is_not_recovered(backend: Backend) -> None:
    history = backend.make()
    key = backend.channel()
    entries = await fill(history, key, 5)
    for epoch in ("0123456789abcdef", None, ""):
        assert await history.since(key, 2, epoch) == Replay([], False, 5, entries[0].epoch)
        assert await history.since(key, 5, epoch) == Replay([], False, 5, entries[0].epoch)


async def test_position_trimmed_by_max_events_is_not_recovered(backend: Backend) -> None:
    history = backend.make(max_events=5)
    key = backend.channel()
    entries = await fill(history, key, 20)
    epoch = entries[0].epoch
    # Exactly max_events missed: all still kept.
    assert await history.since(key, 15, epoch) == Replay(entries[15:], True, 20, epoch)
    # One more than is kept: nothing, never the partial tail.
    for offset in (14, 10, 1, 0):
        assert await history.since(key, offset, epoch) == Replay([], False, 20, epoch)


async def test_aged_out_position_is_not_recovered(backend: Backend) -> None:
    history = backend.make(max_age_seconds=1)
    key = backend.channel()
    first = await history.append(key, "ticket.updated", {"n": 1})
    await backend.advance(0.7)
    second = await history.append(key, "ticket.updated", {"n": 2})
    await backend.advance(0.5)
    # The first event is older than a second now, the second is not.
    assert await history.since(key, 0, first.epoch) == Replay([], False, 2, first.epoch)
    assert await history.since(key, 1, first.epoch) == Replay([second], True, 2, first.epoch)
    assert await history.since(key, 2, first.epoch) == Replay([], True, 2, first.epoch)


async def test_idle_history_expires_whole_and_starts_a_new_epoch(backend: Backend) -> None:
    history = backend.make(max_age_seconds=1)
    key = backend.channel()
    entries = await fill(history, key, 3)
    await backend.advance(1.3)
    replay = await history.since(key, 3, entries[0].epoch)
    assert (replay.entries, replay.recovered, replay.offset) == ([], False, 0)
    assert replay.epoch != entries[0].epoch
    assert (await history.append(key, "ticket.updated", {})).offset == 1


async def test_lost_history_starts_a_new_epoch(backend: Backend) -> None:
    history = backend.make()
    key = backend.channel()
    entries = await fill(history, key, 6)
    history = await backend.lose_history(history, key)
    replay = await history.since(key, 6, entries[0].epoch)
    assert (replay.entries, replay.recovered, replay.offset) == ([], False, 0)
    assert replay.epoch != entries[0].epoch
    after = await history.append(key, "ticket.updated", {})
    assert (after.offset, after.epoch) == (1, replay.epoch)
    # Offset 1 exists again, but under another epoch: the old position still does not recover.
    assert (await history.since(key, 1, entries[0].epoch)).recovered is False
    assert await history.since(key, 0, replay.epoch) == Replay([after], True, 1, replay.epoch)


async def test_channels_and_organisations_are_separate(backend: Backend) -> None:
    history = backend.make()
    mine = backend.channel(5)
    other_ticket = backend.channel(6)
    other_org = backend.channel(5, organization_id=backend.organization_id + 1)
    await fill(history, mine, 3)
    await fill(history, other_org, 1)
    assert (await history.latest(mine))[0] == 3
    assert (await history.latest(other_ticket))[0] == 0
    assert (await history.latest(other_org))[0] == 1
    assert (await history.latest(other_org))[1] != (await history.latest(mine))[1]


async def test_bad_arguments_are_refused(backend: Backend) -> None:
    history = backend.make()
    key = backend.channel()
    for bad_key in ("ticket:1", "parley:org:1:ticket:0", "{parley:org:1:queue}:history"):
        with pytest.raises(ValueError, match="invalid channel"):
            await history.append(bad_key, "ticket.updated", {})
        with pytest.raises(ValueError, match="invalid channel"):
            await history.since(bad_key, None, None)
    with pytest.raises(ValueError, match="offset"):
        await history.since(key, -1, "e")
    with pytest.raises(ValueError, match="offset"):
        await history.since(key, True, "e")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="event name"):
        await history.append(key, "", {})
    with pytest.raises(ValueError, match="dict"):
        await history.append(key, "ticket.updated", [1])  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        await history.append(key, "ticket.updated", {"when": object()})
    # Nothing refused was written.
    assert (await history.latest(key))[0] == 0


# --- byte bounds ----------------------------------------------------------------------------


def sized(n: int, size: int) -> dict[str, Any]:
    """Data for a `ticket.updated` event whose entry costs exactly `size` bytes."""
    filler = size - entry_size("ticket.updated", encode_data({"n": n, "text": ""}))
    assert filler >= 0
    return {"n": n, "text": "x" * filler}


async def kept_bytes(backend: Backend, history: History, channel_key: str) -> int:
    """What the channel keeps, by `entry_size`, checked against the backend's own counter."""
    if backend.redis is None:
        assert isinstance(history, MemoryHistory)
        state = history._channels[channel_key]
        total = sum(entry_size(kept.event, kept.payload) for kept in state.entries)
        assert total == state.bytes
        return total
    stream = await backend.redis.xrange(names.history_key(channel_key))
    total = sum(entry_size(fields[b"e"].decode(), fields[b"d"]) for _, fields in stream)
    assert total == int(await backend.redis.get(names.history_bytes_key(channel_key)) or 0)
    return total


def test_entry_size_counts_utf8_name_and_data_plus_overhead() -> None:
    payload = encode_data({"text": "é€"})
    assert payload == '{"text":"é€"}'  # 11 ASCII bytes, then 2 and 3 bytes
    assert entry_size("ticket.updated", payload) == 14 + 16 + ENTRY_OVERHEAD_BYTES
    assert entry_size("ticket.updated", payload.encode()) == 14 + 16 + ENTRY_OVERHEAD_BYTES


async def test_position_trimmed_by_max_bytes_is_not_recovered(backend: Backend) -> None:
    history = backend.make(max_bytes=5 * 2000)
    key = backend.channel()
    entries = [await history.append(key, "ticket.updated", sized(n, 2000)) for n in range(20)]
    epoch = entries[0].epoch
    assert await kept_bytes(backend, history, key) == 5 * 2000
    # Exactly the budget's worth missed: all still kept.
    assert await history.since(key, 15, epoch) == Replay(entries[15:], True, 20, epoch)
    # One more than is kept: nothing, never the partial tail.
    for offset in (14, 10, 0):
        assert await history.since(key, offset, epoch) == Replay([], False, 20, epoch)


async def test_keeps_the_longest_newest_run_within_bytes_and_events(backend: Backend) -> None:
    history = backend.make(max_events=10, max_bytes=20_000)
    key = backend.channel()
    rng = random.Random(13)
    sizes = [rng.randrange(600, 9000) for _ in range(60)]
    for n, size in enumerate(sizes):
        entry = await history.append(key, "ticket.updated", sized(n, size))
        # The oldest go first, so what is kept is the longest newest run within both bounds.
        first, total = entry.offset, sizes[n]
        while first > 1 and entry.offset - first + 1 < 10 and total + sizes[first - 2] <= 20_000:
            first -= 1
            total += sizes[first - 1]
        assert await kept_bytes(backend, history, key) == total <= 20_000
        assert (await history.since(key, first - 1, entry.epoch)).recovered is True
        if first > 1:
            assert (await history.since(key, first - 2, entry.epoch)).recovered is False


async def test_event_larger_than_the_budget_is_returned_but_not_kept(backend: Backend) -> None:
    history = backend.make(max_bytes=10_000)
    key = backend.channel()
    before = [await history.append(key, "ticket.updated", sized(n, 1000)) for n in range(3)]
    large = await history.append(key, "ticket.updated", sized(3, 10_001))
    assert (large.offset, large.data) == (4, sized(3, 10_001))
    after = [await history.append(key, "ticket.updated", sized(n, 1000)) for n in range(4, 6)]
    epoch = before[0].epoch
    assert await kept_bytes(backend, history, key) == 2000
    # Nothing before the large event can be replayed: the replay would lack it.
    for offset in (0, 1, 3):
        assert await history.since(key, offset, epoch) == Replay([], False, 6, epoch)
    # From it on, the history goes on as usual.
    assert await history.since(key, 4, epoch) == Replay(after, True, 6, epoch)
