"""Ticket tables: tickets, their tags, responses and the activity (audit) trail."""

from __future__ import annotations

from enum import StrEnum

from tortoise import fields
from tortoise.indexes import Index
from tortoise.models import Model

from server.accounts.models import Agent, Contact, Organization
from server.events.actor import AuthorType
from server.tickets.indexes import UpperTrigramIndex


class TicketStatus(StrEnum):
    NEW = "NEW"
    OPEN = "OPEN"
    IN_PROGRESS = "IN_PROGRESS"
    WAITING_ON_CUSTOMER = "WAITING_ON_CUSTOMER"
    WAITING_ON_THIRD_PARTY = "WAITING_ON_THIRD_PARTY"
    RESOLVED = "RESOLVED"
    CLOSED = "CLOSED"
    CANCELLED = "CANCELLED"


class TicketPriority(StrEnum):
    LOW = "LOW"
    MEDIUM = "MEDIUM"
    HIGH = "HIGH"
    URGENT = "URGENT"
    CRITICAL = "CRITICAL"


class ActivityType(StrEnum):
    CREATED = "CREATED"
    STATUS_CHANGED = "STATUS_CHANGED"
    PRIORITY_CHANGED = "PRIORITY_CHANGED"
    ASSIGNED = "ASSIGNED"
    UNASSIGNED = "UNASSIGNED"
    RESPONDED = "RESPONDED"
    INTERNAL_NOTE_ADDED = "INTERNAL_NOTE_ADDED"
    TAG_ADDED = "TAG_ADDED"
    TAG_REMOVED = "TAG_REMOVED"
    REOPENED = "REOPENED"
    RESOLVED = "RESOLVED"
    CLOSED = "CLOSED"
    UPDATED = "UPDATED"


class Ticket(Model):
    id = fields.IntField(primary_key=True)
    organization: fields.ForeignKeyRelation[Organization] = fields.ForeignKeyField(
        "models.Organization", related_name="tickets", on_delete=fields.CASCADE
    )
    organization_id: int
    number = fields.IntField()
    subject = fields.CharField(max_length=300)
    description = fields.TextField(default="")
    status = fields.CharEnumField(TicketStatus, max_length=32, default=TicketStatus.NEW)
    priority = fields.CharEnumField(TicketPriority, max_length=16, default=TicketPriority.MEDIUM)
    category = fields.CharField(max_length=100, null=True)
    custom_fields: dict = fields.JSONField(default=dict)
    metadata: dict = fields.JSONField(default=dict)
    requester: fields.ForeignKeyNullableRelation[Contact] = fields.ForeignKeyField(
        "models.Contact", related_name="tickets", null=True, on_delete=fields.SET_NULL
    )
    requester_id: int | None
    # Kept on the ticket so the record stays readable if the contact changes or goes.
    requester_name = fields.CharField(max_length=200, default="")
    requester_email = fields.CharField(max_length=254, null=True)
    assignee: fields.ForeignKeyNullableRelation[Agent] = fields.ForeignKeyField(
        "models.Agent", related_name="assigned_tickets", null=True, on_delete=fields.SET_NULL
    )
    assignee_id: int | None
    assigned_at = fields.DatetimeField(null=True)
    # The live chat this ticket was escalated from (server/chat/escalation.py). A plain id,
    # not a foreign key: the conversation already references its ticket, and a cycle of
    # foreign keys cannot be created by the schema generator. Conversations are only ever
    # deleted with their contact or organisation.
    origin_chat_id = fields.IntField(null=True)
    first_response_due_at = fields.DatetimeField(null=True)
    resolution_due_at = fields.DatetimeField(null=True)
    first_response_at = fields.DatetimeField(null=True)
    resolved_at = fields.DatetimeField(null=True)
    closed_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    tags: fields.ReverseRelation[TicketTag]
    responses: fields.ReverseRelation[TicketResponse]
    activities: fields.ReverseRelation[TicketActivity]

    class Meta:
        table = "ticket"
        unique_together = (("organization", "number"),)
        indexes = (
            Index(fields=("organization_id", "status", "created_at")),
            Index(fields=("organization_id", "assignee_id", "status")),
            Index(fields=("organization_id", "priority", "status")),
            Index(fields=("organization_id", "created_at")),
            Index(fields=("organization_id", "updated_at")),
            Index(fields=("organization_id", "category")),
            Index(fields=("organization_id", "origin_chat_id")),
            Index(fields=("organization_id", "requester_email")),
            # Lets the tag filter's semi-join run on two index-only scans.
            Index(fields=("organization_id", "id")),
            UpperTrigramIndex(field="subject", name="idx_ticket_subject_trgm"),
            UpperTrigramIndex(field="description", name="idx_ticket_description_trgm"),
        )


class TicketTag(Model):
    """One tag on one ticket: a row per tag so the tag filter uses an index on every database."""

    id = fields.IntField(primary_key=True)
    ticket: fields.ForeignKeyRelation[Ticket] = fields.ForeignKeyField(
        "models.Ticket", related_name="tags", on_delete=fields.CASCADE
    )
    ticket_id: int
    organization: fields.ForeignKeyRelation[Organization] = fields.ForeignKeyField(
        "models.Organization", related_name="ticket_tags", on_delete=fields.CASCADE
    )
    organization_id: int
    name = fields.CharField(max_length=64)

    class Meta:
        table = "ticket_tag"
        unique_together = (("ticket", "name"),)
        # ticket_id last: the tag filter reads ticket ids from the index alone.
        indexes = (Index(fields=("organization_id", "name", "ticket_id")),)


class TicketResponse(Model):
    id = fields.IntField(primary_key=True)
    ticket: fields.ForeignKeyRelation[Ticket] = fields.ForeignKeyField(
        "models.Ticket", related_name="responses", on_delete=fields.CASCADE
    )
    ticket_id: int
    content = fields.TextField()
    is_internal = fields.BooleanField(default=False)
    author_type = fields.CharEnumField(AuthorType, max_length=16)
    author_agent: fields.ForeignKeyNullableRelation[Agent] = fields.ForeignKeyField(
        "models.Agent", related_name="responses", null=True, on_delete=fields.SET_NULL
    )
    author_agent_id: int | None
    author_contact: fields.ForeignKeyNullableRelation[Contact] = fields.ForeignKeyField(
        "models.Contact", related_name="responses", null=True, on_delete=fields.SET_NULL
    )
    author_contact_id: int | None
    author_name = fields.CharField(max_length=200, default="")
    author_email = fields.CharField(max_length=254, null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "ticket_response"
        indexes = (Index(fields=("ticket_id", "created_at")),)


class TicketActivity(Model):
    """The audit trail: one row per change, with the values before and after and who did it."""

    id = fields.IntField(primary_key=True)
    ticket: fields.ForeignKeyRelation[Ticket] = fields.ForeignKeyField(
        "models.Ticket", related_name="activities", on_delete=fields.CASCADE
    )
    ticket_id: int
    type = fields.CharEnumField(ActivityType, max_length=32)
    description = fields.TextField(default="")
    changes: dict = fields.JSONField(default=dict)
    # Id and name are copied (no foreign key) so the trail survives the actor's deletion.
    performed_by_type = fields.CharEnumField(AuthorType, max_length=16)
    performed_by_id = fields.IntField(null=True)
    performed_by_name = fields.CharField(max_length=200, default="")
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "ticket_activity"
        indexes = (Index(fields=("ticket_id", "created_at")),)
