"""Every write to tickets, and reading one ticket by reference.

Each public function checks access and validates first, then writes in ONE transaction that
also records the audit trail (TicketActivity with before/after values). Real-time events are
published after the transaction commits (see the real-time issue); nothing here runs on
model save hooks.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from server.accounts.models import Agent, Organization
from server.accounts.principal import Principal
from server.accounts.service import find_or_create_contact
from server.errors import InvalidTransition, NotFound, ValidationFailed
from server.tickets import sla, workflow
from server.tickets.models import (
    ActivityType,
    Ticket,
    TicketActivity,
    TicketPriority,
    TicketResponse,
    TicketStatus,
    TicketTag,
)
from server.tickets.numbering import format_reference, next_ticket_number
from server.tickets.presenters import ticket_detail, ticket_out
from server.tickets.schemas import (
    BulkChanges,
    TicketCreate,
    TicketDetail,
    TicketOut,
    TicketUpdate,
)

# ASCII digits only: `\d` also matches digits like "²" that int() refuses.
REF_PATTERN = re.compile(r"^([A-Za-z][A-Za-z0-9]{0,11})-([0-9]{1,9})$")
MAX_ID = 2**31 - 1


def now() -> datetime:
    return datetime.now(UTC)


@dataclass
class LoadedTicket:
    """A ticket with what its REST shape needs: the organisation's prefix and its tags."""

    ticket: Ticket
    prefix: str
    tags: list[str]

    @property
    def reference(self) -> str:
        return format_reference(self.prefix, self.ticket.number)

    def out(self) -> TicketOut:
        return ticket_out(self.ticket, prefix=self.prefix, tags=self.tags)


@dataclass(frozen=True)
class ClientInfo:
    """Where a request came from, kept in the ticket's metadata."""

    ip: str | None = None
    user_agent: str | None = None


# --- lookups -------------------------------------------------------------------------------


async def _organization(
    principal: Principal, conn: BaseDBAsyncClient | None = None
) -> Organization:
    query = Organization.filter(id=principal.organization_id)
    org = await (query.using_db(conn) if conn else query).first()
    if org is None:  # the principal's organisation was deleted under it
        raise NotFound("Organisation not found.")
    return org


def _ref_filter(ref: str | int, prefix: str) -> dict[str, int]:
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


async def _tag_names(
    ticket_ids: list[int], conn: BaseDBAsyncClient | None = None
) -> dict[int, list[str]]:
    names: dict[int, list[str]] = {tid: [] for tid in ticket_ids}
    if ticket_ids:
        query = TicketTag.filter(ticket_id__in=ticket_ids)
        rows = await (query.using_db(conn) if conn else query).values_list("ticket_id", "name")
        for ticket_id, name in rows:
            names[ticket_id].append(name)
    return names


async def load_tickets(
    tickets: list[Ticket], *, prefix: str, conn: BaseDBAsyncClient | None = None
) -> list[LoadedTicket]:
    """Attach tags (one query for all) to tickets whose assignee is already selected."""
    tags = await _tag_names([t.id for t in tickets], conn)
    return [LoadedTicket(ticket=t, prefix=prefix, tags=sorted(tags[t.id])) for t in tickets]


async def _reload(ticket_id: int, prefix: str, conn: BaseDBAsyncClient) -> LoadedTicket:
    ticket = await Ticket.filter(id=ticket_id).using_db(conn).select_related("assignee").get()
    return (await load_tickets([ticket], prefix=prefix, conn=conn))[0]


async def _lock(
    principal: Principal, ref: str | int, prefix: str, conn: BaseDBAsyncClient
) -> Ticket:
    """The organisation's ticket for `ref`, row-locked for the rest of the transaction."""
    ticket = await (
        Ticket.filter(organization_id=principal.organization_id, **_ref_filter(ref, prefix))
        .using_db(conn)
        .select_for_update()
        .first()
    )
    if ticket is None:
        raise NotFound(f"Ticket {str(ref).strip()!r} not found.")
    return ticket


async def _lock_many(
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
            wanted[ref] = _ref_filter(ref, prefix)
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
    org = await _organization(principal)
    ticket = await (
        Ticket.filter(
            organization_id=principal.organization_id, **_ref_filter(ref, org.ticket_prefix)
        )
        .select_related("assignee")
        .first()
    )
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
    return ticket_detail(
        loaded.ticket,
        prefix=loaded.prefix,
        tags=loaded.tags,
        responses=list(responses),
        activities=list(activities),
    )


# --- helpers that write inside the caller's transaction -------------------------------------


async def _record(
    conn: BaseDBAsyncClient,
    ticket: Ticket,
    principal: Principal,
    kind: ActivityType,
    description: str,
    changes: dict[str, Any] | None = None,
) -> None:
    await TicketActivity.create(
        ticket_id=ticket.id,
        type=kind,
        description=description,
        changes=changes or {},
        performed_by_type=principal.actor_type,
        performed_by_id=principal.agent_id if principal.agent else principal.api_key_id,
        performed_by_name=principal.name,
        using_db=conn,
    )


def _change(before: Any, after: Any) -> dict[str, Any]:
    return {"from": before, "to": after}


async def _assignable_agent(principal: Principal, agent_id: int, field: str) -> Agent:
    # An id past the integer column's range cannot exist (and would make the database raise).
    agent = (
        await Agent.get_or_none(
            id=agent_id, organization_id=principal.organization_id, is_active=True
        )
        if 0 < agent_id <= MAX_ID
        else None
    )
    if agent is None:
        raise ValidationFailed(
            "Cannot assign to that agent.",
            fields={field: "No active agent with this id in your organisation."},
        )
    return agent


def _default_priority(settings: dict[str, Any]) -> TicketPriority:
    """The organisation's `defaultPriority`, MEDIUM when unset or not a priority."""
    try:
        return TicketPriority(settings.get("defaultPriority") or TicketPriority.MEDIUM)
    except ValueError:
        return TicketPriority.MEDIUM


def _check_category(org: Organization, category: str | None) -> None:
    allowed = (org.settings or {}).get("categories") or []
    if category is not None and allowed and category not in allowed:
        raise ValidationFailed(
            "Unknown category.",
            fields={"category": f"One of: {', '.join(allowed)}."},
        )


async def _apply_status(
    conn: BaseDBAsyncClient, ticket: Ticket, principal: Principal, target: TicketStatus
) -> bool:
    """Move `ticket` to `target` (unsaved), recording it; False when it already is there."""
    current = TicketStatus(ticket.status)
    if current == target:
        return False
    workflow.check_transition(current, target)
    moment = now()
    if target is TicketStatus.RESOLVED:
        ticket.resolved_at = moment
    elif target is TicketStatus.CLOSED:
        ticket.closed_at = moment
        ticket.resolved_at = ticket.resolved_at or moment
    elif current in workflow.TERMINAL:
        ticket.resolved_at = None
        ticket.closed_at = None
    ticket.status = target
    kind = workflow.activity_for(current, target)
    await _record(
        conn,
        ticket,
        principal,
        kind,
        f"Status changed from {current} to {target}.",
        {"status": _change(str(current), str(target))},
    )
    return True


async def _apply_priority(
    conn: BaseDBAsyncClient,
    ticket: Ticket,
    principal: Principal,
    org: Organization,
    target: TicketPriority,
) -> bool:
    current = TicketPriority(ticket.priority)
    if current == target:
        return False
    ticket.priority = target
    first_due, resolution_due = sla.due_dates(
        settings=org.settings or {}, priority=target, start=ticket.created_at
    )
    # A target already met keeps the due date it was met against.
    if ticket.first_response_at is None:
        ticket.first_response_due_at = first_due
    if ticket.resolved_at is None:
        ticket.resolution_due_at = resolution_due
    await _record(
        conn,
        ticket,
        principal,
        ActivityType.PRIORITY_CHANGED,
        f"Priority changed from {current} to {target}.",
        {"priority": _change(str(current), str(target))},
    )
    return True


async def _apply_assignee(
    conn: BaseDBAsyncClient, ticket: Ticket, principal: Principal, agent: Agent | None
) -> bool:
    if ticket.assignee_id == (agent.id if agent else None):
        return False
    previous = (
        await Agent.get_or_none(id=ticket.assignee_id).using_db(conn)
        if ticket.assignee_id
        else None
    )
    before = {"id": previous.id, "name": previous.name} if previous else None
    after = {"id": agent.id, "name": agent.name} if agent else None
    ticket.assignee_id = agent.id if agent else None
    ticket.assigned_at = now() if agent else None
    if agent:
        await _record(
            conn,
            ticket,
            principal,
            ActivityType.ASSIGNED,
            f"Assigned to {agent.name}.",
            {"assignee": _change(before, after)},
        )
    else:
        await _record(
            conn,
            ticket,
            principal,
            ActivityType.UNASSIGNED,
            "Unassigned.",
            {"assignee": _change(before, after)},
        )
    return True


async def _apply_tags(
    conn: BaseDBAsyncClient,
    ticket: Ticket,
    principal: Principal,
    *,
    add: list[str],
    remove: list[str],
) -> bool:
    current = set(
        await TicketTag.filter(ticket_id=ticket.id).using_db(conn).values_list("name", flat=True)
    )
    added = [t for t in dict.fromkeys(add) if t not in current]
    removed = [t for t in dict.fromkeys(remove) if t in current and t not in added]
    if added:
        await TicketTag.bulk_create(
            [
                TicketTag(ticket_id=ticket.id, organization_id=ticket.organization_id, name=t)
                for t in added
            ],
            using_db=conn,
        )
        await _record(
            conn,
            ticket,
            principal,
            ActivityType.TAG_ADDED,
            f"Tagged {', '.join(added)}.",
            {"tags": _change(sorted(current), sorted((current | set(added)) - set(removed)))},
        )
    if removed:
        await TicketTag.filter(ticket_id=ticket.id, name__in=removed).using_db(conn).delete()
        await _record(
            conn,
            ticket,
            principal,
            ActivityType.TAG_REMOVED,
            f"Untagged {', '.join(removed)}.",
            {"tags": _change(sorted(current), sorted((current | set(added)) - set(removed)))},
        )
    return bool(added or removed)


# --- public operations ---------------------------------------------------------------------


async def create_ticket(
    *,
    principal: Principal,
    data: TicketCreate,
    client: ClientInfo | None = None,
) -> LoadedTicket:
    """Create a ticket for a requester (contact found or created by email)."""
    org = await _organization(principal)
    settings = org.settings or {}
    priority = data.priority or _default_priority(settings)
    _check_category(org, data.category)
    assignee = (
        await _assignable_agent(principal, data.assignee_id, "assigneeId")
        if data.assignee_id is not None
        else None
    )
    metadata: dict[str, Any] = {"source": "agent" if principal.agent else "api"}
    if client and client.ip:
        metadata["ip"] = client.ip
    if client and client.user_agent:
        metadata["userAgent"] = client.user_agent[:500]
    started = now()
    first_due, resolution_due = sla.due_dates(settings=settings, priority=priority, start=started)
    async with in_transaction() as conn:
        contact = await find_or_create_contact(
            organization_id=org.id,
            email=str(data.requester_email),
            name=data.requester_name,
            conn=conn,
        )
        number, prefix = await next_ticket_number(organization_id=org.id, conn=conn)
        ticket = await Ticket.create(
            organization_id=org.id,
            number=number,
            subject=data.subject,
            description=data.description,
            priority=priority,
            category=data.category,
            custom_fields=data.custom_fields,
            metadata=metadata,
            requester_id=contact.id,
            requester_name=data.requester_name or contact.name,
            requester_email=contact.email,
            first_response_due_at=first_due,
            resolution_due_at=resolution_due,
            # The SLA clocks start at the creation time (priority changes recompute from it).
            created_at=started,
            using_db=conn,
        )
        reference = format_reference(prefix, number)
        await _record(conn, ticket, principal, ActivityType.CREATED, f"Ticket {reference} created.")
        await _apply_tags(conn, ticket, principal, add=data.tags, remove=[])
        if assignee is not None:
            await _apply_assignee(conn, ticket, principal, assignee)
            await ticket.save(using_db=conn, update_fields=["assignee_id", "assigned_at"])
        loaded = await _reload(ticket.id, prefix, conn)
    return loaded


async def update_ticket(
    *, principal: Principal, ref: str | int, data: TicketUpdate
) -> LoadedTicket:
    """Change the fields present in `data` (PATCH semantics)."""
    given = data.model_fields_set
    for name in ("subject", "description", "priority", "tags", "custom_fields", "status"):
        if name in given and getattr(data, name) is None:
            raise ValidationFailed(
                "The request is not valid.", fields={_camel(name): "Cannot be null."}
            )
    org = await _organization(principal)
    if "category" in given:
        _check_category(org, data.category)
    async with in_transaction() as conn:
        ticket = await _lock(principal, ref, org.ticket_prefix, conn)
        changes: dict[str, Any] = {}
        for name in ("subject", "description", "category", "custom_fields"):
            if name in given and getattr(ticket, name) != getattr(data, name):
                changes[_camel(name)] = _change(getattr(ticket, name), getattr(data, name))
                setattr(ticket, name, getattr(data, name))
        if changes:
            await _record(
                conn,
                ticket,
                principal,
                ActivityType.UPDATED,
                f"Updated {', '.join(changes)}.",
                changes,
            )
        if data.priority is not None:
            await _apply_priority(conn, ticket, principal, org, data.priority)
        if data.tags is not None:
            current = (
                await TicketTag.filter(ticket_id=ticket.id)
                .using_db(conn)
                .values_list("name", flat=True)
            )
            await _apply_tags(
                conn,
                ticket,
                principal,
                add=[t for t in data.tags if t not in current],
                remove=[t for t in current if t not in data.tags],
            )
        if data.status is not None:
            await _apply_status(conn, ticket, principal, data.status)
        await ticket.save(using_db=conn)
        loaded = await _reload(ticket.id, org.ticket_prefix, conn)
    return loaded


async def change_status(
    *, principal: Principal, ref: str | int, status: TicketStatus
) -> LoadedTicket:
    org = await _organization(principal)
    async with in_transaction() as conn:
        ticket = await _lock(principal, ref, org.ticket_prefix, conn)
        if await _apply_status(conn, ticket, principal, status):
            await ticket.save(using_db=conn)
        loaded = await _reload(ticket.id, org.ticket_prefix, conn)
    return loaded


async def assign_ticket(
    *, principal: Principal, ref: str | int, agent_id: int | None
) -> LoadedTicket:
    org = await _organization(principal)
    agent = (
        await _assignable_agent(principal, agent_id, "agentId") if agent_id is not None else None
    )
    async with in_transaction() as conn:
        ticket = await _lock(principal, ref, org.ticket_prefix, conn)
        if await _apply_assignee(conn, ticket, principal, agent):
            await ticket.save(using_db=conn)
        loaded = await _reload(ticket.id, org.ticket_prefix, conn)
    return loaded


async def add_response(
    *,
    principal: Principal,
    ref: str | int,
    content: str,
    is_internal: bool = False,
    status_change: TicketStatus | None = None,
) -> tuple[TicketResponse, LoadedTicket]:
    """An agent's reply or internal note.

    The first public agent reply sets the first-response time. A public reply on a NEW ticket
    opens it; `status_change` moves the ticket as part of the same write (the workflow
    applies).
    """
    org = await _organization(principal)
    async with in_transaction() as conn:
        ticket = await _lock(principal, ref, org.ticket_prefix, conn)
        agent = principal.agent
        response = await TicketResponse.create(
            ticket_id=ticket.id,
            content=content,
            is_internal=is_internal,
            author_type=principal.actor_type,
            author_agent_id=agent.id if agent else None,
            author_name=principal.name,
            author_email=agent.email if agent else None,
            using_db=conn,
        )
        if is_internal:
            await _record(
                conn,
                ticket,
                principal,
                ActivityType.INTERNAL_NOTE_ADDED,
                "Internal note added.",
                {"responseId": response.id},
            )
        else:
            await _record(
                conn,
                ticket,
                principal,
                ActivityType.RESPONDED,
                "Replied to the requester.",
                {"responseId": response.id},
            )
            # Only a person's reply is a first response; an integration's (API key) is not.
            if ticket.first_response_at is None and agent is not None:
                ticket.first_response_at = response.created_at
        target = status_change
        if target is None and not is_internal and ticket.status == TicketStatus.NEW:
            target = TicketStatus.OPEN
        if target is not None:
            await _apply_status(conn, ticket, principal, target)
        await ticket.save(using_db=conn)
        loaded = await _reload(ticket.id, org.ticket_prefix, conn)
    return response, loaded


async def bulk_update(
    *, principal: Principal, refs: list[str | int], changes: BulkChanges
) -> list[LoadedTicket]:
    """Apply the same changes to many tickets: all of them, or none (first error wins)."""
    given = changes.model_fields_set
    for name in ("status", "priority"):
        if name in given and getattr(changes, name) is None:
            raise ValidationFailed(
                "The request is not valid.", fields={f"changes.{name}": "Cannot be null."}
            )
    if not given - {"add_tags", "remove_tags"} and not changes.add_tags and not changes.remove_tags:
        raise ValidationFailed(
            "Nothing to change.", fields={"changes": "Give at least one change."}
        )
    org = await _organization(principal)
    agent: Agent | None = None
    if "assignee_id" in given and changes.assignee_id is not None:
        agent = await _assignable_agent(principal, changes.assignee_id, "changes.assigneeId")
    unique_refs = list(dict.fromkeys(str(r).strip().upper() for r in refs))
    async with in_transaction() as conn:
        # One row per ticket, even when named twice (by id and by reference).
        tickets = await _lock_many(principal, unique_refs, org.ticket_prefix, conn)
        for ticket in tickets:
            try:
                if changes.status is not None:
                    await _apply_status(conn, ticket, principal, changes.status)
            except InvalidTransition as exc:
                raise InvalidTransition(
                    f"{format_reference(org.ticket_prefix, ticket.number)}: {exc.message}"
                ) from None
            if changes.priority is not None:
                await _apply_priority(conn, ticket, principal, org, changes.priority)
            if "assignee_id" in given:
                await _apply_assignee(conn, ticket, principal, agent)
            await _apply_tags(
                conn, ticket, principal, add=changes.add_tags, remove=changes.remove_tags
            )
            await ticket.save(using_db=conn)
        reloaded = (
            await Ticket.filter(id__in=[t.id for t in tickets])
            .using_db(conn)
            .select_related("assignee")
            .order_by("number")
        )
        loaded = await load_tickets(list(reloaded), prefix=org.ticket_prefix, conn=conn)
    return loaded


async def delete_ticket(*, principal: Principal, ref: str | int) -> LoadedTicket:
    """Delete a ticket and everything on it (admins only). Returns what was deleted."""
    principal.require_admin()
    org = await _organization(principal)
    async with in_transaction() as conn:
        ticket = await _lock(principal, ref, org.ticket_prefix, conn)
        loaded = await _reload(ticket.id, org.ticket_prefix, conn)
        await ticket.delete(using_db=conn)
    return loaded


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)
