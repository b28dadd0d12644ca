"""Reading live chat: the agents' queue views, a conversation's messages, a visitor's own."""

from __future__ import annotations

from server.accounts.models import Contact
from server.accounts.principal import Principal
from server.chat import lookups
from server.chat.models import ChatMessage, Conversation, ConversationStatus
from server.chat.presenters import LoadedConversation
from server.chat.schemas import ConversationListQuery, MessagesQuery
from server.errors import ValidationFailed

# Each view's filter and order (the queue: next in line first; the rest: latest activity).
_VIEWS = {
    "waiting": ({"status": ConversationStatus.WAITING}, ("waiting_since", "id")),
    "mine": ({"status": ConversationStatus.ACTIVE}, ("-last_message_at", "-id")),
    "active": ({"status": ConversationStatus.ACTIVE}, ("-last_message_at", "-id")),
    "ended": ({"status": ConversationStatus.ENDED}, ("-ended_at", "-id")),
    "all": ({}, ("-last_message_at", "-id")),
}


async def list_conversations(
    *, principal: Principal, query: ConversationListQuery
) -> tuple[list[LoadedConversation], int]:
    where, order = _VIEWS[query.view]
    qs = Conversation.filter(organization_id=principal.organization_id, **where)
    if query.view == "mine":
        if principal.agent_id is None:
            raise ValidationFailed(
                "An API key has no chats of its own.", fields={"view": "Use active or all."}
            )
        qs = qs.filter(assignee_id=principal.agent_id)
    if query.assignee_id is not None:
        qs = qs.filter(assignee_id=query.assignee_id)
    if query.contact_id is not None:
        qs = qs.filter(contact_id=query.contact_id)
    total = await qs.count()
    rows = (
        await qs.order_by(*order).offset((query.page - 1) * query.page_size).limit(query.page_size)
    )
    return await lookups.load_conversations(list(rows)), total


async def messages(
    conversation: Conversation, query: MessagesQuery, *, public_only: bool
) -> tuple[list[ChatMessage], bool]:
    """A page of messages, oldest first, and whether there are more beyond it.

    Without `after`: the latest `limit` (before `before`, if given); with `after`: the next
    `limit` after it (catching up)."""
    qs = ChatMessage.filter(conversation_id=conversation.id)
    if public_only:
        qs = qs.filter(is_internal=False)
    if query.before is not None:
        qs = qs.filter(id__lt=query.before)
    if query.after is not None:
        rows = list(await qs.filter(id__gt=query.after).order_by("id").limit(query.limit + 1))
        return rows[: query.limit], len(rows) > query.limit
    rows = list(await qs.order_by("-id").limit(query.limit + 1))
    more = len(rows) > query.limit
    return list(reversed(rows[: query.limit])), more


async def visitor_conversations(
    *, contact: Contact, page: int, page_size: int
) -> tuple[list[LoadedConversation], int]:
    qs = Conversation.filter(organization_id=contact.organization_id, contact_id=contact.id)
    total = await qs.count()
    rows = await qs.order_by("-created_at", "-id").offset((page - 1) * page_size).limit(page_size)
    return await lookups.load_conversations(list(rows)), total
