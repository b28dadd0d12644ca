"""Listing tickets (filters, sorting, pages) and ticket statistics, through the HTTP routes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import httpx
import pytest
from tortoise import connections
from tortoise.transactions import in_transaction

from server.accounts.models import Role
from server.accounts.principal import Principal
from server.errors import ValidationFailed
from server.tickets import queries, service
from server.tickets.lookups import LoadedTicket
from server.tickets.models import TicketStatus
from server.tickets.schemas import TicketListQuery
from tests.conftest import BACKEND
from tests.factories import Team, make_ticket


@dataclass
class Board:
    """Five tickets with different statuses, priorities, assignees, categories and tags.

    | n | subject         | status              | priority | assignee | category | tags        |
    | 1 | Printer jammed  | NEW                 | LOW      | -        | hardware | printer     |
    | 2 | Refund please   | OPEN                | CRITICAL | agent    | billing  | billing vip |
    | 3 | VPN down        | IN_PROGRESS         | HIGH     | admin    | -        | vpn         |
    | 4 | Password reset  | RESOLVED            | MEDIUM   | -        | -        | -           |
    | 5 | 50% discount?   | WAITING_ON_CUSTOMER | URGENT   | -        | billing  | -           |
    """

    team: Team
    tickets: list[LoadedTicket]

    def ref(self, n: int) -> str:
        return f"TKT-{n:05d}"


@pytest.fixture
async def board(team: Team) -> Board:
    p = team.agent_principal
    tickets = [
        await make_ticket(
            p,
            subject="Printer jammed",
            priority="LOW",
            category="hardware",
            tags=["printer"],
            requester_email="Ann.Smith@Example.com",
        ),
        await make_ticket(
            p,
            subject="Refund please",
            description="I was charged twice.",
            priority="CRITICAL",
            category="billing",
            tags=["billing", "vip"],
            assignee_id=team.agent.id,
        ),
        await make_ticket(p, subject="VPN down", priority="HIGH", tags=["vpn"]),
        await make_ticket(p, subject="Password reset", priority="MEDIUM"),
        await make_ticket(p, subject="50% discount?", priority="URGENT", category="billing"),
    ]
    await service.assign_ticket(principal=p, ref="TKT-00003", agent_id=team.admin.id)
    for ref, status in [
        ("TKT-00002", TicketStatus.OPEN),
        ("TKT-00003", TicketStatus.IN_PROGRESS),
        ("TKT-00004", TicketStatus.RESOLVED),
        ("TKT-00005", TicketStatus.WAITING_ON_CUSTOMER),
    ]:
        await service.change_status(principal=p, ref=ref, status=status)
    return Board(team=team, tickets=tickets)


async def _list(
    client: httpx.AsyncClient, headers: dict[str, str], params: Any = None
) -> dict[str, Any]:
    response = await client.get("/api/tickets", headers=headers, params=params)
    assert response.status_code == 200, response.text
    return response.json()


async def _numbers(client: httpx.AsyncClient, board: Board, params: Any = None) -> list[int]:
    page = await _list(client, board.team.agent_headers, params)
    return [item["number"] for item in page["items"]]


async def test_envelope_and_default_order(client: httpx.AsyncClient, board: Board) -> None:
    page = await _list(client, board.team.agent_headers)
    assert set(page) == {"items", "total", "totalExact", "page", "pageSize"}
    assert page["totalExact"] is True
    assert (page["total"], page["page"], page["pageSize"]) == (5, 1, 25)
    assert [item["reference"] for item in page["items"]] == [board.ref(n) for n in (5, 4, 3, 2, 1)]
    second = page["items"][3]
    assert second["tags"] == ["billing", "vip"]
    assert second["assigneeName"] == "Bob Agent"


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"status": "NEW"}, [1]),
        ([("status", "NEW"), ("status", "OPEN")], [2, 1]),
        ({"status": "NEW,OPEN"}, [2, 1]),
        ({"status": "NEW, RESOLVED ,CLOSED"}, [4, 1]),
        ({"status": "CLOSED"}, []),
        ({"priority": "LOW,CRITICAL"}, [2, 1]),
        ([("priority", "HIGH"), ("priority", "URGENT")], [5, 3]),
        ({"assignee": "none"}, [5, 4, 1]),
        ({"category": "billing"}, [5, 2]),
        ({"tag": "VIP"}, [2]),
        ({"tag": "printer"}, [1]),
        ({"tag": "nope"}, []),
        ({"requesterEmail": "ANN.SMITH@example.COM"}, [1]),
        ({"q": "refund"}, [2]),
        ({"q": "CHARGED TWICE"}, [2]),
        ({"q": "3"}, [3]),
        ({"q": "TKT-00004"}, [4]),
        ({"q": "tkt-4"}, [4]),
        ({"q": "%"}, [5]),
        ({"q": "_"}, []),
        ({"status": "NEW,OPEN", "priority": "CRITICAL"}, [2]),
        ({"category": "billing", "assignee": "none"}, [5]),
    ],
)
async def test_filters(
    client: httpx.AsyncClient, board: Board, params: Any, expected: list[int]
) -> None:
    assert await _numbers(client, board, params) == expected


async def test_assignee_me_and_by_id(client: httpx.AsyncClient, board: Board) -> None:
    team = board.team
    assert await _numbers(client, board, {"assignee": "me"}) == [2]
    admin_view = await _list(client, team.admin_headers, {"assignee": "me"})
    assert [i["number"] for i in admin_view["items"]] == [3]
    assert await _numbers(client, board, {"assignee": str(team.admin.id)}) == [3]
    assert await _numbers(client, board, {"assignee": "999999999"}) == []


async def test_assignee_me_needs_an_agent(board: Board) -> None:
    api_key = Principal(organization_id=board.team.org.id, role=Role.ADMIN, name="API key")
    with pytest.raises(ValidationFailed) as caught:
        await queries.list_tickets(
            principal=api_key, query=TicketListQuery.model_validate({"assignee": "me"})
        )
    assert caught.value.fields == {"assignee": "`me` needs an agent login."}


async def test_created_date_filters_cover_whole_days(
    client: httpx.AsyncClient, board: Board
) -> None:
    first_day = board.tickets[0].ticket.created_at.astimezone(UTC).date()
    last_day = board.tickets[-1].ticket.created_at.astimezone(UTC).date()
    everything = [5, 4, 3, 2, 1]
    days = {"createdFrom": first_day.isoformat(), "createdTo": last_day.isoformat()}
    assert await _numbers(client, board, days) == everything
    # A bare date as the upper bound includes that whole day (it used to mean midnight).
    assert await _numbers(client, board, {"createdTo": last_day.isoformat()}) == everything
    before = (first_day - timedelta(days=1)).isoformat()
    assert await _numbers(client, board, {"createdTo": before}) == []
    after = (last_day + timedelta(days=1)).isoformat()
    assert await _numbers(client, board, {"createdFrom": after}) == []
    assert await _numbers(client, board, {"createdTo": "9999-12-31"}) == everything
    assert await _numbers(client, board, {"createdFrom": "0001-01-01"}) == everything


async def test_created_moment_filters_are_inclusive(
    client: httpx.AsyncClient, board: Board
) -> None:
    middle = board.tickets[2].ticket.created_at.astimezone(UTC)
    assert await _numbers(client, board, {"createdFrom": middle.isoformat()}) == [5, 4, 3]
    assert await _numbers(client, board, {"createdTo": middle.isoformat()}) == [3, 2, 1]
    elsewhere = middle.astimezone(timezone(timedelta(hours=5, minutes=30))).isoformat()
    assert await _numbers(client, board, {"createdFrom": elsewhere}) == [5, 4, 3]
    naive = middle.replace(tzinfo=None).isoformat()  # naive moments are UTC
    assert await _numbers(client, board, {"createdTo": naive}) == [3, 2, 1]


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("created", [1, 2, 3, 4, 5]),
        ("-created", [5, 4, 3, 2, 1]),
        # By severity, not alphabetically (which would be CRITICAL, HIGH, LOW, ...).
        ("priority", [1, 4, 3, 5, 2]),
        ("-priority", [2, 5, 3, 4, 1]),
        # In workflow order: NEW, OPEN, IN_PROGRESS, WAITING_ON_CUSTOMER, ..., RESOLVED.
        ("status", [1, 2, 3, 5, 4]),
        ("-status", [4, 5, 3, 2, 1]),
    ],
)
async def test_sorting(
    client: httpx.AsyncClient, board: Board, sort: str, expected: list[int]
) -> None:
    assert await _numbers(client, board, {"sort": sort}) == expected


async def test_sorting_by_update_time(client: httpx.AsyncClient, board: Board) -> None:
    response = await client.patch(
        f"/api/tickets/{board.ref(1)}",
        headers=board.team.agent_headers,
        json={"subject": "Printer jammed again"},
    )
    assert response.status_code == 200
    assert (await _numbers(client, board, {"sort": "-updated"}))[0] == 1
    assert (await _numbers(client, board, {"sort": "updated"}))[-1] == 1


async def test_pagination(client: httpx.AsyncClient, board: Board) -> None:
    pages = [
        await _list(client, board.team.agent_headers, {"pageSize": 2, "page": page})
        for page in (1, 2, 3, 4)
    ]
    assert [[i["number"] for i in p["items"]] for p in pages] == [[5, 4], [3, 2], [1], []]
    assert [(p["total"], p["page"], p["pageSize"]) for p in pages] == [
        (5, 1, 2),
        (5, 2, 2),
        (5, 3, 2),
        (5, 4, 2),
    ]
    filtered = await _list(
        client, board.team.agent_headers, {"category": "billing", "pageSize": 1, "page": 2}
    )
    assert filtered["total"] == 2
    assert [i["number"] for i in filtered["items"]] == [2]


async def test_other_organisations_tickets_are_never_listed(
    client: httpx.AsyncClient, board: Board, other_team: Team
) -> None:
    await make_ticket(other_team.agent_principal, subject="Refund please")
    assert await _numbers(client, board, {"q": "refund"}) == [2]
    theirs = await _list(client, other_team.agent_headers)
    assert theirs["total"] == 1
    assert theirs["items"][0]["requesterName"] == "Rita Requester"


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("colour=red", "colour"),
        ("status=NEW&colour=red", "colour"),
        ("status=FOO", "status.0"),
        ("status=NEW,nope", "status.1"),
        ("status=new", "status.0"),
        ("priority=bar", "priority.0"),
        ("sort=subject", "sort"),
        ("page=0", "page"),
        ("page=abc", "page"),
        ("page=100001", "page"),
        ("pageSize=101", "pageSize"),
        ("pageSize=0", "pageSize"),
        ("page=99999999999999999999999", "page"),
        ("assignee=bob", "assignee"),
        ("assignee=99999999999999999", "assignee"),
        ("createdFrom=yesterday", "createdFrom"),
        ("createdTo=2024-02-30", "createdTo"),
        ("createdFrom=0001-01-01T00:00:00%2B05:00", "createdFrom"),
        ("createdFrom=", "createdFrom"),
        ("q=" + "x" * 201, "q"),
    ],
)
async def test_bad_query_parameters_are_422(
    client: httpx.AsyncClient, team: Team, query: str, field: str
) -> None:
    response = await client.get(f"/api/tickets?{query}", headers=team.agent_headers)
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == "validation_failed"
    # A union field names the branch too (`createdFrom.date`): the field itself must lead.
    assert any(key == field or key.startswith(field + ".") for key in error["fields"]), error


async def test_listing_needs_a_token(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/tickets")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthenticated"


# --- statistics ----------------------------------------------------------------------------


async def test_stats_of_a_fresh_organisation_are_zero(
    client: httpx.AsyncClient, team: Team
) -> None:
    response = await client.get("/api/tickets/stats", headers=team.agent_headers)
    assert response.status_code == 200
    assert response.json() == {
        "total": 0,
        "byStatus": {status: 0 for status in TicketStatus},
        "byPriority": {"LOW": 0, "MEDIUM": 0, "HIGH": 0, "URGENT": 0, "CRITICAL": 0},
        "unassigned": 0,
        "createdToday": 0,
    }


async def test_stats_count_exactly(
    client: httpx.AsyncClient, board: Board, other_team: Team
) -> None:
    await make_ticket(other_team.agent_principal)  # never counted for the board's org
    await make_ticket(board.team.agent_principal, subject="Dup", priority="LOW")
    await service.change_status(
        principal=board.team.agent_principal, ref="TKT-00006", status=TicketStatus.CANCELLED
    )
    today = datetime.now(UTC).date()
    response = await client.get("/api/tickets/stats", headers=board.team.agent_headers)
    still_today = datetime.now(UTC).date() == today
    stats = response.json()
    assert stats["total"] == 6
    assert stats["byStatus"] == {
        "NEW": 1,
        "OPEN": 1,
        "IN_PROGRESS": 1,
        "WAITING_ON_CUSTOMER": 1,
        "WAITING_ON_THIRD_PARTY": 0,
        "RESOLVED": 1,
        "CLOSED": 0,
        "CANCELLED": 1,
    }
    assert stats["byPriority"] == {"LOW": 2, "MEDIUM": 1, "HIGH": 1, "URGENT": 1, "CRITICAL": 1}
    # Unassigned working tickets: 1 (NEW) and 5 (WAITING); 4 is resolved, 6 cancelled.
    assert stats["unassigned"] == 2
    if still_today:  # the clock did not cross midnight UTC during the test
        created = [t.ticket.created_at.astimezone(UTC).date() for t in board.tickets]
        assert stats["createdToday"] == sum(1 for d in created if d == today) + 1


async def test_stats_route_is_not_a_ticket_reference(client: httpx.AsyncClient, team: Team) -> None:
    response = await client.patch(
        "/api/tickets/stats", headers=team.agent_headers, json={"subject": "x"}
    )
    assert response.status_code == 404


async def test_the_total_stops_counting_past_the_limit(
    client: httpx.AsyncClient, team: Team, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Past COUNT_LIMIT matches the total is a lower bound, flagged inexact; paging goes on."""
    monkeypatch.setattr(queries, "COUNT_LIMIT", 3)
    for i in range(5):
        await make_ticket(team.agent_principal, subject=f"Many {i}")
    capped = await _list(client, team.agent_headers, {"pageSize": "2", "page": "3"})
    assert (capped["total"], capped["totalExact"]) == (3, False)
    assert [i["subject"] for i in capped["items"]] == ["Many 0"]  # the 5th, beyond the count
    exact = await _list(client, team.agent_headers, {"q": "Many 4"})
    assert (exact["total"], exact["totalExact"]) == (1, True)
    monkeypatch.setattr(queries, "COUNT_LIMIT", 5)
    at_limit = await _list(client, team.agent_headers, {})
    assert (at_limit["total"], at_limit["totalExact"]) == (5, True)


@pytest.mark.postgres
async def test_text_search_keeps_postgres_off_sequential_scans_for_its_transaction_only(
    app: Any,
) -> None:
    if BACKEND != "postgres":
        pytest.skip("the session app runs on SQLite in this pass")
    async with in_transaction() as conn:
        await queries._prefer_trigram_indexes(conn)
        _, inside = await conn.execute_query("SHOW enable_seqscan")
    _, after = await connections.get("default").execute_query("SHOW enable_seqscan")
    assert (inside[0]["enable_seqscan"], after[0]["enable_seqscan"]) == ("off", "on")
