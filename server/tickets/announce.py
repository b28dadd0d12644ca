"""Turning a ticket write into its domain events, recorded in the write's own transaction.

The events are derived from what the write recorded in its audit trail (the activity rows
carry every change as `{"from": ..., "to": ...}` under the field's wire name), so there is
one source of truth for "what changed". Services call these inside their transaction and
`relay.relayed()` after it commits; who receives what is decided in `server/push/`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient

from server.attachments.schemas import AttachmentOut
from server.events.actor import Actor
from server.events.model import Subject
from server.events.outbox import record
from server.tickets import events
from server.tickets.lookups import LoadedTicket
from server.tickets.models import TicketActivity, TicketResponse, TicketStatus
from server.tickets.presenters import response_out, ticket_out

Changes = dict[str, tuple[Any, Any]]


def summarize(rows: list[TicketActivity]) -> dict[int, Changes]:
    """Per ticket id, each changed field's first `from` and last `to` in this write."""
    out: dict[int, Changes] = {}
    for row in rows:
        per_ticket = out.setdefault(row.ticket_id, {})
        for name, value in (row.changes or {}).items():
            if isinstance(value, dict) and value.keys() == {"from", "to"}:
                first = per_ticket[name][0] if name in per_ticket else value["from"]
                per_ticket[name] = (first, value["to"])
    return {
        ticket_id: {k: v for k, v in changes.items() if v[0] != v[1]}
        for ticket_id, changes in out.items()
    }


def subject(loaded: LoadedTicket, found: Sequence[events.TicketEvent] = ()) -> Subject:
    """The ticket, its requester, and the agents an assignment in `found` moves between."""
    t = loaded.ticket
    moved = [
        agent_id
        for event in found
        if isinstance(event, events.TicketAssigned)
        for agent_id in (event.assignee_id, event.previous_assignee_id)
        if agent_id is not None
    ]
    return Subject(
        organization_id=t.organization_id, kind="ticket", id=t.id,
        contact_id=t.requester_id, agent_ids=tuple(dict.fromkeys(moved)),
    )  # fmt: skip


def change_events(changes: Changes, ticket: Any) -> list[events.TicketEvent]:
    """The events announcing `changes` to a ticket whose new state is `ticket` (TicketOut)."""
    out: list[events.TicketEvent] = []
    if "status" in changes:
        old, new = changes["status"]
        out.append(
            events.TicketStatusChanged(ticket=ticket, old=TicketStatus(old), new=TicketStatus(new))
        )
    if "assignee" in changes:
        before, after = changes["assignee"]
        out.append(
            events.TicketAssigned(
                ticket=ticket,
                previous_assignee_id=before["id"] if before else None,
                assignee_id=after["id"] if after else None,
            )
        )
    rest = [name for name in changes if name not in ("status", "assignee")]
    if rest:
        out.append(events.TicketUpdated(ticket=ticket, changed=rest))
    return out


async def _stage(
    loaded: LoadedTicket, found: list[events.TicketEvent], conn: Any, actor: Actor
) -> None:
    await record(conn, *found, subject=subject(loaded, found), actor=actor)


def _out(loaded: LoadedTicket) -> Any:
    return ticket_out(
        loaded.ticket, prefix=loaded.prefix, tags=loaded.tags, assignee_name=loaded.assignee_name
    )


async def created(loaded: LoadedTicket, conn: BaseDBAsyncClient, actor: Actor) -> None:
    await _stage(loaded, [events.TicketCreated(ticket=_out(loaded))], conn, actor)


async def changed(
    loaded: LoadedTicket,
    changes: Changes,
    conn: BaseDBAsyncClient,
    actor: Actor,
    *,
    response: TicketResponse | None = None,
    files: Sequence[AttachmentOut] = (),
) -> None:
    """Stage the events of one ticket's write by `actor`: the reply first (if any), then its
    changes."""
    ticket = _out(loaded)
    found: list[events.TicketEvent] = []
    if response is not None:
        found.append(
            events.TicketResponseAdded(ticket=ticket, response=response_out(response, files))
        )
    found.extend(change_events(changes, ticket))
    if found:
        await _stage(loaded, found, conn, actor)


async def deleted(loaded: LoadedTicket, conn: BaseDBAsyncClient, actor: Actor) -> None:
    await _stage(
        loaded,
        [events.TicketDeleted(ticket_id=loaded.ticket.id, reference=_out(loaded).reference)],
        conn,
        actor,
    )
