"""Accounts tables: organisations, agents, their tokens and API keys, contacts."""

from __future__ import annotations

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model


class Role(StrEnum):
    ADMIN = "admin"
    AGENT = "agent"


class Organization(Model):
    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=200)
    slug = fields.CharField(max_length=64, unique=True)
    ticket_prefix = fields.CharField(max_length=12, default="TKT")
    # Bumped in the same transaction as each ticket insert (see tickets/numbering.py).
    ticket_counter = fields.IntField(default=0)
    settings: dict = fields.JSONField(default=dict)
    # Public: names the organisation's widget on customers' sites (not a secret). Set when the
    # organisation is created (and by the migration for older ones).
    site_key = fields.CharField(max_length=40, unique=True, null=True)
    # Secret: a customer's server signs its user ids with it (widget identity verification).
    identity_secret = fields.CharField(max_length=80, null=True)
    # Signs what an inbound email provider posts to /api/webhooks/email; null: none accepted.
    inbound_email_secret = fields.CharField(max_length=80, null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "organization"


class Agent(Model):
    id = fields.IntField(primary_key=True)
    organization: fields.ForeignKeyRelation[Organization] = fields.ForeignKeyField(
        "models.Organization", related_name="agents", on_delete=fields.CASCADE
    )
    organization_id: int
    email = fields.CharField(max_length=254)
    name = fields.CharField(max_length=200)
    password_hash = fields.CharField(max_length=255)
    role = fields.CharEnumField(Role, max_length=16, default=Role.AGENT)
    is_active = fields.BooleanField(default=True)
    # Live chat: how many active conversations automatic routing gives this agent at once,
    # and when it last gave them one (round robin goes to who waited longest).
    chat_capacity = fields.IntField(default=3, db_default=3)
    # The agent's own email switches (`AgentEmailNotifications`); null or a missing switch: on.
    email_notifications: dict | None = fields.JSONField(null=True)
    last_chat_routed_at = fields.DatetimeField(null=True)
    # When chat routing first saw this agent absent from presence while a customer waited on
    # them (the offline grace period runs from it); null while present.
    absent_since = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "agent"
        unique_together = (("organization", "email"),)


class AccessToken(Model):
    """A login session. Only the SHA-256 of the token is stored."""

    id = fields.IntField(primary_key=True)
    agent: fields.ForeignKeyRelation[Agent] = fields.ForeignKeyField(
        "models.Agent", related_name="tokens", on_delete=fields.CASCADE
    )
    agent_id: int
    token_hash = fields.CharField(max_length=64, unique=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    expires_at = fields.DatetimeField()
    revoked_at = fields.DatetimeField(null=True)
    last_used_at = fields.DatetimeField(null=True)

    class Meta:
        table = "access_token"


class ApiKey(Model):
    """A named, revocable key for an integration; acts with its organisation's admin rights."""

    id = fields.IntField(primary_key=True)
    organization: fields.ForeignKeyRelation[Organization] = fields.ForeignKeyField(
        "models.Organization", related_name="api_keys", on_delete=fields.CASCADE
    )
    organization_id: int
    name = fields.CharField(max_length=200)
    # The first characters of the key, shown in listings so a key can be recognised.
    prefix = fields.CharField(max_length=16)
    key_hash = fields.CharField(max_length=64, unique=True)
    created_by: fields.ForeignKeyNullableRelation[Agent] = fields.ForeignKeyField(
        "models.Agent", related_name="api_keys", null=True, on_delete=fields.SET_NULL
    )
    created_by_id: int | None
    created_at = fields.DatetimeField(auto_now_add=True)
    revoked_at = fields.DatetimeField(null=True)
    last_used_at = fields.DatetimeField(null=True)

    class Meta:
        table = "api_key"


class Contact(Model):
    """A customer of an organisation."""

    id = fields.IntField(primary_key=True)
    organization: fields.ForeignKeyRelation[Organization] = fields.ForeignKeyField(
        "models.Organization", related_name="contacts", on_delete=fields.CASCADE
    )
    organization_id: int
    # Stored lower-cased; NULLs do not collide in the unique constraint on either database.
    email = fields.CharField(max_length=254, null=True)
    name = fields.CharField(max_length=200, default="")
    external_id = fields.CharField(max_length=200, null=True)
    # True when the host site vouched for this person (`userId` + `userHash`, see
    # accounts/widget_identity.py); `external_id` is then their user id on that site.
    verified = fields.BooleanField(default=False, db_default=False)
    # The address an unverified visitor typed. Never used to find or merge contacts, so typing
    # someone else's email gives a visitor nothing of theirs.
    claimed_email = fields.CharField(max_length=254, null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "contact"
        unique_together = (("organization", "email"), ("organization", "external_id"))
