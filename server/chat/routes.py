"""REST routes for agents' live chat, and escalation to a ticket: thin (parse, call one
service function, shape the answer)."""

from __future__ import annotations

from pydantic import BaseModel

from server.chat import agents, escalation, lookups, queries, transcripts, writes
from server.chat.presenters import message_out, messages_out
from server.chat.schemas import (
    AgentMessageCreate,
    ConversationDetail,
    ConversationEnvelope,
    ConversationListQuery,
    ConversationOut,
    EscalateRequest,
    MessageEnvelope,
    MessagePage,
    MessagesQuery,
    ReadRequest,
    TranscriptEnvelope,
    TranscriptOut,
    TransferRequest,
)
from server.tickets.schemas import TicketOut
from server.web.endpoints import Api, Call
from server.web.schema import Page, ResponseModel

api = Api()
TAG = "conversations"
ONE = "/api/conversations/{conversation_id:id}"


class EscalationOut(ResponseModel):
    ticket: TicketOut
    conversation: ConversationOut


@api.endpoint(
    "GET", "/api/conversations", summary="List conversations", tag=TAG,
    query=ConversationListQuery, response=Page[ConversationOut], errors=(422,),
)  # fmt: skip
async def list_conversations(call: Call) -> BaseModel:
    """The queue views: `waiting` (next in line first, with wait time and queue position),
    `mine`, `active`, `ended` and `all`; filter by assignee or contact."""
    items, total = await queries.list_conversations(principal=call.agent, query=call.query)
    moment = writes.now()
    return Page[ConversationOut](
        items=[c.out(moment) for c in items],
        total=total,
        page=call.query.page,
        page_size=call.query.page_size,
    )


@api.endpoint(
    "GET", ONE, summary="A conversation with its latest messages", tag=TAG,
    query=MessagesQuery, response=ConversationDetail, errors=(404,),
)  # fmt: skip
async def get_conversation(call: Call) -> BaseModel:
    """The conversation and its latest messages (internal notes included), oldest first;
    `before` pages back."""
    conversation = await lookups.get_conversation(
        call.path["conversation_id"], organization_id=call.agent.organization_id
    )
    rows, more = await queries.messages(conversation, call.query, public_only=False)
    loaded = await lookups.load_conversation(conversation)
    return ConversationDetail(
        conversation=loaded.out(writes.now()),
        messages=await messages_out(rows),
        has_more=more,
    )


@api.endpoint(
    "GET", ONE + "/messages", summary="A conversation's messages", tag=TAG,
    query=MessagesQuery, response=MessagePage, errors=(404,),
)  # fmt: skip
async def list_conversation_messages(call: Call) -> BaseModel:
    """Messages oldest first: the latest (`before` to page back) or those after `after`."""
    conversation = await lookups.get_conversation(
        call.path["conversation_id"], organization_id=call.agent.organization_id
    )
    rows, more = await queries.messages(conversation, call.query, public_only=False)
    return MessagePage(items=await messages_out(rows), has_more=more)


@api.endpoint(
    "POST", ONE + "/messages", summary="Reply or add an internal note", tag=TAG,
    body=AgentMessageCreate, response=MessageEnvelope, status=201,
    errors=(403, 404, 409, 422),
)  # fmt: skip
async def post_conversation_message(call: Call) -> BaseModel:
    """A reply to the customer (taking the chat if it is waiting), or an internal note that
    only agents see. The same `clientMessageId` again returns the message already stored."""
    posted = await agents.post_agent_message(
        principal=call.agent, conversation_id=call.path["conversation_id"], data=call.body
    )
    return MessageEnvelope(
        message=message_out(posted.message, posted.files),
        conversation=posted.loaded.out(writes.now()),
    )


@api.endpoint(
    "POST", ONE + "/claim", summary="Claim a waiting conversation", tag=TAG,
    response=ConversationEnvelope, errors=(403, 404, 409),
)  # fmt: skip
async def claim_conversation(call: Call) -> BaseModel:
    """Take a chat from the queue. When two agents claim at once, one gets it and the other
    409 `conflict` with `assigneeId`."""
    loaded = await agents.claim(principal=call.agent, conversation_id=call.path["conversation_id"])
    return ConversationEnvelope(conversation=loaded.out(writes.now()))


@api.endpoint(
    "POST", ONE + "/transfer", summary="Transfer a conversation", tag=TAG,
    body=TransferRequest, response=ConversationEnvelope, errors=(403, 404, 409, 422),
)  # fmt: skip
async def transfer_conversation(call: Call) -> BaseModel:
    """Hand an open chat to another active agent (its assignee, an admin, or anyone while it
    waits)."""
    loaded = await agents.transfer(
        principal=call.agent,
        conversation_id=call.path["conversation_id"],
        agent_id=call.body.agent_id,
    )
    return ConversationEnvelope(conversation=loaded.out(writes.now()))


@api.endpoint(
    "POST", ONE + "/end", summary="End a conversation", tag=TAG,
    response=ConversationEnvelope, errors=(403, 404),
)  # fmt: skip
async def end_conversation(call: Call) -> BaseModel:
    """End the chat (the customer sees a system message). Ending it again changes nothing."""
    loaded = await agents.end(principal=call.agent, conversation_id=call.path["conversation_id"])
    return ConversationEnvelope(conversation=loaded.out(writes.now()))


@api.endpoint(
    "POST", ONE + "/read", summary="Mark messages read (agents)", tag=TAG,
    body=ReadRequest, response=ConversationEnvelope, errors=(404, 422),
)  # fmt: skip
async def mark_conversation_read(call: Call) -> BaseModel:
    """The agents have read up to this message: the customer sees the read receipt."""
    loaded = await agents.mark_read(
        principal=call.agent,
        conversation_id=call.path["conversation_id"],
        last_read_message_id=call.body.last_read_message_id,
    )
    return ConversationEnvelope(conversation=loaded.out(writes.now()))


@api.endpoint(
    "POST", "/api/tickets/from-chat/{conversation_id:id}", summary="Create a ticket from a chat",
    tag="tickets", body=EscalateRequest, response=EscalationOut, status=201,
    errors=(404, 409, 422), idempotent=True,
)  # fmt: skip
async def create_ticket_from_chat(call: Call) -> BaseModel:
    """A ticket for the chat's customer with the transcript as its description; the chat
    links to it and the customer sees its reference. A second ticket for the same chat is 409
    (naming the first) unless `allowMultiple`."""
    done = await escalation.escalate(
        principal=call.agent, conversation_id=call.path["conversation_id"], data=call.body
    )
    return EscalationOut(ticket=done.ticket.out(), conversation=done.conversation.out(writes.now()))


@api.endpoint(
    "POST", ONE + "/transcript", summary="Email the transcript to the customer", tag=TAG,
    response=TranscriptEnvelope, status=202, errors=(404, 409),
)  # fmt: skip
async def email_conversation_transcript(call: Call) -> BaseModel:
    """Email the conversation's messages (never internal notes) to its customer's address
    (409 when Parley has none, or the organisation switched transcripts off)."""
    address, asked = await transcripts.request_by_agent(
        principal=call.agent, conversation_id=call.path["conversation_id"]
    )
    return TranscriptEnvelope(transcript=TranscriptOut(email=address, requested_at=asked))
