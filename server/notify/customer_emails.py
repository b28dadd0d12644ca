"""Emails to a ticket's requester: the ticket was received, an agent replied publicly, its
status moved, it was resolved. A durable listener (`server/events/deliveries.py`): each email
is a delivery row written in the transaction that relays the change, sent with backoff, and
dead with its last error after the last attempt.

Which changes email the customer (docs/email.md):
- `ticket.created`: always (the organisation's `ticketCreated` switch);
- `ticket.response_added`: a public reply by an agent or an integration, never an internal
  note and never the customer's own reply (`publicReply`);
- `ticket.status_changed` to RESOLVED (`resolved`), or to IN_PROGRESS, WAITING_ON_THIRD_PARTY,
  CLOSED or CANCELLED (`statusChanged`). Moves to NEW, OPEN or WAITING_ON_CUSTOMER send
  nothing: the customer's own reply reopens a ticket, and an agent asking the customer for
  something does so in a reply, which is emailed already.

Every message carries the ticket's tracking link (PARLEY_PUBLIC_URL + `/track#<token>`,
`server/tickets/tracking_links.py`), signed when it is sent, so the newest email always has a
link that works for PARLEY_TRACKING_LINK_TTL_DAYS.

Each message's Message-ID is derived from the ticket and the reply (or the delivery), so an
attempt repeated after a crash sends the same Message-ID, which mail clients show once.
"""

from __future__ import annotations

from datetime import timedelta

from server.accounts.models import Organization
from server.accounts.org_email import email_settings
from server.events.actor import Actor, AuthorType
from server.events.deliveries import exponential_backoff
from server.events.model import Event, Subject
from server.notify.compose import Envelope, compose, render, status_label
from server.notify.ids import EmailIds
from server.notify.mailbox import InboundMailbox
from server.notify.mailer import Mailer
from server.tickets.events import TicketCreated, TicketResponseAdded, TicketStatusChanged
from server.tickets.models import Ticket, TicketResponse, TicketStatus
from server.tickets.schemas import TicketOut
from server.tickets.tracking_links import TrackingClaims, link_url

STATUS_EMAILS = frozenset(
    {
        TicketStatus.IN_PROGRESS,
        TicketStatus.WAITING_ON_THIRD_PARTY,
        TicketStatus.CLOSED,
        TicketStatus.CANCELLED,
    }
)
_REPLY_AUTHORS = (AuthorType.AGENT, AuthorType.SYSTEM)
# How many earlier messages of a thread its References name (the root is always first).
MAX_REFERENCES = 20


def _switch(event: TicketCreated | TicketResponseAdded | TicketStatusChanged) -> str:
    """The organisation's switch for the email `event` sends."""
    if isinstance(event, TicketCreated):
        return "ticketCreated"
    if isinstance(event, TicketResponseAdded):
        return "publicReply"
    return "resolved" if event.new is TicketStatus.RESOLVED else "statusChanged"


class CustomerEmails:
    """The durable listener that emails requesters (see the module doc)."""

    name = "email.customer"
    # 10 s, 20 s, … then hourly: about eight hours before a message is given up as dead.
    max_attempts = 16

    def __init__(
        self,
        mailer: Mailer,
        *,
        mail_from: str,
        secret_key: str,
        public_url: str,
        tracking_link_ttl: timedelta,
    ) -> None:
        self.mailer = mailer
        self.mail_from = mail_from
        self.secret_key = secret_key
        self.public_url = public_url
        self.tracking_link_days = tracking_link_ttl.days
        self.message_ids = EmailIds(secret_key, mail_from)

    def wants(self, event: Event, subject: Subject) -> bool:
        if isinstance(event, TicketCreated):
            return True
        if isinstance(event, TicketResponseAdded):
            response = event.response
            return not response.is_internal and response.author_type in _REPLY_AUTHORS
        if isinstance(event, TicketStatusChanged):
            return event.new is TicketStatus.RESOLVED or event.new in STATUS_EMAILS
        return False

    def backoff(self, attempt: int) -> timedelta:
        return exponential_backoff(attempt)

    async def deliver(
        self, delivery_id: int, event: Event, subject: Subject, actor: Actor | None = None
    ) -> None:
        if not isinstance(event, TicketCreated | TicketResponseAdded | TicketStatusChanged):
            return
        if actor is not None and actor.automatic:
            return  # an auto-responder wrote: answering it could loop
        ticket: TicketOut = event.ticket
        if not ticket.requester_email:
            return
        org = await Organization.get_or_none(id=subject.organization_id)
        if org is None:
            return
        settings = email_settings(org)
        if not settings["notifications"][_switch(event)]:
            return  # switched off: nothing more to read
        if not await Ticket.exists(id=ticket.id, organization_id=org.id):
            return  # deleted since the change: nobody to tell
        locale = settings["locale"]
        root = self.message_ids.message_id(org.id, ticket.id, "created")
        context = {
            "name": ticket.requester_name,
            "sender": settings["fromName"] or org.name,
            "signature": settings["signature"],
            "reference": ticket.reference,
            "ticket_subject": ticket.subject,
            # Only once replies come back in (an inbound provider posts them, or Parley reads
            # the organisation's mailbox) does replying add to the ticket.
            "replies_work": org.inbound_email_secret is not None
            or await InboundMailbox.exists(organization_id=org.id, enabled=True),
            "tracking_url": self._tracking_url(org.id, ticket),
            "tracking_days": self.tracking_link_days,
        }
        subject_line = f"Re: [{ticket.reference}] {ticket.subject}"
        if isinstance(event, TicketCreated):
            kind, message_id, thread = "ticket_created", root, []
            subject_line = f"[{ticket.reference}] {ticket.subject}"
        elif isinstance(event, TicketResponseAdded):
            kind = "public_reply"
            message_id = self.message_ids.message_id(org.id, ticket.id, f"r{event.response.id}")
            thread = await self._earlier_replies(org.id, ticket.id, before=event.response.id)
            context |= {
                "author": event.response.author_name,
                "content": event.response.content,
                # Names only: the bytes stay behind the tracking link (which expires), never
                # in the mail, so a forwarded email does not carry them.
                "files": [f"{a.filename} ({a.size:,} bytes)" for a in event.response.attachments],
            }
        else:
            kind = "resolved" if event.new is TicketStatus.RESOLVED else "status_changed"
            message_id = self.message_ids.message_id(org.id, ticket.id, f"n{delivery_id}")
            thread = await self._earlier_replies(org.id, ticket.id, before=None)
            context |= {"status": status_label(locale, event.new)}
        context["subject"] = subject_line
        text, html = render(kind, locale, **context)
        references = [root, *thread] if message_id != root else []
        replies_to = EmailIds(self.secret_key, settings["replyTo"] or self.mail_from)
        envelope = Envelope(
            sender_name=context["sender"],
            sender=self.mail_from,
            reply_to=replies_to.reply_address(org.id, ticket.id),
            to=ticket.requester_email,
            to_name=ticket.requester_name,
            subject=subject_line,
            message_id=message_id,
            in_reply_to=references[-1] if references else None,
            references=references,
            automatic=kind != "public_reply",
        )
        await self.mailer.send(compose(envelope, text, html))

    def _tracking_url(self, organization_id: int, ticket: TicketOut) -> str | None:
        """The ticket's tracking page for its requester; none for a ticket whose requester
        contact is gone (the page would refuse the link)."""
        if ticket.requester_id is None:
            return None
        claims = TrackingClaims(organization_id, ticket.id, ticket.requester_id)
        return link_url(self.public_url, self.secret_key, claims)

    async def _earlier_replies(
        self, organization_id: int, ticket_id: int, *, before: int | None
    ) -> list[str]:
        """The Message-IDs of the public replies emailed on this ticket before `before`."""
        query = TicketResponse.filter(
            ticket_id=ticket_id, is_internal=False, author_type__in=_REPLY_AUTHORS
        )
        if before is not None:
            query = query.filter(id__lt=before)
        ids = await query.order_by("-id").limit(MAX_REFERENCES - 1).values_list("id", flat=True)
        return [
            self.message_ids.message_id(organization_id, ticket_id, f"r{response_id}")
            for response_id in reversed(ids)
        ]
