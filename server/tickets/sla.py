"""SLA due dates from the ticket's priority and the organisation's policy.

The policy is `settings["sla"]` on the organisation: hours to first response and to
resolution per priority. Clocks run in calendar hours for now; business hours and pauses come
with the SLA issue and will replace `due_dates` only.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from server.tickets.models import TicketPriority

P = TicketPriority
DEFAULT_POLICY: dict[str, dict[str, float]] = {
    "firstResponseHours": {P.LOW: 48, P.MEDIUM: 24, P.HIGH: 8, P.URGENT: 4, P.CRITICAL: 1},
    "resolutionHours": {P.LOW: 240, P.MEDIUM: 120, P.HIGH: 48, P.URGENT: 24, P.CRITICAL: 8},
}


def _hours(settings: dict[str, Any], kind: str, priority: TicketPriority) -> float | None:
    policy = settings.get("sla") or {}
    table = policy.get(kind) or DEFAULT_POLICY[kind]
    value = table.get(str(priority), DEFAULT_POLICY[kind][priority])
    return float(value) if value is not None else None


def due_dates(
    *, settings: dict[str, Any], priority: TicketPriority, start: datetime
) -> tuple[datetime | None, datetime | None]:
    """(first response due, resolution due) for a ticket of `priority` opened at `start`."""
    first = _hours(settings, "firstResponseHours", priority)
    resolution = _hours(settings, "resolutionHours", priority)
    return (
        start + timedelta(hours=first) if first is not None else None,
        start + timedelta(hours=resolution) if resolution is not None else None,
    )
