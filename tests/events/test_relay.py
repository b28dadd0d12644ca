"""The relay: committed events reach the listeners in commit order, at least once, and each
durable listener's queue exactly once.

Each test drives its own `Relay` over a recording listener. The app's relay is parked for the
test (its sweeper stopped and `relayed()` pointed nowhere) so it cannot take the rows; the
events are about subjects whose ids no other test uses, so nothing else touches them.
"""

from __future__ import annotations

import asyncio
import secrets
from datetime import timedelta
from typing import Any

import pytest
from tortoise.transactions import in_transaction

from server.accounts.events import TokenRevoked
from server.events import relay as relay_module
from server.events.actor import Actor
from server.events.deliveries import Delivery, exponential_backoff
from server.events.model import Event, Subject
from server.events.outbox import DomainEvent, record
from server.events.relay import BATCH_SIZE, Relay, database_is_postgres
from server.tickets.events import TicketDeleted

Call = tuple[int, str, dict[str, Any]]


class Recorder:
    """A listener: records (subject id, type, payload), and can fail or dawdle on demand."""

    def __init__(self, *, delay: float = 0.0) -> None:
        self.calls: list[Call] = []
        self.fail_at: int | None = None  # raise on this (0-based) call, once
        self.delay = delay

    async def handle(self, event: Event, subject: Subject) -> None:
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.fail_at is not None and len(self.calls) == self.fail_at:
            self.fail_at = None
            raise ConnectionError("backend down")
        self.calls.append((subject.id, event.type, event.payload()))

    def of(self, base: int) -> list[Call]:
        return [call for call in self.calls if base <= call[0] < base + 1000]


class Wanting:
    """A durable listener that wants the events of one subject range (it is never run here)."""

    max_attempts = 3

    def __init__(self, name: str, base: int) -> None:
        self.name = name
        self.base = base

    def wants(self, event: Event, subject: Subject) -> bool:
        return self.base <= subject.id < self.base + 1000

    def backoff(self, attempt: int) -> timedelta:
        return exponential_backoff(attempt)

    async def deliver(
        self, delivery_id: int, event: Event, subject: Subject, actor: Actor | None
    ) -> None:
        raise AssertionError("not run by the relay")


def subject_base() -> int:
    """The first of 1000 subject ids no other test uses."""
    return 1_000_000_000 + secrets.randbelow(1_000_000) * 1000


def subject(base: int, n: int) -> Subject:
    return Subject(organization_id=1, kind="ticket", id=base + n)


def deleted(base: int, n: int, count: int) -> list[TicketDeleted]:
    """`count` events about subject `n`, told apart by their `reference`."""
    return [TicketDeleted(ticket_id=base + n, reference=f"T-{n}-{i}") for i in range(count)]


async def write(base: int, n: int, count: int) -> None:
    async with in_transaction() as conn:
        await record(conn, *deleted(base, n, count), subject=subject(base, n))


async def remaining(base: int) -> list[DomainEvent]:
    return await DomainEvent.filter(
        subject_kind="ticket", subject_id__gte=base, subject_id__lt=base + 1000
    ).order_by("id")


def references(calls: list[Call]) -> list[str]:
    return [payload["reference"] for _, _, payload in calls]


def postgres() -> bool:
    return database_is_postgres()


async def test_events_reach_the_listener_in_commit_order_then_leave_the_outbox(
    parked: None,
) -> None:
    base = subject_base()
    # Three transactions, interleaving subjects: the id order is the commit order here.
    async with in_transaction() as conn:
        await record(conn, *deleted(base, 1, 2), subject=subject(base, 1))
        await record(conn, *deleted(base, 2, 1), subject=subject(base, 2))
    await write(base, 3, 2)
    await write(base, 1, 1)
    staged = await remaining(base)
    assert len(staged) == 6
    assert [r.id for r in staged] == sorted(r.id for r in staged)
    assert staged[0].type == "ticket.deleted" and staged[0].subject_id == base + 1
    assert staged[0].subject == subject(base, 1).to_json()

    listener = Recorder()
    relay = Relay([listener], postgres=postgres())
    assert await relay.flush() is True

    assert references(listener.of(base)) == ["T-1-0", "T-1-1", "T-2-0", "T-3-0", "T-3-1", "T-1-0"]
    assert listener.of(base)[0] == (
        base + 1,
        "ticket.deleted",
        {"ticketId": base + 1, "reference": "T-1-0"},  # the snapshot, without `type`
    )
    assert await remaining(base) == []
    assert relay.relayed >= 6 and relay.failures == 0

    # Nothing left: a second flush hands over nothing of ours.
    assert await relay.flush() is True
    assert len(listener.of(base)) == 6


async def test_more_rows_than_a_batch_all_go_out_in_order(parked: None) -> None:
    base = subject_base()
    count = BATCH_SIZE + 5
    await write(base, 1, count)
    listener = Recorder()
    assert await Relay([listener], postgres=postgres()).flush() is True
    assert references(listener.of(base)) == [f"T-1-{i}" for i in range(count)]
    assert await remaining(base) == []


async def test_a_rolled_back_transaction_records_nothing(parked: None) -> None:
    base = subject_base()
    digest = f"rollback-{base}"
    with pytest.raises(RuntimeError):
        async with in_transaction() as conn:
            await record(conn, *deleted(base, 1, 3), subject=subject(base, 1))
            await record(conn, TokenRevoked(token_digest=digest), subject=subject(base, 1))
            raise RuntimeError("the write failed")
    await write(base, 2, 1)

    listener = Recorder()
    assert await Relay([listener], postgres=postgres()).flush() is True
    assert [(n - base, p["reference"]) for n, _, p in listener.of(base)] == [(2, "T-2-0")]
    assert not any(p.get("tokenDigest") == digest for _, _, p in listener.calls)
    assert await remaining(base) == []


async def test_a_failed_listener_keeps_the_rows_for_a_later_flush(parked: None) -> None:
    base = subject_base()
    await write(base, 1, 4)
    staged_ids = [r.id for r in await remaining(base)]

    listener = Recorder()
    relay = Relay([listener], postgres=postgres())
    listener.fail_at = len(listener.calls) + 2  # the backend dies on our third row
    assert await relay.flush() is False
    assert relay.failures == 1
    # Nothing was deleted: the batch's transaction rolled back.
    assert [r.id for r in await remaining(base)] == staged_ids
    assert references(listener.of(base)) == ["T-1-0", "T-1-1"]

    # Back up: everything goes out, in order (the first two a second time: at least once).
    assert await relay.flush() is True
    assert references(listener.of(base)) == [
        "T-1-0", "T-1-1", "T-1-0", "T-1-1", "T-1-2", "T-1-3",
    ]  # fmt: skip
    assert await remaining(base) == []


async def test_a_hanging_listener_does_not_hang_the_flush(parked: None) -> None:
    base = subject_base()
    await write(base, 1, 2)
    staged_ids = [r.id for r in await remaining(base)]

    class Hangs:
        async def handle(self, event: Event, subject: Subject) -> None:
            await asyncio.Event().wait()

    relay = Relay([Hangs()], postgres=postgres(), timeout=0.2)
    assert await relay.flush() is False
    assert relay.failures == 1
    assert [r.id for r in await remaining(base)] == staged_ids  # they wait for a later flush
    assert await Relay([Recorder()], postgres=postgres()).flush() is True
    assert await remaining(base) == []


async def test_a_row_no_registered_type_reads_is_logged_and_skipped(
    parked: None, caplog: pytest.LogCaptureFixture
) -> None:
    """An unknown type (a newer version's event, a bad row) must not block every later one."""
    base = subject_base()
    async with in_transaction() as conn:
        await DomainEvent.create(
            type="ticket.exploded", subject_kind="ticket", subject_id=base + 1,
            subject=subject(base, 1).to_json(), payload={"boom": True}, using_db=conn,
        )  # fmt: skip
    await write(base, 2, 1)
    listener = Recorder()
    assert await Relay([listener], postgres=postgres()).flush() is True
    assert references(listener.of(base)) == ["T-2-0"]
    assert "ticket.exploded" in caplog.text
    assert await remaining(base) == []


async def test_durable_listeners_get_one_delivery_each_in_the_relays_transaction(
    parked: None,
) -> None:
    base = subject_base()
    await write(base, 1, 2)
    wanting, other = Wanting(f"test-a-{base}", base), Wanting(f"test-b-{base}", base + 5000)
    queued = []
    relay = Relay(
        [Recorder()], durable=[wanting, other], postgres=postgres(),
        on_durable_queued=lambda: queued.append(True),
    )  # fmt: skip
    assert await relay.flush() is True
    rows = await Delivery.filter(listener=wanting.name).order_by("id")
    assert [(r.type, r.payload["reference"], r.attempts, r.state) for r in rows] == [
        ("ticket.deleted", "T-1-0", 0, "pending"),
        ("ticket.deleted", "T-1-1", 0, "pending"),
    ]
    assert rows[0].subject == subject(base, 1).to_json()
    assert not await Delivery.filter(listener=other.name).exists()  # it wants none of these
    assert queued == [True]
    await Delivery.filter(listener=wanting.name).delete()


async def test_a_failed_listener_queues_no_durable_delivery_twice(parked: None) -> None:
    """The outbox row and its deliveries leave together: a batch that failed and ran again
    queues each delivery once."""
    base = subject_base()
    await write(base, 1, 3)
    wanting = Wanting(f"test-once-{base}", base)
    listener = Recorder()
    listener.fail_at = len(listener.calls) + 1
    relay = Relay([listener], durable=[wanting], postgres=postgres())
    assert await relay.flush() is False
    assert not await Delivery.filter(listener=wanting.name).exists()
    assert await relay.flush() is True
    rows = await Delivery.filter(listener=wanting.name).order_by("id")
    assert [r.payload["reference"] for r in rows] == ["T-1-0", "T-1-1", "T-1-2"]
    await Delivery.filter(listener=wanting.name).delete()


async def test_relayed_uses_the_installed_relay_and_nothing_without_one(parked: None) -> None:
    base = subject_base()
    await write(base, 1, 1)
    await relay_module.relayed()  # no relay installed: the row waits
    assert len(await remaining(base)) == 1

    listener = Recorder()
    relay_module.install(Relay([listener], postgres=postgres()))
    try:
        await relay_module.relayed()
    finally:
        relay_module.install(None)
    assert references(listener.of(base)) == ["T-1-0"]
    assert await remaining(base) == []


@pytest.mark.postgres
async def test_concurrent_relays_never_hand_over_a_row_twice(parked: None) -> None:
    assert postgres()
    base = subject_base()
    for n in range(1, 5):
        await write(base, n, 10)
    staged = await remaining(base)
    assert len(staged) == 40

    # Both relays write to one log, so its order is the order of hand-over.
    log: list[Call] = []

    class Shared(Recorder):
        async def handle(self, event: Event, subject: Subject) -> None:
            await asyncio.sleep(self.delay)
            call = (subject.id, event.type, event.payload())
            log.append(call)
            self.calls.append(call)

    first, second = Shared(delay=0.002), Shared(delay=0.002)
    relays = [Relay([first], postgres=True), Relay([second], postgres=True)]
    results = await asyncio.gather(*(relay.flush() for relay in relays))

    ours = [call for call in log if base <= call[0] < base + 1000]
    assert ours == [(r.subject_id, r.type, r.payload) for r in staged]  # once each, in order
    assert await remaining(base) == []
    # A relay that found the lock taken waited and then saw the outbox empty, or gave up
    # within LOCK_WAIT_SECONDS; either way it handed over nothing the other one did.
    assert True in results
    assert sum(len(recorder.of(base)) for recorder in (first, second)) == 40


@pytest.mark.postgres
async def test_a_relay_waits_while_another_holds_the_lock(parked: None) -> None:
    """With the advisory lock held elsewhere, a flush hands over nothing and reports False."""
    base = subject_base()
    await write(base, 1, 2)

    listener = Recorder()
    relay = Relay([listener], postgres=True)
    locked, done = asyncio.Event(), asyncio.Event()

    async def other_process() -> None:
        # Its own task, so its transaction (and connection) is not the test's.
        async with in_transaction() as holder:
            assert await relay_module._try_lock(holder)
            locked.set()
            await done.wait()

    holder = asyncio.create_task(other_process())
    await asyncio.wait_for(locked.wait(), 5)
    try:
        assert await relay.flush() is False  # gave up after LOCK_WAIT_SECONDS
        assert listener.of(base) == []
    finally:
        done.set()
        await holder
    assert len(await remaining(base)) == 2

    assert await relay.flush() is True
    assert references(listener.of(base)) == ["T-1-0", "T-1-1"]


async def test_reactors_see_each_batch_and_their_own_events_go_out_in_the_same_flush(
    parked: None,
) -> None:
    """A reactor's write calls `relayed()` again; the running flush relays it before it
    returns, and the reactor sees that batch too."""
    base = subject_base()
    seen: list[list[str]] = []

    class FollowUp:
        async def react(self, batch: list[tuple[Event, Subject]]) -> bool:
            ours = [e.reference for e, s in batch if isinstance(e, TicketDeleted) and s.id > base]
            seen.append(ours)
            if ours == ["T-1-0"]:
                await write(base, 2, 1)  # a follow-up write of its own
                await relay_module.relayed()  # re-entrant: returns at once
                return True
            return False

    listener = Recorder()
    relay = Relay([listener], postgres=postgres(), reactors=[FollowUp()])
    relay_module.install(relay)
    try:
        await write(base, 1, 1)
        assert await relay.flush() is True
    finally:
        relay_module.install(None)
    assert references(listener.of(base)) == ["T-1-0", "T-2-0"]
    assert [batch for batch in seen if batch] == [["T-1-0"], ["T-2-0"]]
    assert await remaining(base) == []


async def test_a_failing_reactor_does_not_fail_the_flush(
    parked: None, caplog: pytest.LogCaptureFixture
) -> None:
    base = subject_base()

    class Broken:
        async def react(self, batch: list[tuple[Event, Subject]]) -> bool:
            raise RuntimeError("reactor bug")

    await write(base, 1, 1)
    listener = Recorder()
    assert await Relay([listener], postgres=postgres(), reactors=[Broken()]).flush() is True
    assert references(listener.of(base)) == ["T-1-0"]
    assert "reactor bug" in caplog.text
