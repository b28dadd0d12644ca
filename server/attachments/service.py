"""Storing uploads and attaching them (removing them: `retention.py`; reading: `queries.py`).

An upload is stored before it is attached: `store_uploads` checks every file of a request
(type from the bytes, name sanitised, images decoded) before it keeps any, then stores each
file's bytes once per organisation and content (`AttachmentBlob`) and records a pending
`Attachment` per file. The ticket and chat services attach pending files to what they write
(`attach`, in their own transaction), so a reply and its files commit together.

An upload records its attachments in a transaction that locks their blob rows and checks
they are still there: a blob released (`retention.release_unused_blobs`) between the upload
storing it and that record is stored again, so no attachment ever names bytes a release took.
The hourly sweep also leaves blobs claimed within `retention.BLOB_GRACE` alone, so it does
not make an upload in flight store its bytes twice.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from server.accounts.principal import Principal
from server.attachments import files
from server.attachments.keys import blob_key, thumbnail_key
from server.attachments.models import Attachment, AttachmentBlob
from server.attachments.schemas import AttachmentOut
from server.attachments.storage import Storage
from server.attachments.upload import ReceivedFile
from server.errors import ValidationFailed

log = logging.getLogger("parley.attachments")

# How often an upload stores its bytes again when a release took them meanwhile.
KEEP_ATTEMPTS = 3
THUMBNAIL_SIDE = 320


def now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Uploader:
    """Who is uploading, in which organisation: `key` is "agent:<id>", "api-key:<id>",
    "contact:<id>" or "email:<id>"; only the same uploader may attach the file."""

    organization_id: int
    key: str
    name: str


def uploader_key(principal: Principal) -> str:
    """An agent's or API key's uploader key (see `Uploader`)."""
    if principal.api_key_id is not None:
        return f"api-key:{principal.api_key_id}"
    return f"agent:{principal.agent_id}"


@dataclass(frozen=True)
class Examined:
    """One received file, checked and ready to keep."""

    received: ReceivedFile
    file_type: files.FileType
    filename: str
    image: files.ImageInfo | None
    thumbnail: Path | None


@dataclass(frozen=True)
class Target:
    """Where files are being attached."""

    ticket_id: int | None = None
    response_id: int | None = None
    conversation_id: int | None = None
    message_id: int | None = None
    # The customer who may download them; None for an internal note.
    contact_id: int | None = None
    is_internal: bool = False


def attachment_out(attachment: Attachment) -> AttachmentOut:
    return AttachmentOut(
        id=attachment.id,
        filename=attachment.filename,
        content_type=attachment.content_type,
        size=attachment.size,
        image=attachment.image,
        width=attachment.width,
        height=attachment.height,
        thumbnail_url=f"/api/attachments/{attachment.id}/thumbnail"
        if attachment.thumbnail
        else None,
        is_internal=attachment.is_internal,
        ticket_id=attachment.ticket_id,
        response_id=attachment.response_id,
        conversation_id=attachment.conversation_id,
        message_id=attachment.message_id,
        uploader_name=attachment.uploader_name,
        created_at=attachment.created_at,
    )


# --- uploading ------------------------------------------------------------------------------


def _examine(received: ReceivedFile) -> Examined:
    """Type from the bytes (refused off the allow-list), a safe name, and for a raster image
    that decodes in full its size and a thumbnail without metadata, beside the received file
    (no scratch directory for the files that need none). Runs in a thread."""
    detected = files.sniff(received.path)
    file_type = files.allowed_type(detected, received.filename)
    filename = files.safe_name(received.filename, file_type)
    image = files.examine_image(received.path) if file_type.raster_image else None
    thumbnail: Path | None = None
    if image is not None:
        candidate = received.path.with_name(received.path.name + ".thumb")
        if files.make_thumbnail(received.path, candidate, max_side=THUMBNAIL_SIDE):
            thumbnail = candidate
    return Examined(received, file_type, filename, image, thumbnail)


async def store_uploads(
    *, uploader: Uploader, received: Sequence[ReceivedFile], storage: Storage
) -> list[Attachment]:
    """Check every file, then keep them all as pending attachments (in the order given).

    One file off the allow-list refuses the whole request (415, naming it) before anything is
    stored. The bytes go to storage once per organisation and content.
    """
    examined: list[Examined] = []
    try:
        for one in received:
            examined.append(await asyncio.to_thread(_examine, one))
        blobs = [await _keep_bytes(uploader.organization_id, e, storage) for e in examined]
        for _ in range(KEEP_ATTEMPTS):
            rows = await _record(uploader, examined, blobs)
            if rows is not None:
                return rows
            # A release took a blob between its claim and this record: store it again.
            blobs = [await _keep_bytes(uploader.organization_id, e, storage) for e in examined]
    finally:
        for done in examined:
            if done.thumbnail is not None:
                done.thumbnail.unlink(missing_ok=True)
    raise RuntimeError("the uploaded files' storage kept being released; try again")


async def _record(
    uploader: Uploader, examined: list[Examined], blobs: list[AttachmentBlob]
) -> list[Attachment] | None:
    """The pending attachment rows, with every blob row locked and still there (else None:
    nothing is written)."""
    async with in_transaction() as conn:
        wanted = {blob.id for blob in blobs}
        present = await (
            AttachmentBlob.filter(id__in=list(wanted)).using_db(conn).select_for_update()
        )
        if {blob.id for blob in present} != wanted:
            return None
        rows = []
        for item, blob in zip(examined, blobs, strict=True):
            rows.append(
                await Attachment.create(
                    organization_id=uploader.organization_id,
                    blob_id=blob.id,
                    filename=item.filename,
                    content_type=item.file_type.content_type,
                    size=item.received.size,
                    image=item.image is not None,
                    width=item.image.width if item.image else None,
                    height=item.image.height if item.image else None,
                    thumbnail=blob.thumbnail_key is not None,
                    uploaded_by=uploader.key,
                    uploader_name=uploader.name[:200],
                    using_db=conn,
                )
            )
    return rows


async def _keep_bytes(organization_id: int, item: Examined, storage: Storage) -> AttachmentBlob:
    """The blob for these bytes, claimed now, with its object (and thumbnail) stored."""
    sha256 = item.received.sha256
    key = blob_key(organization_id, sha256)
    async with in_transaction() as conn:
        blob = await AttachmentBlob.filter(key=key).using_db(conn).select_for_update().first()
        if blob is None:
            blob = await AttachmentBlob.create(
                organization_id=organization_id, key=key, sha256=sha256,
                size=item.received.size, claimed_at=now(), using_db=conn,
            )  # fmt: skip
        else:
            blob.claimed_at = now()
            await blob.save(using_db=conn, update_fields=["claimed_at"])
    # Stored after the claim commits: a release skips blobs claimed within BLOB_GRACE.
    if not await storage.exists(key):
        await storage.put(key, item.received.path, content_type=item.file_type.content_type)
    if item.thumbnail is not None and blob.thumbnail_key is None:
        thumb = thumbnail_key(organization_id, sha256)
        await storage.put(thumb, item.thumbnail, content_type=files.sniff(item.thumbnail))
        blob.thumbnail_key = thumb
        await AttachmentBlob.filter(id=blob.id).update(thumbnail_key=thumb)
    return blob


# --- attaching ------------------------------------------------------------------------------


async def attach(
    conn: BaseDBAsyncClient,
    *,
    organization_id: int,
    uploaded_by: str,
    ids: Sequence[int],
    target: Target,
) -> list[AttachmentOut]:
    """Attach the caller's pending uploads to `target`, inside the caller's transaction.

    422 naming `attachmentIds` when an id is not a pending upload of this uploader in this
    organisation (someone else's, already attached, swept, or unknown: all look alike)."""
    if not ids:
        return []
    wanted = list(dict.fromkeys(ids))
    rows = await (
        Attachment.filter(
            id__in=wanted,
            organization_id=organization_id,
            uploaded_by=uploaded_by,
            attached_at__isnull=True,
        )
        .using_db(conn)
        .select_for_update()
    )
    found = {row.id: row for row in rows}
    missing = [i for i in wanted if i not in found]
    if missing:
        raise ValidationFailed(
            "Some attachments cannot be attached.",
            fields={"attachmentIds": f"Not an upload of yours waiting to be attached: {missing}."},
        )
    attached_at = now()
    await (
        Attachment.filter(id__in=wanted)
        .using_db(conn)
        .update(
            ticket_id=target.ticket_id,
            response_id=target.response_id,
            conversation_id=target.conversation_id,
            message_id=target.message_id,
            contact_id=None if target.is_internal else target.contact_id,
            is_internal=target.is_internal,
            attached_at=attached_at,
        )
    )
    out = []
    for attachment_id in wanted:
        row = found[attachment_id]
        row.ticket_id, row.response_id = target.ticket_id, target.response_id
        row.conversation_id, row.message_id = target.conversation_id, target.message_id
        row.is_internal = target.is_internal
        row.contact_id = None if target.is_internal else target.contact_id
        row.attached_at = attached_at
        out.append(attachment_out(row))
    return out


async def link_chat_to_ticket(
    conn: BaseDBAsyncClient,
    *,
    organization_id: int,
    conversation_id: int,
    ticket_id: int,
    include_internal: bool,
) -> int:
    """Escalation: the chat's files become the new ticket's too (internal ones only when the
    internal notes go with them). How many were linked."""
    rows = Attachment.filter(
        organization_id=organization_id,
        conversation_id=conversation_id,
        attached_at__isnull=False,
        ticket_id__isnull=True,
    ).using_db(conn)
    if not include_internal:
        rows = rows.filter(is_internal=False)
    return await rows.update(ticket_id=ticket_id)
