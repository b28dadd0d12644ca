"""Starting the spine in one process: the relay with its listeners, and the delivery worker."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from server.events import relay as relay_module
from server.events.deliveries import DeliveryWorker, DurableListener
from server.events.relay import Drain, Listener, Reactor, Relay, database_is_postgres


@dataclass
class Spine:
    relay: Relay
    worker: DeliveryWorker | None

    async def stop(self) -> None:
        relay_module.install(None)
        await self.relay.stop()
        if self.worker is not None:
            await self.worker.stop()


async def start_spine(
    listeners: Sequence[Listener],
    durable: Sequence[DurableListener] = (),
    also_drain: Sequence[Drain] = (),
    reactors: Sequence[Reactor] = (),
) -> Spine:
    """Start the relay (and, when there are durable listeners, their worker); then relay at
    once whatever was committed while no server ran (or by a process that died)."""
    postgres = database_is_postgres()
    worker = DeliveryWorker(durable, postgres=postgres) if durable else None
    relay = Relay(
        listeners,
        durable=durable,
        postgres=postgres,
        on_durable_queued=worker.nudge if worker is not None else None,
        also_drain=also_drain,
        reactors=reactors,
    )
    relay_module.install(relay)
    relay.start()
    if worker is not None:
        worker.start()
    await relay.flush()
    return Spine(relay=relay, worker=worker)
