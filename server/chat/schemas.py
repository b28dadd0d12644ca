"""Request and response shapes of live chat: the agents' API and the widget's."""

from __future__ import annotations

import re
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, StringConstraints, ValidationInfo, field_validator

from server.accounts.schemas import Name, PageNumber
from server.attachments.schemas import AttachmentIds, AttachmentOut, PublicAttachment
from server.chat.models import (
    CLIENT_ID_MAX,
    MAX_BODY_CHARS,
    ConversationChannel,
    ConversationStatus,
)
from server.db import MAX_ID
from server.events.actor import AuthorType
from server.tickets.models import TicketPriority, TicketStatus
from server.tickets.schemas import Category, Tag
from server.web.schema import BLANK_CHARS, Email, RequestModel, ResponseModel


class MessageAuthor(StrEnum):
    """A chat message's author as the chat API (v1) spells it: the customer is CONTACT.

    Stored, a message's author is the one `AuthorType` of tickets and chat alike (CUSTOMER for
    the customer); only this wire spelling differs, kept so v1 clients go on working. A
    customer's message by email shows as CONTACT too."""

    CONTACT = "CONTACT"
    AGENT = "AGENT"
    SYSTEM = "SYSTEM"

    @classmethod
    def of(cls, author: AuthorType) -> MessageAuthor:
        stored = AuthorType(author)
        if stored in (AuthorType.CUSTOMER, AuthorType.EMAIL):
            return cls.CONTACT
        return cls(stored.value)


# Control characters other than tab and line breaks have no place in a chat message.
_CONTROL_CHARS = r"\x00-\x08\x0b\x0c\x0e-\x1f\x7f"
_CONTROL = re.compile(f"[{_CONTROL_CHARS}]")
# The same for the OpenAPI document, which describes the text before it is trimmed: blank
# (some of it control characters) around a core that is not blank and has none.
_EDGE = f"[^{_CONTROL_CHARS}{BLANK_CHARS}]"
_BODY_PATTERN = f"^[{BLANK_CHARS}]*{_EDGE}(?:[^{_CONTROL_CHARS}]*{_EDGE})?[{BLANK_CHARS}]*$"


def _plain_text(value: str) -> str:
    if _CONTROL.search(value):
        raise ValueError("must be plain text: control characters are not allowed")
    return value


Body = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_BODY_CHARS),
    AfterValidator(_plain_text),
    Field(json_schema_extra={"pattern": _BODY_PATTERN}),
]
# A message may be files alone: then its text may be empty (`_body_or_files`).
BodyOrFiles = Annotated[
    str,
    StringConstraints(strip_whitespace=True, max_length=MAX_BODY_CHARS),
    AfterValidator(_plain_text),
]


def _body_or_files(body: str, info: ValidationInfo) -> str:
    """A message needs text, files, or both (`attachment_ids` is declared first to be seen)."""
    if not body and not info.data.get("attachment_ids"):
        raise ValueError("Write a message or attach a file.")
    return body


ClientMessageId = Annotated[
    str,
    StringConstraints(min_length=1, max_length=CLIENT_ID_MAX, pattern=r"^[A-Za-z0-9._:-]+$"),
    Field(
        description="The sender's own id for this message (e.g. a UUID): sending it again "
        "returns the message already stored instead of storing a second one."
    ),
]
Id = Annotated[int, Field(ge=1, le=MAX_ID)]


# --- requests --------------------------------------------------------------------------------


class PreChatAnswers(RequestModel):
    name: Name | None = None
    email: Email | None = None


class ConversationStart(RequestModel):
    body: Body
    client_message_id: ClientMessageId
    pre_chat: PreChatAnswers | None = None


class VisitorMessageCreate(RequestModel):
    attachment_ids: AttachmentIds = Field(default_factory=list)
    body: BodyOrFiles
    client_message_id: ClientMessageId

    _files = field_validator("body")(_body_or_files)


class AgentMessageCreate(RequestModel):
    attachment_ids: AttachmentIds = Field(
        default_factory=list, description="The caller's uploads (internal with a note)."
    )
    body: BodyOrFiles
    client_message_id: ClientMessageId
    is_internal: bool = Field(default=False, description="An internal note: agents only.")

    _files = field_validator("body")(_body_or_files)


class ReadRequest(RequestModel):
    last_read_message_id: Id


class TranscriptRequest(RequestModel):
    email: Email | None = Field(
        default=None,
        description="Only for a visitor who never gave an address: where to send it (then "
        "remembered as theirs). Otherwise leave it out: the transcript goes to the address "
        "Parley has for them.",
    )


class TranscriptOut(ResponseModel):
    email: str = Field(description="Where the transcript is being sent.")
    requested_at: datetime


class TranscriptEnvelope(ResponseModel):
    transcript: TranscriptOut


class TransferRequest(RequestModel):
    agent_id: Id


ConversationView = Literal["waiting", "mine", "active", "ended", "all"]


class ConversationListQuery(RequestModel):
    view: ConversationView = Field(
        default="all",
        description="waiting: the queue, oldest first; mine: my active chats; active: every "
        "active chat; ended; all.",
    )
    assignee_id: Id | None = None
    contact_id: Id | None = None
    page: PageNumber = 1
    page_size: Annotated[int, Field(ge=1, le=200)] = 50


class VisitorConversationQuery(RequestModel):
    page: PageNumber = 1
    page_size: Annotated[int, Field(ge=1, le=100)] = 20


class MessagesQuery(RequestModel):
    before: Id | None = Field(default=None, description="Messages older than this id.")
    after: Id | None = Field(default=None, description="Messages newer than this id.")
    limit: Annotated[int, Field(ge=1, le=200)] = 50


class EscalateRequest(RequestModel):
    subject: Annotated[str, StringConstraints(min_length=1, max_length=300)] | None = Field(
        default=None, description="Default: a summary of the customer's first message."
    )
    priority: TicketPriority | None = None
    category: Category | None = None
    tags: list[Tag] = Field(default_factory=list, max_length=20)
    include_transcript: bool = True
    include_internal_notes: bool = Field(
        default=False, description="Put internal notes in the transcript too."
    )
    include_attachments: bool = Field(
        default=True,
        description="Link the chat's files to the new ticket (internal notes' files only with "
        "`includeInternalNotes`; files already on an earlier ticket of the chat stay there).",
    )
    auto_assign_to_agent: bool = Field(
        default=True,
        description="Assign the ticket to the chat's agent (or to you when nobody has it).",
    )
    end_conversation: bool = False
    allow_multiple: bool = Field(
        default=False, description="Create another ticket even if this chat already has one."
    )


# --- responses -------------------------------------------------------------------------------


class ContactBrief(ResponseModel):
    id: int
    name: str
    email: str | None
    verified: bool


class TicketLink(ResponseModel):
    id: int
    reference: str


class MessageOut(ResponseModel):
    id: int
    conversation_id: int
    author_type: MessageAuthor
    author_id: int | None
    author_name: str
    body: str
    is_internal: bool
    client_message_id: str | None
    created_at: datetime
    attachments: list[AttachmentOut] = Field(default_factory=list)


class ConversationOut(ResponseModel):
    id: int
    status: ConversationStatus
    channel: ConversationChannel
    contact: ContactBrief
    assignee_id: int | None
    assignee_name: str | None
    assigned_at: datetime | None
    pre_chat: dict[str, str]
    waiting_since: datetime | None
    wait_seconds: int | None = Field(description="How long it has been waiting (WAITING only).")
    queue_position: int | None = Field(description="1 = next in line (WAITING only).")
    awaiting_reply_since: datetime | None = Field(
        description="Set while the customer's latest message has no public reply."
    )
    first_response_at: datetime | None
    ended_at: datetime | None
    last_message_at: datetime | None
    unread: int = Field(description="Customer messages the agents have not read.")
    contact_last_read_id: int | None
    agent_last_read_id: int | None
    ticket: TicketLink | None
    created_at: datetime
    updated_at: datetime


class ConversationEnvelope(ResponseModel):
    conversation: ConversationOut


class ConversationDetail(ResponseModel):
    conversation: ConversationOut
    messages: list[MessageOut] = Field(description="The latest messages, oldest first.")
    has_more: bool = Field(description="Older messages exist: page with `before`.")


class MessageEnvelope(ResponseModel):
    message: MessageOut
    conversation: ConversationOut


class MessagePage(ResponseModel):
    items: list[MessageOut]
    has_more: bool


# --- the widget's view -----------------------------------------------------------------------


class PublicAgent(ResponseModel):
    id: int
    name: str


class PublicMessage(ResponseModel):
    """A message as the customer sees it; internal notes never have one."""

    id: int
    conversation_id: int
    author_type: MessageAuthor
    author_name: str
    body: str
    client_message_id: str | None = Field(description="Set on the customer's own messages.")
    created_at: datetime
    attachments: list[PublicAttachment] = Field(default_factory=list)


class PublicTicketLink(ResponseModel):
    reference: str
    subject: str
    status: TicketStatus


class PublicConversation(ResponseModel):
    id: int
    status: ConversationStatus
    agent: PublicAgent | None
    queue_position: int | None
    unread: int = Field(description="Agent and system messages the customer has not read.")
    contact_last_read_id: int | None
    agent_last_read_id: int | None = Field(description="Read receipts: what the agents read.")
    ticket: PublicTicketLink | None
    created_at: datetime
    ended_at: datetime | None


class PublicConversationEnvelope(ResponseModel):
    conversation: PublicConversation
    message: PublicMessage | None = Field(
        default=None, description="The opening message (on start)."
    )


class PublicMessageEnvelope(ResponseModel):
    message: PublicMessage
    conversation: PublicConversation


class PublicMessagePage(ResponseModel):
    items: list[PublicMessage]
    has_more: bool
