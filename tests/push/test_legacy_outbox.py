"""The previous release's outbox rows are published and deleted by the new relay, so a rolling
upgrade (old processes still writing them, or rows they left behind) loses no event."""

from __future__ import annotations

import secrets
from typing import Any

from starlette.applications import Starlette

from server.events import relay as relay_module
from server.events.relay import Relay, database_is_postgres
from server.push.legacy_outbox import BATCH_SIZE, LegacyOutboxDrain, OutboxEvent


async def test_old_rows_are_published_in_order_then_deleted(parked: None) -> None:
    key = f"parley:org:{secrets.randbelow(10**6) + 10**8}:queue"
    count = BATCH_SIZE + 3  # more than one batch
    await OutboxEvent.bulk_create(
        [
            OutboxEvent(
                channel=key, event="ticket.deleted", data={"ticketId": i, "reference": f"T-{i}"}
            )
            for i in range(count)
        ]
    )
    published: list[tuple[str, str, dict[str, Any]]] = []

    async def publish(channel: str, event: str, data: dict[str, Any]) -> None:
        published.append((channel, event, data))

    relay = Relay([], postgres=database_is_postgres(), also_drain=[LegacyOutboxDrain(publish)])
    assert await relay.flush(sweeping=True) is True
    ours = [p for p in published if p[0] == key]
    assert [p[2]["ticketId"] for p in ours] == list(range(count))
    assert ours[0] == (key, "ticket.deleted", {"ticketId": 0, "reference": "T-0"})
    assert not await OutboxEvent.filter(channel=key).exists()


async def test_the_apps_sweep_drains_the_old_outbox(app: Starlette) -> None:
    key = f"parley:org:{secrets.randbelow(10**6) + 10**8}:queue"
    row = await OutboxEvent.create(channel=key, event="ticket.deleted", data={"ticketId": 1})
    app_relay = relay_module._relay
    assert app_relay is not None
    await app_relay.sweep()  # the sweeper job, every second
    assert not await OutboxEvent.filter(id=row.id).exists()
