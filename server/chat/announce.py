"""Staging live-chat events in the write's own transaction (published after it commits).

Services call these inside their transaction and `outbox.relayed()` once it has committed;
recipients and projections are decided in `server/chat/audiences.py`.
"""

from __future__ import annotations

from tortoise.backends.base.client import BaseDBAsyncClient

from server.channels import outbox
from server.chat import audiences, events, lookups
from server.chat.models import Conversation
from server.chat.presenters import LoadedConversation


def audience(loaded: LoadedConversation) -> audiences.ChatAudience:
    c = loaded.conversation
    return audiences.ChatAudience(
        organization_id=c.organization_id, contact_id=c.contact_id, public=loaded.public()
    )


async def stage(
    loaded: LoadedConversation, found: list[events.AgentChatEvent], conn: BaseDBAsyncClient
) -> None:
    target = audience(loaded)
    await outbox.stage([d for e in found for d in audiences.deliveries(e, target)], conn)


async def queue_positions(organization_id: int, conn: BaseDBAsyncClient) -> None:
    """Tell every waiting customer of the organisation their place in the queue.

    Called by each write that changes the queue (a chat joins, leaves or returns to it); the
    queue is short, so every waiting customer hears their position again."""
    order = await lookups.queue_order(organization_id, conn)
    if not order:
        return
    contacts = dict(
        await Conversation.filter(id__in=order).using_db(conn).values_list("id", "contact_id")
    )
    deliveries = [
        d
        for position, conversation_id in enumerate(order, start=1)
        for d in audiences.queue_position(
            organization_id,
            contacts[conversation_id],
            events.QueuePosition(conversation_id=conversation_id, position=position),
        )
    ]
    await outbox.stage(deliveries, conn)
