"""Every write to live chat: starting, messages, claim, transfer, end, read receipts.

Each function checks access and input first, then writes in ONE transaction holding the
conversation's row lock, records its events there (`announce.py`, the outbox) and has them
relayed after the commit (`relay.relayed()`). Automatic routing reacts to the committed events
of writes that free or fill an agent's chat slots (`routing.RoutingReactor`): nothing here
calls it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from server.accounts import service as accounts
from server.accounts.models import Agent, Contact, Organization
from server.accounts.principal import Principal
from server.chat import announce, events, lookups
from server.chat.models import ChatMessage, Conversation, ConversationStatus, MessageAuthor
from server.chat.presenters import LoadedConversation, message_out
from server.chat.schemas import AgentMessageCreate, ConversationStart, VisitorMessageCreate
from server.db import MAX_ID
from server.errors import Conflict, ConversationEnded, Forbidden, ValidationFailed
from server.events import relay
from server.web.schema import lower_case

OPEN = (ConversationStatus.WAITING, ConversationStatus.ACTIVE)


def now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Posted:
    """A message as stored (or found again, for a resend) and its conversation after it."""

    message: ChatMessage
    loaded: LoadedConversation


# --- helpers -----------------------------------------------------------------------------------


def _ended(conversation: Conversation) -> ConversationEnded:
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
        author_type=MessageAuthor.SYSTEM,
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


async def _save(conversation: Conversation, conn: BaseDBAsyncClient) -> None:
    await conversation.save(using_db=conn)


async def _same_message(
    conversation: Conversation,
    client_message_id: str,
    conn: BaseDBAsyncClient,
    *,
    author_type: MessageAuthor,
    author_id: int | None,
) -> ChatMessage | None:
    """The message already stored under `client_message_id` by the same author, if any.

    Another author's message under that id is a conflict, never returned: a customer who
    guesses an agent's id must not read their internal note."""
    found = await ChatMessage.get_or_none(
        conversation_id=conversation.id, client_message_id=client_message_id, using_db=conn
    )
    if found is None:
        return None
    author = (
        found.author_agent_id if author_type is MessageAuthor.AGENT else found.author_contact_id
    )
    if found.author_type != author_type or author != author_id:
        raise Conflict(
            "This clientMessageId is already used by another message in this conversation.",
            fields={"clientMessageId": "Use a new id (a UUID) for each message."},
        )
    return found


async def _assign(
    conversation: Conversation,
    agent: Agent,
    conn: BaseDBAsyncClient,
    *,
    system_text: str,
) -> ChatMessage:
    """Give an open conversation to `agent` (the caller holds its lock) with a system line."""
    conversation.status = ConversationStatus.ACTIVE
    conversation.assignee_id = agent.id
    conversation.assigned_at = now()
    return await system_message(conversation, system_text, conn)


# --- the customer ----------------------------------------------------------------------------


def _pre_chat(org: Organization, contact: Contact, data: ConversationStart) -> dict[str, str]:
    """The pre-chat answers the organisation asks for; 422 naming each missing required one."""
    form = accounts.widget_settings(org)["preChat"]
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
            await accounts.remember_visitor_answers(
                contact, name=answers.get("name"), email=answers.get("email"), conn=conn
            )
            moment = now()
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
            )
    except IntegrityError:
        # The same start raced itself (a double submit): the other one opened it.
        again = await _opened_by(contact, data.client_message_id)
        if again is None:
            raise
        return again
    await relay.relayed()
    return Posted(message=message, loaded=loaded)


async def _from_contact(
    conversation: Conversation,
    contact: Contact,
    body: str,
    client_message_id: str,
    conn: BaseDBAsyncClient,
) -> ChatMessage:
    return await ChatMessage.create(
        conversation_id=conversation.id,
        organization_id=conversation.organization_id,
        author_type=MessageAuthor.CONTACT,
        author_contact_id=contact.id,
        author_name=contact.name,
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
        same = await _same_message(
            conversation, data.client_message_id, conn,
            author_type=MessageAuthor.CONTACT, author_id=contact.id,
        )  # fmt: skip
        if same is not None:
            return Posted(message=same, loaded=await lookups.load_conversation(conversation, conn))
        if conversation.status == ConversationStatus.ENDED:
            raise _ended(conversation)
        message = await _from_contact(
            conversation, contact, data.body, data.client_message_id, conn
        )
        conversation.agent_unread += 1
        conversation.last_message_at = message.created_at
        conversation.awaiting_reply_since = conversation.awaiting_reply_since or message.created_at
        # Writing means the customer has seen everything before it.
        conversation.contact_last_read_id = message.id
        conversation.contact_unread = 0
        await _save(conversation, conn)
        loaded = await lookups.load_conversation(conversation, conn)
        await announce.stage(
            loaded,
            [
                events.ConversationMessageCreated(
                    conversation=loaded.out(now()), message=message_out(message)
                )
            ],
            conn,
        )
    await relay.relayed()
    return Posted(message=message, loaded=loaded)


# --- agents ----------------------------------------------------------------------------------


def _agent_of(principal: Principal, action: str) -> Agent:
    if principal.agent is None:
        raise Forbidden(f"Only a signed-in agent can {action} (not an API key).")
    return principal.agent


def _may_act(principal: Principal, conversation: Conversation, action: str) -> None:
    """The assignee or an admin acts on an active chat; anyone of the organisation on a
    waiting one."""
    if (
        conversation.status == ConversationStatus.ACTIVE
        and conversation.assignee_id is not None
        and conversation.assignee_id != principal.agent_id
        and not principal.is_admin
    ):
        raise Forbidden(
            f"Another agent has this conversation; only they or an admin can {action}.",
            details={"assigneeId": conversation.assignee_id},
        )


async def post_agent_message(
    *, principal: Principal, conversation_id: int, data: AgentMessageCreate
) -> Posted:
    """An agent's reply or internal note. A reply to a waiting chat claims it."""
    found: list[events.ChatEvent] = []
    async with in_transaction() as conn:
        conversation = await lookups.lock_conversation(
            conversation_id, conn, organization_id=principal.organization_id
        )
        author_type = MessageAuthor.AGENT
        same = await _same_message(
            conversation, data.client_message_id, conn,
            author_type=author_type, author_id=principal.agent_id,
        )  # fmt: skip
        if same is not None:
            return Posted(message=same, loaded=await lookups.load_conversation(conversation, conn))
        if conversation.status == ConversationStatus.ENDED:
            raise _ended(conversation)
        moment = now()
        system: ChatMessage | None = None
        if not data.is_internal:
            _may_act(principal, conversation, "reply")
            if conversation.status == ConversationStatus.WAITING and principal.agent:
                system = await _assign(
                    conversation, principal.agent, conn,
                    system_text=f"{principal.agent.name} joined the chat.",
                )  # fmt: skip
        message = await ChatMessage.create(
            conversation_id=conversation.id,
            organization_id=conversation.organization_id,
            author_type=author_type,
            author_agent_id=principal.agent_id,
            author_name=principal.name,
            body=data.body,
            is_internal=data.is_internal,
            client_message_id=data.client_message_id,
            using_db=conn,
        )
        if not data.is_internal:
            conversation.contact_unread += 1
            conversation.last_message_at = message.created_at
            conversation.awaiting_reply_since = None
            conversation.first_response_at = conversation.first_response_at or moment
            # Replying means the agents have seen everything before it.
            conversation.agent_last_read_id = message.id
            conversation.agent_unread = 0
        await _save(conversation, conn)
        loaded = await lookups.load_conversation(conversation, conn)
        out = loaded.out(moment)
        if system is not None:
            found += [
                events.ConversationAssigned(
                    conversation=out, previous_assignee_id=None,
                    assignee_id=conversation.assignee_id, reason="reply",
                ),
                events.ConversationMessageCreated(conversation=out, message=message_out(system)),
            ]  # fmt: skip
        found.append(
            events.ConversationMessageCreated(conversation=out, message=message_out(message))
        )
        await announce.stage(loaded, found, conn)
        if system is not None:
            await announce.queue_positions(conversation.organization_id, conn)
    await relay.relayed()
    return Posted(message=message, loaded=loaded)


async def claim(*, principal: Principal, conversation_id: int) -> LoadedConversation:
    """Take a waiting conversation. Of two agents claiming at once exactly one wins; the
    other gets 409 naming who has it."""
    async with in_transaction() as conn:
        conversation = await lookups.lock_conversation(
            conversation_id, conn, organization_id=principal.organization_id
        )
        # After the lookup: another organisation's id is 404 for every caller.
        agent = _agent_of(principal, "claim a conversation")
        if conversation.status == ConversationStatus.ENDED:
            raise _ended(conversation)
        if conversation.status != ConversationStatus.WAITING:
            holder = await Agent.filter(id=conversation.assignee_id).using_db(conn).get_or_none()
            raise Conflict(
                f"{holder.name if holder else 'Another agent'} already has this conversation.",
                details={"assigneeId": conversation.assignee_id},
            )
        loaded = await give(
            conversation, agent, conn, reason="claimed", text=f"{agent.name} joined the chat."
        )
    await relay.relayed()
    return loaded


async def give(
    conversation: Conversation,
    agent: Agent,
    conn: BaseDBAsyncClient,
    *,
    reason: events.AssignReason,
    text: str,
    positions: bool = True,
) -> LoadedConversation:
    """Assign a locked waiting conversation (claim or routing) with its system line and
    events; `positions`: also tell the customers still waiting their new places."""
    # Conditional on still waiting: the row lock already serialises claims; this makes the
    # rule hold on any database.
    taken = (
        await Conversation.filter(id=conversation.id, status=ConversationStatus.WAITING)
        .using_db(conn)
        .update(status=ConversationStatus.ACTIVE, assignee_id=agent.id)
    )
    if not taken:
        raise Conflict("Another agent already has this conversation.")
    system = await _assign(conversation, agent, conn, system_text=text)
    await _save(conversation, conn)
    loaded = await lookups.load_conversation(conversation, conn)
    out = loaded.out(now())
    await announce.stage(
        loaded,
        [
            events.ConversationAssigned(
                conversation=out, previous_assignee_id=None, assignee_id=agent.id, reason=reason
            ),
            events.ConversationMessageCreated(conversation=out, message=message_out(system)),
        ],
        conn,
    )
    if positions:
        await announce.queue_positions(conversation.organization_id, conn)
    return loaded


async def transfer(
    *, principal: Principal, conversation_id: int, agent_id: int
) -> LoadedConversation:
    """Hand an open conversation to another active agent (capacity does not apply: a person
    decided). The assignee, an admin, or anyone for a waiting chat may transfer."""
    async with in_transaction() as conn:
        conversation = await lookups.lock_conversation(
            conversation_id, conn, organization_id=principal.organization_id
        )
        if conversation.status == ConversationStatus.ENDED:
            raise _ended(conversation)
        _may_act(principal, conversation, "transfer it")
        target = (
            await Agent.filter(
                id=agent_id, organization_id=principal.organization_id, is_active=True
            )
            .using_db(conn)
            .get_or_none()
            if 0 < agent_id <= MAX_ID
            else None
        )
        if target is None:
            raise ValidationFailed(
                "Cannot transfer to that agent.",
                fields={"agentId": "No active agent with this id in your organisation."},
            )
        if conversation.assignee_id == target.id:
            raise ValidationFailed(
                "The conversation is already with that agent.",
                fields={"agentId": "Choose another agent."},
            )
        was_waiting = conversation.status == ConversationStatus.WAITING
        previous = conversation.assignee_id
        system = await _assign(
            conversation, target, conn, system_text=f"You are now chatting with {target.name}."
        )
        await _save(conversation, conn)
        loaded = await lookups.load_conversation(conversation, conn)
        out = loaded.out(now())
        await announce.stage(
            loaded,
            [
                events.ConversationTransferred(
                    conversation=out, from_agent_id=previous, to_agent_id=target.id
                ),
                events.ConversationMessageCreated(conversation=out, message=message_out(system)),
            ],
            conn,
        )
        if was_waiting:
            await announce.queue_positions(conversation.organization_id, conn)
    await relay.relayed()
    return loaded


async def end(
    *,
    conversation_id: int,
    principal: Principal | None = None,
    contact: Contact | None = None,
) -> LoadedConversation:
    """End a conversation (an agent of the organisation, or the customer their own). Ending
    one that has ended already changes nothing."""
    if (principal is None) == (contact is None):
        raise ValueError("end() needs exactly one of principal or contact")
    org_id = principal.organization_id if principal else contact.organization_id  # type: ignore[union-attr]
    async with in_transaction() as conn:
        conversation = await lookups.lock_conversation(
            conversation_id, conn, organization_id=org_id,
            contact_id=contact.id if contact else None,
        )  # fmt: skip
        if conversation.status == ConversationStatus.ENDED:
            return await lookups.load_conversation(conversation, conn)
        if principal is not None:
            _may_act(principal, conversation, "end it")
        was_waiting = conversation.status == ConversationStatus.WAITING
        who = principal.name if principal else (contact.name or "The customer")  # type: ignore[union-attr]
        system = await close(conversation, who, conn)
        await _save(conversation, conn)
        loaded = await lookups.load_conversation(conversation, conn)
        out = loaded.out(now())
        await announce.stage(
            loaded,
            [
                events.ConversationEnded(
                    conversation=out, ended_by="agent" if principal else "contact"
                ),
                events.ConversationMessageCreated(conversation=out, message=message_out(system)),
            ],
            conn,
        )
        if was_waiting:
            await announce.queue_positions(org_id, conn)
    await relay.relayed()
    return loaded


async def mark_read(
    *,
    conversation_id: int,
    last_read_message_id: int,
    principal: Principal | None = None,
    contact: Contact | None = None,
) -> LoadedConversation:
    """Record how far one side has read; its unread count is recounted. Reading backwards
    changes nothing (and announces nothing)."""
    if (principal is None) == (contact is None):
        raise ValueError("mark_read() needs exactly one of principal or contact")
    side: Literal["agent", "contact"] = "agent" if principal else "contact"
    org_id = principal.organization_id if principal else contact.organization_id  # type: ignore[union-attr]
    async with in_transaction() as conn:
        conversation = await lookups.lock_conversation(
            conversation_id, conn, organization_id=org_id,
            contact_id=contact.id if contact else None,
        )  # fmt: skip
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
            conversation.agent_unread = await after.filter(
                author_type=MessageAuthor.CONTACT
            ).count()
        else:
            conversation.contact_last_read_id = last_read_message_id
            conversation.contact_unread = (
                await after.filter(is_internal=False)
                .exclude(author_type=MessageAuthor.CONTACT)
                .count()
            )
        await _save(conversation, conn)
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
        )  # fmt: skip
    await relay.relayed()
    return loaded


async def requeue(conversation_id: int, agent_id: int) -> bool:
    """Put an active chat whose agent went offline back in the queue, at the place its
    customer's unanswered message gives it. False when it no longer applies (answered,
    ended, moved on, or already requeued by another process)."""
    async with in_transaction() as conn:
        conversation = (
            await Conversation.filter(id=conversation_id).using_db(conn).select_for_update().first()
        )
        if (
            conversation is None
            or conversation.status != ConversationStatus.ACTIVE
            or conversation.assignee_id != agent_id
            or conversation.awaiting_reply_since is None
        ):
            return False
        agent = await Agent.filter(id=agent_id).using_db(conn).get_or_none()
        conversation.status = ConversationStatus.WAITING
        conversation.assignee_id = None
        conversation.assigned_at = None
        conversation.waiting_since = conversation.awaiting_reply_since
        name = agent.name if agent else "Your agent"
        system = await system_message(
            conversation, f"{name} is not available any more. We are finding you another agent.",
            conn,
        )  # fmt: skip
        await _save(conversation, conn)
        loaded = await lookups.load_conversation(conversation, conn)
        out = loaded.out(now())
        await announce.stage(
            loaded,
            [
                events.ConversationAssigned(
                    conversation=out, previous_assignee_id=agent_id, assignee_id=None,
                    reason="requeued",
                ),
                events.ConversationMessageCreated(conversation=out, message=message_out(system)),
            ],
            conn,
        )  # fmt: skip
        await announce.queue_positions(conversation.organization_id, conn)
    await relay.relayed()
    return True
