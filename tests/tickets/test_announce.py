"""Every ticket write announces exactly its events, on exactly the right channels.

Each test notes the channels' history positions (`hub.history.latest`) before a write, then
reads what the write appended (`hub.history.since`) from the app's real hub: the events were
recorded in the write's transaction and relayed after its commit (pushed by
`server/push/`), so by the time the service returns they are in history and no outbox row of
the ticket is left. Every entry is validated against its schema: the ticket's domain events
(`server/tickets/events.py`) for agents, `server/push/projections.py` for the requester.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from pydantic import BaseModel
from starlette.applications import Starlette

from server.channels import names
from server.channels.history import Entry
from server.channels.hub import Hub
from server.errors import InvalidTransition
from server.events.outbox import DomainEvent
from server.push import projections
from server.tickets import events, service
from server.tickets.lookups import LoadedTicket
from server.tickets.models import TicketPriority, TicketStatus
from server.tickets.presenters import public_ticket
from server.tickets.schemas import BulkChanges, TicketCreate, TicketUpdate
from tests.factories import Team, make_ticket
from tests.tickets.helpers import detail, requester_email

S = TicketStatus
AGENT_EVENTS = {
    "ticket.created": events.TicketCreated,
    "ticket.updated": events.TicketUpdated,
    "ticket.status_changed": events.TicketStatusChanged,
    "ticket.assigned": events.TicketAssigned,
    "ticket.response_added": events.TicketResponseAdded,
    "ticket.deleted": events.TicketDeleted,
}
PUBLIC_EVENTS = {
    "ticket.created": projections.PublicTicketCreated,
    "ticket.updated": projections.PublicTicketUpdated,
    "ticket.status_changed": projections.PublicTicketStatusChanged,
    "ticket.response_added": projections.PublicTicketResponseAdded,
    "ticket.deleted": projections.PublicTicketDeleted,
}


@pytest.fixture
def hub(app: Starlette) -> Hub:
    return app.state.parley.hub  # type: ignore[no-any-return]


class Channels:
    """The channels one ticket's events go to, with their history positions."""

    def __init__(self, hub: Hub, loaded: LoadedTicket, *agent_ids: int) -> None:
        t = loaded.ticket
        self.hub = hub
        self.ticket_id = t.id
        self.queue = names.queue(t.organization_id).key
        self.ticket = names.ticket(t.organization_id, t.id).key
        assert t.requester_id is not None
        self.contact = names.contact(t.organization_id, t.requester_id).key
        self.agents = {a: names.agent(t.organization_id, a).key for a in agent_ids}
        self.positions: dict[str, tuple[int, str]] = {}

    @property
    def keys(self) -> list[str]:
        return [self.queue, self.ticket, self.contact, *self.agents.values()]

    async def mark(self) -> None:
        """Note where every channel is now (before a write)."""
        self.positions = {key: await self.hub.history.latest(key) for key in self.keys}

    async def new(self, key: str) -> list[Entry]:
        """What was appended to `key` since `mark()`."""
        offset, epoch = self.positions[key]
        replay = await self.hub.history.since(key, offset, epoch)
        assert replay.recovered, (key, replay)
        return replay.entries

    async def relayed(self) -> None:
        """No outbox row of this ticket is left: the relay ran after the commit."""
        assert (
            await DomainEvent.filter(subject_kind="ticket", subject_id=self.ticket_id).count() == 0
        )


def agent_event(entry: Entry) -> Any:
    return AGENT_EVENTS[entry.event].model_validate({"type": entry.event, **entry.data})


def public_event(entry: Entry) -> Any:
    return PUBLIC_EVENTS[entry.event].model_validate({"type": entry.event, **entry.data})


def wire(model: BaseModel) -> dict[str, Any]:
    return model.model_dump(mode="json", by_alias=True)


def kinds(entries: list[Entry]) -> list[str]:
    return [entry.event for entry in entries]


async def assert_same_on_queue_and_ticket(ch: Channels) -> list[Any]:
    """The queue and the ticket channel get the same full payloads; returns them, parsed."""
    on_ticket = await ch.new(ch.ticket)
    on_queue = await ch.new(ch.queue)
    assert [(e.event, e.data) for e in on_queue] == [(e.event, e.data) for e in on_ticket]
    return [agent_event(e) for e in on_ticket]


async def test_create_announces_ticket_created(hub: Hub, team: Team) -> None:
    email = requester_email()
    first = await make_ticket(team.agent_principal, requester_email=email)
    before = Channels(hub, first)  # the same requester: the contact channel is known
    await before.mark()

    loaded = await service.create_ticket(
        principal=team.agent_principal,
        data=TicketCreate(requester_email=email, subject="Second one", tags=["b", "a"]),
    )
    assert loaded.ticket.requester_id == first.ticket.requester_id
    ch = Channels(hub, loaded)
    await ch.relayed()

    on_queue = await before.new(before.queue)
    assert kinds(on_queue) == ["ticket.created"]
    created = agent_event(on_queue[0])
    assert wire(created.ticket) == wire(loaded.out())
    assert created.ticket.tags == ["a", "b"]

    # The new ticket's channel did not exist before the write: its newest entry is the
    # creation, and it holds nothing else about this ticket.
    offset, epoch = await hub.history.latest(ch.ticket)
    everything = (await hub.history.since(ch.ticket, 0, epoch)).entries
    assert everything and everything[-1].offset == offset
    ours = [
        e
        for e in everything
        if e.data.get("ticket", {}).get("createdAt") == (on_queue[0].data["ticket"]["createdAt"])
    ]
    assert ours == [everything[-1]]
    assert (everything[-1].event, everything[-1].data) == (on_queue[0].event, on_queue[0].data)

    on_contact = await before.new(before.contact)
    assert kinds(on_contact) == ["ticket.created"]
    public = public_event(on_contact[0])
    assert isinstance(public, projections.PublicTicketCreated)
    assert wire(public.ticket) == wire(public_ticket(loaded.out()))
    assert "tags" not in on_contact[0].data["ticket"]


async def test_update_subject_and_priority_announces_updated(hub: Hub, team: Team) -> None:
    loaded = await make_ticket(team.agent_principal)
    ch = Channels(hub, loaded)
    await ch.mark()

    after = await service.update_ticket(
        principal=team.agent_principal,
        ref=loaded.ticket.id,
        data=TicketUpdate(subject="Now on fire", priority=TicketPriority.URGENT),
    )
    await ch.relayed()

    [updated] = await assert_same_on_queue_and_ticket(ch)
    assert isinstance(updated, events.TicketUpdated)
    assert updated.changed == ["subject", "priority"]
    assert wire(updated.ticket) == wire(after.out())
    assert updated.ticket.subject == "Now on fire"
    assert updated.ticket.priority == TicketPriority.URGENT
    # The requester hears of the subject only (priority is not news to them).
    [public] = [public_event(e) for e in await ch.new(ch.contact)]
    assert isinstance(public, projections.PublicTicketUpdated)
    assert public.changed == ["subject"]
    assert public.ticket.subject == "Now on fire"


async def test_update_of_agent_only_fields_tells_the_requester_nothing(
    hub: Hub, team: Team
) -> None:
    loaded = await make_ticket(team.agent_principal)
    ch = Channels(hub, loaded)
    await ch.mark()

    await service.update_ticket(
        principal=team.agent_principal,
        ref=loaded.ticket.id,
        data=TicketUpdate(description="More detail", tags=["vip"], custom_fields={"plan": "pro"}),
    )
    await ch.relayed()

    [updated] = await assert_same_on_queue_and_ticket(ch)
    assert updated.changed == ["description", "customFields", "tags"]
    assert await ch.new(ch.contact) == []


async def test_update_with_status_announces_status_changed(hub: Hub, team: Team) -> None:
    loaded = await make_ticket(team.agent_principal)
    ch = Channels(hub, loaded)
    await ch.mark()

    after = await service.update_ticket(
        principal=team.agent_principal,
        ref=loaded.ticket.id,
        data=TicketUpdate(status=S.IN_PROGRESS),
    )
    await ch.relayed()

    [changed] = await assert_same_on_queue_and_ticket(ch)
    assert isinstance(changed, events.TicketStatusChanged)
    assert (changed.old, changed.new) == (S.NEW, S.IN_PROGRESS)
    assert wire(changed.ticket) == wire(after.out())
    [public] = [public_event(e) for e in await ch.new(ch.contact)]
    assert isinstance(public, projections.PublicTicketStatusChanged)
    assert (public.old, public.new, public.ticket.status) == (S.NEW, S.IN_PROGRESS, S.IN_PROGRESS)


async def test_update_with_status_and_subject_announces_status_first(hub: Hub, team: Team) -> None:
    loaded = await make_ticket(team.agent_principal)
    ch = Channels(hub, loaded)
    await ch.mark()

    await service.update_ticket(
        principal=team.agent_principal,
        ref=loaded.ticket.id,
        data=TicketUpdate(subject="Renamed", status=S.OPEN),
    )
    await ch.relayed()

    announced = await assert_same_on_queue_and_ticket(ch)
    assert [e.type for e in announced] == ["ticket.status_changed", "ticket.updated"]
    assert announced[1].changed == ["subject"]
    assert kinds(await ch.new(ch.contact)) == ["ticket.status_changed", "ticket.updated"]


async def test_change_status_announces_status_changed(hub: Hub, team: Team) -> None:
    loaded = await make_ticket(team.agent_principal)
    ch = Channels(hub, loaded)
    await ch.mark()

    after = await service.change_status(
        principal=team.agent_principal, ref=loaded.ticket.id, status=S.RESOLVED
    )
    await ch.relayed()

    [changed] = await assert_same_on_queue_and_ticket(ch)
    assert (changed.old, changed.new) == (S.NEW, S.RESOLVED)
    assert changed.ticket.resolved_at is not None
    assert wire(changed.ticket) == wire(after.out())
    assert kinds(await ch.new(ch.contact)) == ["ticket.status_changed"]


async def test_assign_and_reassign_announce_to_both_agents(hub: Hub, team: Team) -> None:
    loaded = await make_ticket(team.agent_principal)
    ch = Channels(hub, loaded, team.agent.id, team.admin.id)
    await ch.mark()

    after = await service.assign_ticket(
        principal=team.agent_principal, ref=loaded.ticket.id, agent_id=team.agent.id
    )
    await ch.relayed()

    [assigned] = await assert_same_on_queue_and_ticket(ch)
    assert isinstance(assigned, events.TicketAssigned)
    assert (assigned.previous_assignee_id, assigned.assignee_id) == (None, team.agent.id)
    assert assigned.ticket.assignee_name == team.agent.name
    assert wire(assigned.ticket) == wire(after.out())
    on_agent = await ch.new(ch.agents[team.agent.id])
    assert kinds(on_agent) == ["ticket.assigned"]
    assert agent_event(on_agent[0]) == assigned
    assert await ch.new(ch.agents[team.admin.id]) == []
    assert await ch.new(ch.contact) == []  # assignments are not the requester's business

    await ch.mark()
    await service.assign_ticket(
        principal=team.agent_principal, ref=loaded.ticket.id, agent_id=team.admin.id
    )
    await ch.relayed()

    [reassigned] = await assert_same_on_queue_and_ticket(ch)
    assert (reassigned.previous_assignee_id, reassigned.assignee_id) == (
        team.agent.id,
        team.admin.id,
    )
    for agent_id in (team.agent.id, team.admin.id):
        [entry] = await ch.new(ch.agents[agent_id])
        assert agent_event(entry) == reassigned
    assert await ch.new(ch.contact) == []

    await ch.mark()
    await service.assign_ticket(principal=team.agent_principal, ref=loaded.ticket.id, agent_id=None)
    await ch.relayed()
    [unassigned] = await assert_same_on_queue_and_ticket(ch)
    assert (unassigned.previous_assignee_id, unassigned.assignee_id) == (team.admin.id, None)
    assert unassigned.ticket.assignee_id is None
    assert len(await ch.new(ch.agents[team.admin.id])) == 1
    assert await ch.new(ch.agents[team.agent.id]) == []


async def test_public_reply_on_a_new_ticket_announces_reply_then_open(hub: Hub, team: Team) -> None:
    loaded = await make_ticket(team.agent_principal)
    ch = Channels(hub, loaded)
    await ch.mark()

    response, after, _ = await service.add_response(
        principal=team.agent_principal, ref=loaded.ticket.id, content="On it."
    )
    await ch.relayed()

    added, opened = await assert_same_on_queue_and_ticket(ch)
    assert isinstance(added, events.TicketResponseAdded)
    assert added.response.id == response.id
    assert added.response.content == "On it."
    assert added.response.is_internal is False
    assert isinstance(opened, events.TicketStatusChanged)
    assert (opened.old, opened.new) == (S.NEW, S.OPEN)
    assert wire(added.ticket) == wire(opened.ticket) == wire(after.out())

    on_contact = [public_event(e) for e in await ch.new(ch.contact)]
    assert [type(e) for e in on_contact] == [
        projections.PublicTicketResponseAdded,
        projections.PublicTicketStatusChanged,
    ]
    assert on_contact[0].response.content == "On it."

    # A reply on an open ticket is just a reply.
    await ch.mark()
    await service.add_response(principal=team.agent_principal, ref=loaded.ticket.id, content="2")
    await ch.relayed()
    assert [e.type for e in await assert_same_on_queue_and_ticket(ch)] == ["ticket.response_added"]
    assert kinds(await ch.new(ch.contact)) == ["ticket.response_added"]


async def test_reply_with_a_status_change_announces_both(hub: Hub, team: Team) -> None:
    loaded = await make_ticket(team.agent_principal)
    ch = Channels(hub, loaded)
    await ch.mark()

    await service.add_response(
        principal=team.agent_principal,
        ref=loaded.ticket.id,
        content="Please send logs.",
        status_change=S.WAITING_ON_CUSTOMER,
    )
    await ch.relayed()

    added, changed = await assert_same_on_queue_and_ticket(ch)
    assert added.type == "ticket.response_added"
    assert (changed.old, changed.new) == (S.NEW, S.WAITING_ON_CUSTOMER)


async def test_internal_note_never_reaches_the_requester(hub: Hub, team: Team) -> None:
    loaded = await make_ticket(team.agent_principal)
    ch = Channels(hub, loaded)
    await ch.mark()

    response, after, _ = await service.add_response(
        principal=team.agent_principal,
        ref=loaded.ticket.id,
        content="Customer is grumpy.",
        is_internal=True,
    )
    await ch.relayed()

    [note] = await assert_same_on_queue_and_ticket(ch)
    assert isinstance(note, events.TicketResponseAdded)
    assert note.response.is_internal is True
    assert note.response.id == response.id
    assert (await ch.new(ch.ticket))[0].data["response"]["isInternal"] is True
    assert after.ticket.status == S.NEW  # a note does not open the ticket
    assert await ch.new(ch.contact) == []
    assert await hub.history.latest(ch.contact) == ch.positions[ch.contact]


async def test_bulk_update_announces_per_ticket(hub: Hub, team: Team) -> None:
    first = await make_ticket(team.agent_principal)
    second = await make_ticket(team.agent_principal)
    untouched = await make_ticket(team.agent_principal)
    channels = [Channels(hub, t, team.agent.id) for t in (first, second, untouched)]
    for ch in channels:
        await ch.mark()

    result = await service.bulk_update(
        principal=team.agent_principal,
        refs=[second.reference, first.ticket.id],
        changes=BulkChanges(
            status=S.OPEN,
            priority=TicketPriority.HIGH,
            assignee_id=team.agent.id,
            add_tags=["billing"],
        ),
    )
    for ch in channels:
        await ch.relayed()

    by_id = {loaded.ticket.id: loaded for loaded in result}
    for ch, loaded in zip(channels[:2], (first, second), strict=True):
        announced = [agent_event(e) for e in await ch.new(ch.ticket)]
        assert [e.type for e in announced] == [
            "ticket.status_changed",
            "ticket.assigned",
            "ticket.updated",
        ]
        assert (announced[0].old, announced[0].new) == (S.NEW, S.OPEN)
        assert announced[1].assignee_id == team.agent.id
        assert announced[2].changed == ["priority", "tags"]
        expected = wire(by_id[loaded.ticket.id].out())
        assert all(wire(e.ticket) == expected for e in announced)
        assert kinds(await ch.new(ch.contact)) == ["ticket.status_changed"]
    # The queue hears of both tickets, in number order, each ticket's events together.
    on_queue = [agent_event(e) for e in await channels[0].new(channels[0].queue)]
    assert [(e.ticket.id, e.type) for e in on_queue] == [
        (t.ticket.id, kind)
        for t in (first, second)
        for kind in ("ticket.status_changed", "ticket.assigned", "ticket.updated")
    ]
    assert [
        agent_event(e).ticket.id for e in await channels[0].new(channels[0].agents[team.agent.id])
    ] == [
        first.ticket.id,
        second.ticket.id,
    ]
    assert await channels[2].new(channels[2].ticket) == []
    assert await channels[2].new(channels[2].contact) == []


async def test_delete_announces_deleted(hub: Hub, team: Team) -> None:
    loaded = await make_ticket(team.agent_principal)
    ch = Channels(hub, loaded)
    await ch.mark()

    await service.delete_ticket(principal=team.admin_principal, ref=loaded.ticket.id)
    await ch.relayed()

    [deleted] = await assert_same_on_queue_and_ticket(ch)
    assert isinstance(deleted, events.TicketDeleted)
    assert (deleted.ticket_id, deleted.reference) == (loaded.ticket.id, loaded.reference)
    [public] = [public_event(e) for e in await ch.new(ch.contact)]
    assert isinstance(public, projections.PublicTicketDeleted)
    assert (public.ticket_id, public.reference) == (loaded.ticket.id, loaded.reference)


async def test_writes_that_change_nothing_announce_nothing(hub: Hub, team: Team) -> None:
    loaded = await make_ticket(team.agent_principal, assignee_id=team.agent.id)
    ch = Channels(hub, loaded, team.agent.id)
    await ch.mark()
    ref = loaded.ticket.id
    p = team.agent_principal

    await service.change_status(principal=p, ref=ref, status=S.NEW)
    await service.update_ticket(principal=p, ref=ref, data=TicketUpdate(status=S.NEW))
    await service.update_ticket(
        principal=p, ref=ref, data=TicketUpdate(subject=loaded.ticket.subject, priority="MEDIUM")
    )
    await service.assign_ticket(principal=p, ref=ref, agent_id=team.agent.id)
    await service.bulk_update(principal=p, refs=[ref], changes=BulkChanges(status=S.NEW))
    await ch.relayed()

    for key in ch.keys:
        assert await ch.new(key) == [], key
        assert await hub.history.latest(key) == ch.positions[key]


async def test_refused_write_announces_nothing(hub: Hub, team: Team) -> None:
    loaded = await make_ticket(team.agent_principal)
    await service.change_status(
        principal=team.agent_principal, ref=loaded.ticket.id, status=S.RESOLVED
    )
    ch = Channels(hub, loaded)
    await ch.mark()

    # The workflow refuses the status change, so the reply is not saved or announced either.
    with pytest.raises(InvalidTransition):
        await service.add_response(
            principal=team.agent_principal,
            ref=loaded.ticket.id,
            content="x",
            status_change=S.IN_PROGRESS,
        )
    await ch.relayed()
    for key in ch.keys:
        assert await ch.new(key) == [], key


def _apply(state: dict[str, Any], entry: Entry) -> None:
    """What a client does with one event of its ticket's channel."""
    event = agent_event(entry)
    state.update(wire(event.ticket))
    if isinstance(event, events.TicketResponseAdded):
        state["responses"].append(wire(event.response))


async def test_events_applied_to_the_fetched_state_give_the_new_state(
    hub: Hub, team: Team, client: httpx.AsyncClient
) -> None:
    p = team.agent_principal
    loaded = await make_ticket(p, tags=["start"])
    ref = loaded.ticket.id
    ch = Channels(hub, loaded)
    await ch.mark()
    state = await detail(client, team.agent_headers, ref)
    assert set(wire(loaded.out())) <= set(state)  # the REST detail holds every event field

    writes = [
        service.update_ticket(principal=p, ref=ref, data=TicketUpdate(subject="Renamed")),
        service.add_response(principal=p, ref=ref, content="Looking.", is_internal=True),
        service.assign_ticket(principal=p, ref=ref, agent_id=team.agent.id),
        service.add_response(principal=p, ref=ref, content="Hello!"),  # NEW -> OPEN
        service.change_status(principal=p, ref=ref, status=S.OPEN),  # no-op
        service.bulk_update(
            principal=p,
            refs=[ref],
            changes=BulkChanges(priority=TicketPriority.LOW, add_tags=["x"], remove_tags=["start"]),
        ),
        service.update_ticket(
            principal=p,
            ref=ref,
            data=TicketUpdate(
                custom_fields={"plan": "pro"}, category="billing", status=S.IN_PROGRESS
            ),
        ),
        service.assign_ticket(principal=p, ref=ref, agent_id=team.admin.id),
        service.add_response(principal=p, ref=ref, content="Fixed.", status_change=S.RESOLVED),
        service.change_status(principal=p, ref=ref, status=S.OPEN),  # reopened
        service.assign_ticket(principal=p, ref=ref, agent_id=None),
    ]
    for write in writes:  # one after the other, in this order
        await write
        await ch.relayed()

    entries = await ch.new(ch.ticket)
    assert len(entries) >= 10
    for entry in entries:
        _apply(state, entry)
    fresh = await detail(client, team.agent_headers, ref)

    common = (set(state) & set(fresh)) - {"responses", "activity"}
    assert common >= set(wire(loaded.out()))
    assert {k: state[k] for k in common} == {k: fresh[k] for k in common}
    assert state["responses"] == fresh["responses"]
    assert [r["content"] for r in fresh["responses"]] == ["Looking.", "Hello!", "Fixed."]
