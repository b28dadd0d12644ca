"""Chat transcripts by email, on request (`server/chat/transcripts.py` records the request).

A durable listener: the email is a delivery row written with the request's event, sent with
backoff, dead with its last error after the last attempt. It holds the conversation's messages
up to the one newest when it was asked for (so a retry sends the same text), never an internal
note, with times in UTC (organisations have no time zone yet). It is not part of a ticket's
thread: a reply to it reaches the organisation's mailbox untagged and opens a ticket.
"""

from __future__ import annotations

from datetime import timedelta

from server.accounts.models import Contact, Organization
from server.accounts.org_email import email_settings
from server.chat.events import ConversationTranscriptRequested
from server.chat.models import ChatMessage, Conversation
from server.events.actor import Actor, AuthorType
from server.events.deliveries import exponential_backoff
from server.events.model import Event, Subject
from server.notify.compose import Envelope, compose, render
from server.notify.ids import EmailIds
from server.notify.locales import STRINGS
from server.notify.mailer import Mailer

# Messages in one transcript email: a chat longer than this is cut at its oldest end (the
# email says how many it left out), so one request cannot make a message of many megabytes.
MAX_LINES = 2000


class TranscriptEmails:
    """The durable listener that emails chat transcripts (see the module doc)."""

    name = "email.transcript"
    max_attempts = 16  # as the other emails: about eight hours

    def __init__(self, mailer: Mailer, *, mail_from: str, secret_key: str) -> None:
        self.mailer = mailer
        self.mail_from = mail_from
        self.message_ids = EmailIds(secret_key, mail_from)

    def wants(self, event: Event, subject: Subject) -> bool:
        return isinstance(event, ConversationTranscriptRequested)

    def backoff(self, attempt: int) -> timedelta:
        return exponential_backoff(attempt)

    async def deliver(
        self, delivery_id: int, event: Event, subject: Subject, actor: Actor | None = None
    ) -> None:
        if not isinstance(event, ConversationTranscriptRequested):
            return
        org = await Organization.get_or_none(id=subject.organization_id)
        conversation = await Conversation.get_or_none(
            id=event.conversation_id, organization_id=subject.organization_id
        )
        if org is None or conversation is None:
            return  # deleted since it was asked for: nothing left to send
        contact = await Contact.get_or_none(id=conversation.contact_id)
        settings = email_settings(org)
        locale = settings["locale"]
        shown = ChatMessage.filter(
            conversation_id=conversation.id, is_internal=False, id__lte=event.up_to_message_id
        )
        messages = await shown.order_by("-id").limit(MAX_LINES)
        messages.reverse()
        left_out = await shown.count() - len(messages)
        sender = settings["fromName"] or org.name
        you = STRINGS[locale]["transcript_you"]
        lines = [
            {"time": m.created_at.strftime("%H:%M"), "author": _author(m, you), "body": m.body}
            for m in messages
        ]
        date = conversation.created_at.strftime("%Y-%m-%d")
        subject_line = STRINGS[locale]["transcript_subject"].format(sender=sender, date=date)
        text, html = render(
            "chat_transcript", locale,
            name=contact.name if contact else "", sender=sender,
            signature=settings["signature"], replies_work=False, subject=subject_line,
            tracking_url=None, tracking_days=0,  # about a chat: no ticket to follow
            date=date, lines=lines, left_out=left_out,
        )  # fmt: skip
        envelope = Envelope(
            sender_name=sender,
            sender=self.mail_from,
            reply_to=settings["replyTo"],
            to=event.email,
            to_name=contact.name if contact and contact.name else "",
            subject=subject_line,
            # Ticket 0: a message about no ticket. Stable per delivery, so a retry after a
            # crash is the same message to mail clients.
            message_id=self.message_ids.message_id(org.id, 0, f"n{delivery_id}"),
        )
        await self.mailer.send(compose(envelope, text, html))


def _author(message: ChatMessage, you: str) -> str:
    """Who wrote a line: "You" for the customer, the agent by name, nobody for the system's
    own lines ("Ada joined the chat.")."""
    if message.author_type is AuthorType.CUSTOMER:
        return you
    if message.author_type is AuthorType.SYSTEM:
        return ""
    return message.author_name
