"""`/api/org/inbound-mailbox`: the IMAP mailbox an organisation's email comes in through
(admins), how its polling goes, and a connection test."""

from __future__ import annotations

from pydantic import BaseModel

from server.notify import imap, mailbox
from server.notify.mailbox import MailboxCheckOut, MailboxIn, MailboxOut
from server.web.endpoints import Access, Api, Call

api = Api()
TAG = "email"
PATH = "/api/org/inbound-mailbox"


@api.endpoint(
    "GET", PATH, summary="The inbound IMAP mailbox", tag=TAG, access=Access.ADMIN,
    response=MailboxOut, errors=(403, 404),
)  # fmt: skip
async def get_mailbox(call: Call) -> BaseModel:
    """Its settings (never the password or token) and `status`: the last poll, the last
    success, the last error and when the next poll is."""
    return mailbox.mailbox_out(await mailbox.get_mailbox(call.agent.organization_id))


@api.endpoint(
    "PUT", PATH, summary="Set the inbound IMAP mailbox", tag=TAG, access=Access.ADMIN,
    body=MailboxIn, response=MailboxOut, errors=(403, 422),
)  # fmt: skip
async def put_mailbox(call: Call) -> BaseModel:
    """Create or replace the mailbox Parley reads the organisation's email from (polled at
    once, then every PARLEY_IMAP_POLL_SECONDS). Another host, user or folder is read from its
    first message; mail already received is known by its Message-ID."""
    settings = call.request.app.state.parley.settings
    saved = await mailbox.save_mailbox(
        organization_id=call.agent.organization_id, given=call.body,
        secret_key=settings.secret_key,
    )  # fmt: skip
    return mailbox.mailbox_out(saved)


@api.endpoint(
    "DELETE", PATH, summary="Stop reading the inbound IMAP mailbox", tag=TAG,
    access=Access.ADMIN, status=204, errors=(403, 404),
)  # fmt: skip
async def delete_mailbox(call: Call) -> None:
    """Forget the mailbox and its password or token; mail already received stays."""
    await mailbox.delete_mailbox(call.agent.organization_id)


@api.endpoint(
    "POST", PATH + "/check", summary="Test the inbound IMAP mailbox", tag=TAG,
    access=Access.ADMIN, response=MailboxCheckOut, errors=(403, 404),
)  # fmt: skip
async def check_mailbox(call: Call) -> BaseModel:
    """Connect, sign in and open the folder now, changing nothing: `ok`, or the error."""
    settings = call.request.app.state.parley.settings
    box = await mailbox.get_mailbox(call.agent.organization_id)
    opened, error = await imap.check(box, settings)
    return MailboxCheckOut(
        ok=opened is not None, error=error,
        messages=opened.messages if opened else None,
        uid_validity=opened.uid_validity if opened else None,
    )  # fmt: skip
