"""Webhook tables: endpoints, the messages on their way to each, and every attempt made."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from tortoise import fields
from tortoise.models import Model

from server.accounts.models import Organization

MAX_URL_CHARS = 2000


class DeliveryState(StrEnum):
    PENDING = "pending"  # waiting for its next attempt (or its endpoint to be enabled again)
    SUCCEEDED = "succeeded"  # the endpoint answered 2xx
    FAILED = "failed"  # out of time (the retry window), or the endpoint answered 410


class WebhookEndpoint(Model):
    """Where an organisation wants its events, which ones, and the secret that signs them."""

    id = fields.IntField(primary_key=True)
    organization: fields.ForeignKeyRelation[Organization] = fields.ForeignKeyField(
        "models.Organization", related_name="webhook_endpoints", on_delete=fields.CASCADE
    )
    organization_id: int
    url = fields.CharField(max_length=MAX_URL_CHARS)
    description = fields.CharField(max_length=200, default="")
    event_types: list = fields.JSONField(default=list)
    # Standard Webhooks secrets (`whsec_` + base64). Kept readable: signing needs them.
    secret = fields.CharField(max_length=120)
    # The secret before the last rotation: it signs too until `previous_secret_expires_at`.
    previous_secret = fields.CharField(max_length=120, null=True)
    previous_secret_expires_at: datetime | None = fields.DatetimeField(null=True)
    is_active = fields.BooleanField(default=True)
    # Why Parley turned it off (410, failing for a day); null when an admin did, or it is on.
    disabled_reason: str | None = fields.TextField(null=True)
    disabled_at: datetime | None = fields.DatetimeField(null=True)
    # The first failure since the last success: the day-long failure rule counts from it.
    failing_since: datetime | None = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "webhook_endpoint"


class WebhookDelivery(Model):
    """One message (an event, or a test) on its way to one endpoint: the exact body sent on
    every attempt, under one `webhook-id`."""

    id = fields.BigIntField(primary_key=True)
    organization_id = fields.IntField(db_index=True)
    endpoint: fields.ForeignKeyRelation[WebhookEndpoint] = fields.ForeignKeyField(
        "models.WebhookEndpoint", related_name="deliveries", on_delete=fields.CASCADE
    )
    endpoint_id: int
    # The spine delivery it was fanned out from (null for a test message): a fan-out run
    # twice for the same event adds nothing.
    source_id = fields.BigIntField(null=True)
    message_id = fields.CharField(max_length=64, description="The `webhook-id` header.")
    event_type = fields.CharField(max_length=64)
    body = fields.TextField(description="The JSON sent, byte for byte the same on each attempt.")
    state = fields.CharEnumField(DeliveryState, max_length=16, default=DeliveryState.PENDING)
    attempts = fields.IntField(default=0, description="Since it was created or replayed.")
    next_attempt_at = fields.DatetimeField(db_index=True)
    # Past this a failed attempt is the last (the retry window, from creation or replay).
    retry_until = fields.DatetimeField()
    last_status_code = fields.IntField(null=True)
    last_error = fields.TextField(null=True)
    delivered_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField()
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "webhook_delivery"
        unique_together = (("endpoint", "source_id"),)


class WebhookAttempt(Model):
    """One try at sending a delivery: what came back and how long it took."""

    id = fields.BigIntField(primary_key=True)
    delivery: fields.ForeignKeyRelation[WebhookDelivery] = fields.ForeignKeyField(
        "models.WebhookDelivery", related_name="attempt_log", on_delete=fields.CASCADE
    )
    delivery_id: int
    attempt = fields.IntField(description="1-based, counted from creation or the last replay.")
    status_code = fields.IntField(null=True)
    duration_ms = fields.IntField()
    error = fields.TextField(null=True)
    attempted_at = fields.DatetimeField()

    class Meta:
        table = "webhook_attempt"
