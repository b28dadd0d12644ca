"""The outbox of the release before the event spine, drained for one release.

That release wrote pushes per channel (`outbox_event`: channel, event, data). During a rolling
upgrade its processes keep writing there while new ones run, and rows it left unrelayed (Redis
was down) are still there after it stops: the relay's sweep (every second) drains them too,
in the same locked transaction as its own rows, so an upgrade loses no event. Remove this
module, and the table in a migration, in the release after the spine's.
"""

from __future__ import annotations

import json
from typing import Any

from tortoise import fields
from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.models import Model

from server.push.listener import Publish

BATCH_SIZE = 200


class OutboxEvent(Model):
    """A push of the previous release: one channel, one event, its wire data."""

    id = fields.BigIntField(primary_key=True)
    channel = fields.CharField(max_length=200)
    event = fields.CharField(max_length=64)
    data: dict = fields.JSONField()
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "outbox_event"


class LegacyOutboxDrain:
    """Called by the relay inside its locked transaction: publishes and deletes old rows."""

    def __init__(self, publish: Publish) -> None:
        self._publish = publish

    async def __call__(self, conn: BaseDBAsyncClient) -> int:
        rows = await OutboxEvent.all().using_db(conn).order_by("id").limit(BATCH_SIZE)
        for row in rows:
            await self._publish(row.channel, row.event, _json(row.data))
        if rows:
            await OutboxEvent.filter(id__in=[r.id for r in rows]).using_db(conn).delete()
        return len(rows)


def _json(value: Any) -> dict[str, Any]:
    return json.loads(value) if isinstance(value, str | bytes) else dict(value)
