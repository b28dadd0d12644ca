"""SLA due dates: from the priority and the organisation's policy, set on create and on change."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest

from server.accounts.models import Organization
from server.tickets import sla
from server.tickets.models import TicketPriority
from tests.factories import Team, configure_org
from tests.tickets.helpers import create

P = TicketPriority
START = datetime(2024, 3, 1, 9, 30, tzinfo=UTC)
# (first response, resolution) in hours: the documented defaults, written out here.
DEFAULT_HOURS = {
    P.LOW: (48, 240),
    P.MEDIUM: (24, 120),
    P.HIGH: (8, 48),
    P.URGENT: (4, 24),
    P.CRITICAL: (1, 8),
}


def _at(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value is not None else None


@pytest.mark.parametrize("priority", list(P))
def test_default_policy(priority: TicketPriority) -> None:
    first, resolution = sla.due_dates(settings={}, priority=priority, start=START)
    hours_first, hours_resolution = DEFAULT_HOURS[priority]
    assert first == START + timedelta(hours=hours_first)
    assert resolution == START + timedelta(hours=hours_resolution)


def test_the_organisation_policy_overrides_per_priority() -> None:
    settings = {"sla": {"firstResponseHours": {"HIGH": 2, "LOW": 0.5}}}
    first, resolution = sla.due_dates(settings=settings, priority=P.HIGH, start=START)
    assert first == START + timedelta(hours=2)
    assert resolution == START + timedelta(hours=48)  # no resolution table: the default
    first, _ = sla.due_dates(settings=settings, priority=P.LOW, start=START)
    assert first == START + timedelta(minutes=30)
    first, _ = sla.due_dates(settings=settings, priority=P.MEDIUM, start=START)
    assert first == START + timedelta(hours=24)  # not in the table: the default


def test_null_hours_mean_no_target() -> None:
    settings = {"sla": {"resolutionHours": {"LOW": None}}}
    first, resolution = sla.due_dates(settings=settings, priority=P.LOW, start=START)
    assert first == START + timedelta(hours=48)
    assert resolution is None


@pytest.mark.parametrize(
    "policy",
    [
        "fast",
        {"firstResponseHours": ["HIGH", 2]},
        {"firstResponseHours": {"HIGH": "2"}},
        {"firstResponseHours": {"HIGH": True}},
        {"firstResponseHours": {"HIGH": -1}},
        {"firstResponseHours": {"HIGH": 10**9}},
    ],
)
def test_a_stored_policy_the_schema_would_refuse_reads_as_the_default(policy: object) -> None:
    """Only a hand edit can store these; they used to fail every ticket creation (500)."""
    first, _ = sla.due_dates(settings={"sla": policy}, priority=P.HIGH, start=START)
    assert first == START + timedelta(hours=DEFAULT_HOURS[P.HIGH][0])


async def test_ticket_settings_of_the_wrong_shape_do_not_stop_tickets(
    client: httpx.AsyncClient, team: Team
) -> None:
    await Organization.filter(id=team.org.id).update(
        settings={"categories": "Billing", "sla": {"resolutionHours": {"HIGH": "soon"}}}
    )
    ticket = await create(client, team.agent_headers, priority="HIGH", category="Anything")
    assert _at(ticket["resolutionDueAt"]) == _at(ticket["createdAt"]) + timedelta(
        hours=DEFAULT_HOURS[P.HIGH][1]
    )
    org = await client.get("/api/org", headers=team.agent_headers)
    assert org.status_code == 200, org.text
    assert org.json()["categories"] == []


@pytest.mark.parametrize("priority", [P.LOW, P.URGENT, P.CRITICAL])
async def test_created_tickets_get_due_dates_from_their_priority(
    client: httpx.AsyncClient, team: Team, priority: TicketPriority
) -> None:
    ticket = await create(client, team.agent_headers, priority=priority)
    created = _at(ticket["createdAt"])
    assert created is not None
    hours_first, hours_resolution = DEFAULT_HOURS[priority]
    assert _at(ticket["firstResponseDueAt"]) == created + timedelta(hours=hours_first)
    assert _at(ticket["resolutionDueAt"]) == created + timedelta(hours=hours_resolution)


async def test_created_tickets_use_the_organisation_policy(
    client: httpx.AsyncClient, team: Team
) -> None:
    await configure_org(
        team.org,
        sla={"firstResponseHours": {"MEDIUM": 3}, "resolutionHours": {"MEDIUM": 10}},
    )
    ticket = await create(client, team.agent_headers)
    created = _at(ticket["createdAt"])
    assert created is not None
    assert _at(ticket["firstResponseDueAt"]) == created + timedelta(hours=3)
    assert _at(ticket["resolutionDueAt"]) == created + timedelta(hours=10)


async def test_a_priority_change_recomputes_from_the_creation_time(
    client: httpx.AsyncClient, team: Team
) -> None:
    ticket = await create(client, team.agent_headers)
    created = _at(ticket["createdAt"])
    assert created is not None
    response = await client.patch(
        f"/api/tickets/{ticket['reference']}", headers=team.agent_headers, json={"priority": "HIGH"}
    )
    changed = response.json()["ticket"]
    assert _at(changed["firstResponseDueAt"]) == created + timedelta(hours=8)
    assert _at(changed["resolutionDueAt"]) == created + timedelta(hours=48)

    # Back to the original priority gives back exactly the original due dates.
    response = await client.patch(
        f"/api/tickets/{ticket['reference']}",
        headers=team.agent_headers,
        json={"priority": "MEDIUM"},
    )
    restored = response.json()["ticket"]
    assert restored["firstResponseDueAt"] == ticket["firstResponseDueAt"]
    assert restored["resolutionDueAt"] == ticket["resolutionDueAt"]


async def test_a_met_first_response_target_keeps_its_due_date(
    client: httpx.AsyncClient, team: Team
) -> None:
    ticket = await create(client, team.agent_headers)
    ref = ticket["reference"]
    replied = await client.post(
        f"/api/tickets/{ref}/responses", headers=team.agent_headers, json={"content": "On it."}
    )
    assert replied.status_code == 201
    response = await client.patch(
        f"/api/tickets/{ref}", headers=team.agent_headers, json={"priority": "CRITICAL"}
    )
    changed = response.json()["ticket"]
    assert changed["firstResponseDueAt"] == ticket["firstResponseDueAt"]
    created = _at(ticket["createdAt"])
    assert created is not None
    assert _at(changed["resolutionDueAt"]) == created + timedelta(hours=8)


async def test_bulk_priority_change_recomputes_too(client: httpx.AsyncClient, team: Team) -> None:
    ticket = await create(client, team.agent_headers, priority="LOW")
    response = await client.post(
        "/api/tickets/bulk-update",
        headers=team.agent_headers,
        json={"refs": [ticket["reference"]], "changes": {"priority": "URGENT"}},
    )
    assert response.status_code == 200, response.text
    changed = response.json()["tickets"][0]
    created = _at(ticket["createdAt"])
    assert created is not None
    assert _at(changed["firstResponseDueAt"]) == created + timedelta(hours=4)
    assert _at(changed["resolutionDueAt"]) == created + timedelta(hours=24)
