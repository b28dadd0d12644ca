"""`/api/admin/webhooks`: an organisation's webhook endpoints, their delivery log, replays
and test messages (admins only; another organisation's are 404)."""

from __future__ import annotations

from datetime import timedelta

from pydantic import BaseModel

from server.settings import Settings
from server.web.endpoints import Access, Api, Call
from server.web.schema import Page
from server.webhooks import catalog, service
from server.webhooks.models import DeliveryState, WebhookAttempt, WebhookDelivery, WebhookEndpoint
from server.webhooks.schemas import (
    AttemptOut,
    DeliveryQuery,
    EventTypesOut,
    WebhookCreate,
    WebhookDeliveryOut,
    WebhookOut,
    WebhookQuery,
    WebhookUpdate,
    WebhookWithSecret,
)

api = Api()
TAG = "webhooks"
ONE = "/api/admin/webhooks/{endpoint_id:id}"


def _settings(call: Call) -> Settings:
    settings: Settings = call.request.app.state.parley.settings
    return settings


def _retry_window(call: Call) -> timedelta:
    return timedelta(hours=_settings(call).webhook_retry_hours)


def _out(endpoint: WebhookEndpoint) -> WebhookOut:
    return WebhookOut.model_validate(endpoint)


def _with_secret(endpoint: WebhookEndpoint) -> WebhookWithSecret:
    return WebhookWithSecret.model_validate(endpoint)


def _delivery_out(delivery: WebhookDelivery, attempts: list[WebhookAttempt]) -> WebhookDeliveryOut:
    return WebhookDeliveryOut(
        id=delivery.id, message_id=delivery.message_id, type=delivery.event_type,
        state=DeliveryState(delivery.state).value, attempt_count=delivery.attempts,
        next_attempt_at=delivery.next_attempt_at, retry_until=delivery.retry_until,
        last_status_code=delivery.last_status_code, last_error=delivery.last_error,
        delivered_at=delivery.delivered_at, created_at=delivery.created_at,
        attempts=[AttemptOut.model_validate(a) for a in attempts],
    )  # fmt: skip


@api.endpoint(
    "GET", "/api/admin/webhooks/event-types", summary="Event types webhooks can carry",
    tag=TAG, access=Access.ADMIN, response=EventTypesOut, errors=(403,),
)  # fmt: skip
async def list_event_types(call: Call) -> BaseModel:
    """Every event type an endpoint may subscribe to (docs/webhooks.md describes each)."""
    return EventTypesOut(items=catalog.event_types())


@api.endpoint(
    "GET", "/api/admin/webhooks", summary="Webhooks", tag=TAG, access=Access.ADMIN,
    query=WebhookQuery, response=Page[WebhookOut], errors=(403, 422),
)  # fmt: skip
async def list_webhooks(call: Call) -> BaseModel:
    """The organisation's webhook endpoints, oldest first (secrets are not shown)."""
    q = call.query
    rows, total = await service.list_endpoints(
        organization_id=call.agent.organization_id, page=q.page, page_size=q.page_size
    )
    return Page[WebhookOut](
        items=[_out(row) for row in rows], total=total, page=q.page, page_size=q.page_size
    )


@api.endpoint(
    "POST", "/api/admin/webhooks", summary="Add a webhook", tag=TAG, access=Access.ADMIN,
    body=WebhookCreate, response=WebhookWithSecret, status=201, errors=(403, 409, 422),
)  # fmt: skip
async def create_webhook(call: Call) -> BaseModel:
    """A new endpoint; the answer shows its secret (this once: keep it)."""
    b = call.body
    endpoint = await service.create_endpoint(
        organization_id=call.agent.organization_id, url=b.url, event_types=b.event_types,
        description=b.description, secret=b.secret, is_active=b.is_active,
        allow_private=_settings(call).webhook_allow_private_targets,
    )  # fmt: skip
    return _with_secret(endpoint)


@api.endpoint(
    "GET", ONE, summary="A webhook", tag=TAG, access=Access.ADMIN, response=WebhookOut,
    errors=(403, 404),
)  # fmt: skip
async def get_webhook(call: Call) -> BaseModel:
    """One endpoint, whether it is enabled, and why Parley disabled it if it did."""
    endpoint = await service.get_endpoint(
        organization_id=call.agent.organization_id, endpoint_id=call.path["endpoint_id"]
    )
    return _out(endpoint)


@api.endpoint(
    "PATCH", ONE, summary="Change a webhook", tag=TAG, access=Access.ADMIN, body=WebhookUpdate,
    response=WebhookOut, errors=(403, 404, 422),
)  # fmt: skip
async def update_webhook(call: Call) -> BaseModel:
    """Change the given fields; `isActive: true` enables a disabled endpoint again."""
    b = call.body
    endpoint = await service.update_endpoint(
        organization_id=call.agent.organization_id, endpoint_id=call.path["endpoint_id"],
        url=b.url, event_types=b.event_types, description=b.description,
        is_active=b.is_active, allow_private=_settings(call).webhook_allow_private_targets,
    )  # fmt: skip
    return _out(endpoint)


@api.endpoint(
    "DELETE", ONE, summary="Delete a webhook", tag=TAG, access=Access.ADMIN, status=204,
    errors=(403, 404),
)  # fmt: skip
async def delete_webhook(call: Call) -> None:
    """Delete an endpoint with its deliveries and their log."""
    await service.delete_endpoint(
        organization_id=call.agent.organization_id, endpoint_id=call.path["endpoint_id"]
    )


@api.endpoint(
    "POST", ONE + "/secret", summary="Rotate a webhook's secret", tag=TAG,
    access=Access.ADMIN, response=WebhookWithSecret, errors=(403, 404),
)  # fmt: skip
async def rotate_webhook_secret(call: Call) -> BaseModel:
    """A new secret (shown this once); the old one signs beside it for
    PARLEY_WEBHOOK_SECRET_OVERLAP_HOURS."""
    endpoint = await service.rotate_secret(
        organization_id=call.agent.organization_id, endpoint_id=call.path["endpoint_id"],
        overlap=timedelta(hours=_settings(call).webhook_secret_overlap_hours),
    )  # fmt: skip
    return _with_secret(endpoint)


@api.endpoint(
    "GET", ONE + "/deliveries", summary="A webhook's delivery log", tag=TAG,
    access=Access.ADMIN, query=DeliveryQuery, response=Page[WebhookDeliveryOut],
    errors=(403, 404, 422),
)  # fmt: skip
async def list_webhook_deliveries(call: Call) -> BaseModel:
    """The endpoint's deliveries, newest first, each with every attempt: status code,
    duration, error and time."""
    q = call.query
    rows, attempts, total = await service.list_deliveries(
        organization_id=call.agent.organization_id, endpoint_id=call.path["endpoint_id"],
        state=DeliveryState(q.state) if q.state else None, page=q.page, page_size=q.page_size,
    )  # fmt: skip
    return Page[WebhookDeliveryOut](
        items=[_delivery_out(row, attempts[row.id]) for row in rows],
        total=total, page=q.page, page_size=q.page_size,
    )  # fmt: skip


@api.endpoint(
    "POST", ONE + "/deliveries/{delivery_id:id}/replay", summary="Send a delivery again",
    tag=TAG, access=Access.ADMIN, response=WebhookDeliveryOut, status=202, errors=(403, 404),
)  # fmt: skip
async def replay_webhook_delivery(call: Call) -> BaseModel:
    """Send a delivery again now, under the same `webhook-id` and with the same body."""
    delivery = await service.replay_delivery(
        organization_id=call.agent.organization_id, endpoint_id=call.path["endpoint_id"],
        delivery_id=call.path["delivery_id"], retry_window=_retry_window(call),
    )  # fmt: skip
    return _delivery_out(delivery, await service.attempts_of(delivery))


@api.endpoint(
    "POST", ONE + "/test", summary="Send a test message", tag=TAG, access=Access.ADMIN,
    response=WebhookDeliveryOut, status=202, errors=(403, 404),
)  # fmt: skip
async def send_test_message(call: Call) -> BaseModel:
    """Queue a `webhook.test` message to this endpoint; follow it in the delivery log."""
    delivery = await service.send_test(
        organization_id=call.agent.organization_id, endpoint_id=call.path["endpoint_id"],
        retry_window=_retry_window(call),
    )  # fmt: skip
    return _delivery_out(delivery, [])
