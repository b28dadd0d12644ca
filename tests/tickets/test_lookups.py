"""lookups: references, locking, and loading what a ticket's REST shape needs."""

from __future__ import annotations

import asyncio

import pytest
from tortoise import connections
from tortoise.transactions import in_transaction

from server.errors import NotFound
from server.tickets import lookups, service
from server.tickets.models import Ticket
from server.tickets.schemas import BulkChanges
from tests.factories import Team, make_ticket


def test_ref_filter_reads_references_and_ids() -> None:
    assert lookups.ref_filter("TKT-00042", "TKT") == {"number": 42}
    assert lookups.ref_filter("tkt-7", "TKT") == {"number": 7}
    assert lookups.ref_filter(" 15 ", "TKT") == {"id": 15}
    for bad in ("ACME-00042", "0", str(lookups.MAX_ID + 1), "TKT-", "42abc"):
        with pytest.raises(NotFound):
            lookups.ref_filter(bad, "TKT")


async def test_load_tickets_attaches_tags_and_assignee_names(team: Team) -> None:
    assigned = await make_ticket(team.agent_principal, tags=["b", "a"], assignee_id=team.admin.id)
    plain = await make_ticket(team.agent_principal)
    tickets = list(await Ticket.filter(id__in=[assigned.ticket.id, plain.ticket.id]).order_by("id"))
    loaded = await lookups.load_tickets(tickets, prefix="TKT")
    assert [(t.tags, t.assignee_name) for t in loaded] == [
        (["a", "b"], team.admin.name),
        ([], None),
    ]
    assert loaded[0].out().assignee_name == team.admin.name


async def test_load_tickets_never_reads_agent_secrets(
    team: Team, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Names are read by id, not by joining agents (which would carry password hashes)."""
    await make_ticket(team.agent_principal, assignee_id=team.agent.id)
    tickets = list(await Ticket.filter(organization_id=team.org.id))
    conn = connections.get("default")
    seen: list[str] = []
    real = type(conn).execute_query
    mine = asyncio.current_task()

    async def spy(self, query, values=None):  # type: ignore[no-untyped-def]
        # Only this test's queries: the app's background tasks (the chat router) also query.
        if asyncio.current_task() is mine:
            seen.append(query)
        return await real(self, query, values)

    monkeypatch.setattr(type(conn), "execute_query", spy)
    await lookups.load_tickets(tickets, prefix="TKT")
    monkeypatch.undo()
    assert len(seen) == 2  # one for tags, one for names, whatever the page size
    assert not any("password_hash" in q for q in seen)


async def test_lock_tickets_names_every_missing_reference(team: Team) -> None:
    first = await make_ticket(team.agent_principal)
    async with in_transaction() as conn:
        with pytest.raises(NotFound) as caught:
            await lookups.lock_tickets(
                team.agent_principal, [first.reference, "TKT-09999", "ACME-1"], "TKT", conn
            )
    assert caught.value.fields == {"refs": "TKT-09999, ACME-1"}


async def test_get_ticket_detail_lists_responses_and_activity_in_order(team: Team) -> None:
    loaded = await make_ticket(team.agent_principal)
    await service.add_response(principal=team.agent_principal, ref=loaded.reference, content="1")
    await service.add_response(
        principal=team.agent_principal, ref=loaded.reference, content="2", is_internal=True
    )
    await service.bulk_update(
        principal=team.agent_principal,
        refs=[loaded.reference],
        changes=BulkChanges(add_tags=["x"]),
    )
    detail = await lookups.get_ticket_detail(principal=team.agent_principal, ref=loaded.ticket.id)
    assert [r.content for r in detail.responses] == ["1", "2"]
    assert [a.type for a in detail.activity] == [
        "CREATED", "RESPONDED", "STATUS_CHANGED", "INTERNAL_NOTE_ADDED", "TAG_ADDED",
    ]  # fmt: skip
