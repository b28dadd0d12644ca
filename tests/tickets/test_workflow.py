"""The status workflow: the whole transition table, in the module and through the HTTP route."""

from __future__ import annotations

from datetime import datetime

import httpx
import pytest

from server.errors import InvalidTransition
from server.tickets import service, workflow
from server.tickets.models import ActivityType, TicketStatus
from tests.factories import Team, make_ticket
from tests.tickets.helpers import activity_types, create, detail, error_of

S = TicketStatus
WORKING = [S.NEW, S.OPEN, S.IN_PROGRESS, S.WAITING_ON_CUSTOMER, S.WAITING_ON_THIRD_PARTY]
# Written out independently of workflow.ALLOWED, so a change to the table fails a test.
EXPECTED: dict[TicketStatus, set[TicketStatus]] = {
    **{
        status: {
            S.OPEN,
            S.IN_PROGRESS,
            S.WAITING_ON_CUSTOMER,
            S.WAITING_ON_THIRD_PARTY,
            S.RESOLVED,
            S.CLOSED,
            S.CANCELLED,
        }
        - {status}
        for status in WORKING
    },
    S.RESOLVED: {S.OPEN, S.CLOSED},
    S.CLOSED: {S.OPEN},
    S.CANCELLED: {S.OPEN},
}
PAIRS = [(current, target) for current in S for target in S]


def _pair_id(pair: tuple[TicketStatus, TicketStatus]) -> str:
    return f"{pair[0]}->{pair[1]}"


def _hint(current: TicketStatus, target: TicketStatus) -> str:
    if current in (S.RESOLVED, S.CLOSED, S.CANCELLED):
        return "must be reopened (status OPEN) first"
    return "cannot go back to NEW"


def test_every_status_has_a_row() -> None:
    assert set(workflow.ALLOWED) == set(S)
    assert set(EXPECTED) == set(S)


@pytest.mark.parametrize(("current", "target"), PAIRS, ids=[_pair_id(p) for p in PAIRS])
def test_check_transition(current: TicketStatus, target: TicketStatus) -> None:
    if target == current or target in EXPECTED[current]:
        workflow.check_transition(current, target)
    else:
        with pytest.raises(InvalidTransition) as caught:
            workflow.check_transition(current, target)
        assert f"from {current} to {target}" in caught.value.message
        assert _hint(current, target) in caught.value.message


@pytest.mark.parametrize(
    ("current", "target", "kind"),
    [
        (S.RESOLVED, S.OPEN, ActivityType.REOPENED),
        (S.CLOSED, S.OPEN, ActivityType.REOPENED),
        (S.CANCELLED, S.OPEN, ActivityType.REOPENED),
        (S.OPEN, S.RESOLVED, ActivityType.RESOLVED),
        (S.NEW, S.CLOSED, ActivityType.CLOSED),
        (S.RESOLVED, S.CLOSED, ActivityType.CLOSED),
        (S.NEW, S.OPEN, ActivityType.STATUS_CHANGED),
        (S.OPEN, S.CANCELLED, ActivityType.STATUS_CHANGED),
        (S.IN_PROGRESS, S.WAITING_ON_CUSTOMER, ActivityType.STATUS_CHANGED),
    ],
)
def test_activity_for_names_the_transition(
    current: TicketStatus, target: TicketStatus, kind: ActivityType
) -> None:
    assert workflow.activity_for(current, target) is kind


@pytest.mark.parametrize(("current", "target"), PAIRS, ids=[_pair_id(p) for p in PAIRS])
async def test_status_route_follows_the_table(
    client: httpx.AsyncClient, team: Team, current: TicketStatus, target: TicketStatus
) -> None:
    loaded = await make_ticket(team.agent_principal)
    if current is not S.NEW:  # every status is reachable from NEW in one step
        await service.change_status(
            principal=team.agent_principal, ref=loaded.ticket.id, status=current
        )
    before = await detail(client, team.agent_headers, loaded.reference)
    assert before["status"] == current

    response = await client.patch(
        f"/api/tickets/{loaded.reference}/status",
        headers=team.agent_headers,
        json={"status": target},
    )

    after = await detail(client, team.agent_headers, loaded.reference)
    if target == current:
        assert response.status_code == 200, response.text
        assert after["activity"] == before["activity"]  # a no-op is not recorded
    elif target in EXPECTED[current]:
        assert response.status_code == 200, response.text
        assert response.json()["ticket"]["status"] == target
        assert after["status"] == target
        assert after["activity"][:-1] == before["activity"]
        last = after["activity"][-1]
        assert last["type"] == workflow.activity_for(current, target)
        assert last["changes"] == {"status": {"from": current, "to": target}}
    else:
        error = error_of(response, 409, "invalid_transition")
        assert f"from {current} to {target}" in error["message"]
        assert _hint(current, target) in error["message"]
        assert after == before


async def test_closed_to_in_progress_says_reopen_first(
    client: httpx.AsyncClient, team: Team
) -> None:
    ticket = await create(client, team.agent_headers)
    url = f"/api/tickets/{ticket['reference']}/status"
    assert (
        await client.patch(url, headers=team.agent_headers, json={"status": "CLOSED"})
    ).status_code == 200
    response = await client.patch(url, headers=team.agent_headers, json={"status": "IN_PROGRESS"})
    error = error_of(response, 409, "invalid_transition")
    assert error["message"] == (
        "Cannot change status from CLOSED to IN_PROGRESS: "
        "a CLOSED ticket must be reopened (status OPEN) first."
    )


async def test_resolve_close_and_reopen_set_and_clear_the_timestamps(
    client: httpx.AsyncClient, team: Team
) -> None:
    ticket = await create(client, team.agent_headers)
    url = f"/api/tickets/{ticket['reference']}/status"
    h = team.agent_headers
    assert ticket["resolvedAt"] is None and ticket["closedAt"] is None

    resolved = (await client.patch(url, headers=h, json={"status": "RESOLVED"})).json()["ticket"]
    assert resolved["resolvedAt"] is not None
    assert resolved["closedAt"] is None

    closed = (await client.patch(url, headers=h, json={"status": "CLOSED"})).json()["ticket"]
    assert closed["resolvedAt"] == resolved["resolvedAt"]  # closing keeps when it was resolved
    assert datetime.fromisoformat(closed["closedAt"]) >= datetime.fromisoformat(
        resolved["resolvedAt"]
    )

    reopened = (await client.patch(url, headers=h, json={"status": "OPEN"})).json()["ticket"]
    assert reopened["status"] == "OPEN"
    assert reopened["resolvedAt"] is None
    assert reopened["closedAt"] is None

    full = await detail(client, h, ticket["reference"])
    assert activity_types(full) == ["CREATED", "RESOLVED", "CLOSED", "REOPENED"]
    assert full["activity"][-1]["changes"] == {"status": {"from": "CLOSED", "to": "OPEN"}}


async def test_closing_directly_also_marks_it_resolved(
    client: httpx.AsyncClient, team: Team
) -> None:
    ticket = await create(client, team.agent_headers)
    response = await client.patch(
        f"/api/tickets/{ticket['id']}/status", headers=team.agent_headers, json={"status": "CLOSED"}
    )
    closed = response.json()["ticket"]
    assert closed["closedAt"] is not None
    assert closed["resolvedAt"] == closed["closedAt"]


async def test_cancel_then_reopen(client: httpx.AsyncClient, team: Team) -> None:
    ticket = await create(client, team.agent_headers)
    url = f"/api/tickets/{ticket['reference']}/status"
    h = team.agent_headers
    cancelled = (await client.patch(url, headers=h, json={"status": "CANCELLED"})).json()
    assert cancelled["ticket"]["resolvedAt"] is None
    assert cancelled["ticket"]["closedAt"] is None
    assert (await client.patch(url, headers=h, json={"status": "OPEN"})).status_code == 200
    assert activity_types(await detail(client, h, ticket["id"]))[-2:] == [
        "STATUS_CHANGED",
        "REOPENED",
    ]


@pytest.mark.parametrize(
    "body",
    [{}, {"status": "open"}, {"status": "REOPENED"}, {"status": None}, {"status": 3}],
    ids=["missing", "lower-case", "unknown", "null", "number"],
)
async def test_status_route_refuses_bad_bodies(
    client: httpx.AsyncClient, team: Team, body: dict
) -> None:
    ticket = await create(client, team.agent_headers)
    response = await client.patch(
        f"/api/tickets/{ticket['reference']}/status", headers=team.agent_headers, json=body
    )
    error = error_of(response, 422, "validation_failed")
    assert "status" in error["fields"]
    assert (await detail(client, team.agent_headers, ticket["id"]))["status"] == "NEW"


async def test_status_of_an_unknown_ticket_is_404(client: httpx.AsyncClient, team: Team) -> None:
    response = await client.patch(
        "/api/tickets/TKT-00999/status", headers=team.agent_headers, json={"status": "OPEN"}
    )
    error_of(response, 404, "not_found")
