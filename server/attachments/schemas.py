"""What the API says about an attachment: to agents, and to the customer who may see it."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import ConfigDict, Field

from server.web.schema import ResponseModel

# The most files one message, reply or ticket may carry (uploads are limited separately,
# per request, by PARLEY_ATTACHMENT_MAX_FILES).
MAX_ATTACHMENTS_PER_ITEM = 20

AttachmentIds = Annotated[
    list[Annotated[int, Field(ge=1, le=2**31 - 1)]],
    Field(
        max_length=MAX_ATTACHMENTS_PER_ITEM,
        description="Files uploaded first (`POST …/attachments`) by the same caller and not "
        "attached yet.",
    ),
]


class AttachmentOut(ResponseModel):
    """A file as agents see it."""

    id: int
    filename: str = Field(description="Sanitised; its extension matches the type.")
    content_type: str = Field(description="Read from the bytes, not from the name.")
    size: int
    image: bool = Field(description="A raster image: shown inline, with a thumbnail.")
    width: int | None
    height: int | None
    thumbnail_url: str | None = Field(
        description="For images: the thumbnail (Authorization as for the rest of the API)."
    )
    is_internal: bool
    ticket_id: int | None
    response_id: int | None
    conversation_id: int | None
    message_id: int | None
    uploader_name: str
    created_at: datetime


class PublicAttachment(ResponseModel):
    """A file as the customer who may download it sees it."""

    model_config = ConfigDict(extra="forbid")

    id: int
    filename: str
    content_type: str
    size: int
    image: bool
    width: int | None
    height: int | None
    thumbnail: bool = Field(
        description="A thumbnail exists: `GET /api/embed/attachments/{id}/thumbnail` (or "
        "`/api/track/…` on the tracking page)."
    )
    created_at: datetime


class AttachmentList(ResponseModel):
    attachments: list[AttachmentOut]


class PublicAttachmentList(ResponseModel):
    attachments: list[PublicAttachment]


class UploadLimits(ResponseModel):
    """What an upload may be, so a client can refuse a file before sending it."""

    max_file_bytes: int
    max_request_bytes: int
    max_files: int


class DownloadLink(ResponseModel):
    url: str = Field(description="Opens the file; works for anyone holding it until it expires.")
    expires_at: datetime


def public_attachment(attachment: AttachmentOut) -> PublicAttachment:
    """The customer's view of a file (callers never pass a file on an internal note)."""
    return PublicAttachment(
        id=attachment.id,
        filename=attachment.filename,
        content_type=attachment.content_type,
        size=attachment.size,
        image=attachment.image,
        width=attachment.width,
        height=attachment.height,
        thumbnail=attachment.thumbnail_url is not None,
        created_at=attachment.created_at,
    )
