"""The durable listener that turns a committed event into one delivery per endpoint.

The relay queues a spine delivery for it in the transaction that takes the event out of the
outbox; the spine's worker calls `deliver`, which writes the organisation's webhook
deliveries in one transaction (`service.fan_out`). Each is then sent by `WebhookSender` on its
own schedule, so one endpoint's failures never hold up another's, nor the email listeners.
"""

from __future__ import annotations

from datetime import timedelta

from server.events.actor import Actor
from server.events.deliveries import exponential_backoff
from server.events.model import Event, Subject
from server.webhooks import catalog, service


class WebhookFanout:
    """See the module doc. Every ticket or conversation event is queued for it (`wants`
    cannot ask the database whether the organisation has endpoints); the fan-out of an
    organisation without any is one read."""

    name = "webhooks"
    max_attempts = 16

    def __init__(self, *, retry_window: timedelta) -> None:
        self.retry_window = retry_window
        self._types = frozenset(catalog.event_types())

    def wants(self, event: Event, subject: Subject) -> bool:
        return event.type in self._types

    def backoff(self, attempt: int) -> timedelta:
        return exponential_backoff(attempt)

    async def deliver(
        self, delivery_id: int, event: Event, subject: Subject, actor: Actor | None = None
    ) -> None:
        await service.fan_out(
            source_id=delivery_id, event=event, organization_id=subject.organization_id,
            retry_window=self.retry_window,
        )  # fmt: skip
