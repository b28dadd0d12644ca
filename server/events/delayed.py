"""One-off delayed jobs: work due at a given time (an SLA clock's breach), run once.

A service schedules a run inside its own transaction with `schedule(conn, job, key, due_at)`,
so the run exists if and only if the change that wants it committed. A run is keyed by job,
key and due time (`DelayedRun`, unique): scheduling the same run again, in a retried request
or a replayed event, adds nothing, and a run that is done stays on record, so it never runs a
second time. `cancel(conn, job, key)` drops a key's pending runs (a clock that moved): cancel,
then schedule the new due time.

`DelayedRunner` runs them in every process that has delayed jobs. It claims due runs the way
the delivery worker claims deliveries: one attempt more, and out of sight until a lease runs
out (a process that dies mid-run leaves its runs to another once the lease ends); on
PostgreSQL `SKIP LOCKED` keeps two processes from claiming the same run. A failed run is tried
again with backoff until the job's last attempt marks it `dead` with its last error. A run
later than the job's grace (a process was down) is marked `missed` instead, unless the job
has no grace (the default), in which case it runs however late. The runner sleeps until the
nearest due time it knows of, and at most `poll_interval`, so a run lands within that of its
due time even when another process scheduled it. Every job must be idempotent: delivery is
at least once, like the durable listeners'.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from tortoise import fields, timezone
from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.models import Model
from tortoise.transactions import in_transaction

from server.events.deliveries import exponential_backoff
from server.events.leased import LeasedRunner, claimable, error_text

log = logging.getLogger(__name__)

BATCH_SIZE = 20
MAX_KEY_CHARS = 200


class RunStatus(StrEnum):
    PENDING = "pending"
    DONE = "done"
    MISSED = "missed"  # found later than the job's grace: not run
    DEAD = "dead"  # failed at its last attempt


class DelayedRun(Model):
    """One run of a delayed job: what it is for (`key`), when it is due, how it went."""

    id = fields.BigIntField(primary_key=True)
    job = fields.CharField(max_length=64)
    key = fields.CharField(max_length=MAX_KEY_CHARS, description="What the run is about.")
    due_at = fields.DatetimeField(description="When it is due: with job and key, its identity.")
    payload: dict = fields.JSONField(default=dict)
    status = fields.CharEnumField(RunStatus, max_length=16, default=RunStatus.PENDING)
    # The next time a process may take it: the due time, then past a lease, then a retry.
    run_at = fields.DatetimeField(db_index=True)
    attempts = fields.IntField(default=0)
    last_error = fields.TextField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    finished_at = fields.DatetimeField(null=True)

    class Meta:
        table = "delayed_run"
        unique_together = (("job", "key", "due_at"),)
        indexes = (("job", "key", "status"),)


@dataclass(frozen=True)
class DueRun:
    """What a delayed job's body gets: the run's key, due time, payload and attempt (1-based)."""

    key: str
    due_at: datetime
    payload: dict[str, Any]
    attempt: int


@dataclass(frozen=True)
class DelayedJob:
    """A kind of delayed work. `run` must be idempotent (it may run more than once)."""

    name: str
    run: Callable[[DueRun], Awaitable[object]]
    max_attempts: int = 5
    # How long a run may take before another process may take it over.
    lease: timedelta = field(default=timedelta(minutes=1))
    # How late a run may still start; None: however late.
    grace: timedelta | None = None
    backoff: Callable[[int], timedelta] = exponential_backoff


async def schedule(
    conn: BaseDBAsyncClient,
    job: str,
    key: str,
    due_at: datetime,
    payload: dict[str, Any] | None = None,
) -> None:
    """Have `job` run for `key` at `due_at`, in `conn`'s (the caller's) transaction. The same
    job, key and due time again adds nothing, even after that run is done."""
    if len(key) > MAX_KEY_CHARS:
        raise ValueError(f"a delayed run's key is at most {MAX_KEY_CHARS} characters: {key!r}")
    await DelayedRun.bulk_create(
        [DelayedRun(job=job, key=key, due_at=due_at, run_at=due_at, payload=payload or {})],
        using_db=conn,
        ignore_conflicts=True,
    )


async def cancel(conn: BaseDBAsyncClient, job: str, key: str) -> int:
    """Drop `key`'s pending runs of `job` (in the caller's transaction); how many there were.

    A run already taken by a process is pending too, and is dropped: its holder's result is
    then recorded nowhere, and the job, being idempotent, checks what is still true."""
    return (
        await DelayedRun.filter(job=job, key=key, status=RunStatus.PENDING).using_db(conn).delete()
    )


class DelayedRunner(LeasedRunner[DelayedRun]):
    """Runs due delayed runs of `jobs` in this process (see the module doc)."""

    task_name = "delayed-jobs"

    def __init__(
        self,
        jobs: Sequence[DelayedJob],
        *,
        postgres: bool,
        poll_interval: float = 1.0,
        clock: Callable[[], datetime] = timezone.now,
    ) -> None:
        names = [job.name for job in jobs]
        if len(names) != len(set(names)):
            raise ValueError(f"delayed job names must be unique: {names}")
        super().__init__(postgres=postgres, poll_interval=poll_interval)
        self._jobs = {job.name: job for job in jobs}
        self._clock = clock

    async def next_due(self) -> datetime | None:
        """The earliest time a pending run of these jobs may be taken."""
        found = await (
            DelayedRun.filter(status=RunStatus.PENDING, job__in=list(self._jobs))
            .order_by("run_at")
            .first()
            .values_list("run_at", flat=True)
        )
        return found  # type: ignore[return-value]

    async def _until_next(self) -> float:
        nearest = await self.next_due()
        if nearest is None:
            return self._poll_interval
        return min(self._poll_interval, max((nearest - self._clock()).total_seconds(), 0.0))

    async def _claim(self) -> list[DelayedRun]:
        now = self._clock()
        async with in_transaction() as conn:
            query = (
                DelayedRun.filter(
                    status=RunStatus.PENDING, run_at__lte=now, job__in=list(self._jobs)
                )
                .using_db(conn)
                .order_by("run_at", "id")
                .limit(BATCH_SIZE)
            )
            claimed = await claimable(query, postgres=self._postgres)
            for run in claimed:
                job = self._jobs[run.job]
                if job.grace is not None and now - run.due_at > job.grace:
                    run.status = RunStatus.MISSED
                    run.finished_at = now
                    log.warning("delayed job %s for %s missed its grace", run.job, run.key)
                else:
                    run.attempts += 1
                    run.run_at = now + job.lease
                await run.save(
                    using_db=conn, update_fields=["status", "finished_at", "attempts", "run_at"]
                )
        return [run for run in claimed if run.status is RunStatus.PENDING]

    async def _attempt(self, run: DelayedRun) -> None:
        job = self._jobs[run.job]
        # Only this attempt's own row: a run that outlived its lease and was taken over, or
        # cancelled meanwhile, records nothing.
        mine = DelayedRun.filter(id=run.id, attempts=run.attempts, status=RunStatus.PENDING)
        try:
            await job.run(
                DueRun(key=run.key, due_at=run.due_at, payload=run.payload, attempt=run.attempts)
            )
        except Exception as exc:
            error = error_text(exc)
            if run.attempts >= job.max_attempts:
                log.error(
                    "delayed job %s for %s is dead after %d attempts: %s",
                    run.job, run.key, run.attempts, error,
                )  # fmt: skip
                await mine.update(
                    status=RunStatus.DEAD, last_error=error, finished_at=self._clock()
                )
                return
            retry_at = self._clock() + job.backoff(run.attempts)
            log.warning(
                "delayed job %s for %s failed (attempt %d of %d), retrying at %s: %s",
                run.job, run.key, run.attempts, job.max_attempts, retry_at.isoformat(), error,
            )  # fmt: skip
            await mine.update(run_at=retry_at, last_error=error)
            return
        await mine.update(status=RunStatus.DONE, last_error=None, finished_at=self._clock())


# How long a finished run stays on record (and so cannot run again if scheduled again).
KEEP_FINISHED = timedelta(days=30)


async def prune_finished(
    older_than: timedelta = KEEP_FINISHED, *, clock: Callable[[], datetime] = timezone.now
) -> int:
    """Forget runs done or missed more than `older_than` ago; dead ones stay for an admin."""
    return await DelayedRun.filter(
        status__in=[RunStatus.DONE, RunStatus.MISSED],
        finished_at__lt=clock() - older_than,
    ).delete()
