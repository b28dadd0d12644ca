"""The agents' chat writes: replies and internal notes, claiming, routing's assignment,
transfer, ending, read receipts, and returning the chats of agents who went offline to the
queue. Shared steps are in `writes.py`."""

from __future__ import annotations

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from server.accounts.models import Agent
from server.accounts.principal import Principal
from server.attachments import service as attachments
from server.chat import announce, events, lookups, writes
from server.chat.models import ChatMessage, Conversation, ConversationStatus
from server.chat.presenters import LoadedConversation, message_out
from server.chat.schemas import AgentMessageCreate
from server.chat.writes import Posted
from server.db import MAX_ID
from server.errors import Conflict, Forbidden, ValidationFailed
from server.events import relay
from server.events.actor import Actor


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
    conversation.assigned_at = writes.now()
    return await writes.system_message(conversation, system_text, conn)


async def post_agent_message(
    *, principal: Principal, conversation_id: int, data: AgentMessageCreate
) -> Posted:
    """An agent's reply or internal note. A reply to a waiting chat claims it."""
    found: list[events.ChatEvent] = []
    async with in_transaction() as conn:
        conversation = await lookups.lock_conversation(
            conversation_id, conn, organization_id=principal.organization_id
        )
        author = principal.actor
        same = await writes.same_message(conversation, data.client_message_id, conn, author=author)
        if same is not None:
            return await writes.resent(same, conversation, conn)
        if conversation.status == ConversationStatus.ENDED:
            raise writes.ended(conversation)
        moment = writes.now()
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
            author_type=author.author_type,
            author_agent_id=author.agent_id,
            author_name=author.name,
            body=data.body,
            is_internal=data.is_internal,
            client_message_id=data.client_message_id,
            using_db=conn,
        )
        files = await attachments.attach(
            conn, organization_id=conversation.organization_id,
            uploaded_by=attachments.uploader_key(principal), ids=data.attachment_ids,
            target=attachments.Target(
                conversation_id=conversation.id, message_id=message.id,
                contact_id=conversation.contact_id, is_internal=data.is_internal,
            ),
        )  # fmt: skip
        if not data.is_internal:
            conversation.contact_unread += 1
            conversation.last_message_at = message.created_at
            conversation.awaiting_reply_since = None
            conversation.first_response_at = conversation.first_response_at or moment
            # Replying means the agents have seen everything before it.
            conversation.agent_last_read_id = message.id
            conversation.agent_unread = 0
        await writes.save(conversation, conn)
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
            events.ConversationMessageCreated(conversation=out, message=message_out(message, files))
        )
        await announce.stage(loaded, found, conn, author)
        if system is not None:
            await announce.queue_positions(conversation.organization_id, conn)
    await relay.relayed()
    return Posted(message=message, loaded=loaded, files=files)


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
            raise writes.ended(conversation)
        if conversation.status != ConversationStatus.WAITING:
            holder = await Agent.filter(id=conversation.assignee_id).using_db(conn).get_or_none()
            raise Conflict(
                f"{holder.name if holder else 'Another agent'} already has this conversation.",
                details={"assigneeId": conversation.assignee_id},
            )
        loaded = await give(
            conversation, agent, conn, principal.actor,
            reason="claimed", text=f"{agent.name} joined the chat.",
        )  # fmt: skip
    await relay.relayed()
    return loaded


async def give(
    conversation: Conversation,
    agent: Agent,
    conn: BaseDBAsyncClient,
    actor: Actor,
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
    await writes.save(conversation, conn)
    loaded = await lookups.load_conversation(conversation, conn)
    out = loaded.out(writes.now())
    await announce.stage(
        loaded,
        [
            events.ConversationAssigned(
                conversation=out, previous_assignee_id=None, assignee_id=agent.id, reason=reason
            ),
            events.ConversationMessageCreated(conversation=out, message=message_out(system)),
        ],
        conn,
        actor,
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
            raise writes.ended(conversation)
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
        await writes.save(conversation, conn)
        loaded = await lookups.load_conversation(conversation, conn)
        out = loaded.out(writes.now())
        await announce.stage(
            loaded,
            [
                events.ConversationTransferred(
                    conversation=out, from_agent_id=previous, to_agent_id=target.id
                ),
                events.ConversationMessageCreated(conversation=out, message=message_out(system)),
            ],
            conn,
            principal.actor,
        )
        if was_waiting:
            await announce.queue_positions(conversation.organization_id, conn)
    await relay.relayed()
    return loaded


async def end(*, principal: Principal, conversation_id: int) -> LoadedConversation:
    """End a conversation of the organisation (the assignee, an admin, or anyone for a
    waiting one). Ending one that has ended already changes nothing."""
    async with in_transaction() as conn:
        conversation = await lookups.lock_conversation(
            conversation_id, conn, organization_id=principal.organization_id
        )
        if conversation.status == ConversationStatus.ENDED:
            return await lookups.load_conversation(conversation, conn)
        _may_act(principal, conversation, "end it")
        loaded = await writes.end_locked(
            conversation, who=principal.name, ended_by="agent", conn=conn,
            actor=principal.actor,
        )  # fmt: skip
    await relay.relayed()
    return loaded


async def mark_read(
    *, principal: Principal, conversation_id: int, last_read_message_id: int
) -> LoadedConversation:
    """The agents have read the conversation up to this message (see `writes.mark_read`)."""
    return await writes.mark_read(
        side="agent", conversation_id=conversation_id,
        last_read_message_id=last_read_message_id,
        organization_id=principal.organization_id, contact_id=None, actor=principal.actor,
    )  # fmt: skip


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
        system = await writes.system_message(
            conversation, f"{name} is not available any more. We are finding you another agent.",
            conn,
        )  # fmt: skip
        await writes.save(conversation, conn)
        loaded = await lookups.load_conversation(conversation, conn)
        out = loaded.out(writes.now())
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
            Actor.system(),
        )  # fmt: skip
        await announce.queue_positions(conversation.organization_id, conn)
    await relay.relayed()
    return True
