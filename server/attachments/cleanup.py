"""Files leave with what they were attached to, and uploads nobody attached do not stay.

- `TicketFilesCleanup`, a durable listener: when a ticket is deleted, its files are deleted
  (rows, then the bytes nothing else names). Its delivery row is written in the same
  transaction that takes the `ticket.deleted` event out of the outbox, and it is retried until
  it succeeds, so a process that dies in between leaks nothing: another one finishes the work.
  (Attachments sit below tickets in the layers, so the event is matched by its name.)
- `orphan_sweep_job`, hourly on the scheduler: pending uploads older than
  PARLEY_ATTACHMENT_ORPHAN_HOURS go, and so do stored bytes nothing names any more.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from server.attachments import retention
from server.attachments.storage import Storage
from server.events.actor import Actor
from server.events.deliveries import exponential_backoff
from server.events.model import Event, Subject
from server.events.scheduler import Job

TICKET_DELETED = "ticket.deleted"


class TicketFilesCleanup:
    """See the module doc."""

    name = "attachments.ticket_deleted"
    max_attempts = 30

    def __init__(self, storage: Storage) -> None:
        self.storage = storage

    def wants(self, event: Event, subject: Subject) -> bool:
        return event.type == TICKET_DELETED and subject.kind == "ticket"

    def backoff(self, attempt: int) -> timedelta:
        return exponential_backoff(attempt)

    async def deliver(
        self, delivery_id: int, event: Event, subject: Subject, actor: Actor | None = None
    ) -> None:
        await retention.remove_ticket_files(
            organization_id=subject.organization_id,
            ticket_id=subject.id,
            storage=self.storage,
        )


def orphan_sweep_job(storage: Storage, *, orphan_age: timedelta) -> Job:
    async def sweep(slot: datetime) -> None:
        await retention.sweep_orphans(storage=storage, older_than=orphan_age)

    return Job("attachment-sweep", every=timedelta(hours=1), run=sweep, lease=timedelta(minutes=10))
