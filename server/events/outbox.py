"""Recording domain events in the writer's own transaction.

`record(conn, *events, subject=...)` writes one `DomainEvent` row per event inside `conn`'s
transaction, so the change and its events commit (or roll back) together; the relay
(`relay.py`) takes them from there once committed. Rows get increasing ids in commit order for
writes that hold the same row lock (every write of one ticket or one conversation does), which
is the order listeners see them in.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, cast

from tortoise import fields
from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.models import Model

from server.events.actor import Actor
from server.events.model import Event, Subject


class DomainEvent(Model):
    """A committed domain event not yet handed to the listeners."""

    id = fields.BigIntField(primary_key=True)
    type = fields.CharField(max_length=64)
    # The subject's kind and id as columns too, so a write can find its subject's events that
    # are committed but not yet relayed (collision control does).
    subject_kind = fields.CharField(max_length=32)
    subject_id = fields.BigIntField()
    subject: dict = fields.JSONField()
    # Who made the change (`Actor.to_json()`), where the writer said.
    actor: dict | None = fields.JSONField(null=True)
    payload: dict = fields.JSONField()
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "domain_event"
        indexes = (("subject_kind", "subject_id"),)


async def record(
    conn: BaseDBAsyncClient, *events: Event, subject: Subject, actor: Actor | None = None
) -> None:
    """Write `events` about `subject`, made by `actor`, as outbox rows in `conn`'s (the
    caller's) transaction."""
    await record_each(conn, [(event, subject) for event in events], actor=actor)


async def record_each(
    conn: BaseDBAsyncClient,
    items: Iterable[tuple[Event, Subject]],
    *,
    actor: Actor | None = None,
) -> None:
    """Write events about several subjects at once (one insert), in `conn`'s transaction."""
    made_by = actor.to_json() if actor is not None else None
    rows = [
        DomainEvent(
            type=event.type,
            subject_kind=subject.kind,
            subject_id=subject.id,
            subject=subject.to_json(),
            actor=made_by,
            payload=event.payload(),
        )
        for event, subject in items
    ]
    if rows:
        await DomainEvent.bulk_create(rows, using_db=conn)


async def unrelayed(
    conn: BaseDBAsyncClient, *, kind: str, subject_id: int, type: str
) -> list[dict[str, Any]]:
    """Payloads of `type` about one subject that are committed but not yet relayed."""
    rows = await (
        DomainEvent.filter(subject_kind=kind, subject_id=subject_id, type=type)
        .using_db(conn)
        .order_by("id")
        .values_list("payload", flat=True)
    )
    return cast(list[dict[str, Any]], list(rows))
