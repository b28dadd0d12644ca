"""The email that tells an organisation's admins Parley disabled one of their webhooks.

A delayed job (`server/events/delayed.py`): `service._disable` schedules one run per admin in
the transaction that disables the endpoint, so the email is as durable as the change (tried
again with backoff, marked dead with its last error after its last attempt), and a run
that is retried sends under the same Message-ID.
"""

from __future__ import annotations

import html

from server.accounts.models import Agent, Organization
from server.events.delayed import DelayedJob, DueRun
from server.notify.compose import Envelope, compose
from server.notify.mailer import Mailer
from server.webhooks.models import WebhookEndpoint

NOTICE_JOB = "webhook-disabled-email"


def notice_job(mailer: Mailer, *, mail_from: str, public_url: str) -> DelayedJob:
    """The delayed job sending the emails, for the app's scheduler."""

    async def run(due: DueRun) -> None:
        await send_notice(due, mailer=mailer, mail_from=mail_from, public_url=public_url)

    return DelayedJob(NOTICE_JOB, run, max_attempts=10)


async def send_notice(due: DueRun, *, mailer: Mailer, mail_from: str, public_url: str) -> None:
    endpoint_id = int(due.payload["endpointId"])
    agent = await Agent.get_or_none(id=int(due.payload["agentId"]), is_active=True)
    endpoint = await WebhookEndpoint.get_or_none(id=endpoint_id)
    if agent is None or endpoint is None or endpoint.organization_id != agent.organization_id:
        return  # the admin or the endpoint is gone: nobody to tell, nothing to tell about
    org = await Organization.get(id=endpoint.organization_id)
    reason = str(due.payload.get("reason") or endpoint.disabled_reason or "")
    subject = f"Webhook disabled: {endpoint.url}"
    text = (
        f"Hello {agent.name},\n\n"
        f"Parley disabled the webhook {endpoint.url} (id {endpoint.id}) of {org.name} at "
        f"{due.due_at.isoformat()}.\n\nWhy: {reason}\n\n"
        "Messages are no longer sent to it. Once the receiver works again, enable it with "
        f'PATCH {public_url}/api/admin/webhooks/{endpoint.id} {{"isActive": true}}; its '
        "delivery log is at "
        f"{public_url}/api/admin/webhooks/{endpoint.id}/deliveries.\n"
    )
    body_html = "".join(f"<p>{html.escape(part)}</p>" for part in text.split("\n\n"))
    domain = mail_from.rpartition("@")[2] or "parley.invalid"
    # Stable for the run (so a retried run's copy is recognisably the same message).
    key = f"webhook-disabled.{endpoint.id}.{agent.id}.{int(due.due_at.timestamp())}"
    envelope = Envelope(
        sender_name=org.name, sender=mail_from, reply_to=None, to=agent.email,
        to_name=agent.name, subject=subject, message_id=f"<{key}@{domain}>",
    )  # fmt: skip
    await mailer.send(compose(envelope, text, f"<html><body>{body_html}</body></html>"))
