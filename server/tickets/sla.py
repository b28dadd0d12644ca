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
MAX_HOURS = 24 * 365  # as `SlaHours` allows
DEFAULT_POLICY: dict[str, dict[str, float]] = {
    "firstResponseHours": {P.LOW: 48, P.MEDIUM: 24, P.HIGH: 8, P.URGENT: 4, P.CRITICAL: 1},
    "resolutionHours": {P.LOW: 240, P.MEDIUM: 120, P.HIGH: 48, P.URGENT: 24, P.CRITICAL: 8},
}


def _hours(settings: dict[str, Any], kind: str, priority: TicketPriority) -> float | None:
    default = DEFAULT_POLICY[kind][priority]
    policy = settings.get("sla")
    table = policy.get(kind) if isinstance(policy, dict) else None
    value = table.get(str(priority), default) if isinstance(table, dict) and table else default
    if value is None:
        return None
    # A stored value `SlaPolicy` would refuse (edited by hand) must not fail ticket creation.
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value <= MAX_HOURS:
        return default
    return float(value)


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
