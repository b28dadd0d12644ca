"""Durable deliveries: each runs until it succeeds or its listener's last attempt, with
backoff; a failing or slow receiver holds up no other; a worker that dies loses nothing.

Deliveries are queued by a real relay from events recorded in real transactions; each test's
listeners have names of their own, so no other worker (and no other test) runs their rows.
"""

from __future__ import annotations

import asyncio
import secrets
from datetime import timedelta

import pytest
from starlette.applications import Starlette
from tortoise import timezone
from tortoise.transactions import in_transaction

from server.events.actor import Actor
from server.events.deliveries import Delivery, DeliveryState, DeliveryWorker, exponential_backoff
from server.events.model import Event, Subject
from server.events.outbox import DomainEvent, record
from server.events.relay import Relay, database_is_postgres
from server.tickets.events import TicketDeleted
from tests.support.clock import ManualClock


def clock_ahead() -> ManualClock:
    """The workers' clock, moved by hand; a second ahead, so what was just queued is due."""
    return ManualClock(timezone.now() + timedelta(seconds=1))


class Receiver:
    """A durable listener for the events of one subject range; fails its first `failures`
    attempts (or always, with `failures=-1`), and can take its time."""

    def __init__(self, base: int, *, failures: int = 0, delay: float = 0.0, attempts: int = 3):
        self.name = f"test-{secrets.token_hex(4)}"
        self.base = base
        self.failures = failures
        self.delay = delay
        self.max_attempts = attempts
        self.calls: list[tuple[int, str, int]] = []  # (delivery id, reference, subject id)
        self.actors: list[Actor | None] = []
        self.called = asyncio.Event()

    def wants(self, event: Event, subject: Subject) -> bool:
        return self.base <= subject.id < self.base + 1000

    def backoff(self, attempt: int) -> timedelta:
        return exponential_backoff(attempt)

    async def deliver(
        self, delivery_id: int, event: Event, subject: Subject, actor: Actor | None
    ) -> None:
        assert isinstance(event, TicketDeleted)
        if self.delay:
            await asyncio.sleep(self.delay)
        self.calls.append((delivery_id, event.reference, subject.id))
        self.actors.append(actor)
        self.called.set()
        if self.failures < 0 or len(self.calls) <= self.failures:
            raise ConnectionError(f"receiver down (call {len(self.calls)})")


def subject_base() -> int:
    return 2_000_000_000 + secrets.randbelow(1_000_000) * 1000


async def queue(
    base: int, listeners: list[Receiver], count: int = 1, actor: Actor | None = None
) -> None:
    """Record `count` events about one subject and relay them to `listeners`' queues."""
    async with in_transaction() as conn:
        await record(
            conn,
            *(TicketDeleted(ticket_id=base + 1, reference=f"T-{i}") for i in range(count)),
            subject=Subject(organization_id=1, kind="ticket", id=base + 1),
            actor=actor,
        )
    assert await Relay([], durable=listeners, postgres=database_is_postgres()).flush()


async def rows(listener: Receiver) -> list[Delivery]:
    return await Delivery.filter(listener=listener.name).order_by("id")


def worker(listeners: list[Receiver], clock: ManualClock, **options: object) -> DeliveryWorker:
    return DeliveryWorker(listeners, postgres=database_is_postgres(), clock=clock, **options)  # type: ignore[arg-type]


async def test_a_delivery_runs_once_and_leaves(app: Starlette) -> None:
    base, clock = subject_base(), clock_ahead()
    receiver = Receiver(base)
    await queue(base, [receiver], count=2)
    [first, second] = await rows(receiver)
    assert await worker([receiver], clock).run_due() == 2
    assert sorted(receiver.calls) == [(first.id, "T-0", base + 1), (second.id, "T-1", base + 1)]
    assert await rows(receiver) == []
    assert await worker([receiver], clock).run_due() == 0


async def test_the_listener_learns_who_made_the_change(app: Starlette) -> None:
    base, clock = subject_base(), clock_ahead()
    receiver = Receiver(base)
    ann = Actor.agent(7, "Ann")
    await queue(base, [receiver], actor=ann)
    await queue(base, [receiver])  # a writer that names nobody
    assert await worker([receiver], clock).run_due() == 2
    assert sorted(receiver.actors, key=repr) == sorted([ann, None], key=repr)
    assert not await DomainEvent.exists(subject_id=base + 1)  # relayed: nothing kept


async def test_failures_back_off_then_the_last_attempt_marks_it_dead(app: Starlette) -> None:
    base, clock = subject_base(), clock_ahead()
    receiver = Receiver(base, failures=-1, attempts=3)
    await queue(base, [receiver])
    runs = worker([receiver], clock)

    assert await runs.run_due() == 1
    [row] = await rows(receiver)
    assert (row.attempts, row.state) == (1, DeliveryState.PENDING)
    assert row.last_error == "ConnectionError: receiver down (call 1)"
    assert row.next_attempt_at == clock.now + timedelta(seconds=10)

    assert await runs.run_due() == 0  # not due yet
    clock.advance(timedelta(seconds=10))
    assert await runs.run_due() == 1
    [row] = await rows(receiver)
    assert row.attempts == 2
    assert row.next_attempt_at == clock.now + timedelta(seconds=20)  # twice as long

    clock.advance(timedelta(seconds=20))
    assert await runs.run_due() == 1
    [row] = await rows(receiver)
    assert (row.attempts, row.state) == (3, DeliveryState.DEAD)
    assert row.last_error == "ConnectionError: receiver down (call 3)"
    clock.advance(timedelta(days=1))
    assert await runs.run_due() == 0  # a dead delivery waits for an operator
    assert len(receiver.calls) == 3


async def test_a_delivery_that_fails_then_succeeds_is_done(app: Starlette) -> None:
    base, clock = subject_base(), clock_ahead()
    receiver = Receiver(base, failures=1)
    await queue(base, [receiver])
    runs = worker([receiver], clock)
    await runs.run_due()
    clock.advance(timedelta(seconds=10))
    await runs.run_due()
    assert [reference for _, reference, _ in receiver.calls] == ["T-0", "T-0"]
    assert receiver.calls[0][0] == receiver.calls[1][0]  # the same delivery id both times
    assert await rows(receiver) == []


async def test_a_failing_or_slow_receiver_holds_up_no_other(app: Starlette) -> None:
    base, clock = subject_base(), clock_ahead()
    broken = Receiver(base, failures=-1)
    slow = Receiver(base, delay=5.0)
    healthy = Receiver(base)
    await queue(base, [broken, slow, healthy], count=3)
    runs = worker([broken, slow, healthy], clock, attempt_timeout=0.3)
    await runs.run_due()
    assert sorted(reference for _, reference, _ in healthy.calls) == ["T-0", "T-1", "T-2"]
    assert await rows(healthy) == []
    assert all(r.attempts == 1 and r.last_error for r in await rows(broken))
    timed_out = await rows(slow)
    assert len(timed_out) == 3
    assert all(r.last_error == "TimeoutError: " for r in timed_out)


async def test_a_worker_that_dies_mid_delivery_loses_nothing(app: Starlette) -> None:
    base, clock = subject_base(), clock_ahead()
    receiver = Receiver(base)
    await queue(base, [receiver])
    dying = worker([receiver], clock, lease=timedelta(minutes=5))
    claimed = await dying._claim()  # it took the delivery, then the process died
    assert [r.attempts for r in claimed] == [1]

    survivor = worker([receiver], clock, lease=timedelta(minutes=5))
    assert await survivor.run_due() == 0  # still leased to the dead worker
    clock.advance(timedelta(minutes=5))
    assert await survivor.run_due() == 1
    assert [reference for _, reference, _ in receiver.calls] == ["T-0"]
    assert await rows(receiver) == []


async def test_a_crash_between_commit_and_relay_loses_nothing(app: Starlette) -> None:
    """The event waits in the outbox; the next relay queues it, and the worker delivers it."""
    base, clock = subject_base(), clock_ahead()
    receiver = Receiver(base)
    async with in_transaction() as conn:
        await record(
            conn, TicketDeleted(ticket_id=base + 1, reference="T-late"),
            subject=Subject(organization_id=1, kind="ticket", id=base + 1),
        )  # fmt: skip
    # ... the process died here. A new one starts its relay with the durable listener:
    assert await Relay([], durable=[receiver], postgres=database_is_postgres()).flush()
    assert await worker([receiver], clock).run_due() == 1
    assert [reference for _, reference, _ in receiver.calls] == ["T-late"]


async def test_the_worker_runs_what_the_relay_queued_without_waiting_for_its_poll(
    app: Starlette,
) -> None:
    base = subject_base()
    receiver = Receiver(base)
    runs = DeliveryWorker([receiver], postgres=database_is_postgres(), poll_interval=3600)
    runs.start()
    try:
        relay = Relay(
            [], durable=[receiver], postgres=database_is_postgres(), on_durable_queued=runs.nudge
        )
        async with in_transaction() as conn:
            await record(
                conn, TicketDeleted(ticket_id=base + 1, reference="T-now"),
                subject=Subject(organization_id=1, kind="ticket", id=base + 1),
            )  # fmt: skip
        assert await relay.flush()
        await asyncio.wait_for(receiver.called.wait(), 10)
    finally:
        await runs.stop()
    assert [reference for _, reference, _ in receiver.calls] == ["T-now"]


@pytest.mark.postgres
async def test_two_workers_never_run_the_same_delivery(app: Starlette) -> None:
    base, clock = subject_base(), clock_ahead()
    receiver = Receiver(base, delay=0.01)
    await queue(base, [receiver], count=30)
    first, second = worker([receiver], clock), worker([receiver], clock)
    done = await asyncio.gather(first.run_due(), second.run_due())
    assert sum(done) == 30
    delivered = [delivery_id for delivery_id, _, _ in receiver.calls]
    assert len(delivered) == len(set(delivered)) == 30
    assert await rows(receiver) == []
