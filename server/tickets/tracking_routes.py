"""The tracking page's API (`/track`, served by Parley): trade the link's token for a session,
then read and answer that one ticket. Public projections only (`server/tickets/tracking.py`).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated

from pydantic import BaseModel, Field
from starlette.responses import Response

from server.attachments import access, download
from server.attachments import routes as attachment_routes
from server.attachments import service as attachments
from server.attachments.models import Attachment
from server.attachments.schemas import (
    DownloadLink,
    PublicAttachmentList,
    UploadLimits,
    public_attachment,
)
from server.channels import names
from server.settings import Settings
from server.tickets import customer, tracking
from server.tickets.embed_routes import CustomerReplyOut
from server.tickets.presenters import public_response, response_out
from server.tickets.schemas import CustomerReplyCreate
from server.tickets.tracking import PublicTicketEnvelope, PublicTicketView
from server.web.endpoints import Access, Api, Call
from server.web.schema import RequestModel, ResponseModel

api = Api()
TAG = "tracking"


class TrackingSessionCreate(RequestModel):
    link: Annotated[str, Field(min_length=1, max_length=1000)] = Field(
        description="The token from the tracking link's fragment (`prl_tl_…`)."
    )


class TrackingSessionOut(ResponseModel):
    token: str = Field(description="The session token (`prl_ts_…`): Bearer on /api/track/*.")
    expires_at: datetime
    channel: str = Field(
        description="The channel to subscribe to on /ws/widget with the session token."
    )
    organization_name: str
    ticket: PublicTicketView


@api.endpoint(
    "POST", "/api/track/session", summary="Open a tracking page's session from its link",
    tag=TAG, access=Access.PUBLIC, body=TrackingSessionCreate, response=TrackingSessionOut,
    status=201, errors=(401,),
)  # fmt: skip
async def open_tracking_session(call: Call) -> BaseModel:
    """Trades the token of an email's tracking link for a two-hour session on that one
    ticket. 401 with `reason: expired` for a link past its lifetime, `reason: invalid` for a
    forged one or one whose ticket is gone. Not rate limited: the signature, not a count of
    attempts, is what keeps a stranger out."""
    settings: Settings = call.request.app.state.parley.settings
    token, expires_at, tracked = await tracking.open_tracking_session(
        link=call.body.link,
        secret_key=settings.secret_key,
        link_ttl=timedelta(days=settings.tracking_link_ttl_days),
    )
    claims = tracked.claims
    return TrackingSessionOut(
        token=token,
        expires_at=expires_at,
        channel=names.tracking(claims.organization_id, claims.ticket_id).wire,
        organization_name=tracked.organization.name,
        ticket=await tracked.view(),
    )


@api.endpoint(
    "GET", "/api/track/ticket", summary="The tracked ticket", tag=TAG, access=Access.TRACKER,
    response=PublicTicketEnvelope,
)  # fmt: skip
async def get_tracked_ticket(call: Call) -> BaseModel:
    """The public view of the session's ticket: status, timeline and public replies."""
    return PublicTicketEnvelope(ticket=await call.tracked.view())


@api.endpoint(
    "POST", "/api/track/ticket/responses", summary="Reply to the tracked ticket", tag=TAG,
    access=Access.TRACKER, body=CustomerReplyCreate, response=CustomerReplyOut, status=201,
    errors=(404, 409, 429), idempotent=True,
)  # fmt: skip
async def reply_tracked_ticket(call: Call) -> BaseModel:
    """The requester's public reply (author type CUSTOMER), as from the widget: a ticket
    waiting on them or resolved reopens, a closed one answers 409 `ticket_closed`."""
    tracked = call.tracked
    contact = tracked.contact
    await call.request.app.state.parley.chat_limiter.message(
        organization_id=contact.organization_id, contact_id=contact.id
    )
    reply = await customer.add_tracked_reply(
        contact=contact,
        ticket_id=tracked.ticket.id,
        content=call.body.content,
        attachment_ids=call.body.attachment_ids,
    )
    view = await tracking.public_view(reply.loaded.ticket, reply.loaded.prefix)
    return CustomerReplyOut(
        response=public_response(response_out(reply.response, reply.files)), ticket=view
    )


# --- files ----------------------------------------------------------------------------------

TRACKED_FILE = "/api/track/attachments/{attachment_id:id}"


@api.endpoint(
    "GET", "/api/track/attachments/limits", summary="Upload limits (the tracking page)",
    tag=TAG, access=Access.TRACKER, response=UploadLimits,
)  # fmt: skip
async def tracked_upload_limits(call: Call) -> BaseModel:
    """As `GET /api/attachments/limits`, for the tracking page."""
    return attachment_routes.upload_limits(call.request)


@api.endpoint(
    "POST", "/api/track/attachments", summary="Upload files (the tracking page)", tag=TAG,
    access=Access.TRACKER, response=PublicAttachmentList, status=201,
    errors=(413, 415, 422, 429), raw_body=attachment_routes.MULTIPART,
)  # fmt: skip
async def tracked_upload_files(call: Call) -> BaseModel:
    """Files for a reply on the tracked ticket (then `attachmentIds` on the reply)."""
    contact = call.tracked.contact
    await call.request.app.state.parley.chat_limiter.message(
        organization_id=contact.organization_id, contact_id=contact.id
    )
    uploader = attachment_routes.contact_uploader(contact.organization_id, contact.id, contact.name)
    rows = await attachment_routes.upload(call.request, uploader)
    return PublicAttachmentList(
        attachments=[public_attachment(attachments.attachment_out(a)) for a in rows]
    )


async def _tracked_file(call: Call) -> Attachment:
    tracked = call.tracked
    return await access.for_tracked_ticket(
        tracked.ticket.organization_id, tracked.ticket.id, tracked.contact.id,
        call.path["attachment_id"],
    )  # fmt: skip


@api.endpoint(
    "GET", TRACKED_FILE + "/thumbnail", summary="A file's thumbnail (the tracking page)",
    tag=TAG, access=Access.TRACKER, media_type="image/*", errors=(404,),
)  # fmt: skip
async def tracked_file_thumbnail(call: Call) -> Response:
    """The thumbnail of an image on the tracked ticket (never an internal note's)."""
    attachment = await _tracked_file(call)
    return await download.serve_thumbnail(attachment, attachment_routes.storage_of(call.request))


@api.endpoint(
    "POST", TRACKED_FILE + "/link", summary="A signed link to open a file (the tracking page)",
    tag=TAG, access=Access.TRACKER, response=DownloadLink, errors=(404,),
)  # fmt: skip
async def tracked_file_link(call: Call) -> BaseModel:
    """A five-minute link to a public file of the tracked ticket; 404 for anything else."""
    return attachment_routes.download_link(call.request, await _tracked_file(call))
