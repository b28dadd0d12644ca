"""What the durable delivery worker and the delayed-job runner share: a loop in its own task
that claims due rows for a lease and runs each claimed row at once, until stopped.

Claiming is the subclass's: it moves each row it takes out of sight until a lease runs out
(so a process that dies mid-run leaves the row to another) and, on PostgreSQL, skips rows
another process holds (`claimable`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from abc import ABC, abstractmethod
from datetime import datetime, timedelta
from typing import Generic, Protocol, TypeVar, cast

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.models import Model
from tortoise.queryset import QuerySet

from server.db import unavailable

log = logging.getLogger(__name__)

# The longest error kept on a row (a receiver's whole error page is not worth one).
MAX_ERROR_CHARS = 2000

RowT = TypeVar("RowT", bound=Model)


def error_text(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:MAX_ERROR_CHARS]


def claimable(query: QuerySet[RowT], *, postgres: bool) -> QuerySet[RowT]:
    """`query`, locking what it reads; on PostgreSQL two processes never take the same rows
    and neither waits for the other (SQLite has one writer at a time anyway)."""
    return query.select_for_update(skip_locked=True) if postgres else query


class AttemptedRow(Protocol):
    """A row retried on a schedule: how often it was tried and when it is next due."""

    attempts: int
    next_attempt_at: datetime

    async def save(self, *, using_db: BaseDBAsyncClient, update_fields: list[str]) -> None: ...


async def lease_due(
    query: QuerySet[RowT], conn: BaseDBAsyncClient, *, postgres: bool, now: datetime,
    lease: timedelta,
) -> list[RowT]:  # fmt: skip
    """Claim the rows `query` finds (in `conn`'s transaction) for one attempt each: counted,
    and not due again until `lease` has passed, so a runner that dies mid-attempt leaves
    them to be retried once the lease runs out. The rows' model has `attempts` and
    `next_attempt_at` (`AttemptedRow`)."""
    claimed = list(await claimable(query, postgres=postgres))
    for found in claimed:
        row = cast(AttemptedRow, found)
        row.attempts += 1
        row.next_attempt_at = now + lease
        await row.save(using_db=conn, update_fields=["attempts", "next_attempt_at"])
    return claimed


class LeasedRunner(ABC, Generic[RowT]):
    """Claims due rows and runs them; looks again after `_until_next()` seconds, or as soon
    as `nudge()` says there is new work here."""

    task_name = "leased-runner"

    def __init__(self, *, postgres: bool, poll_interval: float) -> None:
        self._postgres = postgres
        self._poll_interval = poll_interval
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._loop(), name=self.task_name)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    def nudge(self) -> None:
        """New work was queued: look now rather than at the next poll."""
        self._wake.set()

    async def run_due(self) -> int:
        """Run every row due now, once each; the number attempted."""
        attempted = 0
        while True:
            claimed = await self._claim()
            if not claimed:
                return attempted
            # Side by side, and each to its end: one row's failure (its bookkeeping when the
            # database goes away) must not cancel another's work half-way (an email being sent).
            results = await asyncio.gather(
                *(self._attempt(row) for row in claimed), return_exceptions=True
            )
            for result in results:
                if isinstance(result, Exception):
                    self._log_failure(result)
            attempted += len(claimed)

    def _log_failure(self, exc: Exception) -> None:
        """One line when the database is away (the row is tried again once its lease runs
        out); the whole story otherwise."""
        if unavailable(exc) is not None:
            log.warning("%s: the database is unavailable (%s); retrying later", self.task_name, exc)
        else:
            log.warning("%s: a row failed; retrying later", self.task_name, exc_info=exc)

    @abstractmethod
    async def _claim(self) -> list[RowT]:
        """Take a batch of due rows for a lease (in one transaction)."""

    @abstractmethod
    async def _attempt(self, row: RowT) -> None:
        """Run one claimed row and record how it went; never raise."""

    async def _until_next(self) -> float:
        """Seconds until the next look (at most the poll interval)."""
        return self._poll_interval

    async def _loop(self) -> None:
        while True:
            try:
                await self.run_due()
                wait = await self._until_next()
            except Exception as exc:  # the database is away: try again at the next poll
                self._log_failure(exc)
                wait = self._poll_interval
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(wait):
                    await self._wake.wait()
            self._wake.clear()
