"""Ticket numbers: per organisation, sequential, never shared, safe under concurrency."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from tortoise.transactions import in_transaction

from server.accounts.models import Contact, Organization
from server.tickets import service
from server.tickets.changes import AuditTrail
from server.tickets.models import ActivityType, Ticket
from server.tickets.numbering import format_reference, next_ticket_number
from tests.conftest import BACKEND
from tests.factories import Team, bearer_for, make_agent, make_org, make_ticket
from tests.tickets.helpers import create, requester_email, snapshot

PARALLEL = 50


def test_format_reference_pads_to_five_digits() -> None:
    assert format_reference("TKT", 42) == "TKT-00042"
    assert format_reference("TKT", 1) == "TKT-00001"
    assert format_reference("ACME", 123456) == "ACME-123456"


async def test_next_number_counts_up_in_the_callers_transaction(team: Team) -> None:
    async with in_transaction() as conn:
        first = await next_ticket_number(organization_id=team.org.id, conn=conn)
        second = await next_ticket_number(organization_id=team.org.id, conn=conn)
    assert first == (1, "TKT")
    assert second == (2, "TKT")
    assert await Organization.get(id=team.org.id).values_list("ticket_counter", flat=True) == 2


async def test_numbers_are_sequential_and_per_organisation(team: Team, other_team: Team) -> None:
    mine = [await make_ticket(team.agent_principal) for _ in range(3)]
    theirs = [await make_ticket(other_team.agent_principal) for _ in range(2)]
    assert [t.ticket.number for t in mine] == [1, 2, 3]
    assert [t.reference for t in mine] == ["TKT-00001", "TKT-00002", "TKT-00003"]
    assert [t.ticket.number for t in theirs] == [1, 2]


async def test_the_organisation_prefix_is_used(client: httpx.AsyncClient) -> None:
    org = await make_org(ticket_prefix="ACME")
    agent = await make_agent(org)
    headers = await bearer_for(agent)
    ticket = await create(client, headers)
    assert ticket["reference"] == "ACME-00001"
    assert (await client.get("/api/tickets/ACME-00001", headers=headers)).status_code == 200
    assert (await client.get("/api/tickets/acme-1", headers=headers)).status_code == 200
    assert (await client.get("/api/tickets/TKT-00001", headers=headers)).status_code == 404


async def test_deleted_numbers_are_never_reused(team: Team) -> None:
    await make_ticket(team.agent_principal)
    second = await make_ticket(team.agent_principal)
    await service.delete_ticket(principal=team.admin_principal, ref=second.reference)
    third = await make_ticket(team.agent_principal)
    assert third.reference == "TKT-00003"


async def test_a_failed_create_gives_its_number_back(
    team: Team, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The counter bump, the contact and the ticket roll back together."""
    await make_ticket(team.agent_principal)
    before = await snapshot(team.org.id)
    real_save = AuditTrail.save

    async def failing_save(trail: AuditTrail, conn: Any) -> None:
        # Fails as the last write of the create, after the ticket and its tags are inserted.
        if any(row.type is ActivityType.CREATED for row in trail.rows):
            raise RuntimeError("disk full")
        await real_save(trail, conn)

    monkeypatch.setattr(AuditTrail, "save", failing_save)
    with pytest.raises(RuntimeError, match="disk full"):
        await make_ticket(team.agent_principal, requester_email="new.person@example.com")
    monkeypatch.undo()

    assert await snapshot(team.org.id) == before
    assert not await Contact.filter(organization_id=team.org.id, email="new.person@example.com")
    assert (await make_ticket(team.agent_principal)).reference == "TKT-00002"


async def test_parallel_creates_get_distinct_consecutive_numbers(team: Team) -> None:
    """Runs on whichever backend the session uses; the same requester for all of them also
    races the contact creation."""
    email = requester_email()
    created = await asyncio.gather(
        *(
            make_ticket(team.agent_principal, requester_email=email, subject=f"Parallel {i}")
            for i in range(PARALLEL)
        )
    )
    assert sorted(t.ticket.number for t in created) == list(range(1, PARALLEL + 1))
    assert len({t.ticket.requester_id for t in created}) == 1
    assert await Contact.filter(organization_id=team.org.id, email=email).count() == 1
    org = await Organization.get(id=team.org.id)
    assert org.ticket_counter == PARALLEL


@pytest.mark.postgres
async def test_parallel_http_creates_on_postgresql(client: httpx.AsyncClient, team: Team) -> None:
    assert BACKEND == "postgres"
    responses = await asyncio.gather(
        *(
            client.post(
                "/api/tickets",
                headers=team.agent_headers,
                json={"requesterEmail": requester_email(), "subject": f"Parallel {i}"},
            )
            for i in range(PARALLEL)
        )
    )
    assert [r.status_code for r in responses] == [201] * PARALLEL
    references = sorted(r.json()["ticket"]["reference"] for r in responses)
    assert references == [f"TKT-{n:05d}" for n in range(1, PARALLEL + 1)]
    numbers = await Ticket.filter(organization_id=team.org.id).values_list("number", flat=True)
    assert sorted(numbers) == list(range(1, PARALLEL + 1))
