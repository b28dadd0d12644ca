"""The transactional outbox: events written in the same transaction as the change they announce.

A service that changes data stages the events it must publish as `OutboxEvent` rows inside
its own transaction, so the change and its announcement commit (or roll back) together. After
the commit the relay (`server/channels/outbox.py`) appends them to channel history, which
publishes them, and deletes the rows. If the broadcast backend is down, the rows wait and
are relayed, in commit order, once it is back: an event is never lost between the database
and the stream.
"""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


class OutboxEvent(Model):
    id = fields.BigIntField(primary_key=True)
    # The internal channel key (`names.Channel.key`) or `names.CONTROL_KEY`.
    channel = fields.CharField(max_length=200)
    event = fields.CharField(max_length=64)
    data: dict = fields.JSONField()
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "outbox_event"
