"""Finding tickets by reference or id inside the caller's organisation, and loading what
their REST shape needs (tags, assignee name) in one query each for a whole page."""

from __future__ import annotations

import re
from dataclasses import dataclass

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.expressions import Q

from server.accounts.models import Agent, Organization
from server.accounts.principal import Principal
from server.attachments import queries as attachment_queries
from server.db import MAX_ID
from server.errors import NotFound
from server.tickets.models import Ticket, TicketActivity, TicketResponse, TicketTag
from server.tickets.numbering import format_reference
from server.tickets.presenters import ticket_detail, ticket_out
from server.tickets.schemas import TicketDetail, TicketOut

# ASCII digits only: `\d` also matches digits like "²" that int() refuses.
REF_PATTERN = re.compile(r"^([A-Za-z][A-Za-z0-9]{0,11})-([0-9]{1,9})$")


@dataclass
class LoadedTicket:
    """A ticket with what its REST shape needs beyond its own row."""

    ticket: Ticket
    prefix: str
    tags: list[str]
    assignee_name: str | None

    @property
    def reference(self) -> str:
        return format_reference(self.prefix, self.ticket.number)

    def out(self) -> TicketOut:
        return ticket_out(
            self.ticket, prefix=self.prefix, tags=self.tags, assignee_name=self.assignee_name
        )


async def organization_of(
    principal: Principal, conn: BaseDBAsyncClient | None = None
) -> Organization:
    if principal.organization is not None and conn is None:
        return principal.organization  # read with the credentials, in this same request
    query = Organization.filter(id=principal.organization_id)
    org = await (query.using_db(conn) if conn else query).first()
    if org is None:  # the principal's organisation was deleted under it
        raise NotFound("Organisation not found.")
    return org


def ref_filter(ref: str | int, prefix: str) -> dict[str, int]:
    """Filter kwargs for a reference (`TKT-00042`) or a numeric id; NotFound if neither."""
    text = str(ref).strip()
    if text.isascii() and text.isdigit():
        ticket_id = int(text)
        if 0 < ticket_id <= MAX_ID:
            return {"id": ticket_id}
    else:
        match = REF_PATTERN.match(text)
        if match and match.group(1).upper() == prefix.upper():
            return {"number": int(match.group(2))}
    raise NotFound(f"Ticket {text!r} not found.")


async def load_tickets(
    tickets: list[Ticket], *, prefix: str, conn: BaseDBAsyncClient | None = None
) -> list[LoadedTicket]:
    """Attach tags and assignee names to `tickets`: one query each, whatever their number.

    Names are read by id rather than by joining the agent table into every list query, which
    would also drag each agent's password hash along.
    """
    ids = [t.id for t in tickets]
    tags: dict[int, list[str]] = {tid: [] for tid in ids}
    if ids:
        query = TicketTag.filter(ticket_id__in=ids)
        for ticket_id, name in await (query.using_db(conn) if conn else query).values_list(
            "ticket_id", "name"
        ):
            tags[ticket_id].append(name)
    agent_ids = {t.assignee_id for t in tickets if t.assignee_id is not None}
    names: dict[int, str] = {}
    if agent_ids:
        agent_query = Agent.filter(id__in=agent_ids)
        names = dict(
            await (agent_query.using_db(conn) if conn else agent_query).values_list("id", "name")
        )
    return [
        LoadedTicket(
            ticket=t,
            prefix=prefix,
            tags=sorted(tags[t.id]),
            assignee_name=names.get(t.assignee_id) if t.assignee_id is not None else None,
        )
        for t in tickets
    ]


async def load_ticket(ticket: Ticket, *, prefix: str, conn: BaseDBAsyncClient) -> LoadedTicket:
    return (await load_tickets([ticket], prefix=prefix, conn=conn))[0]


async def lock_ticket(
    principal: Principal, ref: str | int, prefix: str, conn: BaseDBAsyncClient
) -> Ticket:
    """The organisation's ticket for `ref`, row-locked for the rest of the transaction."""
    ticket = await (
        Ticket.filter(organization_id=principal.organization_id, **ref_filter(ref, prefix))
        .using_db(conn)
        .select_for_update()
        .first()
    )
    if ticket is None:
        raise NotFound(f"Ticket {str(ref).strip()!r} not found.")
    return ticket


async def lock_tickets(
    principal: Principal, refs: list[str], prefix: str, conn: BaseDBAsyncClient
) -> list[Ticket]:
    """The organisation's tickets for `refs`, row-locked in id order; NotFound names every miss.

    One query, locking in a fixed order, so two bulk updates naming the same tickets in
    different orders queue instead of deadlocking.
    """
    wanted: dict[str, dict[str, int]] = {}
    missing: list[str] = []
    for ref in refs:
        try:
            wanted[ref] = ref_filter(ref, prefix)
        except NotFound:
            missing.append(ref)
    ids = [f["id"] for f in wanted.values() if "id" in f]
    numbers = [f["number"] for f in wanted.values() if "number" in f]
    tickets: list[Ticket] = []
    if wanted:
        tickets = list(
            await Ticket.filter(organization_id=principal.organization_id)
            .filter(Q(id__in=ids) | Q(number__in=numbers))
            .using_db(conn)
            .order_by("id")
            .select_for_update()
        )
    found = {"id": {t.id for t in tickets}, "number": {t.number for t in tickets}}
    missing += [
        ref for ref, f in wanted.items() if any(value not in found[key] for key, value in f.items())
    ]
    if missing:
        listed = ", ".join(r for r in refs if r in missing)
        raise NotFound(f"Tickets not found: {listed}.", fields={"refs": listed})
    return tickets


async def get_ticket(*, principal: Principal, ref: str | int) -> LoadedTicket:
    org = await organization_of(principal)
    ticket = await Ticket.filter(
        organization_id=principal.organization_id, **ref_filter(ref, org.ticket_prefix)
    ).first()
    if ticket is None:
        raise NotFound(f"Ticket {str(ref).strip()!r} not found.")
    return (await load_tickets([ticket], prefix=org.ticket_prefix))[0]


async def get_ticket_detail(*, principal: Principal, ref: str | int) -> TicketDetail:
    """The ticket with every response (internal notes included: agents only) and activity."""
    loaded = await get_ticket(principal=principal, ref=ref)
    responses = await TicketResponse.filter(ticket_id=loaded.ticket.id).order_by("created_at", "id")
    activities = await TicketActivity.filter(ticket_id=loaded.ticket.id).order_by(
        "created_at", "id"
    )
    ticket = loaded.ticket
    return ticket_detail(
        loaded.out(),
        responses=list(responses),
        activities=list(activities),
        files=await attachment_queries.on_ticket(
            ticket.organization_id, ticket.id, public_only=False
        ),
    )
