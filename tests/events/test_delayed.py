"""Delayed jobs: a run scheduled in a write's transaction runs once at its due time, across
processes; it is taken over when its holder dies, retried with backoff, dead after its last
attempt, missed past its grace, and cancelled or scheduled again without running twice.

Several `DelayedRunner`s stand for several processes over the real database; each test's job
has a name of its own, so no runner takes another test's runs.
"""

from __future__ import annotations

import asyncio
import secrets
from datetime import UTC, datetime, timedelta

import pytest
from starlette.applications import Starlette
from tortoise.transactions import in_transaction

from server.events.delayed import (
    DelayedJob,
    DelayedRun,
    DelayedRunner,
    DueRun,
    RunStatus,
    cancel,
    prune_finished,
    schedule,
)
from server.events.relay import database_is_postgres
from server.events.scheduler import Scheduler
from tests.support.clock import ManualClock as Clock
from tests.support.wait import wait_until

DUE = datetime(2026, 12, 6, 9, 30, tzinfo=UTC)
SECOND = timedelta(seconds=1)


class Body:
    """A delayed job's body that records its runs, and can fail or hang on demand."""

    def __init__(self) -> None:
        self.runs: list[DueRun] = []
        self.ran = asyncio.Event()
        self.fail = False
        self.hang: asyncio.Event | None = None

    async def __call__(self, run: DueRun) -> None:
        self.runs.append(run)
        self.ran.set()
        if self.hang is not None:
            await self.hang.wait()
        if self.fail:
            raise RuntimeError("job failed")


def job(body: Body, **options: object) -> DelayedJob:
    return DelayedJob(f"test-{secrets.token_hex(4)}", run=body, **options)  # type: ignore[arg-type]


def runner(the_job: DelayedJob, clock: Clock) -> DelayedRunner:
    return DelayedRunner([the_job], postgres=database_is_postgres(), clock=clock)


async def schedule_now(
    the_job: DelayedJob, key: str, due_at: datetime = DUE, **payload: object
) -> None:
    async with in_transaction() as conn:
        await schedule(conn, the_job.name, key, due_at, dict(payload))


async def rows(the_job: DelayedJob) -> list[DelayedRun]:
    return await DelayedRun.filter(job=the_job.name).order_by("id")


async def test_a_run_runs_once_at_its_due_time(app: Starlette) -> None:
    body, clock = Body(), Clock(DUE - SECOND)
    the_job = job(body)
    await schedule_now(the_job, "ticket:42:first_response", metric="first_response")
    process = runner(the_job, clock)
    assert await process.run_due() == 0  # not before it is due
    assert await process.next_due() == DUE
    clock.now = DUE
    assert await process.run_due() == 1
    assert await process.run_due() == 0
    assert body.runs == [
        DueRun(key="ticket:42:first_response", due_at=DUE,
               payload={"metric": "first_response"}, attempt=1)
    ]  # fmt: skip
    (row,) = await rows(the_job)
    assert (row.status, row.attempts, row.finished_at) == (RunStatus.DONE, 1, DUE)
    assert await process.next_due() is None


async def test_scheduling_the_same_run_again_adds_nothing_even_once_it_ran(
    app: Starlette,
) -> None:
    body, clock = Body(), Clock(DUE)
    the_job = job(body)
    await schedule_now(the_job, "k")
    await schedule_now(the_job, "k")  # a retried request
    assert len(await rows(the_job)) == 1
    assert await runner(the_job, clock).run_due() == 1
    await schedule_now(the_job, "k")  # a replayed event, after the run
    assert await runner(the_job, clock).run_due() == 0
    assert len(body.runs) == 1
    await schedule_now(the_job, "k", DUE + SECOND)  # another due time is another run
    clock.now += SECOND
    assert await runner(the_job, clock).run_due() == 1


async def test_a_run_exists_only_if_the_write_that_scheduled_it_committed(
    app: Starlette,
) -> None:
    the_job = job(Body())
    with pytest.raises(RuntimeError):
        async with in_transaction() as conn:
            await schedule(conn, the_job.name, "k", DUE)
            raise RuntimeError("the write failed")
    assert await rows(the_job) == []


async def test_cancel_drops_a_keys_pending_runs_only(app: Starlette) -> None:
    body, clock = Body(), Clock(DUE)
    the_job = job(body)
    await schedule_now(the_job, "ticket:1", DUE - SECOND)
    await schedule_now(the_job, "ticket:1", DUE)
    await schedule_now(the_job, "ticket:2", DUE)
    clock.now = DUE - SECOND
    assert await runner(the_job, clock).run_due() == 1  # ticket:1's first is done
    async with in_transaction() as conn:
        assert await cancel(conn, the_job.name, "ticket:1") == 1
    clock.now = DUE
    assert await runner(the_job, clock).run_due() == 1
    assert [run.key for run in body.runs] == ["ticket:1", "ticket:2"]
    assert [(r.key, r.status) for r in await rows(the_job)] == [
        ("ticket:1", RunStatus.DONE),
        ("ticket:2", RunStatus.DONE),
    ]


async def test_racing_processes_run_a_run_once(app: Starlette) -> None:
    body, clock = Body(), Clock(DUE)
    the_job = job(body)
    for n in range(5):
        await schedule_now(the_job, f"k{n}")
    processes = [runner(the_job, clock) for _ in range(6)]
    attempted = await asyncio.gather(*(p.run_due() for p in processes))
    assert sum(attempted) == 5
    assert sorted(run.key for run in body.runs) == [f"k{n}" for n in range(5)]


async def test_a_dead_holders_run_is_taken_over_once_its_lease_runs_out(
    app: Starlette,
) -> None:
    body, clock = Body(), Clock(DUE)
    the_job = job(body, lease=timedelta(minutes=2))
    await schedule_now(the_job, "k")
    body.hang = asyncio.Event()
    dying = asyncio.create_task(runner(the_job, clock).run_due())
    await asyncio.wait_for(body.ran.wait(), 10)  # it took the run and hangs: as good as dead
    body.hang = None
    survivor = runner(the_job, clock)
    clock.now += timedelta(minutes=1)
    assert await survivor.run_due() == 0  # the lease still holds
    clock.now = DUE + timedelta(minutes=2)
    assert await survivor.run_due() == 1
    assert [run.attempt for run in body.runs] == [1, 2]
    (row,) = await rows(the_job)
    assert (row.status, row.attempts) == (RunStatus.DONE, 2)
    dying.cancel()
    with pytest.raises(asyncio.CancelledError):
        await dying


async def test_a_run_that_outlived_its_lease_records_nothing(app: Starlette) -> None:
    body, clock = Body(), Clock(DUE)
    the_job = job(body, lease=timedelta(seconds=30))
    await schedule_now(the_job, "k")
    gate = asyncio.Event()
    body.hang = gate
    slow = asyncio.create_task(runner(the_job, clock).run_due())
    await asyncio.wait_for(body.ran.wait(), 10)
    body.hang, body.fail = None, True
    clock.now += timedelta(seconds=31)
    assert await runner(the_job, clock).run_due() == 1  # took over, and failed
    body.fail = False
    gate.set()
    assert await slow == 1  # the first attempt finished late: its success is not recorded
    (row,) = await rows(the_job)
    assert (row.status, row.attempts, row.last_error) == (
        RunStatus.PENDING, 2, "RuntimeError: job failed",
    )  # fmt: skip


async def test_a_failing_run_backs_off_and_is_dead_after_its_last_attempt(
    app: Starlette,
) -> None:
    body, clock = Body(), Clock(DUE)
    the_job = job(body, max_attempts=3, backoff=lambda attempt: timedelta(minutes=attempt))
    await schedule_now(the_job, "k")
    body.fail = True
    process = runner(the_job, clock)
    assert await process.run_due() == 1
    (row,) = await rows(the_job)
    assert (row.status, row.run_at, row.last_error) == (
        RunStatus.PENDING, DUE + timedelta(minutes=1), "RuntimeError: job failed",
    )  # fmt: skip
    clock.now += timedelta(seconds=59)
    assert await process.run_due() == 0  # backing off
    clock.now = DUE + timedelta(minutes=1)
    assert await process.run_due() == 1
    clock.now += timedelta(minutes=2)
    assert await process.run_due() == 1
    (row,) = await rows(the_job)
    assert (row.status, row.attempts, row.last_error) == (
        RunStatus.DEAD, 3, "RuntimeError: job failed",
    )  # fmt: skip
    clock.now += timedelta(days=1)
    assert await process.run_due() == 0


async def test_a_run_later_than_its_grace_is_missed_and_without_grace_runs_late(
    app: Starlette,
) -> None:
    body = Body()
    strict = job(body, grace=timedelta(minutes=5))
    lenient = job(body)
    for the_job in (strict, lenient):
        await schedule_now(the_job, "k")
    clock = Clock(DUE + timedelta(hours=3))  # every process was down for three hours
    assert await runner(strict, clock).run_due() == 0
    assert await runner(lenient, clock).run_due() == 1
    assert [(await rows(j))[0].status for j in (strict, lenient)] == [
        RunStatus.MISSED,
        RunStatus.DONE,
    ]
    assert len(body.runs) == 1


async def test_finished_runs_are_pruned_after_a_while_and_dead_ones_kept(
    app: Starlette,
) -> None:
    body, clock = Body(), Clock(DUE)
    the_job = job(body, max_attempts=1)
    await schedule_now(the_job, "done")
    await runner(the_job, clock).run_due()
    body.fail = True
    await schedule_now(the_job, "dead")
    await runner(the_job, clock).run_due()
    await schedule_now(the_job, "pending", DUE + timedelta(days=60))
    await prune_finished(timedelta(days=30), clock=Clock(DUE + timedelta(days=29)))
    assert len(await rows(the_job)) == 3
    await prune_finished(timedelta(days=30), clock=Clock(DUE + timedelta(days=31)))
    assert sorted(r.key for r in await rows(the_job)) == ["dead", "pending"]


async def test_a_started_scheduler_runs_a_run_when_it_falls_due(app: Starlette) -> None:
    body = Body()
    the_job = job(body)
    scheduler = Scheduler([], delayed=[the_job])
    scheduler.start()
    try:
        await schedule_now(the_job, "soon", datetime.now(UTC) + timedelta(milliseconds=300))

        async def done() -> bool:
            return [r.status for r in await rows(the_job)] == [RunStatus.DONE]

        await wait_until(done, within=10, what="the delayed run done")
    finally:
        await scheduler.stop()
    assert [run.key for run in body.runs] == ["soon"]


def test_keys_are_bounded() -> None:
    with pytest.raises(ValueError, match="at most"):
        asyncio.run(schedule(None, "j", "k" * 201, DUE))  # type: ignore[arg-type]
