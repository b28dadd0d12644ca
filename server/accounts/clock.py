"""The current time, timezone-aware (UTC): what accounts stamps on tokens and checks them
against, and what business hours are read at."""

from __future__ import annotations

from datetime import UTC, datetime


def now() -> datetime:
    return datetime.now(UTC)
