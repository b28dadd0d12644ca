"""Benchmark `GET /api/tickets` (typical filters) and `POST /api/tickets` on 100,000 tickets.

    .venv/bin/python bench/tickets_api.py [--tickets 100000] [--requests 1000]
        [--concurrency 4] [--database-url URL] [--keep]

A throwaway PostgreSQL database is created, migrated and given one organisation and its agents
through the real services; the tickets are then bulk-loaded; the real server (`parley serve`,
one process) is started on it and driven over HTTP. Targets on a 2-core machine with one
server process: every filtered list p99 under 30 ms, create p50 under 10 ms.

Two floors are measured in the same run so the figures can be compared on a busy machine:
`GET /healthz` on the same server (HTTP and framework, through the same client) and, for each
list case, its own SQL (the same WHERE, ORDER BY and LIMIT, plus the COUNT) sent straight to
PostgreSQL with asyncpg.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import os
import random
import secrets
import shlex
import signal
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

# Run as a script (`python bench/tickets_api.py`) the repository root is not on the path.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import asyncpg
import uvloop
from tortoise import Tortoise

from bench._common import (
    ADMIN_DATABASE_URL,
    HttpClient,
    HttpResponse,
    Measurement,
    Send,
    backend_pids,
    cpu_seconds,
    format_table,
    load_average,
    measure,
    memory_kib,
    running_server,
    throwaway_database,
)
from server.accounts.agents import create_agent
from server.accounts.models import Role
from server.accounts.organizations import create_organization
from server.db import tortoise_config
from server.migrate import upgrade
from server.tickets import sla
from server.tickets.models import TicketPriority, TicketStatus
from server.tickets.queries import COUNT_LIMIT

ORG_SLUG = "bench"
TICKET_PREFIX = "BEN"
ADMIN_EMAIL = "admin@bench.example.com"
# A throwaway credential for a throwaway database.
PASSWORD = "bench-password-1"
PAGE_SIZE = 25  # the API's default page size: what the console asks for

CASE_NAMES = ("default", "open", "unassigned", "priority", "search", "tag", "create")
LIST_P99_TARGET_MS = 30.0
CREATE_P50_TARGET_MS = 10.0

# --- realistic ticket text and attributes ---------------------------------------------------

TOPICS = (
    "invoice", "login", "password reset", "subscription", "refund", "export", "dashboard",
    "mobile app", "notification email", "billing address", "credit card", "plan upgrade",
    "API key", "webhook", "CSV import", "order status", "tracking number", "delivery",
    "two-factor authentication", "team permissions", "user invite", "report", "receipt",
    "calendar sync", "single sign-on", "search", "attachment upload", "chat widget",
    "time zone", "language settings", "discount code", "tax settings", "checkout",
    "shipping label", "custom domain", "SSL certificate", "storage quota", "audit log",
    "data retention", "account deletion", "integration", "Slack integration", "backup",
    "onboarding checklist", "payment method", "cancellation", "trial extension", "VAT number",
    "product catalogue", "inventory sync", "barcode scanner", "printer setup", "sandbox",
)  # fmt: skip
SUBJECTS = (
    "{topic} not working", "Cannot update {topic}", "Question about {topic}",
    "{topic} shows the wrong amount", "Error {code} when using {topic}",
    "How do I change my {topic}?", "Urgent: {topic} broken since {weekday}",
    "{topic} is very slow today", "Feature request: {topic} on {platform}",
    "Charged twice for {topic}", "Missing {topic} after the update", "Help with {topic}",
    "{topic} and {topic2} out of sync", "Re: {topic}", "Problem with {topic} on {platform}",
)  # fmt: skip
SENTENCES = (
    "Hi, since {weekday} the {topic} page shows error {code}.",
    "I tried {browser} and {platform} and get the same result.",
    "Our team of {n} people relies on the {topic} every day.",
    "Could you please look into this as soon as possible?",
    "The {topic} worked fine until the last update.",
    "I already cleared the cache, logged out and back in again.",
    "We are on the {plan} plan, order number {order}.",
    "Please tell me how to change the {topic} for our {dept} team.",
    "This is blocking our {dept} team and customers are waiting.",
    "When I open {topic2} it redirects me back to the {topic} screen.",
    "Is there a way to do this without contacting support each time?",
    "The {topic} email never arrived, not even in the spam folder.",
    "Screenshot attached, the error appears right after clicking save.",
    "We were charged for the {topic} but it does not show in the {topic2}.",
    "A colleague on {platform} does not have this problem.",
    "Happy to jump on a call if that helps.",
    "Thanks in advance, {first}.",
)  # fmt: skip
TAGS = (
    "billing", "bug", "how-to", "vip", "feature-request", "login", "refund", "mobile", "api",
    "onboarding", "shipping", "enterprise", "integration", "urgent", "feedback", "security",
    "performance", "churn-risk", "duplicate", "escalated",
)  # fmt: skip
CATEGORIES = ("Billing", "Technical", "Account", "Shipping", "Sales", "Feedback")
FIRST_NAMES = (
    "Ana", "Ben", "Chloe", "Dmitri", "Emma", "Farid", "Grace", "Hiro", "Ines", "Jonas", "Kemal",
    "Lena", "Mateo", "Nora", "Olu", "Priya", "Quentin", "Rosa", "Sven", "Tara", "Uma", "Viktor",
    "Wen", "Yusuf", "Zoe",
)  # fmt: skip
LAST_NAMES = (
    "Almeida", "Brown", "Chen", "Dubois", "Eriksen", "Fischer", "Garcia", "Haddad", "Ivanova",
    "Jensen", "Kowalski", "Lopez", "Müller", "Nakamura", "O'Brien", "Patel", "Rossi", "Smith",
    "Tanaka", "Usman", "Varga", "Weber", "Yilmaz", "Zhang",
)  # fmt: skip
AGENTS = (
    "Alex Support", "Bea Torres", "Carl Nguyen", "Dana Kim", "Eli Novak", "Fay Okafor",
    "Gus Lindqvist", "Hana Sato", "Ivo Petrov", "Jill Moreau", "Kai Becker",
)  # fmt: skip
WORDS: dict[str, tuple[str, ...]] = {
    "weekday": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "the weekend"),
    "platform": ("iOS", "Android", "Windows", "macOS", "the web app", "Linux"),
    "browser": ("Chrome", "Firefox", "Safari", "Edge"),
    "plan": ("Starter", "Team", "Business", "Enterprise"),
    "dept": ("sales", "finance", "warehouse", "marketing", "support", "engineering"),
}

S, P = TicketStatus, TicketPriority
# Status mix by ticket age: recent tickets are being worked on, old ones are mostly closed.
STATUS_BY_AGE: tuple[tuple[float, dict[TicketStatus, float]], ...] = (
    (2, {S.NEW: 35, S.OPEN: 30, S.IN_PROGRESS: 15, S.WAITING_ON_CUSTOMER: 10,
         S.WAITING_ON_THIRD_PARTY: 3, S.RESOLVED: 5, S.CANCELLED: 2}),
    (14, {S.NEW: 5, S.OPEN: 20, S.IN_PROGRESS: 15, S.WAITING_ON_CUSTOMER: 15,
          S.WAITING_ON_THIRD_PARTY: 5, S.RESOLVED: 30, S.CLOSED: 5, S.CANCELLED: 5}),
    (60, {S.NEW: 1, S.OPEN: 4, S.IN_PROGRESS: 3, S.WAITING_ON_CUSTOMER: 4,
          S.WAITING_ON_THIRD_PARTY: 1, S.RESOLVED: 20, S.CLOSED: 62, S.CANCELLED: 5}),
    (math.inf, {S.OPEN: 0.5, S.IN_PROGRESS: 0.2, S.WAITING_ON_CUSTOMER: 0.3, S.RESOLVED: 2,
                S.CLOSED: 92, S.CANCELLED: 5}),
)  # fmt: skip
PRIORITY_MIX = {P.LOW: 25, P.MEDIUM: 45, P.HIGH: 20, P.URGENT: 8, P.CRITICAL: 2}
UNASSIGNED_CHANCE = {
    S.NEW: 0.85, S.OPEN: 0.2, S.IN_PROGRESS: 0.0, S.WAITING_ON_CUSTOMER: 0.05,
    S.WAITING_ON_THIRD_PARTY: 0.05, S.RESOLVED: 0.03, S.CLOSED: 0.03, S.CANCELLED: 0.4,
}  # fmt: skip
SOURCES = ("widget", "email", "agent", "api")


def zipf_weights(count: int) -> list[float]:
    """Cumulative weights where the k-th item is 1/k as likely as the first, like real words."""
    total, cumulative = 0.0, []
    for rank in range(1, count + 1):
        total += 1 / rank
        cumulative.append(total)
    return cumulative


TOPIC_WEIGHTS = zipf_weights(len(TOPICS))
TAG_WEIGHTS = zipf_weights(len(TAGS))


class TextMaker:
    """Subjects and descriptions drawn from templates with varied, Zipf-distributed topics."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def _slots(self) -> dict[str, Any]:
        rng = self.rng
        topic, topic2 = rng.choices(TOPICS, cum_weights=TOPIC_WEIGHTS, k=2)
        slots: dict[str, Any] = {name: rng.choice(options) for name, options in WORDS.items()}
        slots.update(
            topic=topic,
            topic2=topic2,
            code=rng.choice((400, 403, 404, 409, 422, 500, 502, 503)),
            n=rng.randint(2, 400),
            order=rng.randint(10_000, 999_999),
            first=rng.choice(FIRST_NAMES),
        )
        return slots

    def subject(self) -> str:
        text = self.rng.choice(SUBJECTS).format(**self._slots())
        return text[0].upper() + text[1:]

    def description(self) -> str:
        slots = self._slots()
        count = self.rng.randint(2, 6)
        return " ".join(s.format(**slots) for s in self.rng.sample(SENTENCES, count))


# --- seeding ------------------------------------------------------------------------------


@dataclass
class BenchOrg:
    """The organisation the benchmark works in, and what the seed gave it."""

    id: int
    admin_id: int
    agent_ids: list[int]
    tickets: int
    seeded_in: float | None = None  # seconds; None when an earlier run's data was reused


async def create_org_and_agents(url: str) -> tuple[int, list[int]]:
    """The organisation, its admin and its agents, through the real account services."""
    await Tortoise.init(config=tortoise_config(url))
    try:
        org = await create_organization(name="Bench Co", slug=ORG_SLUG, ticket_prefix=TICKET_PREFIX)
        admin = await create_agent(
            organization_id=org.id, email=ADMIN_EMAIL, name="Bench Admin",
            password=PASSWORD, role=Role.ADMIN,
        )  # fmt: skip
        agent_ids = [admin.id]
        for name in AGENTS:
            email = name.lower().replace(" ", ".") + "@bench.example.com"
            agent = await create_agent(
                organization_id=org.id, email=email, name=name, password=PASSWORD
            )
            agent_ids.append(agent.id)
        return org.id, agent_ids
    finally:
        await Tortoise.close_connections()


def _later(
    rng: random.Random, start: datetime, low_hours: float, high_hours: float, cap: datetime
) -> datetime:
    return min(start + timedelta(hours=rng.uniform(low_hours, high_hours)), cap)


def _status_for(age: timedelta, rng: random.Random) -> TicketStatus:
    for max_days, mix in STATUS_BY_AGE:
        if age.total_seconds() < max_days * 86400:
            return rng.choices(list(mix), weights=list(mix.values()))[0]
    raise AssertionError("the last age band is unbounded")


TICKET_COLUMNS = (
    "id", "organization_id", "number", "subject", "description", "status", "priority",
    "category", "custom_fields", "metadata", "requester_id", "requester_name",
    "requester_email", "assignee_id", "assigned_at", "first_response_due_at",
    "resolution_due_at", "first_response_at", "resolved_at", "closed_at", "created_at",
    "updated_at",
)  # fmt: skip
CONTACT_COLUMNS = ("id", "organization_id", "email", "name", "created_at", "updated_at")
TAG_COLUMNS = ("ticket_id", "organization_id", "name")
ACTIVITY_COLUMNS = (
    "ticket_id", "type", "description", "changes", "performed_by_type", "performed_by_id",
    "performed_by_name", "created_at",
)  # fmt: skip


@dataclass
class SeedRows:
    """Rows for COPY, per table, in the column order of the `*_COLUMNS` tuples."""

    contacts: list[tuple[Any, ...]] = field(default_factory=list)
    tickets: list[tuple[Any, ...]] = field(default_factory=list)
    tags: list[tuple[Any, ...]] = field(default_factory=list)
    activities: list[tuple[Any, ...]] = field(default_factory=list)


def generate_rows(
    *, count: int, org: BenchOrg, first_ticket_id: int, first_contact_id: int, seed: int
) -> SeedRows:
    """`count` tickets numbered 1..count, created over the past year in number order."""
    rng = random.Random(seed)
    text = TextMaker(rng)
    now = datetime.now(UTC)
    year_ago = now - timedelta(days=365)
    rows = SeedRows()

    contact_count = max(1, count // 4)  # a customer writes four times a year on average
    for i in range(contact_count):
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        ascii_name = f"{first}.{last}".lower().encode("ascii", "ignore").decode().replace("'", "")
        email = f"{ascii_name}{i}@customer{i % 97}.example"
        rows.contacts.append(
            (first_contact_id + i, org.id, email, f"{first} {last}", year_ago, year_ago)
        )

    created = sorted(
        year_ago + timedelta(seconds=rng.uniform(0, 365 * 86400)) for _ in range(count)
    )
    busy_agents = zipf_weights(len(org.agent_ids))  # some agents carry more of the load
    for number, created_at in enumerate(created, start=1):
        ticket_id = first_ticket_id + number - 1
        status = _status_for(now - created_at, rng)
        priority = rng.choices(list(PRIORITY_MIX), weights=list(PRIORITY_MIX.values()))[0]
        contact = rng.choice(rows.contacts)
        assignee = (
            None
            if rng.random() < UNASSIGNED_CHANCE[status]
            else rng.choices(org.agent_ids, cum_weights=busy_agents)[0]
        )
        first_due, resolution_due = sla.due_dates(settings={}, priority=priority, start=created_at)
        answered = _later(rng, created_at, 0.1, 30, now) if status is not S.NEW else None
        resolved = (
            _later(rng, created_at, 1, 240, now) if status in (S.RESOLVED, S.CLOSED) else None
        )
        closed = _later(rng, resolved, 0, 72, now) if resolved and status is S.CLOSED else None
        touched = [t for t in (answered, resolved, closed) if t is not None]
        updated_at = max(touched) if touched else created_at
        if status not in (S.RESOLVED, S.CLOSED):
            updated_at = max(updated_at, _later(rng, created_at, 0, 72, now))
        custom = {"plan": rng.choice(WORDS["plan"])} if rng.random() < 0.3 else {}
        rows.tickets.append(
            (
                ticket_id, org.id, number, text.subject(), text.description(), status.value,
                priority.value, rng.choice((*CATEGORIES, None)), json.dumps(custom),
                json.dumps({"source": rng.choice(SOURCES)}), contact[0], contact[3], contact[2],
                assignee, _later(rng, created_at, 0, 4, now) if assignee else None, first_due,
                resolution_due, answered, resolved, closed, created_at, updated_at,
            )
        )  # fmt: skip
        tag_count = rng.choices((0, 1, 2, 3), weights=(40, 35, 18, 7))[0]
        for tag in set(rng.choices(TAGS, cum_weights=TAG_WEIGHTS, k=tag_count)):
            rows.tags.append((ticket_id, org.id, tag))
        reference = f"{TICKET_PREFIX}-{number:05d}"
        rows.activities.append(
            (ticket_id, "CREATED", f"Ticket {reference} created.", "{}", "AGENT",
             org.admin_id, "Bench Admin", created_at)
        )  # fmt: skip
    return rows


async def seed_tickets(conn: asyncpg.Connection, org: BenchOrg) -> None:
    """Bulk-load `org.tickets` tickets with COPY, straight into the tables.

    Seeding bypasses the ticket service on purpose: 100,000 creates through it would take many
    minutes, and the seed is not what is measured. Everything measured goes through the real
    HTTP API. The rows follow the service's rules (numbers 1..N with the counter at N,
    contacts for requesters, SLA due dates, one CREATED activity per ticket).
    """
    first_ticket_id = await conn.fetchval("SELECT coalesce(max(id), 0) + 1 FROM ticket")
    first_contact_id = await conn.fetchval("SELECT coalesce(max(id), 0) + 1 FROM contact")
    rows = generate_rows(
        count=org.tickets, org=org, first_ticket_id=first_ticket_id,
        first_contact_id=first_contact_id, seed=1,
    )  # fmt: skip
    async with conn.transaction():
        await conn.copy_records_to_table("contact", records=rows.contacts, columns=CONTACT_COLUMNS)
        await conn.copy_records_to_table("ticket", records=rows.tickets, columns=TICKET_COLUMNS)
        await conn.copy_records_to_table("ticket_tag", records=rows.tags, columns=TAG_COLUMNS)
        await conn.copy_records_to_table(
            "ticket_activity", records=rows.activities, columns=ACTIVITY_COLUMNS
        )
        for table in ("ticket", "contact"):  # ids were given explicitly: move the sequences on
            await conn.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), max(id)) FROM {table}"
            )
        await conn.execute(
            "UPDATE organization SET ticket_counter = $1 WHERE id = $2", org.tickets, org.id
        )
    # A live database is vacuumed and analysed by autovacuum; without this, freshly loaded
    # tables have no statistics or visibility map and the planner would be measuring the load.
    await conn.execute("VACUUM (ANALYZE) ticket, ticket_tag, contact, ticket_activity")


async def prepare_database(url: str, *, tickets: int) -> BenchOrg:
    """Migrate, then create and seed the bench organisation (or reuse it if it is there)."""
    await upgrade(url)
    conn = await asyncpg.connect(url)
    try:
        found = await conn.fetchrow(
            "SELECT id, ticket_counter FROM organization WHERE slug = $1", ORG_SLUG
        )
        if found is None:
            started = time.perf_counter()
            org_id, agent_ids = await create_org_and_agents(url)
            org = BenchOrg(id=org_id, admin_id=agent_ids[0], agent_ids=agent_ids, tickets=tickets)
            await seed_tickets(conn, org)
            org.seeded_in = time.perf_counter() - started
            return org
        agent_ids = [
            row["id"]
            for row in await conn.fetch(
                "SELECT id FROM agent WHERE organization_id = $1 ORDER BY id", found["id"]
            )
        ]
        return BenchOrg(
            id=found["id"], admin_id=agent_ids[0], agent_ids=agent_ids,
            tickets=found["ticket_counter"],
        )  # fmt: skip
    finally:
        await conn.close()


# --- the cases ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ListCase:
    """A `GET /api/tickets` query and the same filter in SQL (`$1` is the organisation)."""

    name: str
    params: dict[str, str]
    where: str
    args: tuple[Any, ...] = ()
    # The server runs text searches with sequential scans disabled (server/tickets/queries.py).
    no_seqscan: bool = False

    @property
    def label(self) -> str:
        query = "&".join(f"{key}={value}" for key, value in self.params.items())
        return "GET /api/tickets" + (f"?{query}" if query else "")

    def exact_count_sql(self) -> str:
        return f"SELECT count(*) FROM ticket WHERE {self.where}"

    def count_sql(self) -> str:
        # The server's count: it stops past COUNT_LIMIT matches (`totalExact: false`).
        return (
            f"SELECT count(*) FROM (SELECT ticket.id FROM ticket WHERE {self.where}"
            f" LIMIT {COUNT_LIMIT + 1}) AS capped"
        )

    def page_sql(self) -> str:
        # The server's page query: every ticket column, newest first (assignee names and
        # tags are two small follow-up queries on the server, left out of the floor).
        return (
            f"SELECT ticket.* FROM ticket WHERE {self.where}"
            f" ORDER BY ticket.created_at DESC, ticket.id DESC LIMIT {PAGE_SIZE}"
        )


def list_cases(*, word: str, tag: str) -> list[ListCase]:
    """The filters agents use most, written as SQL the way the ORM writes them."""
    org = "ticket.organization_id = $1"
    # Tortoise's `icontains` on PostgreSQL: UPPER(CAST(column AS VARCHAR)) LIKE UPPER(pattern).
    contains = "UPPER(CAST(ticket.{0} AS VARCHAR)) LIKE UPPER($2) ESCAPE '\\'"
    return [
        ListCase("default", {}, org),
        ListCase("open", {"status": "OPEN"}, f"{org} AND ticket.status IN ($2)", ("OPEN",)),
        ListCase(
            "unassigned",
            {"assignee": "none", "status": "NEW,OPEN"},
            f"{org} AND ticket.status IN ($2, $3) AND ticket.assignee_id IS NULL",
            ("NEW", "OPEN"),
        ),
        ListCase("priority", {"priority": "HIGH"}, f"{org} AND ticket.priority IN ($2)", ("HIGH",)),
        ListCase(
            "search",
            {"q": word},
            f"{org} AND ({contains.format('subject')} OR {contains.format('description')})",
            (f"%{word}%",),
            no_seqscan=True,
        ),
        ListCase(
            "tag",
            {"tag": tag},
            f"{org} AND ticket.id IN"
            " (SELECT ticket_id FROM ticket_tag WHERE organization_id = $1 AND name = $2)",
            (tag,),
        ),
    ]


def new_ticket(i: int, run: str, text: TextMaker) -> dict[str, Any]:
    """A `POST /api/tickets` body from a new customer (a unique email: a new contact)."""
    rng = text.rng
    return {
        "requesterName": f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}",
        "requesterEmail": f"bench-{run}-{i}@customer.example",
        "subject": text.subject(),
        "description": text.description(),
        "priority": rng.choices(list(PRIORITY_MIX), weights=list(PRIORITY_MIX.values()))[0],
        "category": rng.choice(CATEGORIES),
        "tags": [rng.choices(TAGS, cum_weights=TAG_WEIGHTS)[0]],
    }


class Bench:
    """One run's connections: the HTTP client, a PostgreSQL pool and a monitor connection."""

    def __init__(
        self,
        *,
        client: HttpClient,
        pool: asyncpg.Pool,
        monitor: asyncpg.Connection,
        server_pid: int,
        org: BenchOrg,
        args: argparse.Namespace,
    ) -> None:
        self.client, self.pool, self.monitor = client, pool, monitor
        self.server_pid, self.org, self.args = server_pid, org, args

    async def _database_pids(self) -> list[int]:
        return await backend_pids(self.monitor)

    async def measure(self, name: str, send: Send) -> Measurement:
        result = await measure(
            name, send, requests=self.args.requests, warmup=self.args.warmup,
            concurrency=self.args.concurrency, budget=self.args.budget,
            server_pid=self.server_pid,
            database_pids=self._database_pids,
        )  # fmt: skip
        lat = result.latencies
        print(f"  {name:<30} p50 {lat.p50:7.2f} ms  p99 {lat.p99:7.2f} ms", flush=True)
        return result

    async def get(self, path: str, params: dict[str, str] | None = None) -> HttpResponse:
        response = await self.client.get(path, params)
        if response.status != 200:
            raise RuntimeError(f"GET {path} {params}: {response.status} {response.body!r}")
        return response

    async def healthz(self) -> Measurement:
        async def send(i: int) -> None:
            await self.get("/healthz")

        return await self.measure("GET /healthz", send)

    async def list_case(self, case: ListCase) -> Measurement:
        async def send(i: int) -> None:
            await self.get("/api/tickets", case.params)

        return await self.measure(case.label, send)

    async def sql_case(self, case: ListCase) -> Measurement:
        count_sql, page_sql = case.count_sql(), case.page_sql()

        async def send(i: int) -> None:
            async with self.pool.acquire() as conn, conn.transaction():
                if case.no_seqscan:
                    await conn.execute("SET LOCAL enable_seqscan = off")
                await conn.fetchval(count_sql, self.org.id, *case.args)
                await conn.fetch(page_sql, self.org.id, *case.args)

        return await self.measure(f"SQL for {case.name}", send)

    async def check_equivalent(self, case: ListCase) -> int:
        """The API's total must equal the SQL count, or the SQL floor measures something else.

        Returns the exact number of matches (the API's total stops at COUNT_LIMIT)."""
        page = (await self.get("/api/tickets", case.params)).json()
        exact = await self.monitor.fetchval(case.exact_count_sql(), self.org.id, *case.args)
        expected = (exact, True) if exact <= COUNT_LIMIT else (COUNT_LIMIT, False)
        if (page["total"], page["totalExact"]) != expected:
            raise RuntimeError(f"{case.name}: the API said {page['total']}, the SQL {exact}")
        return int(exact)

    async def create(self) -> Measurement:
        run = secrets.token_hex(3)
        text = TextMaker(random.Random(2))

        async def send(i: int) -> None:
            response = await self.client.post("/api/tickets", new_ticket(i, run, text))
            if response.status != 201:
                raise RuntimeError(f"POST /api/tickets: {response.status} {response.body!r}")

        return await self.measure("POST /api/tickets", send)


# --- the report ---------------------------------------------------------------------------


def _ms(value: float) -> str:
    return f"{value:.2f}"


def report(
    *,
    healthz: Measurement,
    lists: Sequence[tuple[ListCase, Measurement, Measurement, int]],
    create: Measurement | None,
) -> str:
    """One table: each case with its floors, its target and the CPU each party spent on it."""
    header = (
        "case", "matches", "n", "req/s", "p50 ms", "p90 ms", "p99 ms", "target", "met",
        "p50 x healthz", "p50 x SQL", "server CPU ms/req", "DB CPU ms/req", "client CPU ms/req",
    )  # fmt: skip

    def row(m: Measurement, matches: str, target: str, met: str, sql: Measurement | None) -> list:
        lat = m.latencies
        vs_healthz = f"{lat.p50 / healthz.latencies.p50:.1f}"
        vs_sql = f"{lat.p50 / sql.latencies.p50:.1f}" if sql else ""
        return [
            m.name, matches, str(lat.count), f"{lat.per_second:.0f}",
            _ms(lat.p50), _ms(lat.p90), _ms(lat.p99), target, met, vs_healthz, vs_sql,
            _ms(m.server_cpu_ms), _ms(m.database_cpu_ms), _ms(m.client_cpu_ms),
        ]  # fmt: skip

    rows = [row(healthz, "", "floor", "", None)]
    for _, api, sql, matches in lists:
        met = "yes" if api.latencies.p99 < LIST_P99_TARGET_MS else "NO"
        rows.append(row(api, f"{matches:,}", f"p99<{LIST_P99_TARGET_MS:.0f}", met, sql))
    for _, _, sql, matches in lists:
        rows.append(row(sql, f"{matches:,}", "floor", "", None))
    if create is not None:
        met = "yes" if create.latencies.p50 < CREATE_P50_TARGET_MS else "NO"
        rows.append(row(create, "", f"p50<{CREATE_P50_TARGET_MS:.0f}", met, None))
    return format_table(header, rows)


# --- the run ------------------------------------------------------------------------------


async def run(args: argparse.Namespace) -> None:
    print(
        f"Parley tickets API benchmark: {args.tickets:,} tickets, {args.requests} requests per"
        f" case after {args.warmup} warm-up, concurrency {args.concurrency};"
        f" {os.cpu_count()} CPUs, load average {load_average()}",
        flush=True,
    )
    async with contextlib.AsyncExitStack() as stack:
        url = args.database_url or await stack.enter_async_context(
            throwaway_database(args.admin_url, keep=args.keep)
        )
        org = await prepare_database(url, tickets=args.tickets)
        if org.seeded_in is None:
            print(f"reusing the seeded organisation: {org.tickets:,} tickets", flush=True)
        else:
            print(f"migrated and seeded {org.tickets:,} tickets in {org.seeded_in:.1f} s")

        command = shlex.split(args.server_command) if args.server_command else None
        server = await stack.enter_async_context(running_server(database_url=url, command=command))
        server_cpu_start, run_started = cpu_seconds(server.pid), time.perf_counter()
        client = HttpClient(server.base_url, connections=args.concurrency)
        stack.push_async_callback(client.aclose)
        login = await client.post(
            "/api/auth/login", {"email": ADMIN_EMAIL, "password": PASSWORD, "org": ORG_SLUG}
        )
        if login.status != 200:
            raise RuntimeError(f"login failed: {login.status} {login.body!r}")
        client.headers["authorization"] = f"Bearer {login.json()['token']}"
        pool = await asyncpg.create_pool(url, min_size=args.concurrency, max_size=args.concurrency)
        stack.push_async_callback(pool.close)
        monitor = await asyncpg.connect(url)
        stack.push_async_callback(monitor.close)
        bench = Bench(
            client=client, pool=pool, monitor=monitor, server_pid=server.pid, org=org, args=args
        )

        cases = [c for c in list_cases(word=args.search, tag=args.tag) if c.name in args.cases]
        matches = [await bench.check_equivalent(case) for case in cases]
        print(f"server pid {server.pid} on {server.base_url}; measuring:", flush=True)
        healthz = await bench.healthz()
        api_results = [await bench.list_case(case) for case in cases]
        sql_results = [await bench.sql_case(case) for case in cases]
        create = await bench.create() if "create" in args.cases else None

        elapsed = time.perf_counter() - run_started
        server_cpu = cpu_seconds(server.pid) - server_cpu_start
        memory = memory_kib(server.pid)
        print()
        print(
            report(
                healthz=healthz,
                lists=list(zip(cases, api_results, sql_results, matches, strict=True)),
                create=create,
            )
        )
        print()
        print(
            f"server: RSS {memory['VmRSS'] / 1024:.0f} MiB (peak {memory['VmHWM'] / 1024:.0f} MiB);"
            f" CPU {server_cpu:.1f} s in {elapsed:.1f} s of load"
            f" ({100 * server_cpu / elapsed:.0f}% of one core)"
        )
        print(f"load average after: {load_average()}")


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--tickets", type=int, default=100_000, help="tickets to seed")
    parser.add_argument("--requests", type=int, default=1000, help="timed requests per case")
    parser.add_argument("--warmup", type=int, default=50, help="untimed requests per case")
    parser.add_argument("--concurrency", type=int, default=4, help="requests in flight")
    parser.add_argument(
        "--budget", type=float, default=30.0, help="seconds at most per case (fewer requests)"
    )
    parser.add_argument(
        "--cases",
        type=lambda text: set(text.split(",")),
        default=set(CASE_NAMES),
        help=f"comma-separated subset of {','.join(CASE_NAMES)} (GET /healthz always runs)",
    )
    parser.add_argument("--search", default="refund", help="the text search word")
    parser.add_argument("--tag", default="billing", help="the tag filter")
    parser.add_argument(
        "--database-url",
        help="use this PostgreSQL database (migrated, seeded unless already seeded, kept)",
    )
    parser.add_argument(
        "--admin-url", default=ADMIN_DATABASE_URL, help="where throwaway databases are created"
    )
    parser.add_argument(
        "--server-command",
        help="run this instead of `parley serve` (`--port N` is appended): to compare a variant",
    )
    parser.add_argument(
        "--keep", action="store_true", help="keep the throwaway database (to rerun or EXPLAIN)"
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)

    async def guarded() -> None:
        # SIGTERM cancels like Ctrl-C does, so the server is stopped and the database dropped.
        task = asyncio.current_task()
        assert task is not None
        asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, task.cancel)
        await run(args)

    try:
        # uvloop, as the server uses: the load generator should cost as little CPU as it can.
        with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
            runner.run(guarded())
    except (KeyboardInterrupt, asyncio.CancelledError):
        print("interrupted; the server was stopped and the database cleaned up", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
