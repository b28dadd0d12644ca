"""Per-organisation ticket numbers: sequential, gap-free per successful create, never shared.

The counter lives on the organisation row. It is bumped with `UPDATE ... SET ticket_counter =
ticket_counter + 1` inside the ticket's own transaction and read back in that transaction: on
PostgreSQL the UPDATE takes the row lock, so concurrent creates queue behind it and each reads
its own value; on SQLite the write lock serialises whole transactions. A rolled-back create
rolls the bump back too. The unique (organization, number) constraint is the last line of
defence.
"""

from __future__ import annotations

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.expressions import F

from server.accounts.models import Organization


def format_reference(prefix: str, number: int) -> str:
    """`TKT-00042`: the friendly reference customers and agents quote."""
    return f"{prefix}-{number:05d}"


async def next_ticket_number(*, organization_id: int, conn: BaseDBAsyncClient) -> tuple[int, str]:
    """Reserve the next number in the caller's transaction; returns (number, prefix)."""
    await (
        Organization.filter(id=organization_id)
        .using_db(conn)
        .update(ticket_counter=F("ticket_counter") + 1)
    )
    row = (
        await Organization.filter(id=organization_id)
        .using_db(conn)
        .values_list("ticket_counter", "ticket_prefix")
    )
    number, prefix = row[0]
    return number, prefix
