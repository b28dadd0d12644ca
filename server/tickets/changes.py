"""Changing a locked ticket inside the caller's transaction, and the audit trail it leaves.

Each `apply_*` changes the in-memory ticket (the caller saves it once) and adds what it did
to an `AuditTrail`, whose rows are written in one INSERT when the caller is done.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, cast

from tortoise.backends.base.client import BaseDBAsyncClient

from server.accounts.models import Agent, Organization
from server.events.actor import Actor
from server.tickets import sla, workflow
from server.tickets.models import (
    ActivityType,
    Ticket,
    TicketActivity,
    TicketPriority,
    TicketStatus,
    TicketTag,
)


def now() -> datetime:
    return datetime.now(UTC)


def change(before: Any, after: Any) -> dict[str, Any]:
    return {"from": before, "to": after}


class AuditTrail:
    """TicketActivity rows collected during one write, saved together in order."""

    def __init__(self, actor: Actor) -> None:
        self.actor = actor
        self.rows: list[TicketActivity] = []

    def add(
        self,
        ticket: Ticket,
        kind: ActivityType,
        description: str,
        changes: dict[str, Any] | None = None,
    ) -> None:
        self.rows.append(
            TicketActivity(
                ticket_id=ticket.id,
                type=kind,
                description=description,
                changes=changes or {},
                performed_by_type=self.actor.author_type,
                performed_by_id=self.actor.id,
                performed_by_name=self.actor.name,
            )
        )

    async def save(self, conn: BaseDBAsyncClient) -> None:
        if self.rows:
            await TicketActivity.bulk_create(self.rows, using_db=conn)
            self.rows = []


def apply_status(trail: AuditTrail, ticket: Ticket, target: TicketStatus) -> bool:
    """Move `ticket` to `target`; False when it already is there. The workflow applies."""
    current = TicketStatus(ticket.status)
    if current == target:
        return False
    workflow.check_transition(current, target)
    moment = now()
    if target is TicketStatus.RESOLVED:
        ticket.resolved_at = moment
    elif target is TicketStatus.CLOSED:
        ticket.closed_at = moment
        ticket.resolved_at = ticket.resolved_at or moment
    elif current in workflow.TERMINAL:
        ticket.resolved_at = None
        ticket.closed_at = None
    ticket.status = target
    trail.add(
        ticket,
        workflow.activity_for(current, target),
        f"Status changed from {current} to {target}.",
        {"status": change(str(current), str(target))},
    )
    return True


def apply_priority(
    trail: AuditTrail, ticket: Ticket, org: Organization, target: TicketPriority
) -> bool:
    """Change the priority and the SLA due dates not yet met."""
    current = TicketPriority(ticket.priority)
    if current == target:
        return False
    ticket.priority = target
    first_due, resolution_due = sla.due_dates(
        settings=org.settings or {}, priority=target, start=ticket.created_at
    )
    # A target already met keeps the due date it was met against.
    if ticket.first_response_at is None:
        ticket.first_response_due_at = first_due
    if ticket.resolved_at is None:
        ticket.resolution_due_at = resolution_due
    trail.add(
        ticket,
        ActivityType.PRIORITY_CHANGED,
        f"Priority changed from {current} to {target}.",
        {"priority": change(str(current), str(target))},
    )
    return True


async def apply_assignee(
    trail: AuditTrail, ticket: Ticket, agent: Agent | None, conn: BaseDBAsyncClient
) -> bool:
    """Assign to `agent` (None unassigns); the trail names the previous and new assignee."""
    if ticket.assignee_id == (agent.id if agent else None):
        return False
    previous = None
    if ticket.assignee_id is not None:
        rows = await Agent.filter(id=ticket.assignee_id).using_db(conn).values_list("name")
        previous = {"id": ticket.assignee_id, "name": rows[0][0]} if rows else None
    after = {"id": agent.id, "name": agent.name} if agent else None
    ticket.assignee_id = agent.id if agent else None
    ticket.assigned_at = now() if agent else None
    if agent:
        trail.add(
            ticket,
            ActivityType.ASSIGNED,
            f"Assigned to {agent.name}.",
            {"assignee": change(previous, after)},
        )
    else:
        trail.add(
            ticket, ActivityType.UNASSIGNED, "Unassigned.", {"assignee": change(previous, after)}
        )
    return True


async def apply_tags(
    trail: AuditTrail,
    ticket: Ticket,
    conn: BaseDBAsyncClient,
    *,
    add: list[str],
    remove: list[str],
    current: set[str] | None = None,
) -> bool:
    """Add and remove tags; `current` may be given when known (a new ticket has none)."""
    if current is None:
        tag_names = await (
            TicketTag.filter(ticket_id=ticket.id).using_db(conn).values_list("name", flat=True)
        )
        current = set(cast(list[str], tag_names))  # flat=True: the values, not 1-tuples
    added = [t for t in dict.fromkeys(add) if t not in current]
    removed = [t for t in dict.fromkeys(remove) if t in current and t not in added]
    after = sorted((current | set(added)) - set(removed))
    if added:
        await TicketTag.bulk_create(
            [
                TicketTag(ticket_id=ticket.id, organization_id=ticket.organization_id, name=t)
                for t in added
            ],
            using_db=conn,
        )
        trail.add(
            ticket,
            ActivityType.TAG_ADDED,
            f"Tagged {', '.join(added)}.",
            {"tags": change(sorted(current), after)},
        )
    if removed:
        await TicketTag.filter(ticket_id=ticket.id, name__in=removed).using_db(conn).delete()
        trail.add(
            ticket,
            ActivityType.TAG_REMOVED,
            f"Untagged {', '.join(removed)}.",
            {"tags": change(sorted(current), after)},
        )
    return bool(added or removed)
