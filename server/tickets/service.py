"""Every write to tickets.

Each public function checks access and validates first, then writes in ONE transaction that
also records the audit trail (TicketActivity with before/after values, see `changes.py`).
Each write also records its domain events in the same transaction (`announce.py`, the
outbox) and has them relayed once it commits (`relay.relayed()`); nothing here runs on
model save hooks.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple, cast

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from server.accounts.contacts import find_or_create_contact
from server.accounts.models import Agent, Contact, Organization
from server.accounts.principal import Principal
from server.attachments import service as attachments
from server.attachments.schemas import AttachmentOut
from server.channels import names
from server.channels.history import History
from server.db import MAX_ID
from server.errors import InvalidTransition, NotFound, StaleReply, ValidationFailed
from server.events import outbox, relay
from server.events.actor import Actor
from server.tickets import announce, sla
from server.tickets.changes import (
    AuditTrail,
    apply_assignee,
    apply_priority,
    apply_status,
    apply_tags,
    change,
    now,
)
from server.tickets.lookups import (
    LoadedTicket,
    load_ticket,
    load_tickets,
    lock_ticket,
    lock_tickets,
    organization_of,
)
from server.tickets.models import (
    ActivityType,
    Ticket,
    TicketPriority,
    TicketResponse,
    TicketStatus,
    TicketTag,
)
from server.tickets.numbering import format_reference, next_ticket_number
from server.tickets.presenters import response_out
from server.tickets.schemas import (
    BulkChanges,
    SeenPosition,
    TicketCreate,
    TicketSettings,
    TicketUpdate,
)


class Reply(NamedTuple):
    """A reply as written: the response, its ticket after the write, and the reply's files."""

    response: TicketResponse
    loaded: LoadedTicket
    files: list[AttachmentOut]


@dataclass(frozen=True)
class ClientInfo:
    """Where a request came from, kept in the ticket's metadata."""

    ip: str | None = None
    user_agent: str | None = None


async def assignable_agent(principal: Principal, agent_id: int, field: str) -> Agent:
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


def default_priority(settings: dict[str, Any]) -> TicketPriority:
    """The organisation's `defaultPriority`, MEDIUM when unset or not a priority."""
    try:
        return TicketPriority(settings.get("defaultPriority") or TicketPriority.MEDIUM)
    except ValueError:
        return TicketPriority.MEDIUM


def ticket_categories(org: Organization) -> list[str]:
    """The organisation's ticket categories (empty: any category is accepted)."""
    value = (org.settings or {}).get("categories") or []
    # Only a list of names counts (a hand-edited value must not fail every ticket form).
    return [c for c in value if isinstance(c, str)] if isinstance(value, list) else []


def check_category(org: Organization, category: str | None) -> None:
    allowed = ticket_categories(org)
    if category is not None and allowed and category not in allowed:
        raise ValidationFailed(
            "Unknown category.",
            fields={"category": f"One of: {', '.join(allowed)}."},
        )


async def create_ticket(
    *,
    principal: Principal,
    data: TicketCreate,
    client: ClientInfo | None = None,
) -> LoadedTicket:
    """Create a ticket for a requester (contact found or created by email).

    The number is reserved as late as possible in the transaction, and what follows is a
    fixed handful of INSERTs, so concurrent creates hold the organisation's counter row for
    as short a time as possible.
    """
    org = await organization_of(principal)
    settings = org.settings or {}
    priority = data.priority or default_priority(settings)
    check_category(org, data.category)
    assignee = (
        await assignable_agent(principal, data.assignee_id, "assigneeId")
        if data.assignee_id is not None
        else None
    )
    metadata: dict[str, Any] = {"source": "agent" if principal.agent else "api"}
    if client and client.ip:
        metadata["ip"] = client.ip
    if client and client.user_agent:
        metadata["userAgent"] = client.user_agent[:500]
    async with in_transaction() as conn:
        contact = await find_or_create_contact(
            organization_id=org.id,
            email=str(data.requester_email),
            name=data.requester_name,
            conn=conn,
        )
        loaded = await insert_ticket(
            actor=principal.actor, org=org, contact=contact, conn=conn,
            subject=data.subject, description=data.description, priority=priority,
            category=data.category, tags=data.tags, custom_fields=data.custom_fields,
            metadata=metadata, assignee=assignee,
            requester_name=data.requester_name or contact.name,
            attachment_ids=data.attachment_ids, uploaded_by=attachments.uploader_key(principal),
        )  # fmt: skip
    await relay.relayed()
    return loaded


async def insert_ticket(
    *,
    actor: Actor,
    org: Organization,
    contact: Contact,
    conn: BaseDBAsyncClient,
    subject: str,
    description: str,
    priority: TicketPriority,
    category: str | None,
    tags: list[str],
    custom_fields: dict[str, Any],
    metadata: dict[str, Any],
    assignee: Agent | None,
    requester_name: str,
    origin_chat_id: int | None = None,
    note: str = "",
    requester_email: str | None = None,
    attachment_ids: Sequence[int] = (),
    uploaded_by: str = "",
) -> LoadedTicket:
    """Insert a checked ticket in the caller's transaction, with its trail and events (the
    caller calls `relay.relayed()` after committing). `note` adds to the CREATED activity;
    `requester_email` is the address to follow up with when it is not the contact's own;
    `attachment_ids` are pending uploads of `uploaded_by` attached to the ticket itself."""
    started = now()
    first_due, resolution_due = sla.due_dates(
        settings=org.settings or {}, priority=priority, start=started
    )
    trail = AuditTrail(actor)
    number, prefix = await next_ticket_number(organization_id=org.id, conn=conn)
    ticket = await Ticket.create(
        organization_id=org.id,
        number=number,
        subject=subject,
        description=description,
        priority=priority,
        category=category,
        custom_fields=custom_fields,
        metadata=metadata,
        requester_id=contact.id,
        requester_name=requester_name,
        requester_email=requester_email or contact.email,
        origin_chat_id=origin_chat_id,
        first_response_due_at=first_due,
        resolution_due_at=resolution_due,
        # The SLA clocks start at the creation time (priority changes recompute from it).
        created_at=started,
        using_db=conn,
    )
    created = f"Ticket {format_reference(prefix, number)} created."
    trail.add(ticket, ActivityType.CREATED, f"{created} {note}".strip())
    await apply_tags(trail, ticket, conn, add=tags, remove=[], current=set())
    if assignee is not None:
        await apply_assignee(trail, ticket, assignee, conn)
        await ticket.save(using_db=conn, update_fields=["assignee_id", "assigned_at", "updated_at"])
    await trail.save(conn)
    await attachments.attach(
        conn, organization_id=org.id, uploaded_by=uploaded_by, ids=attachment_ids,
        target=attachments.Target(ticket_id=ticket.id, contact_id=contact.id),
    )  # fmt: skip
    loaded = LoadedTicket(
        ticket=ticket,
        prefix=prefix,
        tags=sorted(set(tags)),
        assignee_name=assignee.name if assignee else None,
    )
    await announce.created(loaded, conn, actor)
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
    org = await organization_of(principal)
    if "category" in given:
        check_category(org, data.category)
    trail = AuditTrail(principal.actor)
    async with in_transaction() as conn:
        ticket = await lock_ticket(principal, ref, org.ticket_prefix, conn)
        changes: dict[str, Any] = {}
        for name in ("subject", "description", "category", "custom_fields"):
            if name in given and getattr(ticket, name) != getattr(data, name):
                changes[_camel(name)] = change(getattr(ticket, name), getattr(data, name))
                setattr(ticket, name, getattr(data, name))
        if changes:
            trail.add(ticket, ActivityType.UPDATED, f"Updated {', '.join(changes)}.", changes)
        if data.priority is not None:
            apply_priority(trail, ticket, org, data.priority)
        if data.tags is not None:
            tag_names = await (
                TicketTag.filter(ticket_id=ticket.id).using_db(conn).values_list("name", flat=True)
            )
            current = set(cast(list[str], tag_names))  # flat=True: the values, not 1-tuples
            await apply_tags(
                trail,
                ticket,
                conn,
                add=[t for t in data.tags if t not in current],
                remove=[t for t in current if t not in data.tags],
                current=current,
            )
        if data.status is not None:
            apply_status(trail, ticket, data.status)
        loaded = await save_and_stage(trail, ticket, org.ticket_prefix, conn)
    await relay.relayed()
    return loaded


async def change_status(
    *, principal: Principal, ref: str | int, status: TicketStatus
) -> LoadedTicket:
    org = await organization_of(principal)
    trail = AuditTrail(principal.actor)
    async with in_transaction() as conn:
        ticket = await lock_ticket(principal, ref, org.ticket_prefix, conn)
        changes: announce.Changes = {}
        if apply_status(trail, ticket, status):
            await ticket.save(using_db=conn)
            changes = announce.summarize(trail.rows).get(ticket.id, {})
            await trail.save(conn)
        loaded = await load_ticket(ticket, prefix=org.ticket_prefix, conn=conn)
        await announce.changed(loaded, changes, conn, trail.actor)
    await relay.relayed()
    return loaded


async def assign_ticket(
    *, principal: Principal, ref: str | int, agent_id: int | None
) -> LoadedTicket:
    org = await organization_of(principal)
    agent = await assignable_agent(principal, agent_id, "agentId") if agent_id is not None else None
    trail = AuditTrail(principal.actor)
    async with in_transaction() as conn:
        ticket = await lock_ticket(principal, ref, org.ticket_prefix, conn)
        changes: announce.Changes = {}
        if await apply_assignee(trail, ticket, agent, conn):
            await ticket.save(using_db=conn)
            changes = announce.summarize(trail.rows).get(ticket.id, {})
            await trail.save(conn)
        loaded = await load_ticket(ticket, prefix=org.ticket_prefix, conn=conn)
        await announce.changed(loaded, changes, conn, trail.actor)
    await relay.relayed()
    return loaded


async def add_response(
    *,
    principal: Principal,
    ref: str | int,
    content: str,
    is_internal: bool = False,
    status_change: TicketStatus | None = None,
    seen: SeenPosition | None = None,
    force: bool = False,
    history: History | None = None,
    attachment_ids: Sequence[int] = (),
) -> Reply:
    """An agent's reply or internal note.

    The first public reply by an agent (not an API key) sets the first-response time. A public
    reply on a NEW ticket opens it; `status_change` moves the ticket as part of the same write
    (the workflow applies; if it refuses, the reply is not saved either).

    Collision control: a public reply with `seen` (and a `history` to check it against) is
    refused with `StaleReply` when someone else replied publicly after that position.
    `attachment_ids` (the caller's pending uploads) go with the reply, internal with a note.
    """
    org = await organization_of(principal)
    trail = AuditTrail(principal.actor)
    async with in_transaction() as conn:
        ticket = await lock_ticket(principal, ref, org.ticket_prefix, conn)
        if seen is not None and history is not None and not is_internal and not force:
            await _check_collision(principal, ticket, seen, history, conn)
        agent = principal.agent
        response = await TicketResponse.create(
            ticket_id=ticket.id,
            content=content,
            is_internal=is_internal,
            author_type=principal.actor.author_type,
            author_agent_id=agent.id if agent else None,
            author_name=principal.name,
            author_email=agent.email if agent else None,
            using_db=conn,
        )
        files = await attachments.attach(
            conn, organization_id=org.id, uploaded_by=attachments.uploader_key(principal),
            ids=attachment_ids,
            target=attachments.Target(
                ticket_id=ticket.id, response_id=response.id, contact_id=ticket.requester_id,
                is_internal=is_internal,
            ),
        )  # fmt: skip
        if is_internal:
            trail.add(
                ticket,
                ActivityType.INTERNAL_NOTE_ADDED,
                "Internal note added.",
                {"responseId": response.id},
            )
        else:
            trail.add(
                ticket,
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
            apply_status(trail, ticket, target)
        loaded = await save_and_stage(
            trail, ticket, org.ticket_prefix, conn, response=response, files=files
        )
    await relay.relayed()
    return Reply(response, loaded, files)


async def save_and_stage(
    trail: AuditTrail,
    ticket: Ticket,
    prefix: str,
    conn: BaseDBAsyncClient,
    *,
    response: TicketResponse | None = None,
    files: Sequence[AttachmentOut] = (),
) -> LoadedTicket:
    """The end of a write to one locked ticket: save it and its audit trail, and stage its
    events (the reply first, with its `files`, then what the trail says changed) for after
    the commit."""
    await ticket.save(using_db=conn)
    changes = announce.summarize(trail.rows).get(ticket.id, {})
    await trail.save(conn)
    loaded = await load_ticket(ticket, prefix=prefix, conn=conn)
    await announce.changed(loaded, changes, conn, trail.actor, response=response, files=files)
    return loaded


async def _check_collision(
    principal: Principal,
    ticket: Ticket,
    seen: SeenPosition,
    history: History,
    conn: BaseDBAsyncClient,
) -> None:
    """Raise `StaleReply` if a public reply by someone else came after `seen`.

    Runs with the ticket locked, so no reply can commit meanwhile. Replies committed but not
    yet relayed are still in the outbox: they are read first (then history), so a reply is
    found in one or the other whichever moment the relay moves it. When the position is no
    longer in history (trimmed, lost, another epoch) nothing can be proven unseen, so the
    reply is refused with the latest public replies and the agent decides (`force`).
    """
    key = names.ticket(ticket.organization_id, ticket.id).key
    staged = await outbox.unrelayed(
        conn, kind="ticket", subject_id=ticket.id, type="ticket.response_added"
    )
    replay = await history.since(key, seen.offset, seen.epoch)
    published = [e.data for e in replay.entries if e.event == "ticket.response_added"]
    public = TicketResponse.filter(ticket_id=ticket.id, is_internal=False).using_db(conn)
    if replay.recovered:
        ids = sorted(
            {
                data["response"]["id"]
                for data in [*staged, *published]
                if not data["response"]["isInternal"] and not _own(principal, data["response"])
            }
        )
        if not ids:
            return
        unseen = await public.filter(id__in=ids).order_by("id")
        message = f"{len(ids)} newer public repl{'y' if len(ids) == 1 else 'ies'} on this ticket."
    else:
        unseen = list(reversed(await public.order_by("-id").limit(20)))
        message = "Your view of this ticket is too old to check; review the latest replies."
    raise StaleReply(
        message + " Send again with `force` to reply anyway.",
        details={
            "unseenResponses": [
                response_out(r).model_dump(mode="json", by_alias=True) for r in unseen
            ],
            "recovered": replay.recovered,
            "offset": replay.offset,
            "epoch": replay.epoch,
        },
    )


def _own(principal: Principal, response: dict[str, Any]) -> bool:
    return (
        principal.agent_id is not None
        and response.get("authorType") == "AGENT"
        and response.get("authorId") == principal.agent_id
    )


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
    org = await organization_of(principal)
    agent: Agent | None = None
    if "assignee_id" in given and changes.assignee_id is not None:
        agent = await assignable_agent(principal, changes.assignee_id, "changes.assigneeId")
    unique_refs = list(dict.fromkeys(str(r).strip().upper() for r in refs))
    trail = AuditTrail(principal.actor)
    async with in_transaction() as conn:
        # One row per ticket, even when named twice (by id and by reference).
        tickets = await lock_tickets(principal, unique_refs, org.ticket_prefix, conn)
        for ticket in tickets:
            try:
                if changes.status is not None:
                    apply_status(trail, ticket, changes.status)
            except InvalidTransition as exc:
                raise InvalidTransition(
                    f"{format_reference(org.ticket_prefix, ticket.number)}: {exc.message}"
                ) from None
            if changes.priority is not None:
                apply_priority(trail, ticket, org, changes.priority)
            if "assignee_id" in given:
                await apply_assignee(trail, ticket, agent, conn)
            await apply_tags(trail, ticket, conn, add=changes.add_tags, remove=changes.remove_tags)
            await ticket.save(using_db=conn)
        summaries = announce.summarize(trail.rows)
        await trail.save(conn)
        tickets.sort(key=lambda t: t.number)
        loaded = await load_tickets(tickets, prefix=org.ticket_prefix, conn=conn)
        for item in loaded:
            await announce.changed(item, summaries.get(item.ticket.id, {}), conn, trail.actor)
    await relay.relayed()
    return loaded


async def delete_ticket(*, principal: Principal, ref: str | int) -> LoadedTicket:
    """Delete a ticket and everything on it (admins only). Returns what was deleted.

    The ticket is looked up before the role is checked: a ticket outside the caller's
    organisation is 404 for everyone, exactly like every other ticket route, and only a
    ticket the caller can already see answers 403 to a non-admin.
    """
    org = await organization_of(principal)
    async with in_transaction() as conn:
        ticket = await lock_ticket(principal, ref, org.ticket_prefix, conn)
        principal.require_admin()
        loaded = await load_ticket(ticket, prefix=org.ticket_prefix, conn=conn)
        await ticket.delete(using_db=conn)
        await announce.deleted(loaded, conn, principal.actor)
    await relay.relayed()
    return loaded


def ticket_settings_changes(**given: Any) -> dict[str, Any]:
    """The `Organization.settings` keys for ticket settings given by name (`categories`,
    `default_priority`), validated by `TicketSettings`; a None value stays None, which
    `org_settings.update_organization` reads as "back to the default"."""
    settings = TicketSettings.model_validate({_camel(name): value for name, value in given.items()})
    return settings.model_dump(mode="json", by_alias=True, exclude_unset=True)


async def configure_ticket_settings(
    *, organization_id: int, settings: TicketSettings
) -> Organization:
    """Merge the given ticket settings (categories, default priority, SLA policy) into the
    organisation's; keys not given are kept. Validated by `TicketSettings` first."""
    changes = settings.model_dump(mode="json", by_alias=True, exclude_unset=True)
    async with in_transaction() as conn:
        org = await (
            Organization.filter(id=organization_id).using_db(conn).select_for_update().first()
        )
        if org is None:
            raise NotFound("Organisation not found.")
        org.settings = {**(org.settings or {}), **changes}
        await org.save(using_db=conn, update_fields=["settings", "updated_at"])
    return org


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)
