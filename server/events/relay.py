"""Handing committed domain events to the listeners, in commit order, once.

Services call `await relayed()` after their transaction commits; the sweeper job (`sweep`,
on the scheduler every second) relays whatever is left (a backend that was down, a process
that died between commit and relay). The relay
reads outbox rows in id order under a lock, so one relay runs at a time across every process
(a PostgreSQL advisory lock; the embedded mode is one process, an asyncio lock), and per row:

- calls each in-process listener (`Listener`: pushing to sockets) in order; if one fails,
  the batch stays in the outbox and is relayed again later (at least once, never out of order);
- writes a delivery row for each durable listener that wants the event (`deliveries.py`), in
  the same transaction that deletes the outbox row, so a durable listener gets every event
  exactly once into its queue however the process dies.

Guarantees (documented in docs/realtime.md and docs/architecture.md): an event reaches the
listeners only if its transaction committed, and every committed event reaches them; events
of one subject reach them in commit order.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from contextvars import ContextVar
from typing import Protocol

from tortoise import connections
from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from server.events import registry
from server.events.deliveries import DurableListener, queue_deliveries
from server.events.model import Event, Subject
from server.events.outbox import DomainEvent

log = logging.getLogger(__name__)

BATCH_SIZE = 200
# Any constant works; it names "the outbox relay" among PostgreSQL advisory locks.
ADVISORY_LOCK_KEY = 0x7061726C6579  # "parley"
# A backend that hangs (not refusing, just not answering) must not hang the request that
# committed: past this the flush gives up and the rows wait for the sweeper.
FLUSH_TIMEOUT_SECONDS = 5.0
# How long a flush waits for another process's relay to let go before leaving its rows to
# the sweeper (the other relay keeps reading until the outbox is empty, so this is rare).
LOCK_WAIT_SECONDS = 1.0


class Listener(Protocol):
    """Reacts to each committed event in the relay itself, in commit order (e.g. push)."""

    async def handle(self, event: Event, subject: Subject) -> None: ...


class Reactor(Protocol):
    """Acts on a committed batch once it is out of the outbox, before the `relayed()` that
    relayed it returns (e.g. routing waiting chats): a write's follow-up happens before its
    request is answered, and its own events are relayed by the same flush. Returns whether it
    wrote anything (then the flush looks for the events it recorded)."""

    async def react(self, batch: list[tuple[Event, Subject]]) -> bool: ...


class Relay:
    """Moves committed outbox rows to the listeners."""

    def __init__(
        self,
        listeners: Sequence[Listener],
        *,
        durable: Sequence[DurableListener] = (),
        postgres: bool,
        timeout: float = FLUSH_TIMEOUT_SECONDS,
        on_durable_queued: Callback | None = None,
        also_drain: Sequence[Drain] = (),
        reactors: Sequence[Reactor] = (),
    ) -> None:
        self._listeners = list(listeners)
        self._reactors = list(reactors)
        self._also_drain = list(also_drain)
        self._durable = list(durable)
        self._timeout = timeout
        self._postgres = postgres
        self._on_durable_queued = on_durable_queued
        self._lock = asyncio.Lock()
        self._sweeping = False
        self._sweep_backoff = 0.0
        self._sweep_resumes_at = 0.0
        self.relayed = 0
        self.failures = 0

    def start(self) -> None:
        """Let `sweep` relay (the app's scheduler calls it every second)."""
        self._sweeping = True

    async def stop(self) -> None:
        """Make `sweep` do nothing (shutdown; tests that drive a relay of their own)."""
        self._sweeping = False

    async def sweep(self, slot: object = None) -> None:
        """The sweeper job: relay what a failed or missed `relayed()` left. While the backend
        is down it backs off (2 s, 4 s, ... 30 s) so a dead Redis is not hammered."""
        loop = asyncio.get_running_loop()
        if not self._sweeping or loop.time() < self._sweep_resumes_at:
            return
        if await self.flush(sweeping=True):
            self._sweep_backoff = 0.0
        else:
            self._sweep_backoff = min(max(self._sweep_backoff * 2, 2.0), 30.0)
            self._sweep_resumes_at = loop.time() + self._sweep_backoff

    async def flush(self, *, sweeping: bool = False) -> bool:
        """Relay everything committed so far. False when it could not (the rows wait).

        Called again from a reactor (whose own write calls `relayed()`), it returns at once:
        the flush already running in this task relays what the reactor recorded next."""
        if _flushing.get():
            return True
        token = _flushing.set(True)
        try:
            return await self._flush(sweeping)
        finally:
            _flushing.reset(token)

    async def _flush(self, sweeping: bool) -> bool:
        deadline = asyncio.get_running_loop().time() + LOCK_WAIT_SECONDS
        async with self._lock:
            while True:
                try:
                    async with asyncio.timeout(self._timeout):
                        drained = await self._drain_batch(sweeping)
                except Exception:
                    self.failures += 1
                    log.warning("outbox relay failed; events will be retried", exc_info=True)
                    return False
                if drained is None:  # another process relays
                    if asyncio.get_running_loop().time() >= deadline:
                        return False
                    await asyncio.sleep(0.01)
                    continue
                empty, batch = drained
                if batch and self._reactors and await self._react(batch):
                    continue  # the reactors recorded events of their own: relay them too
                if empty:
                    return True

    async def _drain_batch(self, sweeping: bool) -> tuple[bool, list[tuple[Event, Subject]]] | None:
        """Relay one batch: (whether the outbox is now empty, what was relayed); None if
        another process relays. The other tables (`also_drain`: the previous release's
        outbox) are drained by the sweep only: no write of this release adds to them, so a
        request's flush need not look."""
        batch: list[tuple[Event, Subject]] = []
        queued = 0
        async with in_transaction() as conn:
            if self._postgres and not await _try_lock(conn):
                return None
            drained = 0
            for drain in self._also_drain if sweeping else ():
                drained += await drain(conn)
            rows = await DomainEvent.all().using_db(conn).order_by("id").limit(BATCH_SIZE)
            for row in rows:
                parsed = _parse(row)
                if parsed is None:
                    continue
                for listener in self._listeners:
                    await listener.handle(*parsed)
                queued += await queue_deliveries(
                    conn, row.id, *parsed, self._durable, actor=row.actor
                )
                batch.append(parsed)
            if rows:
                await DomainEvent.filter(id__in=[r.id for r in rows]).using_db(conn).delete()
            self.relayed += len(rows)
        if queued and self._on_durable_queued is not None:
            self._on_durable_queued()
        return len(rows) < BATCH_SIZE and not drained, batch

    async def _react(self, batch: list[tuple[Event, Subject]]) -> bool:
        """Hand a committed batch to the reactors (never raises: the events are relayed, and
        each reactor's periodic job catches up on what it missed); whether any wrote."""
        wrote = False
        for reactor in self._reactors:
            try:
                wrote = await reactor.react(batch) or wrote
            except Exception:
                log.warning("reactor %r failed", reactor, exc_info=True)
        return wrote


class Callback(Protocol):
    def __call__(self) -> None: ...


# Another table drained under the relay's lock, in its transaction (the previous release's
# outbox: `server/push/legacy_outbox.py`).
Drain = Callable[[BaseDBAsyncClient], Awaitable[int]]


def _parse(row: DomainEvent) -> tuple[Event, Subject] | None:
    """The row's typed event and subject; None (logged, and the row dropped) for a row no
    registered type can read, which would otherwise block every event after it."""
    try:
        return registry.parse(row.type, row.payload), Subject.from_json(row.subject)
    except Exception:
        log.error(
            "dropping outbox row %s: no registered event type reads it (type %r, subject %r)",
            row.id, row.type, row.subject, exc_info=True,
        )  # fmt: skip
        return None


async def _try_lock(conn: BaseDBAsyncClient) -> bool:
    rows = await conn.execute_query_dict(
        "SELECT pg_try_advisory_xact_lock($1) AS got", [ADVISORY_LOCK_KEY]
    )
    return bool(rows[0]["got"])


# Set while this task runs a flush (a reactor's write calling `relayed()` again).
_flushing: ContextVar[bool] = ContextVar("flushing", default=False)

# The running app's relay (set in the lifespan). Services call `relayed()` after commit; with
# no app running (CLI, a script) the rows wait for the next server to relay them.
_relay: Relay | None = None


def install(relay: Relay | None) -> None:
    global _relay
    _relay = relay


async def relayed() -> None:
    """After a commit: hand what the transaction recorded to the listeners (never raises:
    rows that cannot be relayed now wait for the sweeper)."""
    if _relay is not None:
        await _relay.flush()


def database_is_postgres() -> bool:
    return connections.get("default").capabilities.dialect == "postgres"
