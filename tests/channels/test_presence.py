"""Tests for server/channels/presence.py: both backends, one set of semantics.

Every behaviour test runs against `MemoryPresence` (always, with a fake clock) and
`RedisPresence` (with TEST_REDIS_URL, a 1 s TTL and real waiting); what only the Redis
backend does is tested in test_presence_redis.py. Redis tests use a random organisation id
and random connection ids so their keys never meet another test's, and delete every key they
touched.
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis

from server.channels import events, names
from server.channels.presence import Presence, PresenceDiff, to_event
from server.channels.presence_memory import MemoryPresence
from server.channels.presence_redis import RedisPresence, _presence_keys
from tests.channels.fakes import FakeClock
from tests.conftest import TEST_REDIS_URL

TTL = 1.0


class Backend:
    """One presence backend plus the test's handles on time and storage."""

    def __init__(self, kind: str, redis: Redis | None) -> None:
        self.kind = kind
        self.redis = redis
        self.clock = FakeClock()
        self.organization_id = 1_000_000_000 + secrets.randbelow(1_000_000_000)
        self.process = secrets.token_hex(4)
        self._keys: set[str] = set()

    def make(self, ttl: float = TTL) -> Presence:
        """A presence store (Redis ones share the server's state)."""
        if self.redis is None:
            return MemoryPresence(ttl, clock=self.clock)
        return RedisPresence(self.redis, ttl)

    def channel(self, ticket_id: int = 1) -> str:
        """A fresh ticket channel key for this test."""
        key = names.ticket(self.organization_id, ticket_id).key
        self._keys.update(_presence_keys(key))
        return key

    def conn(self, n: int) -> str:
        """A connection id of this test's "process"."""
        connection_id = f"{self.process}:{n}"
        self._keys.add(names.connection_channels_key(connection_id))
        return connection_id

    async def advance(self, seconds: float) -> None:
        """Let time pass: moved by hand in memory, really waited for Redis."""
        if self.redis is None:
            self.clock.now += seconds
        else:
            await asyncio.sleep(seconds)

    async def cleanup(self) -> None:
        if self.redis is not None and self._keys:
            await self.redis.delete(*self._keys)


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


def entry(
    person: str, name: str, status: str = "online", composing: bool = False
) -> events.PresenceEntry:
    return events.PresenceEntry(person=person, name=name, status=status, composing=composing)


ANN = ("agent:1", "Ann")
BOB = ("agent:2", "Bob")
CAT = ("contact:3", "Cat")


async def test_join_and_leave_diffs(backend: Backend) -> None:
    presence = backend.make()
    key = backend.channel()
    diff = await presence.join(key, backend.conn(1), *ANN)
    assert diff == PresenceDiff(joined=[entry(*ANN)])
    assert not diff.empty
    diff = await presence.join(key, backend.conn(2), *BOB, status="away")
    assert diff == PresenceDiff(joined=[entry(*BOB, "away")])
    assert await presence.snapshot(key) == [entry(*ANN), entry(*BOB, "away")]
    diff = await presence.leave(key, backend.conn(1))
    assert diff == PresenceDiff(left=["agent:1"])
    assert await presence.snapshot(key) == [entry(*BOB, "away")]
    diff = await presence.leave(key, backend.conn(1))  # Already gone: nothing.
    assert diff.empty
    assert (await presence.leave(key, backend.conn(2))).left == ["agent:2"]
    assert await presence.snapshot(key) == []


async def test_two_tabs_are_one_person(backend: Backend) -> None:
    presence = backend.make()
    key = backend.channel()
    assert (await presence.join(key, backend.conn(1), *ANN)).joined == [entry(*ANN)]
    assert (await presence.join(key, backend.conn(2), *ANN)).empty
    assert await presence.snapshot(key) == [entry(*ANN)]
    assert (await presence.leave(key, backend.conn(1))).empty
    assert await presence.snapshot(key) == [entry(*ANN)]
    assert await presence.leave(key, backend.conn(2)) == PresenceDiff(left=["agent:1"])
    assert await presence.snapshot(key) == []


async def test_status_rolls_up_to_the_best(backend: Backend) -> None:
    presence = backend.make()
    key = backend.channel()
    await presence.join(key, backend.conn(1), *ANN, status="away")
    # away + online = online.
    diff = await presence.join(key, backend.conn(2), *ANN)
    assert diff == PresenceDiff(updated=[entry(*ANN)])
    assert (await presence.update(key, backend.conn(2), status="away")).updated == [
        entry(*ANN, "away")
    ]
    assert (await presence.update(key, backend.conn(1), status="away")).empty
    assert await presence.snapshot(key) == [entry(*ANN, "away")]
    # offline means leave: only the other tab remains, so the person stays.
    assert (await presence.update(key, backend.conn(1), status="offline")).empty
    assert await presence.update(key, backend.conn(2), status="offline") == PresenceDiff(
        left=["agent:1"]
    )
    assert (await presence.update(key, backend.conn(2), status="online")).empty  # Unknown.
    assert await presence.snapshot(key) == []


async def test_composing_is_true_if_any_connection_composes(backend: Backend) -> None:
    presence = backend.make()
    key = backend.channel()
    await presence.join(key, backend.conn(1), *ANN)
    await presence.join(key, backend.conn(2), *ANN)
    diff = await presence.update(key, backend.conn(1), composing=True)
    assert diff == PresenceDiff(updated=[entry(*ANN, composing=True)])
    assert (await presence.update(key, backend.conn(2), composing=True)).empty
    assert (await presence.update(key, backend.conn(1), composing=False)).empty
    diff = await presence.update(key, backend.conn(2), composing=False)
    assert diff == PresenceDiff(updated=[entry(*ANN)])
    # Status and composing in one update; a re-join resets composing.
    diff = await presence.update(key, backend.conn(1), status="away", composing=True)
    assert diff.empty is False
    assert await presence.snapshot(key) == [entry(*ANN, composing=True)]
    await presence.leave(key, backend.conn(2))
    assert await presence.snapshot(key) == [entry(*ANN, "away", composing=True)]
    diff = await presence.join(key, backend.conn(1), *ANN)
    assert diff == PresenceDiff(updated=[entry(*ANN)])


async def test_snapshot_is_sorted_and_rolled_up(backend: Backend) -> None:
    presence = backend.make()
    key = backend.channel()
    await presence.join(key, backend.conn(1), *CAT)
    await presence.join(key, backend.conn(2), *BOB, status="away")
    await presence.join(key, backend.conn(3), *ANN, status="away")
    await presence.join(key, backend.conn(4), *BOB)
    await presence.join(key, backend.conn(5), *ANN, status="away")
    await presence.update(key, backend.conn(5), composing=True)
    assert await presence.snapshot(key) == [
        entry(*ANN, "away", composing=True),
        entry(*BOB),
        entry(*CAT),
    ]
    assert await presence.snapshot(backend.channel(2)) == []


async def test_channels_are_independent(backend: Backend) -> None:
    presence = backend.make()
    first, second = backend.channel(1), backend.channel(2)
    await presence.join(first, backend.conn(1), *ANN)
    assert (await presence.join(second, backend.conn(1), *ANN)).joined == [entry(*ANN)]
    assert (await presence.leave(first, backend.conn(1))).left == ["agent:1"]
    assert await presence.snapshot(second) == [entry(*ANN)]


async def test_heartbeat_keeps_connections_alive(backend: Backend) -> None:
    presence = backend.make()
    first, second = backend.channel(1), backend.channel(2)
    await presence.join(first, backend.conn(1), *ANN)
    await presence.join(second, backend.conn(1), *ANN)
    await presence.join(second, backend.conn(2), *BOB)
    for _ in range(3):  # 1.8 TTLs in all, well past the original expiry.
        await backend.advance(TTL * 0.6)
        await presence.heartbeat([backend.conn(1), backend.conn(2)])
    assert (await presence.expire(first)).empty
    assert (await presence.expire(second)).empty
    assert await presence.snapshot(first) == [entry(*ANN)]
    assert await presence.snapshot(second) == [entry(*ANN), entry(*BOB)]
    # Bob's process stops its heartbeats; Ann's goes on.
    for _ in range(2):
        await backend.advance(TTL * 0.6)
        await presence.heartbeat([backend.conn(1)])
    assert await presence.snapshot(second) == [entry(*ANN)]
    assert await presence.expire(second) == PresenceDiff(left=["agent:2"])
    assert await presence.snapshot(first) == [entry(*ANN)]


async def test_without_heartbeat_connections_expire(backend: Backend) -> None:
    presence = backend.make()
    key = backend.channel()
    await presence.join(key, backend.conn(1), *ANN)
    await presence.join(key, backend.conn(2), *BOB)
    await presence.join(key, backend.conn(3), *BOB)
    await presence.heartbeat([])
    assert (await presence.expire(key)).empty
    await backend.advance(TTL * 1.3)
    # Expired connections are out of snapshots at once, and reported by the next mutation.
    assert await presence.snapshot(key) == []
    assert await presence.expire(key) == PresenceDiff(left=["agent:1", "agent:2"])
    assert (await presence.expire(key)).empty
    # A heartbeat does not bring an expired connection back; joining again does.
    await presence.heartbeat([backend.conn(1)])
    assert await presence.snapshot(key) == []
    assert (await presence.join(key, backend.conn(1), *ANN)).joined == [entry(*ANN)]


async def test_a_mutation_reports_other_expired_people(backend: Backend) -> None:
    presence = backend.make()
    key = backend.channel()
    await presence.join(key, backend.conn(1), *ANN)
    await backend.advance(TTL * 1.3)
    diff = await presence.join(key, backend.conn(2), *BOB)
    assert diff == PresenceDiff(joined=[entry(*BOB)], left=["agent:1"])


async def test_an_expired_tab_of_a_present_person_is_not_a_change(backend: Backend) -> None:
    presence = backend.make()
    key = backend.channel()
    await presence.join(key, backend.conn(1), *ANN)
    await backend.advance(TTL * 0.6)
    await presence.join(key, backend.conn(2), *ANN)
    await backend.advance(TTL * 0.6)  # Tab 1 has expired, tab 2 has not.
    assert (await presence.expire(key)).empty
    assert await presence.snapshot(key) == [entry(*ANN)]


async def test_invalid_arguments_are_refused(backend: Backend) -> None:
    presence = backend.make()
    key = backend.channel()
    with pytest.raises(ValueError):
        await presence.join("ticket:1", backend.conn(1), *ANN)
    with pytest.raises(ValueError):
        await presence.join(key, "", *ANN)
    with pytest.raises(ValueError):
        await presence.join(key, backend.conn(1), "user:1", "Ann")
    with pytest.raises(ValueError):
        await presence.join(key, backend.conn(1), *ANN, status="busy")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        await presence.update(key, backend.conn(1), composing=1)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        backend.make(ttl=0)
    assert await presence.snapshot(key) == []


def test_to_event_validates_against_presence_changed() -> None:
    diff = PresenceDiff(
        joined=[entry(*ANN, composing=True)], left=["contact:3"], updated=[entry(*BOB, "away")]
    )
    event = to_event("ticket:42", diff)
    wire = event.model_dump(mode="json", by_alias=True)
    assert events.PresenceChanged.model_validate(wire) == event
    assert wire == {
        "type": "presence.changed",
        "channel": "ticket:42",
        "joined": [{"person": "agent:1", "name": "Ann", "status": "online", "composing": True}],
        "left": ["contact:3"],
        "updated": [{"person": "agent:2", "name": "Bob", "status": "away", "composing": False}],
    }
    assert PresenceDiff().empty
    assert to_event("queue", PresenceDiff()).model_dump(mode="json", by_alias=True)["left"] == []


async def test_names_survive_updates(backend: Backend) -> None:
    presence = backend.make()
    key = backend.channel()
    name = 'Zoë "Z" / Ü \\ 😀'
    await presence.join(key, backend.conn(1), "contact:9", name, status="away")
    diff = await presence.update(key, backend.conn(1), composing=True)
    assert diff == PresenceDiff(updated=[entry("contact:9", name, "away", composing=True)])
    assert await presence.snapshot(key) == [entry("contact:9", name, "away", composing=True)]
