"""CSV export: streamed in batches, filtered like the list, safe to open in a spreadsheet."""

from __future__ import annotations

import csv
import io
from typing import Any

import httpx
import pytest

from server.accounts import sessions
from server.accounts.models import Role
from server.accounts.principal import Principal
from server.errors import ValidationFailed
from server.tickets import queries, service
from server.tickets.models import TicketStatus
from server.tickets.schemas import TicketFilters
from tests.factories import Team, make_ticket

HEADER = [
    "reference", "number", "subject", "status", "priority", "category", "tags",
    "requesterName", "requesterEmail", "assigneeName", "createdAt", "updatedAt",
    "firstResponseDueAt", "firstResponseAt", "resolutionDueAt", "resolvedAt", "closedAt",
    "description",
]  # fmt: skip


async def _export(
    client: httpx.AsyncClient, headers: dict[str, str], params: Any = None
) -> list[dict[str, str]]:
    response = await client.get("/api/tickets/export", headers=headers, params=params)
    assert response.status_code == 200, response.text
    rows = list(csv.reader(io.StringIO(response.text)))
    assert rows[0] == HEADER
    return [dict(zip(HEADER, row, strict=True)) for row in rows[1:]]


async def test_headers_and_one_row_per_ticket(client: httpx.AsyncClient, team: Team) -> None:
    first = await make_ticket(
        team.agent_principal,
        subject="Invoice, missing",
        description='Line one\nLine "two"',
        category="billing",
        tags=["vip", "billing"],
        requester_name="Ann Smith",
        requester_email="Ann@Example.com",
        assignee_id=team.agent.id,
    )
    await make_ticket(team.agent_principal, subject="Second", priority="HIGH")
    response = await client.get("/api/tickets/export", headers=team.agent_headers)
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.headers["content-disposition"] == 'attachment; filename="tickets.csv"'
    assert "content-length" not in response.headers  # streamed, not buffered

    rows = await _export(client, team.agent_headers)
    assert [r["reference"] for r in rows] == ["TKT-00001", "TKT-00002"]
    row = rows[0]
    assert row["number"] == "1"
    assert row["subject"] == "Invoice, missing"
    assert row["description"] == 'Line one\nLine "two"'
    assert row["status"] == "NEW"
    assert row["priority"] == "MEDIUM"
    assert row["category"] == "billing"
    assert row["tags"] == "billing vip"
    assert row["requesterName"] == "Ann Smith"
    assert row["requesterEmail"] == "ann@example.com"
    assert row["assigneeName"] == "Bob Agent"
    assert row["createdAt"] == first.ticket.created_at.isoformat()
    assert row["firstResponseDueAt"] == first.ticket.first_response_due_at.isoformat()
    assert row["resolvedAt"] == ""
    assert rows[1]["category"] == ""
    assert rows[1]["assigneeName"] == ""
    assert rows[1]["priority"] == "HIGH"


async def test_an_empty_export_is_just_the_header(client: httpx.AsyncClient, team: Team) -> None:
    assert await _export(client, team.agent_headers) == []


async def test_filters_apply(client: httpx.AsyncClient, team: Team, other_team: Team) -> None:
    for subject in ("alpha", "beta", "gamma"):
        await make_ticket(team.agent_principal, subject=subject, tags=[subject])
    await make_ticket(other_team.agent_principal, subject="alpha")
    await service.change_status(
        principal=team.agent_principal, ref="TKT-00002", status=TicketStatus.RESOLVED
    )
    rows = await _export(client, team.agent_headers, {"status": "NEW"})
    assert [r["subject"] for r in rows] == ["alpha", "gamma"]
    rows = await _export(client, team.agent_headers, {"q": "alp"})
    assert [r["reference"] for r in rows] == ["TKT-00001"]
    rows = await _export(client, team.agent_headers, {"tag": "beta", "status": "RESOLVED"})
    assert [r["subject"] for r in rows] == ["beta"]


async def test_more_than_one_batch(
    client: httpx.AsyncClient, team: Team, monkeypatch: pytest.MonkeyPatch
) -> None:
    for n in range(7):
        await make_ticket(team.agent_principal, subject=f"Ticket {n}")
    await service.change_status(
        principal=team.agent_principal, ref="TKT-00004", status=TicketStatus.CANCELLED
    )
    batches: list[int] = []
    real_load = queries.load_tickets

    async def counting_load(tickets: list, **kwargs: Any) -> list:
        batches.append(len(tickets))
        return await real_load(tickets, **kwargs)

    monkeypatch.setattr(queries, "EXPORT_BATCH", 2)
    monkeypatch.setattr(queries, "load_tickets", counting_load)
    rows = await _export(client, team.agent_headers)
    assert [r["subject"] for r in rows] == [f"Ticket {n}" for n in range(7)]
    assert batches == [2, 2, 2, 1]

    batches.clear()
    rows = await _export(client, team.agent_headers, {"status": "NEW"})
    assert [r["reference"] for r in rows] == [f"TKT-{n:05d}" for n in (1, 2, 3, 5, 6, 7)]
    assert batches == [2, 2, 2]


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ('=HYPERLINK("http://evil")', '\'=HYPERLINK("http://evil")'),
        ("+1+2", "'+1+2"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("plain = fine", "plain = fine"),
    ],
)
async def test_formula_cells_are_kept_as_text(
    client: httpx.AsyncClient, team: Team, value: str, cell: str
) -> None:
    await make_ticket(
        team.agent_principal,
        subject=value,
        description=value,
        requester_name=value,
        category=value,
    )
    (row,) = await _export(client, team.agent_headers)
    assert row["subject"] == cell
    assert row["description"] == cell
    assert row["requesterName"] == cell
    assert row["category"] == cell


def test_cells_starting_with_tab_or_carriage_return_are_prefixed() -> None:
    assert queries._cell("\t=1") == "'\t=1"
    assert queries._cell("\r=1") == "'\r=1"
    assert queries._cell(None) == ""
    assert queries._cell(42) == "42"


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("sort=created", "sort"),
        ("page=2", "page"),
        ("status=FOO", "status.0"),
        ("assignee=99999999999999", "assignee"),
        ("createdTo=2024-13-01", "createdTo"),
    ],
)
async def test_bad_filters_are_422_before_streaming(
    client: httpx.AsyncClient, team: Team, query: str, field: str
) -> None:
    response = await client.get(f"/api/tickets/export?{query}", headers=team.agent_headers)
    assert response.status_code == 422, response.text
    fields = response.json()["error"]["fields"]
    assert any(key == field or key.startswith(field + ".") for key in fields), fields


async def test_assignee_me_without_an_agent_fails_before_the_stream_starts(
    client: httpx.AsyncClient, team: Team
) -> None:
    """It used to fail after the header row was sent: a broken download, not a 422."""
    api_key = Principal(organization_id=team.org.id, role=Role.ADMIN, name="API key")
    filters = TicketFilters.model_validate({"assignee": "me"})
    with pytest.raises(ValidationFailed):
        queries.export_csv(principal=api_key, filters=filters)  # raises before iterating

    key, _ = await sessions.create_api_key(principal=team.admin_principal, name="reports")
    response = await client.get(
        "/api/tickets/export?assignee=me", headers={"Authorization": f"Bearer {key}"}
    )
    assert response.status_code == 422
    assert response.json()["error"]["fields"] == {"assignee": "`me` needs an agent login."}


async def test_export_needs_a_token(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/tickets/export")
    assert response.status_code == 401
