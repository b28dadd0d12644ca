"""Durable deliveries: each committed event a durable listener wants, as a row of its own.

The relay writes a `Delivery` per (event, durable listener) in the transaction that takes the
event out of the outbox (`queue_deliveries`). The `DeliveryWorker` then runs due deliveries:
it claims a batch (moving their next attempt past a lease, so a worker that dies mid-delivery
leaves them to be retried once the lease runs out), calls each listener, deletes what
succeeded and reschedules what failed with exponential backoff, until the listener's last
attempt marks the delivery `dead` with its last error. One listener's failures or slowness
never hold up another's deliveries, and one receiver's never hold up the relay.

Delivery is at least once: a listener must be idempotent (the delivery id, stable across
attempts, is what it deduplicates by; an email's Message-ID, a webhook's id).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, Protocol

from tortoise import fields, timezone
from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.models import Model
from tortoise.transactions import in_transaction

from server.errors import NotFound
from server.events import registry
from server.events.actor import Actor
from server.events.leased import LeasedRunner, error_text, lease_due
from server.events.model import Event, Subject

log = logging.getLogger(__name__)

BATCH_SIZE = 20


class DeliveryState(StrEnum):
    PENDING = "pending"
    DEAD = "dead"


class Delivery(Model):
    """One committed event on its way to one durable listener."""

    id = fields.BigIntField(primary_key=True)
    # The organisation of the event's subject: whose admins see and retry the delivery.
    organization_id = fields.IntField(null=True, db_index=True)
    listener = fields.CharField(max_length=64)
    event_id = fields.BigIntField(description="The outbox row the event came from.")
    type = fields.CharField(max_length=64)
    subject: dict = fields.JSONField()
    actor: dict | None = fields.JSONField(null=True)
    payload: dict = fields.JSONField()
    state = fields.CharEnumField(DeliveryState, max_length=16, default=DeliveryState.PENDING)
    attempts = fields.IntField(default=0)
    next_attempt_at = fields.DatetimeField(db_index=True)
    last_error = fields.TextField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "event_delivery"
        unique_together = (("listener", "event_id"),)


class DurableListener(Protocol):
    """A listener whose work leaves the process (email, webhooks): run by the worker."""

    name: str  # stored on each delivery: renaming a listener orphans its pending rows
    max_attempts: int

    def wants(self, event: Event, subject: Subject) -> bool: ...

    def backoff(self, attempt: int) -> timedelta:
        """How long after failed attempt number `attempt` (1-based) to try again."""
        ...

    async def deliver(
        self, delivery_id: int, event: Event, subject: Subject, actor: Actor | None
    ) -> None:
        """Do the work; raise to have it retried. Called at least once per delivery. `actor`
        is who made the change, where its writer recorded it."""
        ...


def exponential_backoff(
    attempt: int, *, first: timedelta = timedelta(seconds=10), cap: timedelta = timedelta(hours=1)
) -> timedelta:
    """10 s, 20 s, 40 s, ... up to an hour: a receiver that is down for a while is not hammered."""
    return min(first * (2 ** max(attempt - 1, 0)), cap)


async def queue_deliveries(
    conn: BaseDBAsyncClient,
    event_id: int,
    event: Event,
    subject: Subject,
    listeners: Sequence[DurableListener],
    actor: dict[str, Any] | None = None,
) -> int:
    """In the relay's transaction: a delivery for each listener that wants `event`."""
    now = timezone.now()
    rows = [
        Delivery(
            organization_id=subject.organization_id,
            listener=listener.name,
            event_id=event_id,
            type=event.type,
            subject=subject.to_json(),
            actor=actor,
            payload=event.payload(),
            next_attempt_at=now,
        )
        for listener in listeners
        if listener.wants(event, subject)
    ]
    if rows:
        await Delivery.bulk_create(rows, using_db=conn, ignore_conflicts=True)
    return len(rows)


async def list_deliveries(
    *,
    organization_id: int,
    state: DeliveryState | None,
    listener: str | None,
    page: int,
    page_size: int,
) -> tuple[list[Delivery], int]:
    """One organisation's deliveries still on record (pending or dead: a delivered one is
    deleted), newest first."""
    query = Delivery.filter(organization_id=organization_id)
    if state is not None:
        query = query.filter(state=state)
    if listener is not None:
        query = query.filter(listener=listener)
    total = await query.count()
    rows = await query.order_by("-id").offset((page - 1) * page_size).limit(page_size)
    return rows, total


async def retry_delivery(
    *, organization_id: int, delivery_id: int, clock: Callable[[], datetime] = timezone.now
) -> Delivery:
    """Send a pending or dead delivery again now, with its attempts counted from zero (an
    admin fixed the receiver); the worker takes it at its next look."""
    now = clock()
    updated = await Delivery.filter(id=delivery_id, organization_id=organization_id).update(
        state=DeliveryState.PENDING, attempts=0, next_attempt_at=now, updated_at=now
    )
    if not updated:
        raise NotFound(f"Delivery {delivery_id} not found.")
    return await Delivery.get(id=delivery_id)


class DeliveryWorker(LeasedRunner[Delivery]):
    """Runs due deliveries: nudged by the relay when it queued some, and every
    `poll_interval` for retries whose time has come."""

    task_name = "event-deliveries"

    def __init__(
        self,
        listeners: Sequence[DurableListener],
        *,
        postgres: bool,
        poll_interval: float = 1.0,
        lease: timedelta = timedelta(minutes=5),
        attempt_timeout: float = 60.0,
        clock: Callable[[], datetime] = timezone.now,
    ) -> None:
        super().__init__(postgres=postgres, poll_interval=poll_interval)
        self._listeners = {listener.name: listener for listener in listeners}
        self._lease = lease
        self._attempt_timeout = attempt_timeout
        self._clock = clock

    async def _claim(self) -> list[Delivery]:
        """Take a batch of due deliveries: one attempt more, and out of sight for the lease."""
        now = self._clock()
        async with in_transaction() as conn:
            query = (
                Delivery.filter(
                    state=DeliveryState.PENDING,
                    next_attempt_at__lte=now,
                    listener__in=list(self._listeners),
                )
                .using_db(conn)
                .order_by("next_attempt_at", "id")
                .limit(BATCH_SIZE)
            )
            claimed = await lease_due(
                query, conn, postgres=self._postgres, now=now, lease=self._lease
            )
        return claimed

    async def _attempt(self, delivery: Delivery) -> None:
        listener = self._listeners[delivery.listener]
        try:
            event = registry.parse(delivery.type, delivery.payload)
            async with asyncio.timeout(self._attempt_timeout):
                await listener.deliver(
                    delivery.id, event, Subject.from_json(delivery.subject),
                    Actor.from_json(delivery.actor) if delivery.actor else None,
                )  # fmt: skip
        except Exception as exc:
            await self._failed(delivery, listener, exc)
            return
        await Delivery.filter(id=delivery.id).delete()

    async def _failed(self, delivery: Delivery, listener: DurableListener, exc: Exception) -> None:
        error = error_text(exc)
        if delivery.attempts >= listener.max_attempts:
            log.error(
                "delivery %s to %s is dead after %d attempts: %s",
                delivery.id, delivery.listener, delivery.attempts, error,
            )  # fmt: skip
            await Delivery.filter(id=delivery.id).update(
                state=DeliveryState.DEAD, last_error=error, updated_at=self._clock()
            )
            return
        retry_at = self._clock() + listener.backoff(delivery.attempts)
        log.warning(
            "delivery %s to %s failed (attempt %d of %d), retrying at %s: %s",
            delivery.id, delivery.listener, delivery.attempts, listener.max_attempts,
            retry_at.isoformat(), error,
        )  # fmt: skip
        await Delivery.filter(id=delivery.id).update(
            next_attempt_at=retry_at, last_error=error, updated_at=self._clock()
        )
