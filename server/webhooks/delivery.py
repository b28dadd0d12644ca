"""`WebhookSender`: sends due webhook deliveries, each on its own schedule.

A leased runner like the spine's delivery worker (`server/events/leased.py`): it claims due
pending deliveries of enabled endpoints (one attempt more, and out of sight for a lease, so a
process that dies mid-send leaves the delivery to be sent again once the lease runs out; on
PostgreSQL `SKIP LOCKED` keeps two processes from taking the same one), sends the claimed ones
side by side, and records each outcome (`service.record_attempt`). A slow endpoint costs its
own deliveries at most the timeout; a failing one is retried on its own backoff.

The body and `webhook-id` are the delivery's, the same on every attempt; the signature is made
afresh at each (its timestamp is the attempt's, which receivers check for freshness).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import httpx
from tortoise import timezone
from tortoise.expressions import Subquery
from tortoise.transactions import in_transaction

from server.events.leased import LeasedRunner, error_text, lease_due
from server.webhooks import service
from server.webhooks.guard import guarded_client
from server.webhooks.models import DeliveryState, WebhookDelivery, WebhookEndpoint
from server.webhooks.signing import signature_headers

log = logging.getLogger(__name__)

BATCH_SIZE = 50


class WebhookSender(LeasedRunner[WebhookDelivery]):
    task_name = "webhook-sender"

    def __init__(
        self,
        *,
        postgres: bool,
        allow_private: bool,
        timeout: float,
        disable_after: timedelta,
        poll_interval: float = 1.0,
        clock: Callable[[], datetime] = timezone.now,
    ) -> None:
        super().__init__(postgres=postgres, poll_interval=poll_interval)
        self._timeout = timeout
        # Longer than any one send can take (connect, TLS and answer, each within the timeout).
        self._lease = timedelta(seconds=2 * timeout + 5)
        self._disable_after = disable_after
        self._clock = clock
        self._allow_private = allow_private
        self._client = guarded_client(allow_private=allow_private, timeout=timeout)

    def start(self) -> None:
        if self._client.is_closed:  # started again after a stop
            self._client = guarded_client(allow_private=self._allow_private, timeout=self._timeout)
        super().start()

    async def stop(self) -> None:
        await super().stop()
        await self._client.aclose()

    async def _claim(self) -> list[WebhookDelivery]:
        now = self._clock()
        enabled = WebhookEndpoint.filter(is_active=True).values("id")
        async with in_transaction() as conn:
            query = (
                WebhookDelivery.filter(
                    state=DeliveryState.PENDING,
                    next_attempt_at__lte=now,
                    endpoint_id__in=Subquery(enabled),
                )
                .using_db(conn)
                .order_by("next_attempt_at", "id")
                .limit(BATCH_SIZE)
            )
            claimed = await lease_due(
                query, conn, postgres=self._postgres, now=now, lease=self._lease
            )
        return claimed

    async def _attempt(self, delivery: WebhookDelivery) -> None:
        endpoint = await WebhookEndpoint.get_or_none(id=delivery.endpoint_id)
        if endpoint is None or not endpoint.is_active:
            return  # deleted (its deliveries with it) or disabled since the claim
        outcome = await self.send(endpoint, delivery)
        await service.record_attempt(
            delivery, outcome, disable_after=self._disable_after, clock=self._clock
        )

    async def send(self, endpoint: WebhookEndpoint, delivery: WebhookDelivery) -> service.Outcome:
        """POST the delivery's body to the endpoint, signed; how it went (never raises)."""
        # The signature's timestamp is the real time: the receiver compares it with its own
        # clock (a test's hand-moved clock would make every message look stale).
        signed_at = datetime.now(UTC)
        headers = {
            "content-type": "application/json",
            **signature_headers(
                delivery.message_id, signed_at, delivery.body,
                service.signing_secrets(endpoint, self._clock()),
            ),
        }  # fmt: skip
        started = time.monotonic()
        status: int | None = None
        error: str | None = None
        try:
            request = self._client.build_request(
                "POST", endpoint.url, content=delivery.body.encode(), headers=headers
            )
            # The answer's body is not read: only its status counts, and a receiver that
            # streams a large page back cannot hold the sender.
            async with asyncio.timeout(self._timeout):  # the whole exchange, not each phase
                response = await self._client.send(request, stream=True)
                status = response.status_code
                await response.aclose()
        except TimeoutError:
            error = f"TimeoutError: no answer within {self._timeout:g} s"
        except httpx.HTTPError as exc:
            error = error_text(exc)
        except Exception as exc:  # a URL httpx cannot use, and the like: logged on the row
            log.warning("webhook %s: sending failed", endpoint.id, exc_info=True)
            error = error_text(exc)
        duration_ms = int((time.monotonic() - started) * 1000)
        return service.Outcome(status_code=status, error=error, duration_ms=duration_ms)


# The running app's sender (set in the lifespan), for tests that park it.
_sender: WebhookSender | None = None


def install(sender: WebhookSender | None) -> None:
    global _sender
    _sender = sender
    service.install(sender.nudge if sender is not None else None)


def installed() -> WebhookSender | None:
    return _sender
