"""Tests for server/channels/history_memory.py: what only the memory backend does.

Its bounds in process memory: the total byte budget across channels, the sweep of idle
channels, and the references it keeps. The shared semantics, run against both backends, are
in test_history.py.
"""

from __future__ import annotations

import tracemalloc

import pytest

from server.channels import names
from server.channels.history import DEFAULT_MAX_BYTES, Replay
from server.channels.history_memory import MemoryHistory
from tests.channels.fakes import FakeClock
from tests.channels.test_history import fill, sized


def test_limits_must_be_positive() -> None:
    with pytest.raises(ValueError, match="max_events"):
        MemoryHistory(max_events=0)
    with pytest.raises(ValueError, match="max_age_seconds"):
        MemoryHistory(max_age_seconds=0)
    with pytest.raises(ValueError, match="max_bytes"):
        MemoryHistory(max_bytes=0)
    with pytest.raises(ValueError, match="max_bytes_total"):
        MemoryHistory(max_bytes=1 << 20, max_bytes_total=(1 << 20) - 1)


async def test_memory_sweeps_idle_channels() -> None:
    clock = FakeClock()
    history = MemoryHistory(max_age_seconds=10, clock=clock)
    for ticket_id in range(1, 101):
        await history.append(names.ticket(1, ticket_id).key, "ticket.updated", {})
    clock.now += MemoryHistory.SWEEP_INTERVAL_SECONDS + 1
    await history.latest(names.queue(1).key)
    assert list(history._channels) == [names.queue(1).key]


async def test_memory_ring_buffer_is_bounded() -> None:
    history = MemoryHistory(max_events=3, clock=FakeClock())
    key = names.queue(1).key
    await fill(history, key, 10)
    assert [kept.offset for kept in history._channels[key].entries] == [8, 9, 10]


async def test_memory_total_budget_evicts_the_oldest_entries_of_any_channel() -> None:
    history = MemoryHistory(max_bytes=10 * 1000, max_bytes_total=12 * 1000, clock=FakeClock())
    queue, ticket = names.queue(1).key, names.ticket(1, 7).key
    early = [await history.append(queue, "ticket.updated", sized(n, 1000)) for n in range(5)]
    others = [await history.append(ticket, "ticket.updated", sized(n, 1000)) for n in range(5)]
    late = [await history.append(queue, "ticket.updated", sized(n, 1000)) for n in range(5, 10)]
    # 15 entries of 1,000 bytes in a 12,000-byte process: the three oldest, of the queue, went.
    assert history.bytes_total == 12_000
    epoch = early[0].epoch
    assert await history.since(queue, 3, epoch) == Replay(early[3:] + late, True, 10, epoch)
    assert await history.since(queue, 2, epoch) == Replay([], False, 10, epoch)
    assert await history.since(queue, 0, epoch) == Replay([], False, 10, epoch)
    assert await history.since(ticket, 0, others[0].epoch) == Replay(
        others, True, 5, others[0].epoch
    )
    # Two more evict the queue's 4 and 5; the two after them, the ticket's oldest.
    more = [await history.append(queue, "ticket.updated", sized(n, 1000)) for n in range(10, 14)]
    assert history.bytes_total == 12_000
    assert await history.since(queue, 5, epoch) == Replay(early[5:] + late + more, True, 14, epoch)
    assert (await history.since(queue, 4, epoch)).recovered is False
    assert await history.since(ticket, 2, others[0].epoch) == Replay(
        others[2:], True, 5, others[0].epoch
    )
    assert (await history.since(ticket, 1, others[0].epoch)).recovered is False


async def test_memory_totals_follow_trims_sweeps_and_expiry() -> None:
    clock = FakeClock()
    history = MemoryHistory(max_events=3, max_age_seconds=10, clock=clock)
    for ticket_id in range(1, 41):
        for n in range(50):
            await history.append(names.ticket(1, ticket_id).key, "ticket.updated", sized(n, 500))
    assert history.bytes_total == 40 * 3 * 500
    # References to entries that their channel trimmed are not kept forever.
    assert len(history._order) <= 2 * 40 * 3 + 64
    clock.now += 11  # every channel expires
    key = names.ticket(1, 1).key
    await history.append(key, "ticket.updated", sized(0, 500))
    assert history.bytes_total == 500 + 39 * 3 * 500  # the one revisited started over
    clock.now += MemoryHistory.SWEEP_INTERVAL_SECONDS
    await history.latest(key)
    assert history.bytes_total == 0 and list(history._channels) == [key]


async def test_memory_holds_about_its_byte_budget() -> None:
    # Real memory, not only the count: 600 replies of 40 kB on one channel used to keep 24 MB.
    history = MemoryHistory(clock=FakeClock())
    key = names.ticket(1, 1).key
    tracemalloc.start()
    try:
        start = tracemalloc.get_traced_memory()[0]
        for n in range(600):
            await history.append(key, "ticket.response_added", sized(n, 40_000))
        grown = tracemalloc.get_traced_memory()[0] - start
    finally:
        tracemalloc.stop()
    assert history.bytes_total <= DEFAULT_MAX_BYTES
    assert grown < 1.25 * DEFAULT_MAX_BYTES
