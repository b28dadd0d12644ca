"""Reading files for what they are attached to, in one query per list."""

from __future__ import annotations

from collections.abc import Sequence

from tortoise.backends.base.client import BaseDBAsyncClient

from server.attachments.models import Attachment
from server.attachments.schemas import AttachmentOut
from server.attachments.service import attachment_out


async def for_responses(
    response_ids: Sequence[int], conn: BaseDBAsyncClient | None = None
) -> dict[int, list[AttachmentOut]]:
    """The files on each of these ticket responses, oldest first."""
    return await _grouped("response_id", response_ids, conn)


async def for_messages(
    message_ids: Sequence[int], conn: BaseDBAsyncClient | None = None
) -> dict[int, list[AttachmentOut]]:
    """The files on each of these chat messages, oldest first."""
    return await _grouped("message_id", message_ids, conn)


async def for_ticket(
    organization_id: int, ticket_id: int, conn: BaseDBAsyncClient | None = None
) -> list[AttachmentOut]:
    """The files on the ticket itself (given when it was created, or from its chat), not on
    its replies."""
    rows = Attachment.filter(
        organization_id=organization_id, ticket_id=ticket_id, response_id__isnull=True
    )
    if conn is not None:
        rows = rows.using_db(conn)
    return [attachment_out(a) for a in await rows.order_by("id")]


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
