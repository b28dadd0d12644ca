"""What the customer's and the agents' chat writes share: the clock, the result of a post,
system lines, ending a locked conversation, resends, and read receipts.

The writes themselves are in `customer.py` and `agents.py`. Each checks access and input
first, then writes in ONE transaction holding the conversation's row lock, records its events
there (`announce.py`, the outbox) and has them relayed after the commit (`relay.relayed()`).
Automatic routing reacts to the committed events of writes that free or fill an agent's chat
slots (`routing.RoutingReactor`): nothing here calls it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Literal

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from server.attachments import queries as attachment_queries
from server.attachments.schemas import AttachmentOut
from server.chat import announce, events, lookups
from server.chat.models import ChatMessage, Conversation, ConversationStatus
from server.chat.presenters import LoadedConversation, message_out
from server.errors import Conflict, ConversationEnded, ValidationFailed
from server.events import relay
from server.events.actor import CUSTOMER_AUTHORS, Actor, AuthorType

Side = Literal["agent", "contact"]


def now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Posted:
    """A message as stored (or found again, for a resend) and its conversation after it."""

    message: ChatMessage
    loaded: LoadedConversation
    files: list[AttachmentOut] = field(default_factory=list)


async def resent(
    message: ChatMessage, conversation: Conversation, conn: BaseDBAsyncClient
) -> Posted:
    """A message sent again (the same client id): as stored, with its files."""
    files = await attachment_queries.for_messages([message.id], conn)
    return Posted(
        message=message,
        loaded=await lookups.load_conversation(conversation, conn),
        files=files.get(message.id, []),
    )


def ended(conversation: Conversation) -> ConversationEnded:
    """The error for a write to a conversation that has ended."""
    return ConversationEnded(
        f"Conversation {conversation.id} has ended; start a new one.",
        details={"conversationId": conversation.id},
    )


async def system_message(
    conversation: Conversation, body: str, conn: BaseDBAsyncClient
) -> ChatMessage:
    """A public message from Parley itself (joined, transferred, ended, ticket created)."""
    message = await ChatMessage.create(
        conversation_id=conversation.id,
        organization_id=conversation.organization_id,
        author_type=AuthorType.SYSTEM,
        author_name="",
        body=body,
        using_db=conn,
    )
    conversation.contact_unread += 1
    conversation.last_message_at = message.created_at
    return message


async def close(conversation: Conversation, who: str, conn: BaseDBAsyncClient) -> ChatMessage:
    """End a locked open conversation (the caller saves it); returns the system line."""
    conversation.status = ConversationStatus.ENDED
    conversation.ended_at = now()
    conversation.awaiting_reply_since = None
    return await system_message(conversation, f"{who} ended the chat.", conn)


async def save(conversation: Conversation, conn: BaseDBAsyncClient) -> None:
    await conversation.save(using_db=conn)


async def same_message(
    conversation: Conversation,
    client_message_id: str,
    conn: BaseDBAsyncClient,
    *,
    author: Actor,
) -> ChatMessage | None:
    """The message already stored under `client_message_id` by `author`, if any.

    Another author's message under that id is a conflict, never returned: a customer who
    guesses an agent's id must not read their internal note."""
    found = await ChatMessage.get_or_none(
        conversation_id=conversation.id, client_message_id=client_message_id, using_db=conn
    )
    if found is None:
        return None
    found_id = found.author_agent_id if author.kind == "agent" else found.author_contact_id
    if found.author_type != author.author_type or found_id != author.id:
        raise Conflict(
            "This clientMessageId is already used by another message in this conversation.",
            fields={"clientMessageId": "Use a new id (a UUID) for each message."},
        )
    return found


async def end_locked(
    conversation: Conversation,
    *,
    who: str,
    ended_by: Side,
    conn: BaseDBAsyncClient,
    actor: Actor,
) -> LoadedConversation:
    """End a locked open conversation: its system line, the events, and the customers still
    waiting told their new places if it was waiting. The caller relays after the commit."""
    was_waiting = conversation.status == ConversationStatus.WAITING
    system = await close(conversation, who, conn)
    await save(conversation, conn)
    loaded = await lookups.load_conversation(conversation, conn)
    out = loaded.out(now())
    await announce.stage(
        loaded,
        [
            events.ConversationEnded(conversation=out, ended_by=ended_by),
            events.ConversationMessageCreated(conversation=out, message=message_out(system)),
        ],
        conn,
        actor,
    )
    if was_waiting:
        await announce.queue_positions(conversation.organization_id, conn)
    return loaded


async def mark_read(
    *,
    side: Side,
    conversation_id: int,
    last_read_message_id: int,
    organization_id: int,
    contact_id: int | None,
    actor: Actor,
) -> LoadedConversation:
    """Record how far one side has read; its unread count is recounted. Reading backwards
    changes nothing (and announces nothing). `contact_id`: the customer's own conversation
    only."""
    async with in_transaction() as conn:
        conversation = await lookups.lock_conversation(
            conversation_id, conn, organization_id=organization_id, contact_id=contact_id
        )
        messages = ChatMessage.filter(conversation_id=conversation.id).using_db(conn)
        target = messages.filter(id=last_read_message_id)
        if side == "contact":
            target = target.filter(is_internal=False)
        if not await target.exists():
            raise ValidationFailed(
                "No such message in this conversation.",
                fields={"lastReadMessageId": "The id of a message of this conversation."},
            )
        current = (
            conversation.agent_last_read_id
            if side == "agent"
            else conversation.contact_last_read_id
        )
        if current is not None and last_read_message_id <= current:
            return await lookups.load_conversation(conversation, conn)
        after = messages.filter(id__gt=last_read_message_id)
        if side == "agent":
            conversation.agent_last_read_id = last_read_message_id
            conversation.agent_unread = await after.filter(author_type__in=CUSTOMER_AUTHORS).count()
        else:
            conversation.contact_last_read_id = last_read_message_id
            conversation.contact_unread = (
                await after.filter(is_internal=False)
                .exclude(author_type__in=CUSTOMER_AUTHORS)
                .count()
            )
        await save(conversation, conn)
        loaded = await lookups.load_conversation(conversation, conn)
        await announce.stage(
            loaded,
            [
                events.ConversationRead(
                    conversation=loaded.out(now()), side=side,
                    last_read_message_id=last_read_message_id,
                )
            ],
            conn,
            actor,
        )  # fmt: skip
    await relay.relayed()
    return loaded
