"""Benchmark live chat end to end: a message's POST to its event on the other side's socket.

    .venv/bin/python bench/chat.py                                  # full: 50 visitors, 2,000
    .venv/bin/python bench/chat.py --messages 200 --visitors 10     # a quick smoke run
    .venv/bin/python bench/chat.py --redis                          # with its own redis-server

Against the real server (`parley serve`, one process): N visitors (`POST /api/embed/session`
with the organisation's site key) each start a chat (`POST /api/embed/conversations`) and the
agent claims them all. Then, at a fixed concurrency, each case sends `--messages` messages
(each with a unique `clientMessageId` and a marker in its text) and times each from just before
the POST to the moment the event arrives on the receiving socket:

- visitor -> agent: `POST /api/embed/conversations/{id}/messages` (visitor token) to
  `conversation.message_created` on the agent's `/ws` socket subscribed to `queue`;
- agent -> visitor: `POST /api/conversations/{id}/messages` (agent token) to
  `conversation.message_created` on that visitor's `/ws/widget` socket on `contact:{id}`;
- the baseline, ticket reply: `POST /api/tickets/{id}/responses` (agent) to
  `ticket.response_added` on the agent's `queue` socket (one ticket per visitor);
- the HTTP floor: `GET /healthz`.

The chat figures print as ratios against the ticket-reply path measured in the same run.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# Run as a script (`python bench/chat.py`) the repository root is not on the path.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import asyncpg
from websockets.asyncio.client import ClientConnection
from websockets.asyncio.client import connect as ws_connect

from bench._common import (
    HttpClient,
    HttpResponse,
    ParleyServer,
    backend_pids,
    cpu_seconds,
    drive,
    format_table,
    free_port,
    load_average,
    memory_kib,
    percentile,
    run_interruptibly,
    scratch_database,
    seeding,
    switch_email_off,
)

ORG_SLUG = "chatbench"
ADMIN_EMAIL = "admin@chatbench.example.com"
AGENT_EMAIL = "agent@chatbench.example.com"
PASSWORD = "bench-password-1"  # a throwaway credential for a throwaway database
VERY_HIGH = "1000000/minute"  # the rate limits the benchmark lifts
EVENT_TIMEOUT = 30.0  # seconds a message's event may take before the run fails
# Typical lines; each message's text is "<marker> <one of these>".
VISITOR_LINE = "Hi, my invoice for March shows the wrong amount, can you check it please?"
AGENT_LINE = (
    "Thanks for waiting. I have corrected the invoice on our side; please refresh the page "
    "and tell me if it still looks wrong."
)


# --- the server and Redis ------------------------------------------------------------------


class ChatServer(ParleyServer):
    """`parley serve` with the chat and login rate limits lifted (and Redis if asked)."""

    def __init__(self, *, database_url: str, redis_url: str, command: Sequence[str] | None):
        super().__init__(database_url=database_url, command=command)
        self.redis_url = redis_url

    def _environment(self) -> dict[str, str]:
        env = super()._environment()
        env.update(
            PARLEY_REDIS_URL=self.redis_url,
            PARLEY_CHAT_MESSAGE_RATE=VERY_HIGH,
            PARLEY_CHAT_START_RATE=VERY_HIGH,
            PARLEY_EMBED_SESSION_RATE_PER_IP=VERY_HIGH,
            PARLEY_LOGIN_RATE_PER_IP=VERY_HIGH,
            PARLEY_LOGIN_RATE_PER_ACCOUNT=VERY_HIGH,
            PARLEY_WS_CONNECT_RATE_PER_IP=VERY_HIGH,
            PARLEY_WS_SEND_QUEUE="4096",
            PARLEY_WS_IDLE_SECONDS="3600",  # the bench sockets never ping
        )
        return env


class RedisServer:
    """A redis-server of our own on a free port (other runs share 6379), no persistence."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self._dir = tempfile.mkdtemp(prefix="parley-chat-redis-")
        self._process: asyncio.subprocess.Process | None = None

    async def start(self) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            raise RuntimeError("--redis needs redis-server on the PATH")
        self._process = await asyncio.create_subprocess_exec(
            binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
            "--appendonly", "no", "--dir", self._dir,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
        )  # fmt: skip
        deadline = time.monotonic() + 10
        while True:
            with contextlib.suppress(OSError):
                reader, writer = await asyncio.open_connection("127.0.0.1", self.port)
                writer.write(b"PING\r\n")
                if (await reader.readline()).startswith(b"+PONG"):
                    writer.close()
                    return
                writer.close()
            if self._process.returncode is not None or time.monotonic() > deadline:
                raise RuntimeError("redis-server did not start")
            await asyncio.sleep(0.05)

    async def stop(self) -> None:
        process, self._process = self._process, None
        if process is not None and process.returncode is None:
            process.terminate()
            try:
                await asyncio.wait_for(process.wait(), 5)
            except TimeoutError:
                process.kill()
                await process.wait()
        shutil.rmtree(self._dir, ignore_errors=True)


async def prepare_database(url: str, *, email: bool = True) -> str:
    """Migrate, then the organisation, its admin and its agent through the account services.

    Returns the organisation's widget site key."""
    from server.accounts.agents import create_agent
    from server.accounts.models import Role
    from server.accounts.organizations import create_organization

    async with seeding(url):
        org = await create_organization(name="Chat Bench Co", slug=ORG_SLUG, ticket_prefix="CHB")
        if not email:
            await switch_email_off(org)
        await create_agent(
            organization_id=org.id, email=ADMIN_EMAIL, name="Bench Admin",
            password=PASSWORD, role=Role.ADMIN,
        )  # fmt: skip
        await create_agent(
            organization_id=org.id, email=AGENT_EMAIL, name="Alex Agent",
            password=PASSWORD, role=Role.AGENT,
        )  # fmt: skip
        return str(org.site_key)


def database(args: argparse.Namespace) -> contextlib.AbstractAsyncContextManager[str]:
    return scratch_database(args.postgres, "parley_chat")


# --- sockets -------------------------------------------------------------------------------


class Socket:
    """One WebSocket: authenticated, subscribed to one channel, and a reader that resolves the
    waiter registered for each marked event it receives (receive time: `perf_counter`)."""

    def __init__(self, uri: str, token: str, channel: str, event: str) -> None:
        self.uri, self.token, self.channel, self.event = uri, token, channel, event
        self.ws: ClientConnection | None = None
        self.waiters: dict[str, asyncio.Future[float]] = {}
        self.reader: asyncio.Task[None] | None = None
        self.unmatched = 0

    async def open(self) -> None:
        self.ws = await ws_connect(self.uri, compression=None, max_size=None)
        await self.ws.send(json.dumps({"type": "auth", "token": self.token}))
        await self._expect("ready")
        await self.ws.send(json.dumps({"type": "subscribe", "channel": self.channel}))
        await self._expect("subscribed")
        self.reader = asyncio.create_task(self._read())

    async def _expect(self, kind: str) -> None:
        assert self.ws is not None
        async with asyncio.timeout(10):
            while True:
                frame = json.loads(await self.ws.recv())
                if frame["type"] == kind:
                    return
                if frame["type"] == "error":
                    raise RuntimeError(f"{self.uri} {self.channel}: {frame}")

    def expect(self, marker: str) -> asyncio.Future[float]:
        future: asyncio.Future[float] = asyncio.get_running_loop().create_future()
        self.waiters[marker] = future
        return future

    async def _read(self) -> None:
        assert self.ws is not None
        async for raw in self.ws:
            now = time.perf_counter()
            frame = json.loads(raw)
            if frame.get("type") != "event" or frame.get("event") != self.event:
                continue
            data = frame["data"]
            text = data["message"]["body"] if "message" in data else data["response"]["content"]
            future = self.waiters.pop(text.split(" ", 1)[0], None)
            if future is None:
                self.unmatched += 1  # someone else's event (e.g. the sender's own echo)
            elif not future.done():
                future.set_result(now)

    async def close(self) -> None:
        if self.reader is not None:
            self.reader.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self.reader
        if self.ws is not None:
            with contextlib.suppress(Exception):
                await self.ws.close()


# --- the people ----------------------------------------------------------------------------


@dataclass
class Visitor:
    headers: dict[str, str]
    contact_id: int
    conversation_id: int = 0
    ticket_id: int = 0
    socket: Socket | None = None


@dataclass
class Bench:
    http: HttpClient
    ws_base: str
    agent_headers: dict[str, str] = field(default_factory=dict)
    agent_socket: Socket | None = None  # conversation.message_created on `queue`
    ticket_socket: Socket | None = None  # ticket.response_added on `queue`
    visitors: list[Visitor] = field(default_factory=list)
    sockets: list[Socket] = field(default_factory=list)

    async def close(self) -> None:
        await asyncio.gather(*(s.close() for s in self.sockets))
        await self.http.aclose()


def _check(response: HttpResponse, status: int, what: str) -> Any:
    if response.status != status:
        raise RuntimeError(f"{what}: HTTP {response.status} {response.body[:500]!r}")
    return response.json()


async def sign_in(http: HttpClient, email: str) -> dict[str, str]:
    login = await http.post(
        "/api/auth/login", {"email": email, "password": PASSWORD, "org": ORG_SLUG}
    )
    return {"authorization": f"Bearer {_check(login, 200, 'login')['token']}"}


async def set_up(bench: Bench, site_key: str, visitors: int) -> None:
    """Sockets, visitors, their chats claimed by the agent, a ticket per visitor; each chat and
    ticket answered once, so the timed messages all take the same path."""
    http = bench.http
    await sign_in(http, ADMIN_EMAIL)  # the admin exists and can sign in; the agent does the work
    bench.agent_headers = await sign_in(http, AGENT_EMAIL)
    agent_token = bench.agent_headers["authorization"].removeprefix("Bearer ")
    # Online on the queue before any chat is claimed: requeueing returns the chats of agents
    # absent from presence.
    bench.agent_socket = Socket(
        f"{bench.ws_base}/ws", agent_token, "queue", "conversation.message_created"
    )
    bench.sockets.append(bench.agent_socket)
    await bench.agent_socket.open()
    bench.ticket_socket = Socket(
        f"{bench.ws_base}/ws", agent_token, "queue", "ticket.response_added"
    )
    bench.sockets.append(bench.ticket_socket)
    await bench.ticket_socket.open()

    limit = asyncio.Semaphore(8)

    async def one(i: int) -> Visitor:
        async with limit:
            session = _check(
                await http.post("/api/embed/session", {"siteKey": site_key}), 200, "session"
            )
            visitor = Visitor(
                headers={"authorization": f"Bearer {session['token']}"},
                contact_id=session["contact"]["id"],
            )
            visitor.socket = Socket(
                f"{bench.ws_base}/ws/widget", session["token"], f"contact:{visitor.contact_id}",
                "conversation.message_created",
            )  # fmt: skip
            bench.sockets.append(visitor.socket)
            await visitor.socket.open()
            started = _check(
                await http.post(
                    "/api/embed/conversations",
                    {"body": VISITOR_LINE, "clientMessageId": uuid.uuid4().hex,
                     "preChat": {"name": f"Visitor {i}", "email": f"visitor{i}@example.com"}},
                    headers=visitor.headers,
                ),
                201, "start chat",
            )  # fmt: skip
            visitor.conversation_id = started["conversation"]["id"]
            return visitor

    bench.visitors = list(await asyncio.gather(*(one(i) for i in range(visitors))))
    agent = bench.agent_headers
    for visitor in bench.visitors:  # one at a time: each claim re-announces queue positions
        cid = visitor.conversation_id
        _check(await http.post(f"/api/conversations/{cid}/claim", {}, headers=agent), 200, "claim")

    async def answer(i: int, visitor: Visitor) -> None:
        async with limit:
            _check(
                await http.post(
                    f"/api/conversations/{visitor.conversation_id}/messages",
                    {"body": "Hello, I am looking into it.", "clientMessageId": uuid.uuid4().hex},
                    headers=agent,
                ),
                201, "first reply",
            )  # fmt: skip
            ticket = _check(
                await http.post(
                    "/api/tickets",
                    {"subject": "Invoice shows the wrong amount", "description": VISITOR_LINE,
                     "requesterEmail": f"visitor{i}@example.com"},
                    headers=agent,
                ),
                201, "create ticket",
            )  # fmt: skip
            visitor.ticket_id = ticket["ticket"]["id"]
            # NEW -> OPEN now, so each timed reply changes nothing else.
            _check(
                await http.post(
                    f"/api/tickets/{visitor.ticket_id}/responses",
                    {"content": "Looking into it.", "isInternal": False},
                    headers=agent,
                ),
                201, "first ticket reply",
            )  # fmt: skip

    await asyncio.gather(*(answer(i, v) for i, v in enumerate(bench.visitors)))


# --- the cases -----------------------------------------------------------------------------

# `send(i)` -> (POST latency ms, delivery latency ms or None for a plain request)
Send = Callable[[int], Awaitable[tuple[float, float | None]]]


def marked(tag: str, i: int) -> str:
    return f"bench-{tag}-{i}"


async def timed_delivery(
    post: Callable[[], Awaitable[HttpResponse]], waiter: asyncio.Future[float], what: str
) -> tuple[float, float]:
    began = time.perf_counter()
    response = await post()
    posted = time.perf_counter()
    _check(response, 201, what)
    try:
        async with asyncio.timeout(EVENT_TIMEOUT):
            received = await waiter
    except TimeoutError:
        raise RuntimeError(f"{what}: no event within {EVENT_TIMEOUT:.0f} s") from None
    return (posted - began) * 1000, (received - began) * 1000


def cases(bench: Bench, tag: str) -> dict[str, tuple[str, Send]]:
    """name -> (description, send)."""
    http, agent, visitors = bench.http, bench.agent_headers, bench.visitors
    agent_socket, ticket_socket = bench.agent_socket, bench.ticket_socket
    assert agent_socket is not None and ticket_socket is not None

    async def healthz(i: int) -> tuple[float, float | None]:
        began = time.perf_counter()
        _check(await http.get("/healthz"), 200, "healthz")
        return (time.perf_counter() - began) * 1000, None

    async def ticket_reply(i: int) -> tuple[float, float | None]:
        v = visitors[i % len(visitors)]
        marker = marked(f"{tag}t", i)
        return await timed_delivery(
            lambda: http.post(
                f"/api/tickets/{v.ticket_id}/responses",
                {"content": f"{marker} {AGENT_LINE}", "isInternal": False}, headers=agent,
            ),
            ticket_socket.expect(marker), "ticket reply",
        )  # fmt: skip

    async def visitor_message(i: int) -> tuple[float, float | None]:
        v = visitors[i % len(visitors)]
        marker = marked(f"{tag}v", i)
        return await timed_delivery(
            lambda: http.post(
                f"/api/embed/conversations/{v.conversation_id}/messages",
                {"body": f"{marker} {VISITOR_LINE}", "clientMessageId": uuid.uuid4().hex},
                headers=v.headers,
            ),
            agent_socket.expect(marker), "visitor message",
        )  # fmt: skip

    async def agent_reply(i: int) -> tuple[float, float | None]:
        v = visitors[i % len(visitors)]
        assert v.socket is not None
        marker = marked(f"{tag}a", i)
        return await timed_delivery(
            lambda: http.post(
                f"/api/conversations/{v.conversation_id}/messages",
                {"body": f"{marker} {AGENT_LINE}", "clientMessageId": uuid.uuid4().hex},
                headers=agent,
            ),
            v.socket.expect(marker), "agent reply",
        )  # fmt: skip

    return {
        "healthz": ("GET /healthz (the HTTP floor)", healthz),
        "ticket": ("ticket reply -> agent queue socket (baseline)", ticket_reply),
        "visitor": ("visitor chat message -> agent queue socket", visitor_message),
        "agent": ("agent chat reply -> visitor widget socket", agent_reply),
    }


@dataclass
class Figures:
    name: str
    count: int
    seconds: float
    post_ms: list[float]
    delivery_ms: list[float]
    server_cpu: float
    database_cpu: float
    client_cpu: float

    @property
    def per_second(self) -> float:
        return self.count / self.seconds if self.seconds else math.nan

    def latency(self, pct: float) -> float:
        """Delivery latency (POST to event) where there is one, else the request's own."""
        return percentile(self.delivery_ms or self.post_ms, pct)

    def per_message_ms(self, seconds: float) -> float:
        return 1000 * seconds / max(self.count, 1)


async def run_case(
    name: str,
    send: Send,
    *,
    messages: int,
    warmup: int,
    concurrency: int,
    server_pid: int,
    database_pids: Callable[[], Awaitable[list[int]]],
) -> Figures:
    """Warm up, then `messages` sends from `concurrency` workers, with each party's CPU."""
    post_ms: list[float] = []
    delivery_ms: list[float] = []

    async def warm(i: int) -> None:
        await send(messages + i)  # distinct markers from the timed ones

    async def timed(i: int) -> None:
        posted, delivered = await send(i)
        post_ms.append(posted)
        if delivered is not None:
            delivery_ms.append(delivered)

    await drive(warm, requests=warmup, concurrency=concurrency)
    db_pids = set(await database_pids())
    db_before = {pid: cpu_seconds(pid) for pid in db_pids}
    server_before = cpu_seconds(server_pid)
    client_before = time.process_time()
    _, seconds = await drive(timed, requests=messages, concurrency=concurrency)
    client_cpu = time.process_time() - client_before
    server_cpu = cpu_seconds(server_pid) - server_before
    db_pids |= set(await database_pids())
    database_cpu = sum(cpu_seconds(pid) - db_before.get(pid, 0.0) for pid in db_pids)
    return Figures(
        name=name, count=len(post_ms), seconds=seconds, post_ms=post_ms,
        delivery_ms=delivery_ms, server_cpu=server_cpu, database_cpu=database_cpu,
        client_cpu=client_cpu,
    )  # fmt: skip


# --- the report ----------------------------------------------------------------------------


def _ratio(value: float, base: float) -> str:
    return f"{value / base:.2f}" if base and not math.isnan(base) else ""


def report(results: dict[str, Figures], descriptions: dict[str, str], postgres: bool) -> str:
    ticket = results.get("ticket")
    health = results.get("healthz")
    header = [
        "case", "n", "msg/s", "POST p50", "p50 ms", "p95 ms", "p99 ms", "x ticket p50",
        "x ticket p99", "x ticket msg/s", "p50 x healthz", "server CPU ms/msg",
        *(["DB CPU ms/msg"] if postgres else []), "client CPU ms/msg",
    ]  # fmt: skip
    rows = []
    for name, f in results.items():
        is_chat = name in ("visitor", "agent")
        rows.append([
            descriptions[name], f"{f.count:,}", f"{f.per_second:,.0f}",
            f"{percentile(f.post_ms, 50):.1f}",
            f"{f.latency(50):.1f}", f"{f.latency(95):.1f}", f"{f.latency(99):.1f}",
            _ratio(f.latency(50), ticket.latency(50)) if is_chat and ticket else "",
            _ratio(f.latency(99), ticket.latency(99)) if is_chat and ticket else "",
            _ratio(f.per_second, ticket.per_second) if is_chat and ticket else "",
            _ratio(f.latency(50), health.latency(50)) if health and f is not health else "",
            f"{f.per_message_ms(f.server_cpu):.2f}",
            *([f"{f.per_message_ms(f.database_cpu):.2f}"] if postgres else []),
            f"{f.per_message_ms(f.client_cpu):.2f}",
        ])  # fmt: skip
    return format_table(header, rows)


# --- the run -------------------------------------------------------------------------------


async def run(args: argparse.Namespace) -> int:
    redis_note = " + Redis (own redis-server)" if args.redis else ", in-process broadcast"
    store = "PostgreSQL" if args.postgres else "SQLite"
    print(
        f"Parley live-chat benchmark: {store}{redis_note}; {args.visitors} visitors,"
        f" {args.messages:,} messages per case at concurrency {args.concurrency};"
        f" {os.cpu_count()} CPUs, load average {load_average()}",
        flush=True,
    )
    async with contextlib.AsyncExitStack() as stack:
        redis_url = ""
        if args.redis:
            redis = RedisServer()
            stack.push_async_callback(redis.stop)
            await redis.start()
            redis_url = redis.url
        url = await stack.enter_async_context(database(args))
        site_key = await prepare_database(url, email=not args.no_email)
        command = args.server_command.split() if args.server_command else None
        server = ChatServer(database_url=url, redis_url=redis_url, command=command)
        stack.push_async_callback(server.stop)
        await server.start()

        db_conn: asyncpg.Connection | None = None
        if args.postgres:
            db_conn = await asyncpg.connect(url)
            stack.push_async_callback(db_conn.close)

        async def database_pids() -> list[int]:
            return await backend_pids(db_conn) if db_conn is not None else []

        # Enough connections for the workers and the setup; the same client for every case.
        http = HttpClient(server.base_url, connections=max(args.concurrency, 8))
        bench = Bench(http=http, ws_base=f"ws://127.0.0.1:{server.port}")
        stack.push_async_callback(bench.close)
        began = time.perf_counter()
        await set_up(bench, site_key, args.visitors)
        print(
            f"server pid {server.pid} ({server.base_url}); {args.visitors} visitors with their"
            f" sockets, chats claimed and tickets set up in {time.perf_counter() - began:.1f} s",
            flush=True,
        )
        server_cpu_start = cpu_seconds(server.pid)
        tag = uuid.uuid4().hex[:6]
        chosen = cases(bench, tag)
        results: dict[str, Figures] = {}
        for name in args.cases:
            description, send = chosen[name]
            figures = await run_case(
                name, send, messages=args.messages, warmup=args.warmup,
                concurrency=args.concurrency, server_pid=server.pid,
                database_pids=database_pids,
            )  # fmt: skip
            results[name] = figures
            print(
                f"  {description}: {figures.count:,} in {figures.seconds:.1f} s,"
                f" p50 {figures.latency(50):.1f} ms",
                flush=True,
            )
        print()
        print(report(results, {n: chosen[n][0] for n in results}, bool(args.postgres)))
        memory = memory_kib(server.pid)
        print(
            f"\nserver RSS {memory['VmRSS'] / 1024:.0f} MiB (peak {memory['VmHWM'] / 1024:.0f}"
            f" MiB); server CPU {cpu_seconds(server.pid):.1f} s in all"
            f" ({cpu_seconds(server.pid) - server_cpu_start:.1f} s during the cases);"
            f" load average after: {load_average()}"
        )
    return 0


CASES = ("healthz", "ticket", "visitor", "agent")


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--visitors", type=int, default=50, help="visitors, each with a chat")
    parser.add_argument(
        "--no-email", action="store_true",
        help="the organisation's emails off: each ticket reply is not also emailed",
    )  # fmt: skip
    parser.add_argument("--messages", type=int, default=2000, help="timed messages per case")
    parser.add_argument("--warmup", type=int, default=100, help="untimed messages per case")
    parser.add_argument("--concurrency", type=int, default=4, help="messages in flight")
    parser.add_argument(
        "--cases", default=",".join(CASES), help=f"a subset of {','.join(CASES)}, in this order"
    )
    parser.add_argument(
        "--redis", action="store_true",
        help="PARLEY_REDIS_URL on a redis-server this script starts on a free port",
    )  # fmt: skip
    parser.add_argument(
        "--postgres", metavar="ADMIN_URL",
        help="a throwaway PostgreSQL database on this server instead of SQLite",
    )  # fmt: skip
    parser.add_argument(
        "--server-command",
        help="run this instead of `parley serve` (`--port N` is appended): to compare a variant",
    )
    args = parser.parse_args(argv)
    args.cases = [c.strip() for c in args.cases.split(",") if c.strip()]
    unknown = set(args.cases) - set(CASES)
    if unknown:
        parser.error(f"unknown cases: {', '.join(sorted(unknown))}")
    if args.visitors < 1 or args.messages < 1 or args.concurrency < 1:
        parser.error("--visitors, --messages and --concurrency must be at least 1")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)

    return run_interruptibly(lambda: run(args), "the server was stopped and the database removed")


if __name__ == "__main__":
    raise SystemExit(main())
