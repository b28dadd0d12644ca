"""Reading files for what they are attached to, in one query per list."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from tortoise.backends.base.client import BaseDBAsyncClient

from server.attachments.models import Attachment
from server.attachments.schemas import AttachmentOut
from server.attachments.service import attachment_out


async def for_messages(
    message_ids: Sequence[int], conn: BaseDBAsyncClient | None = None
) -> dict[int, list[AttachmentOut]]:
    """The files on each of these chat messages, oldest first."""
    return await _grouped("message_id", message_ids, conn)


@dataclass(frozen=True)
class TicketFiles:
    """A ticket's files: its own (given when it was created, or from its chat) and each
    reply's, by response id."""

    own: list[AttachmentOut]
    by_response: dict[int, list[AttachmentOut]]


async def on_ticket(organization_id: int, ticket_id: int, *, public_only: bool) -> TicketFiles:
    """Every file of a ticket in one query (a reply's files carry its ticket too);
    `public_only` leaves out internal notes' files (the customer's views)."""
    rows = Attachment.filter(organization_id=organization_id, ticket_id=ticket_id)
    if public_only:
        rows = rows.filter(is_internal=False)
    files = TicketFiles(own=[], by_response={})
    for row in await rows.order_by("id"):
        out = attachment_out(row)
        if row.response_id is None:
            files.own.append(out)
        else:
            files.by_response.setdefault(row.response_id, []).append(out)
    return files


async def _grouped(
    column: str, ids: Sequence[int], conn: BaseDBAsyncClient | None
) -> dict[int, list[AttachmentOut]]:
    if not ids:
        return {}
    rows = Attachment.filter(**{f"{column}__in": list(set(ids))})
    if conn is not None:
        rows = rows.using_db(conn)
    grouped: dict[int, list[AttachmentOut]] = {}
    for row in await rows.order_by("id"):
        grouped.setdefault(getattr(row, column), []).append(attachment_out(row))
    return grouped
