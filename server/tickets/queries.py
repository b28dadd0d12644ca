"""Reading many tickets: list filters, sorting, pagination, statistics and CSV export."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from pypika_tortoise.terms import ValueWrapper
from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.expressions import Case, Q, Subquery, When
from tortoise.functions import Count
from tortoise.queryset import QuerySet
from tortoise.transactions import in_transaction

from server.accounts.principal import Principal
from server.errors import ValidationFailed
from server.tickets import workflow
from server.tickets.lookups import REF_PATTERN, LoadedTicket, load_tickets, organization_of
from server.tickets.models import Ticket, TicketPriority, TicketStatus, TicketTag
from server.tickets.schemas import TicketFilters, TicketListQuery, TicketSort, TicketStats

PRIORITY_RANK = list(TicketPriority)
STATUS_RANK = list(TicketStatus)
EXPORT_BATCH = 500
COUNT_LIMIT = 1000


def _start(value: datetime | date) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    return datetime.combine(value, time.min, tzinfo=UTC)


def filtered(principal: Principal, filters: TicketFilters) -> QuerySet[Ticket]:
    """The organisation's tickets narrowed by `filters` (never another organisation's)."""
    org_id = principal.organization_id
    qs = Ticket.filter(organization_id=org_id)
    if filters.status:
        qs = qs.filter(status__in=filters.status)
    if filters.priority:
        qs = qs.filter(priority__in=filters.priority)
    if filters.assignee == "me":
        if principal.agent_id is None:
            raise ValidationFailed(
                "An API key is not an agent.", fields={"assignee": "`me` needs an agent login."}
            )
        qs = qs.filter(assignee_id=principal.agent_id)
    elif filters.assignee == "none":
        qs = qs.filter(assignee_id__isnull=True)
    elif filters.assignee is not None:
        qs = qs.filter(assignee_id=int(filters.assignee))
    if filters.category:
        qs = qs.filter(category=filters.category)
    if filters.tag:
        tagged = TicketTag.filter(organization_id=org_id, name=filters.tag).values("ticket_id")
        qs = qs.filter(id__in=Subquery(tagged))
    if filters.requester_email:
        qs = qs.filter(requester_email=filters.requester_email)
    if filters.requester_id is not None:
        qs = qs.filter(requester_id=filters.requester_id)
    if filters.q:
        qs = qs.filter(_text_search(filters.q))
    if filters.created_from is not None:
        qs = qs.filter(created_at__gte=_start(filters.created_from))
    if filters.created_to is not None:
        end = filters.created_to
        if isinstance(end, datetime):
            qs = qs.filter(created_at__lte=_start(end))
        elif end < date.max:  # the last representable day has no day after it: no bound
            qs = qs.filter(created_at__lt=_start(end + timedelta(days=1)))
    return qs


def _text_search(text: str) -> Q:
    """Subject or description contains `text`, or `text` is the ticket's number/reference."""
    match = Q(subject__icontains=text) | Q(description__icontains=text)
    number = REF_PATTERN.match(text)
    plain = text.isascii() and text.isdigit() and len(text) <= 9
    digits = number.group(2) if number else (text if plain else None)
    if digits is not None:
        match |= Q(number=int(digits))
    return match


def _rank(position: int) -> Any:
    """`position` as a literal in `CASE ... THEN`, not as a bind parameter.

    PostgreSQL types a THEN parameter as text and asyncpg then refuses the int: every priority
    or status sort was a 500 there.
    """
    return ValueWrapper(position, allow_parametrize=False)


def _sorted(qs: QuerySet[Ticket], sort: TicketSort) -> QuerySet[Ticket]:
    descending = sort.value.startswith("-")
    key = sort.value.lstrip("-")
    sign = "-" if descending else ""
    if key == "priority":
        rank = Case(*(When(priority=p, then=_rank(i)) for i, p in enumerate(PRIORITY_RANK)))
        return qs.annotate(priority_rank=rank).order_by(f"{sign}priority_rank", f"{sign}id")
    if key == "status":
        rank = Case(*(When(status=s, then=_rank(i)) for i, s in enumerate(STATUS_RANK)))
        return qs.annotate(status_rank=rank).order_by(f"{sign}status_rank", f"{sign}id")
    column = "created_at" if key == "created" else "updated_at"
    return qs.order_by(f"{sign}{column}", f"{sign}id")


async def _prefix(principal: Principal) -> str:
    return (await organization_of(principal)).ticket_prefix


async def count_up_to(qs: QuerySet[Ticket], limit: int | None = None) -> tuple[int, bool]:
    """(matches, exact): counting stops past `limit`, where `exact` becomes False.

    An exact COUNT has to visit every match; with 100,000 tickets a broad text search or tag
    spent most of the request counting. Like search engines, the list says "at least 1,000";
    exact per-status and per-priority numbers are on /api/tickets/stats.
    """
    limit = COUNT_LIMIT if limit is None else limit
    ids = await qs.limit(limit + 1).values_list("id", flat=True)
    return (limit, False) if len(ids) > limit else (len(ids), True)


async def list_tickets(
    *, principal: Principal, query: TicketListQuery
) -> tuple[list[LoadedTicket], int, bool]:
    """One page of tickets, and how many match the filters (exact up to COUNT_LIMIT)."""
    if query.q:
        async with in_transaction() as conn:
            await _prefer_trigram_indexes(conn)
            return await _list_page(principal, query, conn)
    return await _list_page(principal, query, None)


async def _prefer_trigram_indexes(conn: BaseDBAsyncClient) -> None:
    """Keep PostgreSQL off sequential scans for a text search, for this transaction only.

    The planner prices `UPPER(description) LIKE '%word%'` as cheap per row, so for a common
    word under a LIMIT it chose to scan the table and test each description (20 ms at
    100,000 tickets) over the trigram indexes' bitmap (4.5 ms). Index scans of other kinds
    (newest first, by status) stay allowed. SQLite has no such setting and needs none.
    """
    if conn.capabilities.dialect == "postgres":
        await conn.execute_script("SET LOCAL enable_seqscan = off")


async def _list_page(
    principal: Principal, query: TicketListQuery, conn: BaseDBAsyncClient | None
) -> tuple[list[LoadedTicket], int, bool]:
    qs = filtered(principal, query)
    if conn is not None:
        qs = qs.using_db(conn)
    total, exact = await count_up_to(qs)
    page = (
        await _sorted(qs, query.sort)
        .offset((query.page - 1) * query.page_size)
        .limit(query.page_size)
    )
    prefix = await _prefix(principal)
    return await load_tickets(list(page), prefix=prefix, conn=conn), total, exact


async def ticket_stats(*, principal: Principal) -> TicketStats:
    base = Ticket.filter(organization_id=principal.organization_id)
    by_status = {s: 0 for s in TicketStatus}
    for row in await base.annotate(n=Count("id")).group_by("status").values("status", "n"):
        by_status[TicketStatus(row["status"])] = row["n"]
    by_priority = {p: 0 for p in TicketPriority}
    for row in await base.annotate(n=Count("id")).group_by("priority").values("priority", "n"):
        by_priority[TicketPriority(row["priority"])] = row["n"]
    unassigned = await base.filter(
        assignee_id__isnull=True, status__in=list(workflow.WORKING)
    ).count()
    midnight = datetime.combine(datetime.now(UTC).date(), time.min, tzinfo=UTC)
    created_today = await base.filter(created_at__gte=midnight).count()
    return TicketStats(
        total=sum(by_status.values()),
        by_status=by_status,
        by_priority=by_priority,
        unassigned=unassigned,
        created_today=created_today,
    )


EXPORT_COLUMNS = (
    "reference", "number", "subject", "status", "priority", "category", "tags",
    "requesterName", "requesterEmail", "assigneeName", "createdAt", "updatedAt",
    "firstResponseDueAt", "firstResponseAt", "resolutionDueAt", "resolvedAt", "closedAt",
    "description",
)  # fmt: skip


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat()
    text = str(value)
    # Spreadsheet formula injection: a cell that starts like a formula is kept as text.
    if text[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + text
    return text


def _row(loaded: LoadedTicket) -> list[str]:
    out = loaded.out()
    values: dict[str, object] = {
        **out.model_dump(by_alias=True),
        "tags": " ".join(out.tags),
    }
    return [_cell(values[column]) for column in EXPORT_COLUMNS]


def export_csv(*, principal: Principal, filters: TicketFilters) -> AsyncIterator[str]:
    """CSV of every matching ticket in creation order, fetched in batches (keyset on id).

    The filters are checked here, before the response starts: an error raised once the
    header row is streamed could no longer become a 422.
    """
    filtered(principal, filters)
    return _export_rows(principal, filters)


async def _export_rows(principal: Principal, filters: TicketFilters) -> AsyncIterator[str]:
    prefix = await _prefix(principal)
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def flush() -> str:
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    writer.writerow(EXPORT_COLUMNS)
    yield flush()
    last_id = 0
    while True:
        batch = list(
            await filtered(principal, filters)
            .filter(id__gt=last_id)
            .order_by("id")
            .limit(EXPORT_BATCH)
        )
        if not batch:
            return
        for loaded in await load_tickets(batch, prefix=prefix):
            writer.writerow(_row(loaded))
        last_id = batch[-1].id
        yield flush()
