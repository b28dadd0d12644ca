"""Uploading and downloading files: agents (`/api/attachments`), the widget
(`/api/embed/attachments`) and signed links (`/files/…`). The tracking page's are in
`server/tickets/tracking_routes.py`, beside the rest of its API.

Upload and attach are two steps: a file is uploaded first (with a progress bar, while the
message is still being written) and its id is then sent with the message, reply or ticket.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from pydantic import BaseModel
from starlette.requests import Request
from starlette.responses import Response

from server.attachments import access, download, links, service
from server.attachments.models import Attachment
from server.attachments.schemas import (
    AttachmentList,
    DownloadLink,
    PublicAttachmentList,
    UploadLimits,
    public_attachment,
)
from server.attachments.storage import Storage
from server.attachments.upload import receive_upload
from server.errors import NotFound, ValidationFailed
from server.settings import Settings
from server.web.endpoints import Access, Api, Call, Handler

api = Api()
TAG = "attachments"
MULTIPART = "multipart/form-data"
ONE = "/api/attachments/{attachment_id:id}"
EMBED_ONE = "/api/embed/attachments/{attachment_id:id}"


def settings_of(request: Request) -> Settings:
    settings: Settings = request.app.state.parley.settings
    return settings


def storage_of(request: Request) -> Storage:
    storage: Storage = request.app.state.parley.storage
    return storage


def agent_uploader(call: Call) -> service.Uploader:
    principal = call.agent
    return service.Uploader(
        principal.organization_id, service.uploader_key(principal), principal.name
    )


def contact_uploader(organization_id: int, contact_id: int, name: str) -> service.Uploader:
    return service.Uploader(organization_id, f"contact:{contact_id}", name or "Customer")


async def upload(request: Request, uploader: service.Uploader) -> list[Attachment]:
    """Receive a multipart upload within the limits and keep its files as pending uploads."""
    settings = settings_of(request)
    async with receive_upload(
        request,
        max_file_bytes=settings.attachment_max_file_bytes,
        max_request_bytes=settings.attachment_max_request_bytes,
        max_files=settings.attachment_max_files,
    ) as received:
        if received.fields:
            # Like a JSON body's unknown members: a field the upload does not take is an error.
            raise ValidationFailed(
                "The request is not valid.",
                fields={name: "Unknown field." for name in received.fields},
            )
        return await service.store_uploads(
            uploader=uploader, received=received.files, storage=storage_of(request)
        )


def download_link(request: Request, attachment: Attachment) -> DownloadLink:
    """A signed link to the file on the download origin (or this server's own)."""
    settings = settings_of(request)
    base = settings.attachment_download_origin or str(request.base_url).rstrip("/")
    url, expires_at = links.link(
        secret_key=settings.secret_key,
        base_url=base,
        claims=links.LinkClaims(attachment.organization_id, attachment.id),
        filename=attachment.filename,
        ttl=timedelta(seconds=settings.attachment_link_ttl_seconds),
    )
    return DownloadLink(url=url, expires_at=expires_at)


UPLOAD_DOC = (
    "Send the files as `multipart/form-data`, one `file` part each. Limits: "
    "PARLEY_ATTACHMENT_MAX_FILE_BYTES per file and PARLEY_ATTACHMENT_MAX_REQUEST_BYTES per "
    "request (413 `payload_too_large` as soon as one is passed), PARLEY_ATTACHMENT_MAX_FILES "
    "files (413 `too_many_files`). The type is read from the bytes: a type off the allow-list "
    "is 415 `file_type_not_allowed` naming the file (docs/attachments.md). Then send the ids "
    "with the message, reply or ticket (`attachmentIds`); uploads never attached are deleted "
    "after PARLEY_ATTACHMENT_ORPHAN_HOURS."
)


def documented(text: str) -> Callable[[Handler], Handler]:
    """Give a handler its description before `api.endpoint` reads it (the upload routes
    share one)."""

    def give(handler: Handler) -> Handler:
        handler.__doc__ = text
        return handler

    return give


def upload_limits(request: Request) -> UploadLimits:
    settings = settings_of(request)
    return UploadLimits(
        max_file_bytes=settings.attachment_max_file_bytes,
        max_request_bytes=settings.attachment_max_request_bytes,
        max_files=settings.attachment_max_files,
    )


# --- agents ---------------------------------------------------------------------------------


@api.endpoint(
    "GET", "/api/attachments/limits", summary="Upload limits", tag=TAG, response=UploadLimits,
)  # fmt: skip
async def agent_upload_limits(call: Call) -> BaseModel:
    """The largest file, request and number of files an upload takes: a client refuses a
    file that cannot fit before sending it (the server refuses it anyway)."""
    return upload_limits(call.request)


@api.endpoint(
    "POST", "/api/attachments", summary="Upload files", tag=TAG, response=AttachmentList,
    status=201, errors=(413, 415, 422), raw_body=MULTIPART,
)  # fmt: skip
@documented(UPLOAD_DOC)
async def upload_files(call: Call) -> BaseModel:
    rows = await upload(call.request, agent_uploader(call))
    return AttachmentList(attachments=[service.attachment_out(a) for a in rows])


@api.endpoint(
    "GET", ONE, summary="Download a file", tag=TAG, media_type="*/*",
    errors=(404, 416),
)  # fmt: skip
async def download_file(call: Call) -> Response:
    """The file's bytes, as an attachment (inline for raster images), with a sandboxing
    Content-Security-Policy and `nosniff`; one `Range` is honoured. Browsers should open
    files through a signed link instead (`POST …/link`), which needs no header."""
    attachment = await access.for_agent(call.agent.organization_id, call.path["attachment_id"])
    return await download.serve_file(call.request, attachment, storage_of(call.request))


@api.endpoint(
    "GET", ONE + "/thumbnail", summary="A file's thumbnail", tag=TAG, media_type="image/*",
    errors=(404,),
)  # fmt: skip
async def file_thumbnail(call: Call) -> Response:
    """For an image: a thumbnail (at most 320 px a side) made from its pixels, no metadata."""
    attachment = await access.for_agent(call.agent.organization_id, call.path["attachment_id"])
    return await download.serve_thumbnail(attachment, storage_of(call.request))


@api.endpoint(
    "POST", ONE + "/link", summary="A signed link to open a file", tag=TAG,
    response=DownloadLink, errors=(404,),
)  # fmt: skip
async def file_link(call: Call) -> BaseModel:
    """A link that opens the file in a browser for PARLEY_ATTACHMENT_LINK_TTL_SECONDS (at
    most five minutes), on PARLEY_ATTACHMENT_DOWNLOAD_ORIGIN when one is set."""
    attachment = await access.for_agent(call.agent.organization_id, call.path["attachment_id"])
    return download_link(call.request, attachment)


# --- the widget -----------------------------------------------------------------------------


@api.endpoint(
    "GET", "/api/embed/attachments/limits", summary="Upload limits (the visitor)", tag="widget",
    access=Access.VISITOR, response=UploadLimits, errors=(401,),
)  # fmt: skip
async def visitor_upload_limits(call: Call) -> BaseModel:
    """As `GET /api/attachments/limits`, for the widget."""
    return upload_limits(call.request)


async def _visitor_limit(call: Call) -> None:
    # An upload counts as a message against the chat's message rate: an anonymous visitor
    # cannot fill the disk faster than they could fill a chat. (The limiter lives with chat,
    # above this layer; it is reached through the app's state.)
    limiter: Any = call.request.app.state.parley.chat_limiter
    if limiter is not None:
        await limiter.message(
            organization_id=call.contact.organization_id, contact_id=call.contact.id
        )


@api.endpoint(
    "POST", "/api/embed/attachments", summary="Upload files (the visitor)", tag="widget",
    access=Access.VISITOR, response=PublicAttachmentList, status=201,
    errors=(401, 413, 415, 422, 429), raw_body=MULTIPART,
)  # fmt: skip
@documented(UPLOAD_DOC)
async def visitor_upload_files(call: Call) -> BaseModel:
    await _visitor_limit(call)
    contact = call.contact
    uploader = contact_uploader(contact.organization_id, contact.id, contact.name)
    rows = await upload(call.request, uploader)
    return PublicAttachmentList(
        attachments=[public_attachment(service.attachment_out(a)) for a in rows]
    )


@api.endpoint(
    "GET", EMBED_ONE + "/thumbnail", summary="A file's thumbnail (the visitor)", tag="widget",
    access=Access.VISITOR, media_type="image/*", errors=(401, 404),
)  # fmt: skip
async def visitor_file_thumbnail(call: Call) -> Response:
    """The thumbnail of an image in the visitor's own chat or ticket (never an internal note's)."""
    contact = call.contact
    attachment = await access.for_contact(
        contact.organization_id, contact.id, call.path["attachment_id"]
    )
    return await download.serve_thumbnail(attachment, storage_of(call.request))


@api.endpoint(
    "POST", EMBED_ONE + "/link", summary="A signed link to open a file (the visitor)",
    tag="widget", access=Access.VISITOR, response=DownloadLink, errors=(401, 404),
)  # fmt: skip
async def visitor_file_link(call: Call) -> BaseModel:
    """A five-minute link to a file in the visitor's own chat or ticket; 404 for anything
    else, internal notes' files included."""
    contact = call.contact
    attachment = await access.for_contact(
        contact.organization_id, contact.id, call.path["attachment_id"]
    )
    return download_link(call.request, attachment)


# --- signed links ---------------------------------------------------------------------------


@api.endpoint(
    "GET", links.FILES_PATH + "/{attachment_id:id}/{filename}", summary="Open a file by link",
    tag=TAG, access=Access.PUBLIC, media_type="*/*",
    errors=(401, 404, 416),
)  # fmt: skip
async def open_file_link(call: Call) -> Response:
    """The file behind a signed link (`sig`), while it is valid: 401 with `reason` `expired`
    or `invalid` otherwise. With PARLEY_ATTACHMENT_DOWNLOAD_ORIGIN set, files are served on
    that origin only (404 elsewhere), so nothing uploaded ever shares Parley's origin."""
    request = call.request
    settings = settings_of(request)
    origin = settings.attachment_download_origin
    if origin and request.url.netloc.lower() != origin.split("://", 1)[1]:
        raise NotFound("Files are served from the download origin.")
    attachment_id = call.path["attachment_id"]
    claims = links.verify(
        settings.secret_key,
        request.query_params.get("sig", ""),
        attachment_id=attachment_id,
        ttl=timedelta(seconds=settings.attachment_link_ttl_seconds),
    )
    attachment = await access.for_agent(claims.organization_id, attachment_id)
    return await download.serve_file(request, attachment, storage_of(request))
