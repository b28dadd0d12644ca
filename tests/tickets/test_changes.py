"""changes: applying changes to a locked ticket and the audit trail they leave."""

from __future__ import annotations

import pytest
from tortoise.transactions import in_transaction

from server.errors import InvalidTransition
from server.tickets.changes import (
    AuditTrail,
    apply_assignee,
    apply_priority,
    apply_status,
    apply_tags,
)
from server.tickets.models import (
    ActivityType,
    Ticket,
    TicketActivity,
    TicketPriority,
    TicketStatus,
)
from tests.factories import Team, make_ticket


async def _ticket(team: Team, **overrides: object) -> Ticket:
    loaded = await make_ticket(team.agent_principal, **overrides)
    return await Ticket.get(id=loaded.ticket.id)


async def test_nothing_changed_leaves_no_trail(team: Team) -> None:
    ticket = await _ticket(team, priority="HIGH", tags=["a"])
    trail = AuditTrail(team.agent_principal.actor)
    assert not apply_status(trail, ticket, TicketStatus.NEW)
    assert not apply_priority(trail, ticket, team.org, TicketPriority.HIGH)
    async with in_transaction() as conn:
        assert not await apply_assignee(trail, ticket, None, conn)
        assert not await apply_tags(trail, ticket, conn, add=["a"], remove=["zzz"])
    assert trail.rows == []


async def test_a_refused_transition_changes_nothing(team: Team) -> None:
    ticket = await _ticket(team)
    trail = AuditTrail(team.agent_principal.actor)
    apply_status(trail, ticket, TicketStatus.CLOSED)
    with pytest.raises(InvalidTransition):
        apply_status(trail, ticket, TicketStatus.IN_PROGRESS)
    assert ticket.status == TicketStatus.CLOSED
    assert [r.type for r in trail.rows] == [ActivityType.CLOSED]


async def test_the_trail_is_saved_in_order_with_who_did_it(team: Team) -> None:
    ticket = await _ticket(team)
    trail = AuditTrail(team.admin_principal.actor)
    async with in_transaction() as conn:
        apply_status(trail, ticket, TicketStatus.IN_PROGRESS)
        apply_priority(trail, ticket, team.org, TicketPriority.URGENT)
        await apply_assignee(trail, ticket, team.agent, conn)
        await apply_tags(trail, ticket, conn, add=["vip"], remove=[])
        await ticket.save(using_db=conn)
        await trail.save(conn)
    assert trail.rows == []  # saved once, then emptied
    rows = await TicketActivity.filter(ticket_id=ticket.id).order_by("id")
    assert [r.type for r in rows][-4:] == [
        ActivityType.STATUS_CHANGED,
        ActivityType.PRIORITY_CHANGED,
        ActivityType.ASSIGNED,
        ActivityType.TAG_ADDED,
    ]
    assert {(r.performed_by_id, r.performed_by_name) for r in rows[-4:]} == {
        (team.admin.id, team.admin.name)
    }
    assert rows[-2].changes == {
        "assignee": {"from": None, "to": {"id": team.agent.id, "name": team.agent.name}}
    }
    assert rows[-1].changes == {"tags": {"from": [], "to": ["vip"]}}
