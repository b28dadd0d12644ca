"""Email in over HTTP: the webhook an inbound email provider posts raw messages to, its
secret, and the messages received (with quarantined ones) for agents to look at."""

from __future__ import annotations

import time
from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field
from starlette.responses import Response

from server.accounts import organizations
from server.accounts.models import Organization
from server.accounts.schemas import PageNumber
from server.errors import NotFound
from server.notify import inbound
from server.notify.inbound import InboundEmail, InboundStatus
from server.notify.inbound_files import file_intake
from server.web.bodies import read_raw_body
from server.web.endpoints import Access, Api, Call
from server.web.ids import Id
from server.web.schema import Page, RequestModel, ResponseModel

api = Api()
TAG = "email"
_SLUG_MAX = 63
# How much of a message `GET /api/inbound-emails/{id}` shows as text.
SOURCE_BYTES = 512 * 1024


class InboundOut(ResponseModel):
    id: int
    status: Literal["received", "accepted", "quarantined"]
    duplicate: bool = Field(description="This message (its Message-ID) had arrived before.")
    reason: str | None = Field(description="Why it was quarantined.")
    ticket_id: int | None
    reference: str | None = Field(description="The ticket it became or was added to.")


class InboundSummary(ResponseModel):
    id: int
    status: Literal["received", "accepted", "quarantined"]
    reason: str | None
    sender: str | None
    subject: str
    message_id: str | None
    automatic: bool = Field(description="Sent by an auto-responder or a list: never answered.")
    ticket_id: int | None
    response_id: int | None
    received_at: datetime


class InboundQuery(RequestModel):
    status: Literal["received", "accepted", "quarantined"] | None = None
    response_id: Id | None = Field(
        default=None, description="Only the email a ticket response (author type EMAIL) came from."
    )
    page: PageNumber = 1
    page_size: Annotated[int, Field(ge=1, le=200)] = 50


class InboundDetail(InboundSummary):
    source: str = Field(
        description="The message as it arrived, as text (bytes that are not UTF-8 shown as "
        "U+FFFD), cut at 512 KiB: for reading. `/raw` has the exact bytes."
    )
    truncated: bool = Field(description="The message is longer than `source` shows.")


class InboundEnvelope(ResponseModel):
    email: InboundDetail


class InboundSecretOut(ResponseModel):
    secret: str = Field(description="Shown once. Sign each delivery with it (docs/email.md).")


def _summary(email: InboundEmail) -> InboundSummary:
    return InboundSummary(
        id=email.id, status=InboundStatus(email.status).value, reason=email.reason,
        sender=email.sender, subject=email.subject, message_id=email.message_id,
        automatic=email.automatic, ticket_id=email.ticket_id, response_id=email.response_id,
        received_at=email.received_at,
    )  # fmt: skip


@api.endpoint(
    "POST", "/api/webhooks/email", summary="Receive an email (inbound provider)", tag=TAG,
    access=Access.PUBLIC, response=InboundOut, status=202, errors=(401, 409, 413, 415),
    raw_body="message/rfc822",
)  # fmt: skip
async def receive_email(call: Call) -> BaseModel:
    """A raw message (`Content-Type: message/rfc822`) for the organisation named by
    `X-Parley-Organization` (its slug), signed: `X-Parley-Timestamp` (Unix seconds, within 5
    minutes) and `X-Parley-Signature: sha256=<hex HMAC-SHA256(secret, "<timestamp>." + body)>`.
    Each signature is accepted once (409 again); the same Message-ID twice makes one reply."""
    request = call.request
    settings = request.app.state.parley.settings
    raw = await read_raw_body(
        request, limit=settings.inbound_email_max_bytes, media_type="message/rfc822"
    )
    slug = request.headers.get("x-parley-organization", "").strip().lower()
    org = await Organization.get_or_none(slug=slug) if 0 < len(slug) <= _SLUG_MAX else None
    signature = inbound.verify_signature(
        org.inbound_email_secret if org is not None else None,
        request.headers.get("x-parley-timestamp", ""),
        raw,
        request.headers.get("x-parley-signature", ""),
        now=time.time(),
    )
    assert org is not None  # verify_signature refuses a missing organisation's request
    outcome = await inbound.receive(
        org, raw, secret_key=settings.secret_key, mail_from=settings.mail_from,
        signature=signature, per_sender_per_hour=settings.inbound_email_per_sender_per_hour,
        intake=file_intake(settings, request.app.state.parley.storage),
    )  # fmt: skip
    email = outcome.email
    return InboundOut(
        id=email.id, status=InboundStatus(email.status).value, duplicate=outcome.duplicate,
        reason=email.reason, ticket_id=email.ticket_id, reference=outcome.reference,
    )  # fmt: skip


@api.endpoint(
    "POST", "/api/org/inbound-email-secret", summary="Make a new inbound email secret",
    tag=TAG, access=Access.ADMIN, response=InboundSecretOut, errors=(403,),
)  # fmt: skip
async def rotate_inbound_secret(call: Call) -> BaseModel:
    """A new secret for `POST /api/webhooks/email`; the old one stops working at once."""
    _, secret = await organizations.rotate_inbound_email_secret(principal=call.agent)
    return InboundSecretOut(secret=secret)


@api.endpoint(
    "GET", "/api/inbound-emails", summary="Emails received", tag=TAG,
    query=InboundQuery, response=Page[InboundSummary], errors=(422,),
)  # fmt: skip
async def list_inbound(call: Call) -> BaseModel:
    """The organisation's received emails, newest first (`status=quarantined`: the ones
    Parley could not use, with the reason)."""
    q = call.query
    query = InboundEmail.filter(organization_id=call.agent.organization_id)
    if q.status is not None:
        query = query.filter(status=q.status)
    if q.response_id is not None:
        query = query.filter(response_id=q.response_id)
    total = await query.count()
    rows = await query.order_by("-id").offset((q.page - 1) * q.page_size).limit(q.page_size)
    return Page[InboundSummary](
        items=[_summary(r) for r in rows], total=total, page=q.page, page_size=q.page_size
    )


async def _inbound(call: Call) -> InboundEmail:
    email = await InboundEmail.get_or_none(
        id=call.path["inbound_id"], organization_id=call.agent.organization_id
    )
    if email is None:
        raise NotFound("No such email.")
    return email


@api.endpoint(
    "GET", "/api/inbound-emails/{inbound_id:id}", summary="An email received, to read",
    tag=TAG, response=InboundEnvelope, errors=(404,),
)  # fmt: skip
async def get_inbound(call: Call) -> BaseModel:
    """What became of the message, and the message itself as text (what the console shows
    under "Original email")."""
    email = await _inbound(call)
    raw = bytes(email.raw_message)
    return InboundEnvelope(
        email=InboundDetail(
            **_summary(email).model_dump(),
            source=raw[:SOURCE_BYTES].decode("utf-8", errors="replace"),
            truncated=len(raw) > SOURCE_BYTES,
        )
    )


@api.endpoint(
    "GET", "/api/inbound-emails/{inbound_id:id}/raw", summary="An email as it arrived",
    tag=TAG, media_type="message/rfc822", errors=(404,),
)  # fmt: skip
async def inbound_raw(call: Call) -> Response:
    """The message byte for byte, as a download (never rendered by the browser)."""
    email = await _inbound(call)
    return Response(
        bytes(email.raw_message),
        media_type="message/rfc822",
        headers={
            "Content-Disposition": f'attachment; filename="email-{email.id}.eml"',
            "X-Content-Type-Options": "nosniff",
        },
    )
