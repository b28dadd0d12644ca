"""The customer's chat writes: starting a conversation (with the pre-chat form), writing in
it, reading it and ending it. Shared steps are in `writes.py`."""

from __future__ import annotations

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from server.accounts import org_settings, visitors
from server.accounts.models import Contact, Organization
from server.attachments import service as attachments
from server.chat import announce, events, lookups, writes
from server.chat.models import ChatMessage, Conversation, ConversationStatus
from server.chat.presenters import LoadedConversation, message_out
from server.chat.schemas import ConversationStart, VisitorMessageCreate
from server.chat.writes import Posted
from server.errors import Conflict, ValidationFailed
from server.events import relay
from server.events.actor import Actor
from server.web.schema import lower_case

OPEN = (ConversationStatus.WAITING, ConversationStatus.ACTIVE)


def _pre_chat(org: Organization, contact: Contact, data: ConversationStart) -> dict[str, str]:
    """The pre-chat answers the organisation asks for; 422 naming each missing required one."""
    form = org_settings.widget_settings(org)["preChat"]
    given = data.pre_chat
    answers: dict[str, str] = {}
    missing: dict[str, str] = {}
    name = (given.name if given else None) or None
    email = str(given.email) if given and given.email else None
    if form["name"] != "hidden":
        if name:
            answers["name"] = name
        elif form["name"] == "required" and not contact.name:
            missing["preChat.name"] = "Your name is required to start a chat."
    if form["email"] != "hidden":
        if email:
            answers["email"] = lower_case(email)
        elif form["email"] == "required" and not (contact.email or contact.claimed_email):
            missing["preChat.email"] = "Your email address is required to start a chat."
    if missing:
        raise ValidationFailed("Please fill in the pre-chat form.", fields=missing)
    return answers


async def start_conversation(*, contact: Contact, data: ConversationStart) -> Posted:
    """Open a conversation with its first message; the same `clientMessageId` again returns
    the conversation it opened. 409 while the customer already has an open one."""
    again = await _opened_by(contact, data.client_message_id)
    if again is not None:
        return again
    org = await Organization.get(id=contact.organization_id)
    answers = _pre_chat(org, contact, data)
    try:
        async with in_transaction() as conn:
            # The contact's row serialises their starts: two tabs cannot open two chats.
            await Contact.filter(id=contact.id).using_db(conn).select_for_update().first()
            open_one = (
                await Conversation.filter(contact_id=contact.id, status__in=OPEN)
                .using_db(conn)
                .first()
            )
            if open_one is not None:
                raise Conflict(
                    "You already have an open conversation.",
                    details={"conversationId": open_one.id},
                )
            await visitors.remember_visitor_answers(
                contact, name=answers.get("name"), email=answers.get("email"), conn=conn
            )
            moment = writes.now()
            conversation = await Conversation.create(
                organization_id=contact.organization_id,
                contact_id=contact.id,
                status=ConversationStatus.WAITING,
                opening_client_id=data.client_message_id,
                pre_chat=answers,
                waiting_since=moment,
                awaiting_reply_since=moment,
                last_message_at=moment,
                agent_unread=1,
                using_db=conn,
            )
            message = await _from_contact(
                conversation, contact, data.body, data.client_message_id, conn
            )
            loaded = await lookups.load_conversation(conversation, conn)
            out = loaded.out(moment)
            await announce.stage(
                loaded,
                [
                    events.ConversationCreated(conversation=out),
                    events.ConversationMessageCreated(
                        conversation=out, message=message_out(message)
                    ),
                ],
                conn,
                _author(contact),
            )
    except IntegrityError:
        # The same start raced itself (a double submit): the other one opened it.
        again = await _opened_by(contact, data.client_message_id)
        if again is None:
            raise
        return again
    await relay.relayed()
    return Posted(message=message, loaded=loaded)


def _author(contact: Contact) -> Actor:
    """The customer as the author of their messages (their name as they gave it, if any)."""
    return Actor.customer(contact.id, contact.name)


async def _from_contact(
    conversation: Conversation,
    contact: Contact,
    body: str,
    client_message_id: str,
    conn: BaseDBAsyncClient,
) -> ChatMessage:
    author = _author(contact)
    return await ChatMessage.create(
        conversation_id=conversation.id,
        organization_id=conversation.organization_id,
        author_type=author.author_type,
        author_contact_id=author.contact_id,
        author_name=author.name,
        body=body,
        client_message_id=client_message_id,
        using_db=conn,
    )


async def _opened_by(contact: Contact, client_message_id: str) -> Posted | None:
    conversation = await Conversation.get_or_none(
        contact_id=contact.id, opening_client_id=client_message_id
    )
    if conversation is None:
        return None
    message = await ChatMessage.filter(conversation_id=conversation.id).order_by("id").first()
    assert message is not None  # created in the same transaction as the conversation
    return Posted(message=message, loaded=await lookups.load_conversation(conversation))


async def post_visitor_message(
    *, contact: Contact, conversation_id: int, data: VisitorMessageCreate
) -> Posted:
    """The customer writes in their own conversation; a resend returns the same message."""
    async with in_transaction() as conn:
        conversation = await lookups.lock_conversation(
            conversation_id, conn, organization_id=contact.organization_id, contact_id=contact.id
        )
        same = await writes.same_message(
            conversation, data.client_message_id, conn,
            author=_author(contact),
        )  # fmt: skip
        if same is not None:
            return await writes.resent(same, conversation, conn)
        if conversation.status == ConversationStatus.ENDED:
            raise writes.ended(conversation)
        message = await _from_contact(
            conversation, contact, data.body, data.client_message_id, conn
        )
        files = await attachments.attach(
            conn, organization_id=conversation.organization_id,
            uploaded_by=f"contact:{contact.id}", ids=data.attachment_ids,
            target=attachments.Target(
                conversation_id=conversation.id, message_id=message.id, contact_id=contact.id
            ),
        )  # fmt: skip
        conversation.agent_unread += 1
        conversation.last_message_at = message.created_at
        conversation.awaiting_reply_since = conversation.awaiting_reply_since or message.created_at
        # Writing means the customer has seen everything before it.
        conversation.contact_last_read_id = message.id
        conversation.contact_unread = 0
        await writes.save(conversation, conn)
        loaded = await lookups.load_conversation(conversation, conn)
        await announce.stage(
            loaded,
            [
                events.ConversationMessageCreated(
                    conversation=loaded.out(writes.now()), message=message_out(message, files)
                )
            ],
            conn,
            _author(contact),
        )
    await relay.relayed()
    return Posted(message=message, loaded=loaded, files=files)


async def mark_read(
    *, contact: Contact, conversation_id: int, last_read_message_id: int
) -> LoadedConversation:
    """The customer has read their conversation up to this message (see `writes.mark_read`)."""
    return await writes.mark_read(
        side="contact", conversation_id=conversation_id,
        last_read_message_id=last_read_message_id,
        organization_id=contact.organization_id, contact_id=contact.id,
        actor=_author(contact),
    )  # fmt: skip


async def end(*, contact: Contact, conversation_id: int) -> LoadedConversation:
    """The customer ends their own conversation. Ending one that has ended already changes
    nothing."""
    async with in_transaction() as conn:
        conversation = await lookups.lock_conversation(
            conversation_id, conn, organization_id=contact.organization_id, contact_id=contact.id
        )
        if conversation.status == ConversationStatus.ENDED:
            return await lookups.load_conversation(conversation, conn)
        loaded = await writes.end_locked(
            conversation, who=contact.name or "The customer", ended_by="contact", conn=conn,
            actor=_author(contact),
        )  # fmt: skip
    await relay.relayed()
    return loaded
