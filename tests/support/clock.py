"""A clock a test moves by hand, for code that takes `clock=` (a callable giving the time)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta


class ManualClock:
    """Gives `now` until the test moves it (`advance`, or set `now`); starts at `start`, or
    at the real time when created."""

    def __init__(self, start: datetime | None = None) -> None:
        self.now = start if start is not None else datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, delta: timedelta) -> None:
        self.now += delta
