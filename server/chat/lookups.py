"""Finding conversations inside the caller's organisation (or the visitor's own), and loading
what their shapes need for a whole page in one query per relation."""

from __future__ import annotations

from typing import Any, TypeVar, cast

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.expressions import Q
from tortoise.models import Model
from tortoise.queryset import QuerySet

from server.accounts.models import Agent, Contact, Organization
from server.chat.models import Conversation, ConversationStatus
from server.chat.presenters import LoadedConversation
from server.db import MAX_ID
from server.errors import NotFound
from server.tickets.models import Ticket

M = TypeVar("M", bound=Model)


def _not_found(conversation_id: int) -> NotFound:
    return NotFound(f"Conversation {conversation_id} not found.")


def _scoped(conversation_id: int, organization_id: int, contact_id: int | None) -> Any:
    """The query for one conversation of the organisation (and of the contact, if given).

    Another organisation's id and another customer's id answer the same 404 as an id that
    does not exist, so ids cannot be probed."""
    if not 0 < conversation_id <= MAX_ID:
        raise _not_found(conversation_id)
    query = Conversation.filter(id=conversation_id, organization_id=organization_id)
    return query.filter(contact_id=contact_id) if contact_id is not None else query


async def lock_conversation(
    conversation_id: int,
    conn: BaseDBAsyncClient,
    *,
    organization_id: int,
    contact_id: int | None = None,
) -> Conversation:
    """The organisation's (or the contact's own) conversation, row-locked."""
    query = _scoped(conversation_id, organization_id, contact_id)
    conversation = await query.using_db(conn).select_for_update().first()
    if conversation is None:
        raise _not_found(conversation_id)
    return conversation


async def get_conversation(
    conversation_id: int, *, organization_id: int, contact_id: int | None = None
) -> Conversation:
    """The organisation's (or the contact's own) conversation, for reading."""
    conversation = await _scoped(conversation_id, organization_id, contact_id).first()
    if conversation is None:
        raise _not_found(conversation_id)
    return conversation


async def queue_order(organization_id: int, conn: BaseDBAsyncClient | None = None) -> list[int]:
    """Ids of the organisation's waiting conversations, next in line first."""
    query = Conversation.filter(
        organization_id=organization_id, status=ConversationStatus.WAITING
    ).order_by("waiting_since", "id")
    ids = await (query.using_db(conn) if conn else query).values_list("id", flat=True)
    return list(cast(list[int], ids))  # flat=True: the ids, not 1-tuples


async def queue_position(
    conversation: Conversation, conn: BaseDBAsyncClient | None = None
) -> int | None:
    """1 for the next in line; None unless the conversation is waiting."""
    if conversation.status != ConversationStatus.WAITING or conversation.waiting_since is None:
        return None
    since = conversation.waiting_since
    query = Conversation.filter(
        Q(waiting_since__lt=since) | Q(waiting_since=since, id__lt=conversation.id),
        organization_id=conversation.organization_id,
        status=ConversationStatus.WAITING,
    )
    return await (query.using_db(conn) if conn else query).count() + 1


async def load_conversations(
    conversations: list[Conversation],
    *,
    conn: BaseDBAsyncClient | None = None,
    positions: dict[int, int] | None = None,
) -> list[LoadedConversation]:
    """Contacts, assignees, tickets and queue places for a page (one query each)."""
    if not conversations:
        return []

    def using(query: QuerySet[M]) -> QuerySet[M]:
        return query.using_db(conn) if conn else query

    org_id = conversations[0].organization_id
    contact_ids = {c.contact_id for c in conversations}
    agent_ids = {c.assignee_id for c in conversations if c.assignee_id}
    ticket_ids = {c.ticket_id for c in conversations if c.ticket_id}
    contacts = {c.id: c for c in await using(Contact.filter(id__in=contact_ids))}
    agents = {a.id: a for a in await using(Agent.filter(id__in=agent_ids))} if agent_ids else {}
    tickets = {t.id: t for t in await using(Ticket.filter(id__in=ticket_ids))} if ticket_ids else {}
    prefix = ""
    if tickets:
        org = await using(Organization.filter(id=org_id)).first()
        prefix = org.ticket_prefix if org else ""
    if positions is None and any(c.status == ConversationStatus.WAITING for c in conversations):
        order = await queue_order(org_id, conn)
        positions = {cid: i + 1 for i, cid in enumerate(order)}
    return [
        LoadedConversation(
            conversation=c,
            contact=contacts[c.contact_id],
            assignee=agents.get(c.assignee_id) if c.assignee_id else None,
            ticket=tickets.get(c.ticket_id) if c.ticket_id else None,
            prefix=prefix,
            queue_position=(positions or {}).get(c.id)
            if c.status == ConversationStatus.WAITING
            else None,
        )
        for c in conversations
    ]


async def load_conversation(
    conversation: Conversation, conn: BaseDBAsyncClient | None = None
) -> LoadedConversation:
    position = await queue_position(conversation, conn)
    positions = {conversation.id: position} if position is not None else {}
    return (await load_conversations([conversation], conn=conn, positions=positions))[0]
