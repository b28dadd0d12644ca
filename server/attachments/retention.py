"""Removing files: with their ticket, when never attached, and the bytes nothing names.

Bytes are removed only when nothing names them: a blob row is locked, its stored object
deleted, then the row, in one transaction; a failure leaves the row (and, for a ticket's
files, the file rows) for the retry, never bytes nobody can find. An upload that loses its
blob to a release meanwhile stores it again (`service.store_uploads`).
"""

from __future__ import annotations

from datetime import timedelta
from typing import cast

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from server.attachments.models import Attachment, AttachmentBlob
from server.attachments.service import now
from server.attachments.storage import Storage

# The sweep leaves blobs claimed this recently alone: their upload is likely still recording.
BLOB_GRACE = timedelta(hours=1)


async def remove_ticket_files(*, organization_id: int, ticket_id: int, storage: Storage) -> int:
    """After a ticket is deleted: its own files go (rows, and the bytes nothing else names);
    files of the chat it came from stay with the chat. One transaction per stored blob, in
    which its rows go and then, if nothing else names it, its object and its row: a failure
    leaves that blob's rows in place for the retry, never bytes nobody can find. How many
    files went."""
    await Attachment.filter(
        organization_id=organization_id, ticket_id=ticket_id, conversation_id__isnull=False
    ).update(ticket_id=None)
    mine = Attachment.filter(organization_id=organization_id, ticket_id=ticket_id)
    blob_ids = sorted(set(cast(list[int], await mine.values_list("blob_id", flat=True))))
    removed = 0
    for blob_id in blob_ids:
        async with in_transaction() as conn:
            blob = (
                await AttachmentBlob.filter(id=blob_id).using_db(conn).select_for_update().first()
            )
            removed += await mine.filter(blob_id=blob_id).using_db(conn).delete()
            if (
                blob is not None
                and not await Attachment.filter(blob_id=blob_id).using_db(conn).exists()
            ):
                await _delete_blob(blob, storage, conn)
    return removed


async def _delete_blob(blob: AttachmentBlob, storage: Storage, conn: BaseDBAsyncClient) -> None:
    """The object (and thumbnail), then the row, in the caller's transaction."""
    await storage.delete(blob.key)
    if blob.thumbnail_key:
        await storage.delete(blob.thumbnail_key)
    await blob.delete(using_db=conn)


async def sweep_orphans(*, storage: Storage, older_than: timedelta) -> int:
    """Pending uploads never attached within `older_than` are deleted, and blobs nothing names
    are released. How many uploads went."""
    cutoff = now() - older_than
    stale = Attachment.filter(attached_at__isnull=True, created_at__lt=cutoff)
    removed = await stale.delete()
    await release_unused_blobs(storage)
    return removed


async def release_unused_blobs(
    storage: Storage, *, grace: timedelta = BLOB_GRACE, batch: int = 200
) -> int:
    """Delete the stored bytes of every blob no attachment names, except blobs claimed within
    `grace`, `batch` at a time. Object first, then the row, under the row's lock (checked
    again there): a crash in between leaves a row to release again, never bytes without a
    row. How many went."""
    cutoff = now() - grace
    released, after = 0, 0
    while True:
        unused = AttachmentBlob.filter(
            claimed_at__lte=cutoff, attachments__id__isnull=True, id__gt=after
        )
        ids = cast(list[int], await unused.order_by("id").limit(batch).values_list("id", flat=True))
        after = ids[-1] if ids else after
        for blob_id in ids:
            async with in_transaction() as conn:
                blob = await (
                    AttachmentBlob.filter(id=blob_id, claimed_at__lte=cutoff)
                    .using_db(conn)
                    .select_for_update()
                    .first()
                )
                if blob is None or await Attachment.filter(blob_id=blob.id).using_db(conn).exists():
                    continue
                await _delete_blob(blob, storage, conn)
                released += 1
        if len(ids) < batch:
            return released
