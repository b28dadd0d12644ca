"""The console's dashboard figures: open and resolved work, unassigned tickets, tickets
created today, the average time to first response, and the last 14 days' volume.

Days are UTC days. The per-day buckets are counted here from the window's timestamps rather
than with a database GROUP BY on a date: the date functions differ between SQLite and
PostgreSQL, and the window is small (14 days of one organisation's tickets).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import cast

from pydantic import Field

from server.accounts.principal import Principal
from server.tickets import queries, workflow
from server.tickets.models import Ticket, TicketStatus
from server.web.schema import ResponseModel

DAYS = 14
RESOLVED = (TicketStatus.RESOLVED, TicketStatus.CLOSED)


class DayVolume(ResponseModel):
    date: date
    created: int
    resolved: int


class Dashboard(ResponseModel):
    open: int = Field(description="Tickets being worked on (NEW, OPEN, IN_PROGRESS, WAITING_*).")
    resolved: int = Field(description="Tickets RESOLVED or CLOSED.")
    unassigned: int = Field(description="Open tickets nobody is assigned to.")
    created_today: int = Field(description="Created since midnight UTC.")
    average_first_response_seconds: float | None = Field(
        description="Over tickets created in the last 14 days that have had a first response; "
        "null when none has."
    )
    volume: list[DayVolume] = Field(description="The last 14 UTC days, oldest first, today last.")


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


async def dashboard(*, principal: Principal, today: date | None = None) -> Dashboard:
    today = today or datetime.now(UTC).date()
    first_day = today - timedelta(days=DAYS - 1)
    since = _midnight(first_day)
    # The counts are the ticket stats' (one grouped query and two counts); only the first
    # response and the daily volume are the dashboard's own.
    stats = await queries.ticket_stats(principal=principal)
    tickets = Ticket.filter(organization_id=principal.organization_id)
    created = await tickets.filter(created_at__gte=since).values_list(
        "created_at", "first_response_at"
    )
    resolved_at = cast(  # flat=True: the time stamps, not 1-tuples
        list[datetime],
        await tickets.filter(resolved_at__gte=since).values_list("resolved_at", flat=True),
    )
    days = {first_day + timedelta(days=n): [0, 0] for n in range(DAYS)}
    waits = []
    for created_at, first_response_at in created:
        day = created_at.astimezone(UTC).date()
        if day in days:  # a time stamped after today (clock skew) is left out
            days[day][0] += 1
        if first_response_at is not None:
            waits.append((first_response_at - created_at).total_seconds())
    for moment in resolved_at:
        day = moment.astimezone(UTC).date()
        if day in days:
            days[day][1] += 1
    return Dashboard(
        open=sum(stats.by_status[s] for s in workflow.WORKING),
        resolved=sum(stats.by_status[s] for s in RESOLVED),
        unassigned=stats.unassigned,
        created_today=stats.created_today,
        average_first_response_seconds=round(sum(waits) / len(waits), 1) if waits else None,
        volume=[DayVolume(date=d, created=c, resolved=r) for d, (c, r) in days.items()],
    )
