"""Live chat tables: conversations between a customer and agents, and their messages."""

from __future__ import annotations

from enum import StrEnum

from tortoise import fields
from tortoise.indexes import Index
from tortoise.models import Model

from server.accounts.models import Agent, Contact, Organization
from server.events.actor import AuthorType
from server.tickets.models import Ticket


class ConversationStatus(StrEnum):
    WAITING = "WAITING"  # in the queue: nobody has it yet
    ACTIVE = "ACTIVE"  # an agent has it
    ENDED = "ENDED"


class ConversationChannel(StrEnum):
    WIDGET = "widget"
    EMAIL = "email"


# A message's body: plain text, at most this many characters (documented in docs/api.md).
MAX_BODY_CHARS = 5000
CLIENT_ID_MAX = 64


class Conversation(Model):
    id = fields.IntField(primary_key=True)
    organization: fields.ForeignKeyRelation[Organization] = fields.ForeignKeyField(
        "models.Organization", related_name="conversations", on_delete=fields.CASCADE
    )
    organization_id: int
    contact: fields.ForeignKeyRelation[Contact] = fields.ForeignKeyField(
        "models.Contact", related_name="conversations", on_delete=fields.CASCADE
    )
    contact_id: int
    status = fields.CharEnumField(
        ConversationStatus, max_length=16, default=ConversationStatus.WAITING
    )
    channel = fields.CharEnumField(
        ConversationChannel, max_length=16, default=ConversationChannel.WIDGET
    )
    assignee: fields.ForeignKeyNullableRelation[Agent] = fields.ForeignKeyField(
        "models.Agent", related_name="conversations", null=True, on_delete=fields.SET_NULL
    )
    assignee_id: int | None
    assigned_at = fields.DatetimeField(null=True)
    # The opening message's client id: makes "start a conversation" idempotent per contact.
    opening_client_id = fields.CharField(max_length=CLIENT_ID_MAX)
    pre_chat: dict = fields.JSONField(default=dict)
    # Queue order: when it (last) started waiting; reset when it returns to the queue.
    waiting_since = fields.DatetimeField(null=True)
    # Set while the customer's latest message has no public agent reply after it.
    awaiting_reply_since = fields.DatetimeField(null=True)
    first_response_at = fields.DatetimeField(null=True)
    ended_at = fields.DatetimeField(null=True)
    last_message_at = fields.DatetimeField(null=True)
    # Each side's last-read message (read receipts), and what it has not read: kept up to date
    # under the conversation's row lock by every message and every read.
    contact_last_read_id = fields.IntField(null=True)
    agent_last_read_id = fields.IntField(null=True)
    contact_unread = fields.IntField(default=0)
    agent_unread = fields.IntField(default=0)
    # The ticket this conversation escalated to last (each such ticket has `origin_chat`).
    ticket: fields.ForeignKeyNullableRelation[Ticket] = fields.ForeignKeyField(
        "models.Ticket", related_name="escalated_from", null=True, on_delete=fields.SET_NULL
    )
    ticket_id: int | None
    # When its transcript was last asked for by email (a customer may ask once per chat).
    transcript_requested_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    messages: fields.ReverseRelation[ChatMessage]

    class Meta:
        table = "conversation"
        unique_together = (("contact", "opening_client_id"),)
        indexes = (
            Index(fields=("organization_id", "status", "waiting_since")),
            Index(fields=("organization_id", "assignee_id", "status")),
            Index(fields=("organization_id", "contact_id", "created_at")),
            Index(fields=("organization_id", "updated_at")),
        )


class ChatMessage(Model):
    id = fields.IntField(primary_key=True)
    conversation: fields.ForeignKeyRelation[Conversation] = fields.ForeignKeyField(
        "models.Conversation", related_name="messages", on_delete=fields.CASCADE
    )
    conversation_id: int
    organization: fields.ForeignKeyRelation[Organization] = fields.ForeignKeyField(
        "models.Organization", related_name="chat_messages", on_delete=fields.CASCADE
    )
    organization_id: int
    author_type = fields.CharEnumField(AuthorType, max_length=16)
    author_agent: fields.ForeignKeyNullableRelation[Agent] = fields.ForeignKeyField(
        "models.Agent", related_name="chat_messages", null=True, on_delete=fields.SET_NULL
    )
    author_agent_id: int | None
    author_contact: fields.ForeignKeyNullableRelation[Contact] = fields.ForeignKeyField(
        "models.Contact", related_name="chat_messages", null=True, on_delete=fields.SET_NULL
    )
    author_contact_id: int | None
    author_name = fields.CharField(max_length=200, default="")
    body = fields.TextField()
    is_internal = fields.BooleanField(default=False)
    # The sender's id for its optimistic copy; a resend with the same id is the same message.
    client_message_id = fields.CharField(max_length=CLIENT_ID_MAX, null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "chat_message"
        unique_together = (("conversation", "client_message_id"),)
        indexes = (Index(fields=("conversation_id", "id")),)
