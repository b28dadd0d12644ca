"""The ticket service called directly: access, validation, one transaction per write, locking."""

from __future__ import annotations

import asyncio
import itertools

import pytest
from pydantic import ValidationError

from server.accounts.models import Role
from server.accounts.principal import Principal
from server.errors import Forbidden, InvalidTransition, NotFound, ValidationFailed
from server.tickets import lookups, service
from server.tickets.models import (
    ActivityType,
    AuthorType,
    TicketActivity,
    TicketResponse,
    TicketStatus,
)
from server.tickets.schemas import BulkChanges, TicketCreate, TicketSettings, TicketUpdate
from tests.factories import Team, make_ticket
from tests.tickets.helpers import requester_email, snapshot


def _api_key(team: Team) -> Principal:
    return Principal(organization_id=team.org.id, role=Role.ADMIN, name="API key ci", api_key_id=7)


async def test_create_keeps_where_the_request_came_from(team: Team) -> None:
    loaded = await service.create_ticket(
        principal=team.agent_principal,
        data=TicketCreate(requester_email=requester_email(), subject="Hi"),
        client=service.ClientInfo(ip="203.0.113.9", user_agent="x" * 800),
    )
    assert loaded.ticket.metadata == {
        "source": "agent",
        "ip": "203.0.113.9",
        "userAgent": "x" * 500,
    }
    bare = await service.create_ticket(
        principal=_api_key(team), data=TicketCreate(requester_email=requester_email(), subject="x")
    )
    assert bare.ticket.metadata == {"source": "api"}


@pytest.mark.parametrize("agent_id", [0, -1, 2**31, 10**20])
async def test_ids_outside_the_integer_column_are_no_agent(team: Team, agent_id: int) -> None:
    """They used to reach the database: OverflowError on SQLite, a range error on PostgreSQL."""
    data = TicketCreate(requester_email=requester_email(), subject="x", assignee_id=agent_id)
    with pytest.raises(ValidationFailed) as caught:
        await service.create_ticket(principal=team.agent_principal, data=data)
    assert list(caught.value.fields) == ["assigneeId"]
    loaded = await make_ticket(team.agent_principal)
    with pytest.raises(ValidationFailed):
        await service.assign_ticket(
            principal=team.agent_principal, ref=loaded.ticket.id, agent_id=agent_id
        )
    with pytest.raises(ValidationFailed):
        await service.bulk_update(
            principal=team.agent_principal,
            refs=[loaded.reference],
            changes=BulkChanges(assignee_id=agent_id),
        )


@pytest.mark.parametrize("ref", ["²", "TKT-²", "TKT-\u0661", "\u0661", " ", "", "TKT-00001\n2"])
async def test_odd_references_are_not_found(team: Team, ref: str) -> None:
    """`"²".isdigit()` is true but `int("²")` fails: that used to be a 500."""
    await make_ticket(team.agent_principal)
    with pytest.raises(NotFound):
        await lookups.get_ticket(principal=team.agent_principal, ref=ref)


async def test_references_and_ids_both_resolve(team: Team) -> None:
    loaded = await make_ticket(team.agent_principal)
    for ref in (loaded.ticket.id, str(loaded.ticket.id), " TKT-00001 ", "tkt-1"):
        assert (await lookups.get_ticket(principal=team.agent_principal, ref=ref)).ticket.id == (
            loaded.ticket.id
        )


async def test_update_refuses_null_for_fields_that_cannot_be_empty(team: Team) -> None:
    """The schema refuses null (422 on the wire); the service refuses it too for callers that
    build the change without validating it."""
    loaded = await make_ticket(team.agent_principal)
    for field, wire in [("subject", "subject"), ("custom_fields", "customFields")]:
        with pytest.raises(ValidationError):
            TicketUpdate.model_validate({field: None})
        with pytest.raises(ValidationFailed) as caught:
            await service.update_ticket(
                principal=team.agent_principal,
                ref=loaded.reference,
                data=TicketUpdate.model_construct(**{field: None}),
            )
        assert caught.value.fields == {wire: "Cannot be null."}


async def test_an_api_key_reply_is_a_system_response(team: Team) -> None:
    loaded = await make_ticket(team.agent_principal)
    response, ticket, _ = await service.add_response(
        principal=_api_key(team), ref=loaded.reference, content="Automated reply"
    )
    assert response.author_type is AuthorType.SYSTEM
    assert response.author_agent_id is None
    assert response.author_name == "API key ci"
    # An integration's reply is not a person's first response: the SLA clock keeps running.
    assert ticket.ticket.first_response_at is None
    activity = await TicketActivity.filter(ticket_id=loaded.ticket.id).order_by("id").last()
    assert activity is not None
    assert (activity.performed_by_type, activity.performed_by_id) == (AuthorType.SYSTEM, 7)


async def test_a_refused_reply_leaves_no_trace(team: Team) -> None:
    loaded = await make_ticket(team.agent_principal)
    await service.change_status(
        principal=team.agent_principal, ref=loaded.reference, status=TicketStatus.CLOSED
    )
    before = await snapshot(team.org.id)
    with pytest.raises(InvalidTransition):
        await service.add_response(
            principal=team.agent_principal,
            ref=loaded.reference,
            content="Lost",
            status_change=TicketStatus.WAITING_ON_CUSTOMER,
        )
    assert await snapshot(team.org.id) == before


async def test_agents_cannot_delete(team: Team) -> None:
    loaded = await make_ticket(team.agent_principal)
    with pytest.raises(Forbidden):
        await service.delete_ticket(principal=team.agent_principal, ref=loaded.reference)
    deleted = await service.delete_ticket(principal=team.admin_principal, ref=loaded.reference)
    assert deleted.reference == "TKT-00001"
    with pytest.raises(NotFound):
        await lookups.get_ticket(principal=team.admin_principal, ref=loaded.reference)


async def test_bulk_update_needs_a_change(team: Team) -> None:
    loaded = await make_ticket(team.agent_principal)
    for changes in (BulkChanges(), BulkChanges(add_tags=[], remove_tags=[])):
        with pytest.raises(ValidationFailed) as caught:
            await service.bulk_update(
                principal=team.agent_principal, refs=[loaded.reference], changes=changes
            )
        assert caught.value.fields == {"changes": "Give at least one change."}


async def test_concurrent_bulk_updates_in_opposite_orders_do_not_deadlock(team: Team) -> None:
    """Each bulk update used to lock its tickets in the order given, so two updates naming the
    same tickets in opposite orders deadlocked on PostgreSQL (one of them a 500)."""
    refs = [(await make_ticket(team.agent_principal)).reference for _ in range(6)]
    rounds = 12
    results = await asyncio.gather(
        *(
            service.bulk_update(
                principal=team.agent_principal,
                refs=refs if i % 2 else refs[::-1],
                changes=BulkChanges(add_tags=[f"round-{i}"]),
            )
            for i in range(rounds)
        ),
        return_exceptions=True,
    )
    assert [r for r in results if isinstance(r, BaseException)] == []
    everyone = sorted(f"round-{i}" for i in range(rounds))
    for ref in refs:
        loaded = await lookups.get_ticket(principal=team.agent_principal, ref=ref)
        assert loaded.tags == everyone
        added = await TicketActivity.filter(
            ticket_id=loaded.ticket.id, type=ActivityType.TAG_ADDED
        ).count()
        assert added == rounds


async def test_concurrent_replies_open_the_ticket_once(team: Team) -> None:
    """The ticket row is locked per write: one NEW -> OPEN, one first-response time."""
    loaded = await make_ticket(team.agent_principal)
    replies = await asyncio.gather(
        *(
            service.add_response(
                principal=team.agent_principal, ref=loaded.reference, content=f"Reply {i}"
            )
            for i in range(15)
        )
    )
    ticket = (await lookups.get_ticket(principal=team.agent_principal, ref=loaded.reference)).ticket
    assert ticket.status is TicketStatus.OPEN
    first = min(replies, key=lambda pair: pair[0].id)[0]
    assert ticket.first_response_at == first.created_at
    kinds = await TicketActivity.filter(ticket_id=ticket.id).values_list("type", flat=True)
    assert sorted(kinds).count(ActivityType.STATUS_CHANGED) == 1
    assert sorted(kinds).count(ActivityType.RESPONDED) == 15
    assert await TicketResponse.filter(ticket_id=ticket.id).count() == 15


async def test_concurrent_status_changes_record_every_real_change(team: Team) -> None:
    loaded = await make_ticket(team.agent_principal)
    targets = [TicketStatus.IN_PROGRESS, TicketStatus.WAITING_ON_CUSTOMER] * 5
    await asyncio.gather(
        *(
            service.change_status(principal=team.agent_principal, ref=loaded.reference, status=s)
            for s in targets
        )
    )
    activities = await TicketActivity.filter(
        ticket_id=loaded.ticket.id, type=ActivityType.STATUS_CHANGED
    ).order_by("id")
    # Each recorded change starts from where the previous one ended: no lost update.
    chain = [(a.changes["status"]["from"], a.changes["status"]["to"]) for a in activities]
    assert chain[0][0] == "NEW"
    assert all(prev[1] == nxt[0] for prev, nxt in itertools.pairwise(chain))
    final = (await lookups.get_ticket(principal=team.agent_principal, ref=loaded.reference)).ticket
    assert final.status == chain[-1][1]


async def test_ticket_settings_are_validated_and_merged(team: Team) -> None:
    org = await service.configure_ticket_settings(
        organization_id=team.org.id,
        settings=TicketSettings.model_validate({"categories": ["a", "b", "a"]}),
    )
    org = await service.configure_ticket_settings(
        organization_id=team.org.id,
        settings=TicketSettings.model_validate(
            {"defaultPriority": "HIGH", "sla": {"firstResponseHours": {"HIGH": 2}}}
        ),
    )
    assert org.settings == {
        "categories": ["a", "b"],
        "defaultPriority": "HIGH",
        "sla": {"firstResponseHours": {"HIGH": 2.0}},
    }
    for bad in (
        {"defaultPriority": "SEVERE"},
        {"sla": {"firstResponseHours": {"HIGH": "soon"}}},
        {"sla": {"resolutionHours": {"LOW": -1}}},
        {"categories": [""]},
        {"colour": "red"},
    ):
        with pytest.raises(ValidationError):
            TicketSettings.model_validate(bad)
