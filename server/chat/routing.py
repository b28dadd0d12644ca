"""Automatic routing of waiting chats, and returning chats of agents who went offline.

Routing (organisations whose widget `routing` is `automatic`): each waiting conversation, next
in line first, goes to an agent who is online on the queue (presence, not "away") and has
fewer active chats than their `chatCapacity`; among those, to the one who was given a chat
longest ago (round robin). It reacts to every committed event that can change the answer (a
chat starts, ends, is transferred or requeued: `RoutingReactor`, run by the relay before the
write's request is answered) and runs on every tick of the router (about once a second),
which catches agents coming online. It holds the organisation's row lock, so two processes
never fill the same slot twice.

Requeueing (every organisation): an active chat whose customer is waiting for an answer and
whose agent has been absent from presence for the organisation's `offlineGraceSeconds`
returns to the queue (the customer sees a system message) and is routed again.

The router's pass is a job on the scheduler (`tick`, every second, one process at a time);
its writes are also guarded by row locks and re-checked conditions, so doing the same thing
twice (a reactor and a tick at once) changes nothing.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from tortoise.functions import Count
from tortoise.transactions import in_transaction

from server.accounts import org_settings
from server.accounts.models import Agent, Organization
from server.channels import names
from server.channels.presence import Presence
from server.chat import agents, announce, events, lookups, writes
from server.chat.models import Conversation, ConversationStatus
from server.events import relay
from server.events.actor import Actor
from server.events.model import Event, Subject

log = logging.getLogger(__name__)

TICK_SECONDS = 1.0  # the routing job's period (server/app.py)
# Conversations routed per organisation per pass (the next pass goes on).
ROUTE_BATCH = 50
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class Router:
    def __init__(self, presence: Presence) -> None:
        self.presence = presence
        self._ticking = False

    def start(self) -> None:
        """Let `tick` run (the app's scheduler calls it every second, in one process)."""
        self._ticking = True

    async def stop(self) -> None:
        """Make `tick` do nothing (shutdown; tests that route by hand)."""
        self._ticking = False

    async def tick(self, slot: object = None) -> None:
        """The routing job: requeue chats of absent agents, then route every waiting queue."""
        if self._ticking:
            await self.pass_once()

    async def pass_once(self) -> None:
        """One pass: requeue chats of absent agents, then route every waiting queue."""
        await self.requeue_absent()
        waiting = set(
            await Conversation.filter(status=ConversationStatus.WAITING)
            .distinct()
            .values_list("organization_id", flat=True)
        )
        for org in await Organization.filter(id__in=waiting):
            if _automatic(org):
                await self.route(org.id)

    async def _people(self, organization_id: int) -> dict[int, str]:
        """Agent id -> presence status (online/away) on the organisation's queue."""
        entries = await self.presence.snapshot(names.queue(organization_id).key)
        return {
            int(e.person.split(":", 1)[1]): e.status
            for e in entries
            if e.person.startswith("agent:")
        }

    async def route(self, organization_id: int) -> int:
        """Assign what can be assigned now; returns how many conversations were."""
        org = await Organization.get_or_none(id=organization_id)
        if org is None or not _automatic(org):
            return 0  # manual routing takes no lock at all
        online = [a for a, status in (await self._people(organization_id)).items()
                  if status == "online"]  # fmt: skip
        if not online:
            return 0
        assigned = 0
        async with in_transaction() as conn:
            org = (
                await Organization.filter(id=organization_id)
                .using_db(conn)
                .select_for_update()
                .first()
            )
            if org is None or not _automatic(org):
                return 0  # switched to manual meanwhile
            waiting = await lookups.queue_order(organization_id, conn)
            if not waiting:
                return 0
            # Only what routing needs (never the password hash).
            candidates = (
                await Agent.filter(id__in=online, organization_id=organization_id, is_active=True)
                .using_db(conn)
                .only("id", "name", "chat_capacity", "last_chat_routed_at")
            )
            load = await _active_chats(organization_id, [a.id for a in candidates], conn)
            for conversation_id in waiting[:ROUTE_BATCH]:
                free = [a for a in candidates if load.get(a.id, 0) < a.chat_capacity]
                if not free:
                    break
                agent = min(free, key=lambda a: (a.last_chat_routed_at or _EPOCH, a.id))
                conversation = await lookups.lock_conversation(
                    conversation_id, conn, organization_id=organization_id
                )
                if conversation.status != ConversationStatus.WAITING:
                    continue  # claimed meanwhile
                await agents.give(
                    conversation, agent, conn, Actor.system(), reason="routed",
                    text=f"{agent.name} joined the chat.", positions=False,
                )  # fmt: skip
                agent.last_chat_routed_at = writes.now()
                await (
                    Agent.filter(id=agent.id)
                    .using_db(conn)
                    .update(last_chat_routed_at=agent.last_chat_routed_at)
                )
                load[agent.id] = load.get(agent.id, 0) + 1
                assigned += 1
            if assigned:
                await announce.queue_positions(organization_id, conn)
        if assigned:
            await relay.relayed()
        return assigned

    async def requeue_absent(self) -> int:
        """Return to the queue the unanswered chats of agents absent past the grace period.

        When a pass first sees an agent absent while a customer waits on them, it notes the
        moment on the agent (`Agent.absent_since`), so any process's later pass measures the
        grace from it; an agent seen present again, or with nobody waiting, is cleared."""
        rows = await Conversation.filter(
            status=ConversationStatus.ACTIVE,
            awaiting_reply_since__isnull=False,
            assignee_id__isnull=False,
        ).values("id", "organization_id", "assignee_id")
        by_org: dict[int, list[dict[str, Any]]] = {}
        for row in rows:
            by_org.setdefault(row["organization_id"], []).append(row)
        moment = writes.now()
        absent: set[int] = set()
        requeued = 0
        for org_id, conversations in by_org.items():
            present = await self._people(org_id)
            org = await Organization.get_or_none(id=org_id)
            if org is None:
                continue
            grace = org_settings.widget_settings(org)["offlineGraceSeconds"]
            missing = {row["assignee_id"] for row in conversations} - set(present)
            if not missing:
                continue
            absent |= missing
            await Agent.filter(id__in=missing, absent_since__isnull=True).update(
                absent_since=moment
            )
            since = dict(await Agent.filter(id__in=missing).values_list("id", "absent_since"))
            for row in conversations:
                first_seen = since.get(row["assignee_id"])
                if first_seen is not None and (moment - first_seen).total_seconds() >= grace:
                    requeued += await agents.requeue(row["id"], row["assignee_id"])
        # Forget agents who came back or have nobody waiting on them any more.
        await (
            Agent.filter(absent_since__isnull=False)
            .exclude(id__in=absent)
            .update(absent_since=None)
        )
        return requeued


def _automatic(org: Organization) -> bool:
    return org_settings.widget_settings(org)["routing"] == "automatic"


async def _active_chats(organization_id: int, agent_ids: list[int], conn: Any) -> dict[int, int]:
    if not agent_ids:
        return {}
    rows = (
        await Conversation.filter(
            organization_id=organization_id,
            status=ConversationStatus.ACTIVE,
            assignee_id__in=agent_ids,
        )
        .using_db(conn)
        .annotate(n=Count("id"))
        .group_by("assignee_id")
        .values("assignee_id", "n")
    )
    return {row["assignee_id"]: row["n"] for row in rows}


def frees_or_fills_the_queue(event: Event) -> bool:
    """Whether `event` can change what routing would do: a chat joined the queue, left an
    agent's slot (ended, transferred away) or returned to the queue."""
    match event:
        case events.ConversationCreated() | events.ConversationEnded():
            return True
        case events.ConversationTransferred():
            return True
        case events.ConversationAssigned():
            return event.reason == "requeued"
    return False


class RoutingReactor:
    """Routes each organisation whose queue a committed batch changed (the relay's reactor)."""

    def __init__(self, router: Router) -> None:
        self.router = router

    async def react(self, batch: list[tuple[Event, Subject]]) -> bool:
        """Route each organisation whose queue changed; whether any chat was assigned."""
        organizations = dict.fromkeys(
            subject.organization_id for event, subject in batch if frees_or_fills_the_queue(event)
        )
        assigned = 0
        for organization_id in organizations:
            try:
                assigned += await self.router.route(organization_id)
            except Exception:
                log.warning("routing organisation %s failed; the router retries",
                            organization_id, exc_info=True)  # fmt: skip
        return assigned > 0


# The running app's router (set in the lifespan; tests reach it here).
_router: Router | None = None


def install(router: Router | None) -> None:
    global _router
    _router = router


def installed() -> Router | None:
    return _router
