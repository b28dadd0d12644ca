"""Per-organisation ticket numbers: sequential, gap-free per successful create, never shared.

The counter lives on the organisation row. It is bumped with `UPDATE ... SET ticket_counter =
ticket_counter + 1 ... RETURNING` inside the ticket's own transaction: on
PostgreSQL the UPDATE takes the row lock, so concurrent creates queue behind it and each reads
its own value; on SQLite the write lock serialises whole transactions. A rolled-back create
rolls the bump back too. The unique (organization, number) constraint is the last line of
defence.
"""

from __future__ import annotations

from tortoise.backends.base.client import BaseDBAsyncClient


def format_reference(prefix: str, number: int) -> str:
    """`TKT-00042`: the friendly reference customers and agents quote."""
    return f"{prefix}-{number:05d}"


async def next_ticket_number(*, organization_id: int, conn: BaseDBAsyncClient) -> tuple[int, str]:
    """Reserve the next number in the caller's transaction; returns (number, prefix).

    One statement (UPDATE ... RETURNING, on PostgreSQL and SQLite >= 3.35): the row lock it
    takes is held until the caller commits, so the fewer statements follow it, the less
    concurrent creates wait.
    """
    placeholder = "$1" if conn.capabilities.dialect == "postgres" else "?"
    # execute_query_dict: the asyncpg client's execute_query drops the rows of an UPDATE.
    rows = await conn.execute_query_dict(
        'UPDATE "organization" SET "ticket_counter" = "ticket_counter" + 1 '
        f'WHERE "id" = {placeholder} RETURNING "ticket_counter", "ticket_prefix"',
        [organization_id],
    )
    if not rows:
        raise LookupError(f"organisation {organization_id} does not exist")
    row = rows[0]
    return int(row["ticket_counter"]), str(row["ticket_prefix"])
