"""The widget's live chat: `/api/embed/conversations*`, authenticated by the visitor token.

A visitor only ever reaches their own conversations: every lookup is by the token's
organisation AND contact, and another customer's conversation answers the same 404 as one
that does not exist. Internal notes are never read here (`public_only`)."""

from __future__ import annotations

from pydantic import BaseModel

from server.chat import customer, lookups, queries, transcripts
from server.chat.limits import ChatLimiter
from server.chat.presenters import message_out, messages_out, public_message
from server.chat.schemas import (
    ConversationStart,
    MessagesQuery,
    PublicConversation,
    PublicConversationEnvelope,
    PublicMessageEnvelope,
    PublicMessagePage,
    ReadRequest,
    TranscriptEnvelope,
    TranscriptOut,
    TranscriptRequest,
    VisitorConversationQuery,
    VisitorMessageCreate,
)
from server.web.endpoints import Access, Api, Call
from server.web.schema import Page

api = Api()
TAG = "embed"
ONE = "/api/embed/conversations/{conversation_id:id}"


def _limiter(call: Call) -> ChatLimiter:
    return call.request.app.state.parley.chat_limiter


def _ip(call: Call) -> str:
    return call.request.client.host if call.request.client else "unknown"


@api.endpoint(
    "POST", "/api/embed/conversations", summary="Start a chat", tag=TAG,
    access=Access.VISITOR, body=ConversationStart, response=PublicConversationEnvelope,
    status=201, errors=(401, 409, 422, 429),
)  # fmt: skip
async def visitor_start_chat(call: Call) -> BaseModel:
    """Open a conversation with its first message and the pre-chat answers. Sending the same
    `clientMessageId` again returns the conversation it opened; while one is open, 409 with
    its `conversationId`."""
    contact = call.contact
    await _limiter(call).start(
        organization_id=contact.organization_id, contact_id=contact.id, ip=_ip(call)
    )
    posted = await customer.start_conversation(contact=contact, data=call.body)
    return PublicConversationEnvelope(
        conversation=posted.loaded.public(), message=public_message(message_out(posted.message))
    )


@api.endpoint(
    "GET", "/api/embed/conversations", summary="The visitor's conversations", tag=TAG,
    access=Access.VISITOR, query=VisitorConversationQuery, response=Page[PublicConversation],
    errors=(401, 422),
)  # fmt: skip
async def visitor_list_chats(call: Call) -> BaseModel:
    """The visitor's own conversations, newest first."""
    q = call.query
    items, total = await queries.visitor_conversations(
        contact=call.contact, page=q.page, page_size=q.page_size
    )
    return Page[PublicConversation](
        items=[c.public() for c in items], total=total, page=q.page, page_size=q.page_size
    )


@api.endpoint(
    "GET", ONE, summary="One of the visitor's conversations", tag=TAG,
    access=Access.VISITOR, response=PublicConversationEnvelope, errors=(401, 404),
)  # fmt: skip
async def visitor_get_chat(call: Call) -> BaseModel:
    """The conversation: status, agent, queue position, unread count, read receipts, ticket."""
    conversation = await lookups.get_conversation(
        call.path["conversation_id"],
        organization_id=call.contact.organization_id,
        contact_id=call.contact.id,
    )
    loaded = await lookups.load_conversation(conversation)
    return PublicConversationEnvelope(conversation=loaded.public())


@api.endpoint(
    "GET", ONE + "/messages", summary="Messages of the visitor's conversation", tag=TAG,
    access=Access.VISITOR, query=MessagesQuery, response=PublicMessagePage, errors=(401, 404),
)  # fmt: skip
async def visitor_list_messages(call: Call) -> BaseModel:
    """Messages oldest first, without internal notes: the latest (`before` pages back) or
    those after `after` (catching up after a reconnect)."""
    conversation = await lookups.get_conversation(
        call.path["conversation_id"],
        organization_id=call.contact.organization_id,
        contact_id=call.contact.id,
    )
    rows, more = await queries.messages(conversation, call.query, public_only=True)
    items = [public_message(m) for m in await messages_out(rows)]
    return PublicMessagePage(items=items, has_more=more)


@api.endpoint(
    "POST", ONE + "/messages", summary="Send a message", tag=TAG,
    access=Access.VISITOR, body=VisitorMessageCreate, response=PublicMessageEnvelope,
    status=201, errors=(401, 404, 409, 422, 429),
)  # fmt: skip
async def visitor_send_message(call: Call) -> BaseModel:
    """Send a message; the same `clientMessageId` again (a retry after a drop) returns the
    message already stored. 409 `conversation_ended` once the chat has ended."""
    contact = call.contact
    await _limiter(call).message(organization_id=contact.organization_id, contact_id=contact.id)
    posted = await customer.post_visitor_message(
        contact=contact, conversation_id=call.path["conversation_id"], data=call.body
    )
    return PublicMessageEnvelope(
        message=public_message(message_out(posted.message, posted.files)),
        conversation=posted.loaded.public(),
    )


@api.endpoint(
    "POST", ONE + "/read", summary="Mark messages read (the visitor)", tag=TAG,
    access=Access.VISITOR, body=ReadRequest, response=PublicConversationEnvelope,
    errors=(401, 404, 422),
)  # fmt: skip
async def visitor_mark_read(call: Call) -> BaseModel:
    """The visitor has read up to this message: the agents see the read receipt."""
    loaded = await customer.mark_read(
        contact=call.contact,
        conversation_id=call.path["conversation_id"],
        last_read_message_id=call.body.last_read_message_id,
    )
    return PublicConversationEnvelope(conversation=loaded.public())


@api.endpoint(
    "POST", ONE + "/end", summary="End the chat (the visitor)", tag=TAG,
    access=Access.VISITOR, response=PublicConversationEnvelope, errors=(401, 404),
)  # fmt: skip
async def visitor_end_chat(call: Call) -> BaseModel:
    """The customer ends their chat. Ending it again changes nothing."""
    loaded = await customer.end(contact=call.contact, conversation_id=call.path["conversation_id"])
    return PublicConversationEnvelope(conversation=loaded.public())


@api.endpoint(
    "POST", ONE + "/transcript", summary="Email me this chat (the visitor)", tag=TAG,
    access=Access.VISITOR, body=TranscriptRequest, response=TranscriptEnvelope, status=202,
    errors=(401, 404, 409, 422),
)  # fmt: skip
async def visitor_email_transcript(call: Call) -> BaseModel:
    """Email the conversation's messages (never internal notes) to the visitor's own address;
    `email` only when they never gave one. Once per conversation: again is 409, as when the
    organisation switched transcripts off."""
    email = str(call.body.email) if call.body.email else None
    address, asked = await transcripts.request_by_customer(
        contact=call.contact, conversation_id=call.path["conversation_id"], email=email
    )
    return TranscriptEnvelope(transcript=TranscriptOut(email=address, requested_at=asked))
