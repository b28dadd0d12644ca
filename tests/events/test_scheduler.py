"""The scheduler: each slot of a cluster job runs once across processes, a dead holder's job is
taken over after its lease, missed slots run late within their grace, failures are recorded.

Several `Scheduler`s stand for several processes (each its own holder name) over the real
database; each test's jobs have names of their own, so the app's own jobs never interfere.
"""

from __future__ import annotations

import asyncio
import secrets
from datetime import UTC, datetime, timedelta

import pytest
from starlette.applications import Starlette

from server.events.scheduler import Job, RunState, ScheduledJob, Scheduler
from tests.support.clock import ManualClock as Clock

SECOND = timedelta(seconds=1)


class Counter:
    """A job body that records the slots it ran for, and can fail or hang on demand."""

    def __init__(self) -> None:
        self.slots: list[datetime] = []
        self.ran = asyncio.Event()
        self.fail = False
        self.hang: asyncio.Event | None = None

    async def __call__(self, slot: datetime) -> None:
        self.slots.append(slot)
        if len(self.slots) >= 3:
            self.ran.set()
        if self.hang is not None:
            await self.hang.wait()
        if self.fail:
            raise RuntimeError("job failed")


def job(body: Counter, **options: object) -> Job:
    return Job(f"test-{secrets.token_hex(4)}", every=timedelta(minutes=1), run=body, **options)  # type: ignore[arg-type]


START = datetime(2026, 12, 6, 9, 0, 10, tzinfo=UTC)  # ten seconds into a minute's slot


def test_slots_are_the_multiples_of_the_period() -> None:
    minutely = Job("m", every=timedelta(minutes=1), run=Counter())
    assert minutely.slot_at(START) == datetime(2026, 12, 6, 9, 0, tzinfo=UTC)
    daily = Job("d", every=timedelta(days=1), run=Counter())
    assert daily.slot_at(START) == datetime(2026, 12, 6, tzinfo=UTC)
    fast = Job("s", every=SECOND, run=Counter())
    assert fast.slot_at(START.replace(microsecond=900_000)) == START


def test_job_names_are_unique_per_scheduler() -> None:
    with pytest.raises(ValueError, match="unique"):
        Scheduler([Job("same", every=SECOND, run=Counter())] * 2)


async def test_a_slot_runs_once_across_processes(app: Starlette) -> None:
    body, clock = Counter(), Clock(START)
    the_job = job(body)
    first, second = (Scheduler([the_job], holder=h, clock=clock) for h in ("a", "b"))
    assert await first.run_due(the_job) is True
    assert await second.run_due(the_job) is False
    assert await first.run_due(the_job) is False  # not twice by the same process either
    clock.now += timedelta(minutes=1)
    assert await second.run_due(the_job) is True
    assert body.slots == [the_job.slot_at(START), the_job.slot_at(clock.now)]
    row = await ScheduledJob.get(name=the_job.name)
    assert (row.state, row.holder, row.runs, row.last_error) == (RunState.DONE, "b", 2, None)


async def test_racing_processes_run_a_slot_once(app: Starlette) -> None:
    body, clock = Counter(), Clock(START)
    the_job = job(body)
    schedulers = [Scheduler([the_job], holder=f"p{i}", clock=clock) for i in range(6)]
    ran = await asyncio.gather(*(s.run_due(the_job) for s in schedulers))
    assert ran.count(True) == 1
    assert len(body.slots) == 1


async def test_a_dead_holders_job_is_taken_over_once_its_lease_runs_out(app: Starlette) -> None:
    body, clock = Counter(), Clock(START)
    the_job = job(body, lease=timedelta(minutes=5))
    dying = Scheduler([the_job], holder="dying", clock=clock)
    body.hang = asyncio.Event()
    stuck = asyncio.create_task(dying.run_due(the_job))
    await asyncio.sleep(0.05)  # it claimed the slot and hangs: as good as dead
    body.hang = None
    survivor = Scheduler([the_job], holder="survivor", clock=clock)
    clock.now += timedelta(minutes=1)
    assert await survivor.run_due(the_job) is False  # the next slot: the lease still holds
    clock.now = START + timedelta(minutes=5, seconds=1)
    assert await survivor.run_due(the_job) is True
    row = await ScheduledJob.get(name=the_job.name)
    assert (row.holder, row.state) == ("survivor", RunState.DONE)
    assert row.last_slot == the_job.slot_at(clock.now)
    stuck.cancel()
    with pytest.raises(asyncio.CancelledError):
        await stuck


async def test_a_run_that_outlived_its_lease_does_not_overwrite_its_successor(
    app: Starlette,
) -> None:
    body, clock = Counter(), Clock(START)
    the_job = job(body, lease=timedelta(seconds=30))
    slow = Scheduler([the_job], holder="slow", clock=clock)
    gate = asyncio.Event()
    body.hang = gate
    running = asyncio.create_task(slow.run_due(the_job))
    await asyncio.sleep(0.05)
    clock.now += timedelta(seconds=40)  # the lease ran out; within the same slot
    body.hang = None
    fast = Scheduler([the_job], holder="fast", clock=clock)
    assert await fast.run_due(the_job) is True  # took the same slot over
    gate.set()
    assert await running is True
    row = await ScheduledJob.get(name=the_job.name)
    assert (row.holder, row.runs) == ("fast", 1)


async def test_a_missed_slot_runs_late_within_its_grace_and_not_after(app: Starlette) -> None:
    body, clock = Counter(), Clock(START)
    the_job = Job(f"test-{secrets.token_hex(4)}", every=timedelta(hours=1), run=body,
                  grace=timedelta(minutes=30))  # fmt: skip
    scheduler = Scheduler([the_job], holder="a", clock=clock)
    clock.now = datetime(2026, 12, 6, 9, 20, tzinfo=UTC)  # back 20 minutes after 09:00
    assert await scheduler.run_due(the_job) is True
    assert body.slots == [datetime(2026, 12, 6, 9, tzinfo=UTC)]
    clock.now = datetime(2026, 12, 6, 10, 45, tzinfo=UTC)  # 10:00 was missed by 45 minutes
    assert await scheduler.run_due(the_job) is False
    clock.now = datetime(2026, 12, 6, 11, 5, tzinfo=UTC)
    assert await scheduler.run_due(the_job) is True
    assert body.slots[-1] == datetime(2026, 12, 6, 11, tzinfo=UTC)


async def test_a_failed_run_is_recorded_and_the_next_slot_runs(app: Starlette) -> None:
    body, clock = Counter(), Clock(START)
    the_job = job(body)
    scheduler = Scheduler([the_job], holder="a", clock=clock)
    body.fail = True
    assert await scheduler.run_due(the_job) is True
    row = await ScheduledJob.get(name=the_job.name)
    assert (row.state, row.last_error) == (RunState.FAILED, "RuntimeError: job failed")
    body.fail = False
    clock.now += timedelta(minutes=1)
    assert await scheduler.run_due(the_job) is True
    row = await ScheduledJob.get(name=the_job.name)
    assert (row.state, row.last_error, row.runs) == (RunState.DONE, None, 2)


async def test_a_process_job_runs_in_every_process_and_writes_nothing(app: Starlette) -> None:
    body, clock = Counter(), Clock(START)
    the_job = job(body, scope="process")
    for holder in ("a", "b"):
        assert await Scheduler([the_job], holder=holder, clock=clock).run_due(the_job) is True
    assert len(body.slots) == 2
    assert not await ScheduledJob.exists(name=the_job.name)


async def test_started_jobs_run_at_each_slot_until_stopped(app: Starlette) -> None:
    body = Counter()
    the_job = Job(f"test-{secrets.token_hex(4)}", every=timedelta(milliseconds=50), run=body)
    scheduler = Scheduler([the_job])
    scheduler.start()
    try:
        await asyncio.wait_for(body.ran.wait(), 10)  # three runs
    finally:
        await scheduler.stop()
    ran = len(body.slots)
    await asyncio.sleep(0.2)
    assert len(body.slots) == ran  # stopped means stopped
    assert body.slots == sorted(set(body.slots))  # each slot once, in order
