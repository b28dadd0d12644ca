"""Attachment tables: a stored copy of some bytes (`AttachmentBlob`) and each file someone
attached (`Attachment`), which names the blob holding its bytes.

Attachments sit below tickets and chat in the layers (tickets and chat link files; files know
nothing of them), so where a file is attached is kept as plain ids, like `origin_chat_id` on
a ticket; the service that deletes a ticket removes its files through a durable listener
(`server/attachments/cleanup.py`), not through a foreign key.
"""

from __future__ import annotations

from tortoise import fields
from tortoise.indexes import Index
from tortoise.models import Model

from server.accounts.models import Organization


class AttachmentBlob(Model):
    """One stored copy of some bytes, shared by every attachment of its organisation with the
    same content. Deleted (object first, then row) only when no attachment names it and it has
    not been claimed by an upload for a while (`retention.release_unused_blobs`)."""

    id = fields.IntField(primary_key=True)
    organization: fields.ForeignKeyRelation[Organization] = fields.ForeignKeyField(
        "models.Organization", related_name="attachment_blobs", on_delete=fields.CASCADE
    )
    organization_id: int
    key = fields.CharField(max_length=100, unique=True)
    sha256 = fields.CharField(max_length=64)
    size = fields.BigIntField()
    thumbnail_key = fields.CharField(max_length=100, null=True)
    # Renewed by every upload of these bytes before it stores them, so a blob being reused is
    # never taken for unused between the upload storing it and its attachment row committing.
    claimed_at = fields.DatetimeField()
    created_at = fields.DatetimeField(auto_now_add=True)

    attachments: fields.ReverseRelation[Attachment]

    class Meta:
        table = "attachment_blob"
        indexes = (Index(fields=("claimed_at",)),)


class Attachment(Model):
    """A file as someone attached it: its (sanitised) name and type, who uploaded it, and
    where it is attached once it is (`attached_at`); until then it is a pending upload."""

    id = fields.IntField(primary_key=True)
    organization: fields.ForeignKeyRelation[Organization] = fields.ForeignKeyField(
        "models.Organization", related_name="attachments", on_delete=fields.CASCADE
    )
    organization_id: int
    blob: fields.ForeignKeyRelation[AttachmentBlob] = fields.ForeignKeyField(
        "models.AttachmentBlob", related_name="attachments", on_delete=fields.RESTRICT
    )
    blob_id: int
    filename = fields.CharField(max_length=200)
    content_type = fields.CharField(max_length=100)
    size = fields.BigIntField()
    # A raster image Pillow decoded in full: served inline and shown as a thumbnail.
    image = fields.BooleanField(default=False)
    width = fields.IntField(null=True)
    height = fields.IntField(null=True)
    thumbnail = fields.BooleanField(default=False)
    # Who uploaded it, as "agent:<id>", "api-key:<id>", "contact:<id>" or "email:<id>"; only
    # they may attach it.
    uploaded_by = fields.CharField(max_length=40)
    uploader_name = fields.CharField(max_length=200, default="")
    # Where it is attached (plain ids, see the module doc).
    ticket_id = fields.IntField(null=True)
    response_id = fields.IntField(null=True)
    conversation_id = fields.IntField(null=True)
    message_id = fields.IntField(null=True)
    # The customer who may download it: the ticket's requester or the chat's contact. None
    # for a file on an internal note, which no customer may ever download.
    contact_id = fields.IntField(null=True)
    is_internal = fields.BooleanField(default=False)
    attached_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "attachment"
        indexes = (
            Index(fields=("organization_id", "ticket_id")),
            Index(fields=("organization_id", "conversation_id")),
            Index(fields=("response_id",)),
            Index(fields=("message_id",)),
            Index(fields=("attached_at", "created_at")),
        )
