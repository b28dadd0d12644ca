"""Staging events in the writer's transaction, and relaying them once committed.

Services call `stage(deliveries, conn)` inside their transaction and `await relayed()` after
it commits. The relay appends each staged row to its channel's history (which publishes it)
and deletes it, in id order, under a lock so only one relayer runs at a time across every
process (a PostgreSQL advisory lock; the embedded mode is one process, an asyncio lock).

Guarantees (documented in docs/realtime.md):
- an event is published only if its transaction committed, and every committed event is
  published: if the backend is down, the rows wait and the sweeper relays them once it is
  back (at least once: a relay interrupted between publishing and deleting publishes again);
- events of one ticket are published in commit order (its writes hold the ticket's row lock,
  so their rows get increasing ids and commit in that order).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Iterable
from typing import TYPE_CHECKING, Any

from tortoise import connections
from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from server.channels import names
from server.channels.models import OutboxEvent

if TYPE_CHECKING:
    from server.channels.audiences import Delivery

log = logging.getLogger(__name__)

Publish = Callable[[str, str, dict[str, Any]], Awaitable[object]]

BATCH_SIZE = 200
# Any constant works; it names "the outbox relay" among PostgreSQL advisory locks.
ADVISORY_LOCK_KEY = 0x7061726C6579  # "parley"
# A backend that hangs (not refusing, just not answering) must not hang the request that
# committed: past this the flush gives up and the rows wait for the sweeper.
FLUSH_TIMEOUT_SECONDS = 5.0
# How long a flush waits for another process's relay to let go before leaving its rows to
# the sweeper (the other relay keeps reading until the outbox is empty, so this is rare).
LOCK_WAIT_SECONDS = 1.0
CONTROL_EVENT = "control"


async def stage(deliveries: Iterable[Delivery], conn: BaseDBAsyncClient) -> None:
    """Write the deliveries as outbox rows in `conn`'s (the caller's) transaction."""
    rows = [
        OutboxEvent(
            channel=d.channel.key,
            event=d.payload.type,  # type: ignore[attr-defined]
            data=d.payload.model_dump(mode="json", by_alias=True, exclude={"type"}),
        )
        for d in deliveries
    ]
    if rows:
        await OutboxEvent.bulk_create(rows, using_db=conn)


async def stage_control(message: dict[str, Any], conn: BaseDBAsyncClient | None = None) -> None:
    """A control message for every process (e.g. a revoked token), in the caller's transaction."""
    await OutboxEvent.create(
        channel=names.CONTROL_KEY, event=CONTROL_EVENT, data=message, using_db=conn
    )


class Relay:
    """Moves committed outbox rows to the broadcast backend (`publish(key, event, data)`)."""

    def __init__(
        self,
        publish: Publish,
        *,
        postgres: bool,
        sweep_interval: float = 1.0,
        timeout: float = FLUSH_TIMEOUT_SECONDS,
    ) -> None:
        self._publish = publish
        self._timeout = timeout
        self._postgres = postgres
        self._sweep_interval = sweep_interval
        self._lock = asyncio.Lock()
        self._sweeper: asyncio.Task[None] | None = None
        self.relayed = 0
        self.failures = 0

    def start(self) -> None:
        self._sweeper = asyncio.create_task(self._sweep(), name="outbox-sweeper")

    async def stop(self) -> None:
        if self._sweeper is not None:
            self._sweeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._sweeper
            self._sweeper = None

    async def flush(self) -> bool:
        """Relay everything committed so far. False when it could not (the rows wait)."""
        deadline = asyncio.get_running_loop().time() + LOCK_WAIT_SECONDS
        async with self._lock:
            while True:
                try:
                    async with asyncio.timeout(self._timeout):
                        done = await self._drain()
                except Exception:
                    self.failures += 1
                    log.warning("outbox relay failed; events will be retried", exc_info=True)
                    return False
                if done is not None:
                    return done
                if asyncio.get_running_loop().time() >= deadline:
                    return False
                await asyncio.sleep(0.01)

    async def _drain(self) -> bool | None:
        """Relay batches until the outbox is empty (True); None if another process relays."""
        while True:
            async with in_transaction() as conn:
                if self._postgres and not await _try_lock(conn):
                    return None
                rows = await OutboxEvent.all().using_db(conn).order_by("id").limit(BATCH_SIZE)
                if not rows:
                    return True
                for row in rows:
                    await self._publish(row.channel, row.event, row.data)
                await OutboxEvent.filter(id__in=[r.id for r in rows]).using_db(conn).delete()
                self.relayed += len(rows)
            if len(rows) < BATCH_SIZE:
                return True

    async def _sweep(self) -> None:
        delay = self._sweep_interval
        while True:
            await asyncio.sleep(delay)
            ok = await self.flush()
            # Back off while the backend is down, so a dead Redis is not hammered.
            delay = self._sweep_interval if ok else min(delay * 2, 30.0)


async def _try_lock(conn: BaseDBAsyncClient) -> bool:
    rows = await conn.execute_query_dict(
        "SELECT pg_try_advisory_xact_lock($1) AS got", [ADVISORY_LOCK_KEY]
    )
    return bool(rows[0]["got"])


# The running app's relay (set in the lifespan). Services call `relayed()` after commit; with
# no app running (CLI, a script) the rows wait for the next server to relay them.
_relay: Relay | None = None


def install(relay: Relay | None) -> None:
    global _relay
    _relay = relay


async def relayed() -> None:
    """After a commit: publish what the transaction staged (never raises: rows would wait)."""
    if _relay is not None:
        await _relay.flush()


def database_is_postgres() -> bool:
    return connections.get("default").capabilities.dialect == "postgres"
