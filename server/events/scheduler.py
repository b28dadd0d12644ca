"""One scheduler for the periodic and delayed work of every process: each run happens once.

Delayed (one-off) jobs, due at a time a write chose, are in `delayed.py`; the scheduler runs
them beside the periodic jobs described here.

A job runs at the multiples of its period since the Unix epoch (its slots: every second,
every minute, at 03:00 UTC each day). Two scopes:

- `cluster`: one run per slot across every process. A process claims a slot with a
  compare-and-set on the job's one row (`ScheduledJob`): the slot must be later than the last
  one claimed, and the last run must be finished or its holder's lease expired. So a slot is
  claimed at most once, and when the holder dies mid-run another process takes the job over
  once the lease runs out. A slot missed while no process ran (a deploy, an outage) is run
  late if it is within the job's grace period; older ones are skipped, since a run does all
  the work that is due (every job is idempotent and catches up by itself).
- `process`: every process runs it on its own (work about this process: refreshing its
  sockets' presence); nothing is written.

Why not arq or saq: both keep their queues in Redis (saq also in PostgreSQL), and Parley's
embedded mode has neither, only SQLite; both are task queues first, where what is needed here
is a handful of periodic passes with exactly-once slots across processes, which one row per job
and a conditional update give on both databases (see docs/architecture.md) Delayed runs must
also commit with the write that schedules them, which a Redis queue cannot do.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any, Literal

from tortoise import fields, timezone
from tortoise.exceptions import IntegrityError
from tortoise.expressions import F
from tortoise.models import Model

from server.events.delayed import DelayedJob, DelayedRunner
from server.events.leased import error_text
from server.events.relay import database_is_postgres

log = logging.getLogger(__name__)

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class RunState(StrEnum):
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class ScheduledJob(Model):
    """One cluster job: the last slot claimed, by whom, until when, and how it went."""

    name = fields.CharField(max_length=64, primary_key=True)
    last_slot = fields.DatetimeField(description="The latest slot claimed (its scheduled time).")
    state = fields.CharEnumField(RunState, max_length=16)
    holder = fields.CharField(max_length=128, description="The process running or last to run.")
    lease_expires_at = fields.DatetimeField()
    started_at = fields.DatetimeField()
    finished_at = fields.DatetimeField(null=True)
    last_error = fields.TextField(null=True)
    runs = fields.BigIntField(default=0)

    class Meta:
        table = "scheduled_job"


@dataclass(frozen=True)
class Job:
    """A periodic pass. `run` gets the slot it runs for and must be idempotent."""

    name: str
    every: timedelta
    run: Callable[[datetime], Awaitable[object]]
    scope: Literal["cluster", "process"] = "cluster"
    # How late a missed slot may still run (default: one period).
    grace: timedelta | None = None
    # How long a run may take before another process may take the job over.
    lease: timedelta = field(default=timedelta(minutes=1))

    @property
    def grace_period(self) -> timedelta:
        return self.grace if self.grace is not None else self.every

    def slot_at(self, moment: datetime) -> datetime:
        """The latest slot at or before `moment`."""
        periods = (moment - _EPOCH) // self.every
        return _EPOCH + periods * self.every


def process_name() -> str:
    """Who holds a lease: host, pid and a random part (a restarted pid is someone else)."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class Scheduler:
    """Runs `jobs` in this process, each on its own task, each slot once (see module doc)."""

    def __init__(
        self,
        jobs: Sequence[Job],
        *,
        delayed: Sequence[DelayedJob] = (),
        holder: str | None = None,
        clock: Callable[[], datetime] = timezone.now,
    ) -> None:
        names = [job.name for job in jobs]
        if len(names) != len(set(names)):
            raise ValueError(f"job names must be unique: {names}")
        self.jobs = list(jobs)
        self.delayed = list(delayed)
        self.holder = holder or process_name()
        self._clock = clock
        self._tasks: list[asyncio.Task[None]] = []
        self._runner: DelayedRunner | None = None

    def start(self) -> None:
        for job in self.jobs:
            self._tasks.append(asyncio.create_task(self._loop(job), name=f"job {job.name}"))
        if self.delayed:
            self._runner = DelayedRunner(
                self.delayed, postgres=database_is_postgres(), clock=self._clock
            )
            self._runner.start()

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.stop()
            self._runner = None
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks.clear()

    async def run_due(self, job: Job) -> bool:
        """Run `job`'s latest slot if it is due here and now: True if this process ran it."""
        now = self._clock()
        slot = job.slot_at(now)
        if now - slot > job.grace_period:
            return False  # past its grace; the next slot will do the work
        if job.scope == "process":
            await self._run(job, slot)
            return True
        if not await self._claim(job, slot, now):
            return False
        error = await self._run(job, slot)
        await self._finish(job, slot, error)
        return True

    async def _loop(self, job: Job) -> None:
        while True:
            try:
                await self.run_due(job)
            except Exception:  # the database is away: try at the next slot
                log.warning("job %s could not be scheduled; retrying", job.name, exc_info=True)
            now = self._clock()
            next_slot = job.slot_at(now) + job.every
            await asyncio.sleep(max((next_slot - now).total_seconds(), 0.001))

    async def _run(self, job: Job, slot: datetime) -> str | None:
        try:
            await job.run(slot)
        except Exception as exc:
            log.warning("job %s failed for %s", job.name, slot.isoformat(), exc_info=True)
            return error_text(exc)
        return None

    async def _claim(self, job: Job, slot: datetime, now: datetime) -> bool:
        """Compare-and-set: take `slot` if no process took it (or a later one) and the last
        run is over or its holder's lease ran out."""
        taken = await (
            ScheduledJob.filter(name=job.name, last_slot__lt=slot)
            .filter(state__in=[RunState.DONE, RunState.FAILED])
            .update(**self._claimed(job, slot, now))
        )
        if not taken:
            taken = await (
                ScheduledJob.filter(name=job.name, last_slot__lte=slot)
                .filter(state=RunState.RUNNING, lease_expires_at__lt=now)
                .update(**self._claimed(job, slot, now))
            )
            if taken:
                log.warning("job %s: took over from a holder whose lease ran out", job.name)
        if taken:
            return True
        if await ScheduledJob.exists(name=job.name):
            return False
        try:  # the job's first run anywhere
            await ScheduledJob.create(name=job.name, **self._claimed(job, slot, now), runs=0)
        except IntegrityError:
            return False  # another process created it first, and so runs this slot
        return True

    def _claimed(self, job: Job, slot: datetime, now: datetime) -> dict[str, Any]:
        return {
            "last_slot": slot,
            "state": RunState.RUNNING,
            "holder": self.holder,
            "lease_expires_at": now + job.lease,
            "started_at": now,
            "finished_at": None,
            "last_error": None,
        }

    async def _finish(self, job: Job, slot: datetime, error: str | None) -> None:
        # Only if the run is still ours: one that outlived its lease was taken over.
        await ScheduledJob.filter(
            name=job.name, last_slot=slot, holder=self.holder, state=RunState.RUNNING
        ).update(
            state=RunState.FAILED if error else RunState.DONE,
            finished_at=self._clock(),
            last_error=error,
            runs=F("runs") + 1,
        )
