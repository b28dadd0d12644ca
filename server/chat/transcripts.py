"""Asking for a chat's transcript by email: the customer from the widget, or an agent for them.

The transcript always goes to the customer's own address (the one Parley has for the contact,
or, for an anonymous visitor who never gave one, the one they type now), never to one an agent
or a visitor makes up: the feature cannot be used to mail a chat to a stranger. A customer may
ask once per conversation (a second ask is 409, so a script cannot turn a chat into a mail
cannon); agents may send it again. The email itself is a durable delivery
(`server/notify/transcript_emails.py`) of the event recorded here, in the same transaction.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from server.accounts import visitors
from server.accounts.models import Contact, Organization
from server.accounts.org_email import email_settings
from server.accounts.principal import Principal
from server.chat import events, lookups, writes
from server.chat.announce import conversation_subject
from server.chat.models import ChatMessage, Conversation
from server.errors import Conflict, ValidationFailed
from server.events import relay
from server.events.actor import Actor
from server.events.outbox import record
from server.web.schema import lower_case


async def request_by_customer(
    *, contact: Contact, conversation_id: int, email: str | None
) -> tuple[str, datetime]:
    """Email the customer their own conversation, once; returns (address, when asked)."""
    await _check_switched_on(contact.organization_id)
    async with in_transaction() as conn:
        conversation = await lookups.lock_conversation(
            conversation_id, conn, organization_id=contact.organization_id,
            contact_id=contact.id,
        )  # fmt: skip
        if conversation.transcript_requested_at is not None:
            raise Conflict("A transcript of this conversation has been sent already.")
        fresh = await Contact.filter(id=contact.id).using_db(conn).get()
        known = fresh.email or fresh.claimed_email
        if known and email and lower_case(email) != known.lower():
            raise ValidationFailed(
                "The transcript goes to the address we have for you.",
                fields={"email": "Leave it out: we send it to the address you gave before."},
            )
        address = known or (lower_case(email) if email else None)
        if address is None:
            raise ValidationFailed(
                "Where should we send it?", fields={"email": "Your email address is required."}
            )
        if not known:
            await visitors.remember_visitor_answers(fresh, name=None, email=address, conn=conn)
        asked = await _record(
            conversation, address, "contact", Actor.customer(fresh.id, fresh.name), conn
        )
    await relay.relayed()
    return address, asked


async def request_by_agent(*, principal: Principal, conversation_id: int) -> tuple[str, datetime]:
    """Email the conversation to its customer's address; returns (address, when asked)."""
    await _check_switched_on(principal.organization_id)
    async with in_transaction() as conn:
        conversation = await lookups.lock_conversation(
            conversation_id, conn, organization_id=principal.organization_id
        )
        contact = await Contact.filter(id=conversation.contact_id).using_db(conn).get()
        address = contact.email or contact.claimed_email
        if address is None:
            raise Conflict("We have no email address for this customer: ask them for one.")
        asked = await _record(conversation, address, "agent", principal.actor, conn)
    await relay.relayed()
    return address, asked


async def _check_switched_on(organization_id: int) -> None:
    org = await Organization.get(id=organization_id)
    if not email_settings(org)["notifications"]["chatTranscript"]:
        raise Conflict("This organisation does not email chat transcripts.")


async def _record(
    conversation: Conversation,
    address: str,
    requested_by: Literal["agent", "contact"],
    actor: Actor,
    conn: BaseDBAsyncClient,
) -> datetime:
    """Note the request on the conversation and record its event (the email's durable
    delivery follows from it), naming the last message so every attempt sends the same."""
    newest = (
        await ChatMessage.filter(conversation_id=conversation.id)
        .using_db(conn)
        .order_by("-id")
        .first()
    )
    moment = writes.now()
    conversation.transcript_requested_at = moment
    await conversation.save(using_db=conn, update_fields=["transcript_requested_at", "updated_at"])
    event = events.ConversationTranscriptRequested(
        conversation_id=conversation.id,
        email=address,
        requested_by=requested_by,
        up_to_message_id=newest.id if newest else 0,
    )
    subject = conversation_subject(
        organization_id=conversation.organization_id,
        conversation_id=conversation.id,
        contact_id=conversation.contact_id,
    )
    await record(conn, event, subject=subject, actor=actor)
    return moment
