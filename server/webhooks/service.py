"""Webhook writes: endpoints (admins of their organisation only), the fan-out of an event to
its endpoints, replays and test messages, and what each attempt's outcome changes.

Every query names the organisation: another organisation's endpoint or delivery is a 404,
never a 403 (its existence is not revealed). An endpoint is disabled by Parley when it answers
410 Gone or has failed without a success for PARLEY_WEBHOOK_DISABLE_AFTER_HOURS; the same
transaction schedules an email to each of the organisation's admins (`notice.py`), so the
endpoint is never disabled without them being told.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from tortoise import timezone
from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from server.accounts.models import Agent, Role
from server.errors import Conflict, NotFound, ValidationFailed
from server.events import delayed
from server.events.model import Event
from server.webhooks import catalog, guard
from server.webhooks.models import DeliveryState, WebhookAttempt, WebhookDelivery, WebhookEndpoint
from server.webhooks.notice import NOTICE_JOB
from server.webhooks.signing import new_secret, secret_problem

Clock = Callable[[], datetime]

# Enough for any real integration; a bound so one organisation cannot fan every event out to
# thousands of URLs.
MAX_ENDPOINTS_PER_ORGANIZATION = 50
# The first retry comes this long after a failure, each later one twice as long (up to the
# cap), each shortened by up to half at random so endpoints that failed together do not all
# come back at once.
FIRST_RETRY = timedelta(seconds=10)
MAX_RETRY_DELAY = timedelta(hours=6)
GONE = 410


def retry_delay(attempt: int, *, rng: random.Random | None = None) -> timedelta:
    """How long after failed attempt number `attempt` (1-based) to try again."""
    step = min(FIRST_RETRY * (2 ** max(attempt - 1, 0)), MAX_RETRY_DELAY)
    return step * (0.5 + (rng or random).random() / 2)


def new_message_id() -> str:
    """A `webhook-id`: unique, and the same on every attempt and replay of its message."""
    return "msg_" + uuid.uuid4().hex


# --- endpoints ---------------------------------------------------------------------------------


def _check_event_types(event_types: Sequence[str]) -> list[str]:
    known = set(catalog.event_types())
    unknown = [name for name in event_types if name not in known]
    if not event_types or unknown:
        message = f"Unknown event types: {', '.join(unknown)}." if unknown else "Name at least one."
        raise ValidationFailed(
            f"Invalid event types: {message} See GET /api/admin/webhooks/event-types.",
            fields={"eventTypes": message},
        )
    return list(dict.fromkeys(event_types))


async def create_endpoint(
    *,
    organization_id: int,
    url: str,
    event_types: Sequence[str],
    description: str = "",
    secret: str | None = None,
    is_active: bool = True,
    allow_private: bool,
) -> WebhookEndpoint:
    url = guard.check_url(url, allow_private=allow_private)
    types = _check_event_types(event_types)
    if secret is not None and (problem := secret_problem(secret)):
        raise ValidationFailed(f"Invalid secret: {problem}", fields={"secret": problem})
    async with in_transaction() as conn:
        count = await WebhookEndpoint.filter(organization_id=organization_id).using_db(conn).count()
        if count >= MAX_ENDPOINTS_PER_ORGANIZATION:
            raise Conflict(
                f"An organisation has at most {MAX_ENDPOINTS_PER_ORGANIZATION} webhooks."
            )
        return await WebhookEndpoint.create(
            organization_id=organization_id, url=url, event_types=types,
            description=description, secret=secret or new_secret(), is_active=is_active,
            using_db=conn,
        )  # fmt: skip


async def list_endpoints(
    *, organization_id: int, page: int, page_size: int
) -> tuple[list[WebhookEndpoint], int]:
    query = WebhookEndpoint.filter(organization_id=organization_id)
    total = await query.count()
    rows = await query.order_by("id").offset((page - 1) * page_size).limit(page_size)
    return rows, total


async def get_endpoint(*, organization_id: int, endpoint_id: int) -> WebhookEndpoint:
    endpoint = await WebhookEndpoint.get_or_none(id=endpoint_id, organization_id=organization_id)
    if endpoint is None:
        raise NotFound(f"Webhook {endpoint_id} not found.")
    return endpoint


async def update_endpoint(
    *,
    organization_id: int,
    endpoint_id: int,
    url: str | None = None,
    event_types: Sequence[str] | None = None,
    description: str | None = None,
    is_active: bool | None = None,
    allow_private: bool,
    clock: Clock = timezone.now,
) -> WebhookEndpoint:
    """Change the given fields. Enabling an endpoint clears why it was disabled and its
    failure streak, and makes its pending deliveries due at once."""
    endpoint = await get_endpoint(organization_id=organization_id, endpoint_id=endpoint_id)
    if url is not None:
        endpoint.url = guard.check_url(url, allow_private=allow_private)
    if event_types is not None:
        endpoint.event_types = _check_event_types(event_types)
    if description is not None:
        endpoint.description = description
    enabled = is_active is True and not endpoint.is_active
    if enabled:
        endpoint.is_active = True
        endpoint.disabled_reason = None
        endpoint.disabled_at = None
        endpoint.failing_since = None
    elif is_active is False and endpoint.is_active:
        endpoint.is_active = False
        endpoint.disabled_reason = None  # an admin's choice needs no explanation
        endpoint.disabled_at = clock()
    async with in_transaction() as conn:
        await endpoint.save(using_db=conn)
        if enabled:  # what waited for it goes now, not at its next backoff step
            await (
                WebhookDelivery.filter(endpoint_id=endpoint.id, state=DeliveryState.PENDING)
                .using_db(conn)
                .update(next_attempt_at=clock())
            )
    if endpoint.is_active:
        nudge()
    return endpoint


async def delete_endpoint(*, organization_id: int, endpoint_id: int) -> None:
    """Delete an endpoint with its deliveries and their log."""
    deleted = await WebhookEndpoint.filter(id=endpoint_id, organization_id=organization_id).delete()
    if not deleted:
        raise NotFound(f"Webhook {endpoint_id} not found.")


async def rotate_secret(
    *, organization_id: int, endpoint_id: int, overlap: timedelta, clock: Clock = timezone.now
) -> WebhookEndpoint:
    """A new secret; the old one goes on signing beside it for `overlap` (none if zero), so
    a receiver can be switched over without dropping a message."""
    endpoint = await get_endpoint(organization_id=organization_id, endpoint_id=endpoint_id)
    if overlap > timedelta(0):
        endpoint.previous_secret = endpoint.secret
        endpoint.previous_secret_expires_at = clock() + overlap
    else:
        endpoint.previous_secret = None
        endpoint.previous_secret_expires_at = None
    endpoint.secret = new_secret()
    await endpoint.save()
    return endpoint


def signing_secrets(endpoint: WebhookEndpoint, now: datetime) -> list[str]:
    """The secrets that sign a message sent now: the current one, and the previous one while
    its overlap lasts."""
    found = [endpoint.secret]
    expires = endpoint.previous_secret_expires_at
    if endpoint.previous_secret and expires is not None and now < expires:
        found.append(endpoint.previous_secret)
    return found


# --- deliveries --------------------------------------------------------------------------------


async def list_deliveries(
    *,
    organization_id: int,
    endpoint_id: int,
    state: DeliveryState | None,
    page: int,
    page_size: int,
) -> tuple[list[WebhookDelivery], dict[int, list[WebhookAttempt]], int]:
    """An endpoint's deliveries, newest first, each with its attempts (oldest first)."""
    await get_endpoint(organization_id=organization_id, endpoint_id=endpoint_id)
    query = WebhookDelivery.filter(organization_id=organization_id, endpoint_id=endpoint_id)
    if state is not None:
        query = query.filter(state=state)
    total = await query.count()
    rows = await query.order_by("-id").offset((page - 1) * page_size).limit(page_size)
    attempts: dict[int, list[WebhookAttempt]] = {row.id: [] for row in rows}
    if rows:
        for attempt in await WebhookAttempt.filter(delivery_id__in=list(attempts)).order_by("id"):
            attempts[attempt.delivery_id].append(attempt)
    return rows, attempts, total


async def attempts_of(delivery: WebhookDelivery) -> list[WebhookAttempt]:
    return await WebhookAttempt.filter(delivery_id=delivery.id).order_by("id")


async def replay_delivery(
    *,
    organization_id: int,
    endpoint_id: int,
    delivery_id: int,
    retry_window: timedelta,
    clock: Clock = timezone.now,
) -> WebhookDelivery:
    """Send a delivery again now, whatever its state: the same body under the same
    `webhook-id` (a receiver that deduplicates by it sees a message it already processed as
    such), its attempts and retry window counted afresh. Its log keeps the earlier attempts."""
    now = clock()
    updated = await WebhookDelivery.filter(
        id=delivery_id, endpoint_id=endpoint_id, organization_id=organization_id
    ).update(
        state=DeliveryState.PENDING, attempts=0, next_attempt_at=now,
        retry_until=now + retry_window, delivered_at=None,
    )  # fmt: skip
    if not updated:
        raise NotFound(f"Delivery {delivery_id} of webhook {endpoint_id} not found.")
    nudge()
    return await WebhookDelivery.get(id=delivery_id)


async def send_test(
    *, organization_id: int, endpoint_id: int, retry_window: timedelta, clock: Clock = timezone.now
) -> WebhookDelivery:
    """Queue a `webhook.test` message to one endpoint (whatever it subscribes to)."""
    endpoint = await get_endpoint(organization_id=organization_id, endpoint_id=endpoint_id)
    now = clock()
    message_id = new_message_id()
    data = {"webhookId": endpoint.id, "message": "A test message from Parley."}
    delivery = await WebhookDelivery.create(
        organization_id=organization_id, endpoint_id=endpoint.id, message_id=message_id,
        event_type=catalog.TEST_EVENT_TYPE,
        body=catalog.body(message_id, catalog.TEST_EVENT_TYPE, now, data),
        next_attempt_at=now, retry_until=now + retry_window, created_at=now,
    )  # fmt: skip
    nudge()
    return delivery


async def fan_out(
    *,
    source_id: int,
    event: Event,
    organization_id: int,
    retry_window: timedelta,
    clock: Clock = timezone.now,
) -> int:
    """One delivery per enabled endpoint of the organisation that subscribes to `event`, in
    one transaction (a disabled endpoint gets nothing new). Run again for the same
    `source_id` (the spine retried), it adds nothing."""
    endpoints = await WebhookEndpoint.filter(organization_id=organization_id, is_active=True).only(
        "id", "event_types"
    )
    wanted = [e for e in endpoints if event.type in (e.event_types or [])]
    if not wanted:
        return 0
    now = clock()
    message_id = new_message_id()
    body = catalog.body(message_id, event.type, now, catalog.event_data(event))
    rows = [
        WebhookDelivery(
            organization_id=organization_id,
            endpoint_id=endpoint.id,
            source_id=source_id,
            message_id=message_id,
            event_type=event.type,
            body=body,
            next_attempt_at=now,
            retry_until=now + retry_window,
            created_at=now,
        )
        for endpoint in wanted
    ]
    async with in_transaction() as conn:
        await WebhookDelivery.bulk_create(rows, using_db=conn, ignore_conflicts=True)
    nudge()
    return len(rows)


@dataclass(frozen=True)
class Outcome:
    """How one attempt went: the status code (None: no answer) or the error, and its time."""

    status_code: int | None
    error: str | None
    duration_ms: int

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


async def record_attempt(
    delivery: WebhookDelivery,
    outcome: Outcome,
    *,
    disable_after: timedelta,
    clock: Clock = timezone.now,
    rng: random.Random | None = None,
) -> None:
    """Log the attempt and move the delivery on (delivered, retried later, or failed), and
    the endpoint with it (its failure streak; disabled on 410 or a day of failures)."""
    now = clock()
    error = outcome.error
    if error is None and not outcome.succeeded:
        error = f"HTTP {outcome.status_code}"
    async with in_transaction() as conn:
        await WebhookAttempt.create(
            delivery_id=delivery.id, attempt=delivery.attempts, status_code=outcome.status_code,
            duration_ms=outcome.duration_ms, error=error, attempted_at=now, using_db=conn,
        )  # fmt: skip
        # Only this attempt's own row: a delivery replayed meanwhile, or taken over after its
        # lease ran out, is not moved by a late answer.
        mine = WebhookDelivery.filter(
            id=delivery.id, attempts=delivery.attempts, state=DeliveryState.PENDING
        ).using_db(conn)
        endpoint_rows = WebhookEndpoint.filter(id=delivery.endpoint_id).using_db(conn)
        if outcome.succeeded:
            await mine.update(
                state=DeliveryState.SUCCEEDED, delivered_at=now,
                last_status_code=outcome.status_code, last_error=None,
            )  # fmt: skip
            await endpoint_rows.filter(failing_since__isnull=False).update(failing_since=None)
            return
        if outcome.status_code == GONE:
            await mine.update(state=DeliveryState.FAILED, last_status_code=GONE, last_error=error)
            await _disable(
                conn, delivery.endpoint_id, now,
                "The endpoint answered 410 Gone: it asked for no more messages.",
            )  # fmt: skip
            return
        retry_at = now + retry_delay(delivery.attempts, rng=rng)
        if retry_at > delivery.retry_until:
            await mine.update(
                state=DeliveryState.FAILED, last_status_code=outcome.status_code,
                last_error=error,
            )  # fmt: skip
        else:
            await mine.update(
                next_attempt_at=retry_at, last_status_code=outcome.status_code, last_error=error
            )
        await endpoint_rows.filter(failing_since__isnull=True).update(failing_since=now)
        endpoint = await WebhookEndpoint.filter(id=delivery.endpoint_id).using_db(conn).first()
        if (
            endpoint is not None
            and endpoint.is_active
            and endpoint.failing_since is not None
            and now - endpoint.failing_since >= disable_after
        ):
            hours = disable_after.total_seconds() / 3600
            await _disable(
                conn, endpoint.id, now,
                f"Every attempt failed for {hours:g} hours (since "
                f"{endpoint.failing_since.isoformat()}); the last: {error}",
            )  # fmt: skip


async def _disable(conn: BaseDBAsyncClient, endpoint_id: int, now: datetime, reason: str) -> None:
    """Disable an enabled endpoint and, in the same transaction, schedule an email to each of
    its organisation's admins. An endpoint already disabled is left as it is (no second
    email from a late attempt)."""
    endpoint = await WebhookEndpoint.filter(id=endpoint_id).using_db(conn).first()
    if endpoint is None:
        return
    disabled = (
        await WebhookEndpoint.filter(id=endpoint_id, is_active=True)
        .using_db(conn)
        .update(is_active=False, disabled_reason=reason, disabled_at=now)
    )
    if not disabled:
        return
    admins = await Agent.filter(
        organization_id=endpoint.organization_id, role=Role.ADMIN, is_active=True
    ).using_db(conn)
    for admin in admins:
        await delayed.schedule(
            conn, NOTICE_JOB, f"{endpoint_id}:{admin.id}:{int(now.timestamp())}", now,
            {"endpointId": endpoint_id, "agentId": admin.id, "reason": reason},
        )  # fmt: skip


# --- waking the sender -------------------------------------------------------------------------

_nudge: Callable[[], None] | None = None


def install(nudger: Callable[[], None] | None) -> None:
    """The running app's sender's `nudge` (set in the lifespan): new deliveries are sent at
    once rather than at its next poll."""
    global _nudge
    _nudge = nudger


def nudge() -> None:
    if _nudge is not None:
        _nudge()
