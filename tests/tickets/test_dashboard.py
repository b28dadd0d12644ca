"""`GET /api/dashboard` (`server/tickets/dashboard.py`): counts, first response, 14 days."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx

from server.tickets import dashboard
from server.tickets.models import Ticket
from tests.factories import Team, make_team, make_ticket


async def test_a_new_organisation_has_an_empty_dashboard(client: httpx.AsyncClient) -> None:
    team = await make_team()
    r = await client.get("/api/dashboard", headers=team.agent_headers)
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["open"], body["resolved"], body["unassigned"], body["createdToday"]) == (
        0, 0, 0, 0,
    )  # fmt: skip
    assert body["averageFirstResponseSeconds"] is None
    days = [d["date"] for d in body["volume"]]
    assert len(days) == 14 and days[-1] == datetime.now(UTC).date().isoformat()
    assert all(d["created"] == 0 and d["resolved"] == 0 for d in body["volume"])


async def test_the_figures_follow_the_tickets(client: httpx.AsyncClient, team: Team) -> None:
    principal = team.agent_principal
    answered = await make_ticket(principal)
    resolved = await make_ticket(principal, assignee_id=team.agent.id)
    await make_ticket(principal)  # open and unassigned
    old = await make_ticket(principal)
    now = datetime.now(UTC)
    # A first response 2 minutes after creation; a ticket created 20 days ago is outside.
    await Ticket.filter(id=answered.ticket.id).update(
        first_response_at=answered.ticket.created_at + timedelta(minutes=2)
    )
    await Ticket.filter(id=old.ticket.id).update(created_at=now - timedelta(days=20))
    r = await client.patch(
        f"/api/tickets/{resolved.reference}/status",
        json={"status": "RESOLVED"},
        headers=team.agent_headers,
    )
    assert r.status_code == 200, r.text

    body = (await client.get("/api/dashboard", headers=team.agent_headers)).json()
    assert body["open"] == 3 and body["resolved"] == 1
    assert body["unassigned"] == 3
    assert body["createdToday"] == 3
    assert body["averageFirstResponseSeconds"] == 120.0
    assert body["volume"][-1] == {"date": now.date().isoformat(), "created": 3, "resolved": 1}
    assert sum(d["created"] for d in body["volume"]) == 3


async def test_days_are_bucketed_by_utc_date(team: Team) -> None:
    principal = team.agent_principal
    loaded = await make_ticket(principal)
    today = datetime.now(UTC).date()
    three_days_ago = datetime.combine(today - timedelta(days=3), datetime.min.time(), UTC)
    await Ticket.filter(id=loaded.ticket.id).update(created_at=three_days_ago + timedelta(hours=23))
    figures = await dashboard.dashboard(principal=principal, today=today)
    by_day = {d.date: d.created for d in figures.volume}
    assert by_day[today - timedelta(days=3)] == 1
    assert by_day[today] == 0


async def test_the_dashboard_is_per_organisation(
    client: httpx.AsyncClient, team: Team, other_team: Team
) -> None:
    await make_ticket(other_team.agent_principal)
    body = (await client.get("/api/dashboard", headers=team.agent_headers)).json()
    assert body["open"] == 0
    assert (await client.get("/api/dashboard")).status_code == 401
