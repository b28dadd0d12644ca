"""The leased runner both workers share: claimed rows run side by side and each to its end,
and a failure is logged, as one line when the database is away."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from pathlib import Path

import pytest
from tortoise.exceptions import OperationalError

from server.events.leased import LeasedRunner


class Rows(LeasedRunner[int]):  # type: ignore[type-var]
    task_name = "test-rows"

    def __init__(self, batches: list[list[int]], failures: dict[int, Exception]) -> None:
        super().__init__(postgres=False, poll_interval=0.01)
        self.batches = batches
        self.failures = failures
        self.finished: list[int] = []

    async def _claim(self) -> list[int]:
        return self.batches.pop(0) if self.batches else []

    async def _attempt(self, row: int) -> None:
        if row in self.failures:
            raise self.failures[row]
        await asyncio.sleep(0.05)  # still at work when the other row has failed
        self.finished.append(row)


def locked(tmp_path: Path) -> OperationalError:
    """A real "database is locked" from SQLite, wrapped as Tortoise wraps it."""
    holder = sqlite3.connect(tmp_path / "locked.db", timeout=0, isolation_level=None)
    holder.execute("CREATE TABLE t (x)")
    holder.execute("BEGIN EXCLUSIVE")
    other = sqlite3.connect(tmp_path / "locked.db", timeout=0)
    try:
        other.execute("INSERT INTO t VALUES (1)")
    except sqlite3.OperationalError as exc:
        wrapped = OperationalError(exc)
        wrapped.__cause__ = exc
        return wrapped
    finally:
        other.close()
        holder.close()
    raise AssertionError("SQLite did not refuse the write")


async def test_one_rows_failure_cancels_no_other(caplog: pytest.LogCaptureFixture) -> None:
    runner = Rows([[1, 2, 3]], {1: RuntimeError("boom")})
    with caplog.at_level(logging.WARNING, logger="server.events.leased"):
        assert await runner.run_due() == 3
    assert sorted(runner.finished) == [2, 3]
    (record,) = caplog.records
    assert "a row failed" in record.getMessage() and record.exc_info is not None


async def test_a_database_that_is_away_is_one_line(
    caplog: pytest.LogCaptureFixture, tmp_path: Path
) -> None:
    runner = Rows([[1, 2]], {1: locked(tmp_path)})
    with caplog.at_level(logging.WARNING, logger="server.events.leased"):
        assert await runner.run_due() == 2
    (record,) = caplog.records
    assert "database is unavailable" in record.getMessage()
    assert record.exc_info is None and "unhandled" not in record.getMessage()
