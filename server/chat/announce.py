"""Recording live-chat domain events in the write's own transaction (relayed after it commits).

Services call these inside their transaction and `relay.relayed()` once it has committed; who
receives what is decided in `server/push/`.
"""

from __future__ import annotations

from collections.abc import Sequence

from tortoise.backends.base.client import BaseDBAsyncClient

from server.chat import events, lookups
from server.chat.models import Conversation
from server.chat.presenters import LoadedConversation
from server.events.actor import Actor
from server.events.model import Subject
from server.events.outbox import record, record_each


def subject(loaded: LoadedConversation, found: Sequence[events.ChatEvent] = ()) -> Subject:
    """The conversation, its contact, and the agents an assignment or transfer in `found`
    moves between."""
    c = loaded.conversation
    return conversation_subject(
        organization_id=c.organization_id, conversation_id=c.id, contact_id=c.contact_id,
        found=found,
    )  # fmt: skip


def conversation_subject(
    *, organization_id: int, conversation_id: int, contact_id: int,
    found: Sequence[events.ChatEvent] = (),
) -> Subject:  # fmt: skip
    moved: list[int | None] = []
    for event in found:
        if isinstance(event, events.ConversationAssigned):
            moved += [event.assignee_id, event.previous_assignee_id]
        elif isinstance(event, events.ConversationTransferred):
            moved += [event.to_agent_id, event.from_agent_id]
    return Subject(
        organization_id=organization_id, kind="conversation", id=conversation_id,
        contact_id=contact_id,
        agent_ids=tuple(dict.fromkeys(a for a in moved if a is not None)),
    )  # fmt: skip


async def stage(
    loaded: LoadedConversation,
    found: list[events.ChatEvent],
    conn: BaseDBAsyncClient,
    actor: Actor,
) -> None:
    """Record `found`, made by `actor`, each with the customer's view of the conversation
    after the write."""
    public = loaded.public()
    await record(
        conn,
        *(event.model_copy(update={"customer_view": public}) for event in found),
        subject=subject(loaded, found),
        actor=actor,
    )


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
    await record_each(
        conn,
        [
            (
                events.QueuePosition(conversation_id=conversation_id, position=position),
                Subject(
                    organization_id=organization_id,
                    kind="conversation",
                    id=conversation_id,
                    contact_id=contacts[conversation_id],
                ),
            )
            for position, conversation_id in enumerate(order, start=1)
        ],
    )
