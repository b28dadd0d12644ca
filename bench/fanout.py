"""Benchmark WebSocket fan-out: one ticket channel watched by 1,000 sockets.

    .venv/bin/python bench/fanout.py [--quick] [--sockets 1000] [--no-deflate]
        [--redis URL --postgres URL]

Events are published through the real service path (`POST /api/tickets/{id}/responses`: the
write records its events in the outbox, the relay publishes them after commit, the hub fans the
ticket channel's event out to every subscribed socket) and received by N sockets of one agent
on `/ws`. The baseline, measured in the same run with the same client code, is a bare
`websockets` server (its own process, `websockets.broadcast`) that answers the same frames and
broadcasts a frame of the same shape and size (a copy of a real Parley event frame) when told
to over a control socket, at the same pacing.

Shapes: 1,000 sockets x 200 events as fast as possible (4 concurrent publishers), and 1,000
sockets x 5 events/s for 10 s. Targets: throughput >= 0.6x bare, p99 at 5 ev/s <= 1.5x bare,
RSS per socket < 30 KiB. Every socket must get every event exactly once, in offset order: the
run says loudly when one did not.

The sockets live in client processes of their own (`--client-procs`), not in the process that
publishes; their CPU competes with the server's on a small machine, which is why both servers
are driven by the same client code and compared as ratios.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import multiprocessing
import os
import resource
import secrets
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from multiprocessing.connection import Connection as Pipe
from pathlib import Path
from typing import Any

# Run as a script (`python bench/fanout.py`) the repository root is not on the path.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import uvloop
from websockets.asyncio.client import connect as ws_connect
from websockets.client import ClientProtocol
from websockets.extensions.permessage_deflate import ClientPerMessageDeflateFactory
from websockets.frames import Opcode
from websockets.http11 import Response
from websockets.uri import parse_uri

from bench._common import (
    ROOT,
    HttpClient,
    ParleyServer,
    cpu_seconds,
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

ORG_SLUG = "fanout"
AGENT_EMAIL = "agent@fanout.example.com"
PASSWORD = "bench-password-1"  # a throwaway credential for a throwaway database
PUBLISHERS = 4  # concurrent publishers for "as fast as possible"
# A typical reply; each event's content starts with "fanout <run> <seq> <send ns>".
REPLY = (
    "Hi Ana, thanks for the screenshot. I have reset the sync on our side and the invoice "
    "should now show the right amount; please refresh the page and tell me if it still "
    "looks wrong. Best regards, Alex"
)
THROUGHPUT_TARGET = 0.6  # Parley/bare deliveries per second, at least
P99_TARGET = 1.5  # Parley/bare p99 at a steady rate, at most
RSS_TARGET_KIB = 30.0  # per connected socket, less than
NOFILE = 65536


# --- shapes and results --------------------------------------------------------------------


@dataclass(frozen=True)
class Shape:
    name: str
    sockets: int
    events: int
    rate: float | None  # events per second; None: as fast as possible

    def describe(self) -> str:
        pace = "as fast as possible" if self.rate is None else f"{self.rate:g}/s"
        return f"{self.sockets:,} sockets x {self.events} events {pace}"


@dataclass
class Received:
    """What the client processes saw during one measurement (merged across processes)."""

    sockets: int = 0
    subscribed: int = 0
    latencies_ms: list[float] = field(default_factory=list)
    first_ns: int = 0
    last_ns: int = 0
    missing: int = 0
    duplicates: int = 0
    out_of_order: int = 0
    other_events: int = 0
    closed: int = 0
    errors: list[str] = field(default_factory=list)
    client_cpu: float = 0.0

    def merge(self, part: dict[str, Any]) -> None:
        self.sockets += part["sockets"]
        self.subscribed += part["subscribed"]
        self.latencies_ms.extend(part["latencies_ms"])
        if part["first_ns"]:
            self.first_ns = min(self.first_ns or part["first_ns"], part["first_ns"])
        self.last_ns = max(self.last_ns, part["last_ns"])
        for name in ("missing", "duplicates", "out_of_order", "other_events", "closed"):
            setattr(self, name, getattr(self, name) + part[name])
        self.errors.extend(part["errors"])
        self.client_cpu += part["client_cpu"]

    @property
    def correct(self) -> bool:
        return not (self.missing or self.duplicates or self.out_of_order or self.closed)


@dataclass
class Figures:
    server: str
    shape: Shape
    received: Received
    seconds: float  # first send to last delivery
    server_cpu: float
    rss_per_socket_kib: float
    connect_seconds: float
    publish_seconds: float

    @property
    def deliveries(self) -> int:
        return len(self.received.latencies_ms)

    @property
    def per_second(self) -> float:
        return self.deliveries / self.seconds if self.seconds > 0 else math.nan

    @property
    def p50(self) -> float:
        return percentile(self.received.latencies_ms, 50)

    @property
    def p99(self) -> float:
        return percentile(self.received.latencies_ms, 99)

    @property
    def cpu_us(self) -> float:
        return 1e6 * self.server_cpu / max(self.deliveries, 1)

    @property
    def client_cpu_us(self) -> float:
        return 1e6 * self.received.client_cpu / max(self.deliveries, 1)


# --- the client processes --------------------------------------------------------------------


class _Run:
    """One client process's state for one measurement."""

    def __init__(self, tag: str, events: int) -> None:
        self.tag = tag
        self.events = events
        self.complete = 0
        self.sockets: list[_Socket] = []
        self.latencies_ms: list[float] = []
        self.first_ns = 0
        self.last_ns = 0
        self.all_done = asyncio.Event()
        self.errors: list[str] = []


class _Socket(asyncio.Protocol):
    """A lean WebSocket client: websockets' sans-I/O protocol on a plain asyncio.Protocol.

    No task per socket and no per-message awaits, so 1,000 of them cost little CPU; the
    receive time is taken once per read. Counts, per socket, every event of the run's tag
    (exactly once?) and checks offsets follow each other with no gap (in order?).
    """

    def __init__(self, run: _Run, uri: str, token: str, channel: str, deflate: bool) -> None:
        extensions = [ClientPerMessageDeflateFactory()] if deflate else None
        self.proto = ClientProtocol(parse_uri(uri), extensions=extensions, max_size=None)
        self.run, self.token, self.channel = run, token, channel
        self.transport: asyncio.Transport | None = None
        self.subscribed: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self.got = bytearray(run.events)
        self.count = 0
        self.duplicates = 0
        self.out_of_order = 0
        self.other_events = 0
        self.last_offset: int | None = None
        self.closing = False
        self.lost = False
        self.parts: list[bytes] = []

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]  # uvloop's is no subclass
        self.proto.send_request(self.proto.connect())
        self._flush()

    def _flush(self) -> None:
        assert self.transport is not None
        for chunk in self.proto.data_to_send():
            if chunk:
                self.transport.write(chunk)
            elif self.transport.can_write_eof():
                self.transport.write_eof()

    def _send(self, frame: dict[str, Any]) -> None:
        self.proto.send_text(json.dumps(frame).encode())
        self._flush()

    def data_received(self, data: bytes) -> None:
        now = time.time_ns()
        self.proto.receive_data(data)
        for event in self.proto.events_received():
            if isinstance(event, Response):
                if event.status_code != 101:
                    self._fail(f"handshake refused: HTTP {event.status_code}")
                    return
                self._send({"type": "auth", "token": self.token})
            elif event.opcode is Opcode.TEXT or event.opcode is Opcode.CONT:
                if event.fin and not self.parts:
                    self._message(event.data, now)
                else:
                    self.parts.append(event.data)
                    if event.fin:
                        self._message(b"".join(self.parts), now)
                        self.parts.clear()
        self._flush()  # pongs, close replies

    def _message(self, data: bytes, now: int) -> None:
        frame = json.loads(data)
        kind = frame["type"]
        if kind == "event":
            self._event(frame, now)
        elif kind == "ready":
            self._send({"type": "subscribe", "channel": self.channel})
        elif kind == "subscribed":
            if frame.get("recovered") is False and self.subscribed.done():
                self.out_of_order += 1  # the server says this socket missed events
            self.last_offset = frame["offset"]
            if not self.subscribed.done():
                self.subscribed.set_result(True)
        elif kind == "error":
            self._fail(f"error frame: {frame.get('code')}: {frame.get('message')}")

    def _event(self, frame: dict[str, Any], now: int) -> None:
        offset = frame["offset"]
        if self.last_offset is not None and offset != self.last_offset + 1:
            self.out_of_order += 1
        self.last_offset = offset
        if frame["event"] != "ticket.response_added":
            self.other_events += 1
            return
        marker, tag, seq_text, sent, _ = frame["data"]["response"]["content"].split(" ", 4)
        run = self.run
        if marker != "fanout" or tag != run.tag:
            self.other_events += 1
            return
        seq = int(seq_text)
        if self.got[seq]:
            self.duplicates += 1
            return
        self.got[seq] = 1
        run.latencies_ms.append((now - int(sent)) / 1e6)
        run.first_ns = run.first_ns or now
        run.last_ns = now
        self.count += 1
        if self.count == run.events:
            run.complete += 1
            if run.complete == len(run.sockets):
                run.all_done.set()

    def _fail(self, why: str) -> None:
        if len(self.run.errors) < 20:
            self.run.errors.append(why)
        if not self.subscribed.done():
            self.subscribed.set_result(False)

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.closing:
            self.lost = True
            self._fail(f"connection lost: {exc or 'closed by the server'}")

    def close(self) -> None:
        self.closing = True
        if self.transport is not None and not self.transport.is_closing():
            with contextlib.suppress(Exception):
                self.proto.send_close(1000)
                self._flush()
            self.transport.close()


async def _client_loop(pipe: Pipe) -> None:
    loop = asyncio.get_running_loop()
    run: _Run | None = None
    while True:
        command, args = await asyncio.to_thread(pipe.recv)
        if command == "quit":
            return
        if command == "connect":
            run = _Run(args["tag"], args["events"])
            limit = asyncio.Semaphore(50)  # handshakes in flight

            async def open_one(run: _Run, args: dict[str, Any], limit: asyncio.Semaphore) -> bool:
                async with limit:
                    sock = _Socket(
                        run, args["uri"], args["token"], args["channel"], args["deflate"]
                    )
                    run.sockets.append(sock)
                    try:
                        await loop.create_connection(lambda: sock, args["host"], args["port"])
                        async with asyncio.timeout(30):
                            return await sock.subscribed
                    except Exception as exc:
                        sock._fail(f"connect failed: {exc!r}")
                        return False

            results = await asyncio.gather(
                *(open_one(run, args, limit) for _ in range(args["sockets"]))
            )
            pipe.send({"subscribed": sum(results), "errors": run.errors[:5]})
        elif command == "collect":
            assert run is not None
            cpu_before = args["cpu_before"]
            # Wait for every socket to have every event, or for deliveries to stop coming.
            idle_limit = args["idle_seconds"]
            while not run.all_done.is_set():
                last = run.last_ns
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(idle_limit):
                        await run.all_done.wait()
                if run.last_ns == last and args["published"]:
                    break
            pipe.send(_summary(run, time.process_time() - cpu_before))
        elif command == "cpu":
            pipe.send(time.process_time())
        elif command == "disconnect":
            assert run is not None
            for sock in run.sockets:
                sock.close()
            await asyncio.sleep(0.5)
            run = None
            pipe.send("disconnected")


def _summary(run: _Run, client_cpu: float) -> dict[str, Any]:
    socks = run.sockets
    return {
        "sockets": len(socks),
        "subscribed": sum(1 for s in socks if s.subscribed.done() and s.subscribed.result()),
        "latencies_ms": run.latencies_ms,
        "first_ns": run.first_ns,
        "last_ns": run.last_ns,
        "missing": sum(run.events - s.count for s in socks),
        "duplicates": sum(s.duplicates for s in socks),
        "out_of_order": sum(s.out_of_order for s in socks),
        "other_events": sum(s.other_events for s in socks),
        "closed": sum(1 for s in socks if s.lost),
        "errors": run.errors[:5],
        "client_cpu": client_cpu,
    }


def client_process(pipe: Pipe) -> None:
    """A client process: sockets opened and watched on the orchestrator's commands."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the orchestrator stops us
    raise_fd_limit()
    uvloop.run(_client_loop(pipe))


class Clients:
    """The client processes, each holding a share of the sockets."""

    def __init__(self, processes: int) -> None:
        context = multiprocessing.get_context("spawn")
        self.pipes: list[Pipe] = []
        self.procs: list[Any] = []
        for _ in range(processes):
            ours, theirs = context.Pipe()
            proc = context.Process(target=client_process, args=(theirs,), daemon=True)
            proc.start()
            self.pipes.append(ours)
            self.procs.append(proc)

    async def _all(self, command: str, per_process: list[dict[str, Any]]) -> list[Any]:
        for pipe, args in zip(self.pipes, per_process, strict=True):
            pipe.send((command, args))
        return await asyncio.gather(*(asyncio.to_thread(p.recv) for p in self.pipes))

    def shares(self, total: int) -> list[int]:
        n = len(self.pipes)
        return [total // n + (1 if i < total % n else 0) for i in range(n)]

    async def connect(self, sockets: int, **common: Any) -> int:
        parts = [{**common, "sockets": k} for k in self.shares(sockets)]
        replies = await self._all("connect", parts)
        for reply in replies:
            for error in reply["errors"]:
                print(f"  client: {error}", flush=True)
        return sum(r["subscribed"] for r in replies)

    async def cpu(self) -> list[float]:
        return await self._all("cpu", [{} for _ in self.pipes])

    async def collect(self, cpu_before: list[float], idle_seconds: float) -> Received:
        parts = [
            {"cpu_before": c, "idle_seconds": idle_seconds, "published": True} for c in cpu_before
        ]
        received = Received()
        for part in await self._all("collect", parts):
            received.merge(part)
        return received

    async def disconnect(self) -> None:
        await self._all("disconnect", [{} for _ in self.pipes])

    def close(self) -> None:
        for pipe in self.pipes:
            with contextlib.suppress(Exception):
                pipe.send(("quit", {}))
        for proc in self.procs:
            proc.join(5)
            if proc.is_alive():
                proc.kill()


def raise_fd_limit() -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = NOFILE if hard == resource.RLIM_INFINITY else min(NOFILE, hard)
    if soft < wanted:
        resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))


# --- the bare websockets server (its own process) ------------------------------------------


async def bare_server(port: int) -> None:
    """`websockets.asyncio.server.serve` + `websockets.broadcast`: the floor.

    Answers `auth` with `ready` and `subscribe` with `subscribed` and a presence snapshot, like
    Parley; a `template` frame gives it a real Parley event frame, and each `publish` frame
    broadcasts a copy of it with the next offset, a new `ts` and the given reply content.
    """
    from websockets.asyncio.server import broadcast, serve

    subscribers: set[Any] = set()
    state: dict[str, Any] = {"offset": 0, "template": None}

    async def handler(ws: Any) -> None:
        try:
            async for message in ws:
                frame = json.loads(message)
                kind = frame.get("type")
                if kind == "publish":
                    template = state["template"]
                    state["offset"] += 1
                    response = {**template["data"]["response"], "content": frame["content"]}
                    out = {
                        **template,
                        "offset": state["offset"],
                        "data": {**template["data"], "response": response},
                        "ts": time.strftime("%Y-%m-%dT%H:%M:%S.000000Z", time.gmtime()),
                    }
                    broadcast(subscribers, json.dumps(out, separators=(",", ":")))
                elif kind == "auth":
                    await ws.send(
                        json.dumps(
                            {"type": "ready", "organizationId": 1, "kind": "agent", "id": 1,
                             "name": "Bench Agent", "connectionId": secrets.token_hex(8)}
                        )
                    )  # fmt: skip
                elif kind == "subscribe":
                    channel = frame["channel"]
                    epoch = (state["template"] or {}).get("epoch", "bare")
                    subscribers.add(ws)
                    await ws.send(
                        json.dumps(
                            {"type": "subscribed", "channel": channel, "offset": state["offset"],
                             "epoch": epoch, "recovered": True}
                        )
                    )  # fmt: skip
                    await ws.send(
                        json.dumps({"type": "presence", "channel": channel, "snapshot": []})
                    )
                elif kind == "template":
                    state["template"] = json.loads(frame["frame"])
        finally:
            subscribers.discard(ws)

    stop = asyncio.get_running_loop().create_future()
    for signum in (signal.SIGINT, signal.SIGTERM):
        asyncio.get_running_loop().add_signal_handler(signum, stop.cancel)
    # No compression, like `parley serve` (which turns permessage-deflate off): the two
    # servers then do the same work per delivery whatever the clients offer.
    async with serve(handler, "127.0.0.1", port, max_size=None, compression=None):
        with contextlib.suppress(asyncio.CancelledError):
            await stop


class BareServer:
    """The bare server as a child process (`fanout.py --bare-server PORT`)."""

    def __init__(self) -> None:
        self.port = free_port()
        self.uri = f"ws://127.0.0.1:{self.port}/ws"
        self._process: asyncio.subprocess.Process | None = None

    @property
    def pid(self) -> int:
        assert self._process is not None
        return self._process.pid

    async def start(self) -> None:
        self._process = await asyncio.create_subprocess_exec(
            sys.executable, __file__, "--bare-server", str(self.port),
            cwd=ROOT, stdout=subprocess.DEVNULL, start_new_session=True,
        )  # fmt: skip
        deadline = time.monotonic() + 15
        while True:
            with contextlib.suppress(OSError):
                _, writer = await asyncio.open_connection("127.0.0.1", self.port)
                writer.close()
                return
            if self._process.returncode is not None or time.monotonic() > deadline:
                raise RuntimeError("the bare websockets server did not start")
            await asyncio.sleep(0.1)

    async def stop(self) -> None:
        process, self._process = self._process, None
        if process is not None and process.returncode is None:
            process.send_signal(signal.SIGINT)
            try:
                await asyncio.wait_for(process.wait(), 5)
            except TimeoutError:
                process.kill()
                await process.wait()


# --- Parley --------------------------------------------------------------------------------


class FanoutServer(ParleyServer):
    """`parley serve` with the settings a fan-out burst needs (and Redis if asked)."""

    def __init__(self, *, database_url: str, redis_url: str, command: Sequence[str] | None):
        super().__init__(database_url=database_url, command=command)
        self.redis_url = redis_url

    def _environment(self) -> dict[str, str]:
        env = super()._environment()
        env.update(
            PARLEY_REDIS_URL=self.redis_url,
            # A burst of 200 events must not close sockets as slow consumers.
            PARLEY_WS_SEND_QUEUE="4096",
            PARLEY_WS_IDLE_SECONDS="3600",  # the bench sockets send nothing after subscribing
            PARLEY_LOGIN_RATE_PER_IP="100000/minute",
            PARLEY_LOGIN_RATE_PER_ACCOUNT="100000/minute",
            PARLEY_WS_CONNECT_RATE_PER_IP="100000/minute",
        )
        return env


async def prepare_parley_database(url: str, *, email: bool = True) -> None:
    """Migrate, then one organisation and one agent, through the real services."""
    from server.accounts.agents import create_agent
    from server.accounts.models import Role
    from server.accounts.organizations import create_organization

    async with seeding(url):
        org = await create_organization(name="Fanout Co", slug=ORG_SLUG, ticket_prefix="FAN")
        if not email:
            await switch_email_off(org)
        await create_agent(
            organization_id=org.id, email=AGENT_EMAIL, name="Fanout Agent",
            password=PASSWORD, role=Role.ADMIN,
        )  # fmt: skip


def parley_database(args: argparse.Namespace) -> contextlib.AbstractAsyncContextManager[str]:
    return scratch_database(args.postgres, "parley_fanout")


class Parley:
    """The Parley side: login, the watched ticket, and publishing replies over HTTP."""

    def __init__(self, server: FanoutServer) -> None:
        self.server = server
        self.uri = f"ws://127.0.0.1:{server.port}/ws"
        self.http = HttpClient(server.base_url, connections=PUBLISHERS)
        self.token = ""
        self.ticket_id = 0

    async def setup(self) -> str:
        """Sign in, create the ticket, answer it once (NEW -> OPEN) and return an event frame."""
        login = await self.http.post(
            "/api/auth/login", {"email": AGENT_EMAIL, "password": PASSWORD, "org": ORG_SLUG}
        )
        if login.status != 200:
            raise RuntimeError(f"login failed: {login.status} {login.body!r}")
        self.token = login.json()["token"]
        self.http.headers["authorization"] = f"Bearer {self.token}"
        created = await self.http.post(
            "/api/tickets",
            {"subject": "Invoice shows the wrong amount", "description": REPLY,
             "requesterEmail": "ana.almeida@customer.example"},
        )  # fmt: skip
        if created.status != 201:
            raise RuntimeError(f"ticket create failed: {created.status} {created.body!r}")
        self.ticket_id = created.json()["ticket"]["id"]
        await self.publish("warmup", 0)  # opens the ticket: later replies change nothing else
        # A real event frame, for the bare server to copy (same shape and size).
        async with ws_connect(self.uri, compression=None) as ws:
            await ws.send(json.dumps({"type": "auth", "token": self.token}))
            await ws.send(json.dumps({"type": "subscribe", "channel": self.channel}))
            async with asyncio.timeout(10):
                while json.loads(await ws.recv())["type"] != "subscribed":
                    pass
                await self.publish("template", 0)
                while True:
                    frame = json.loads(await ws.recv())
                    if frame["type"] == "event" and frame["event"] == "ticket.response_added":
                        return json.dumps(frame, separators=(",", ":"), ensure_ascii=False)

    @property
    def channel(self) -> str:
        return f"ticket:{self.ticket_id}"

    async def publish(self, tag: str, seq: int) -> None:
        content = f"fanout {tag} {seq} {time.time_ns()} {REPLY}"
        response = await self.http.post(
            f"/api/tickets/{self.ticket_id}/responses", {"content": content, "isInternal": False}
        )
        if response.status != 201:
            raise RuntimeError(f"reply failed: {response.status} {response.body!r}")


class Bare:
    """The baseline side: a control socket that tells the bare server to broadcast."""

    def __init__(self, server: BareServer) -> None:
        self.server = server
        self.uri = server.uri
        self.channel = "ticket:1"
        self.token = "bare"
        self.control: Any = None

    async def setup(self, template: str) -> None:
        self.control = await ws_connect(self.uri, compression=None, max_size=None)
        await self.control.send(json.dumps({"type": "template", "frame": template}))

    async def publish(self, tag: str, seq: int) -> None:
        content = f"fanout {tag} {seq} {time.time_ns()} {REPLY}"
        await self.control.send(json.dumps({"type": "publish", "content": content}))

    async def close(self) -> None:
        if self.control is not None:
            await self.control.close()


# --- one measurement -------------------------------------------------------------------------


async def publish_all(target: Parley | Bare, tag: str, shape: Shape) -> None:
    """`shape.events` events: from PUBLISHERS concurrent publishers, or on a fixed schedule."""
    if shape.rate is None:
        sequence = iter(range(shape.events))

        async def publisher() -> None:
            for seq in sequence:
                await target.publish(tag, seq)

        async with asyncio.TaskGroup() as group:
            for _ in range(PUBLISHERS):
                group.create_task(publisher())
        return
    loop = asyncio.get_running_loop()
    start = loop.time()
    async with asyncio.TaskGroup() as group:
        for seq in range(shape.events):
            delay = start + seq / shape.rate - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            # A task per event: a slow publish does not push the schedule back.
            group.create_task(target.publish(tag, seq))


async def measure(
    name: str, target: Parley | Bare, pid: int, shape: Shape, clients: Clients, deflate: bool
) -> Figures:
    tag = f"{name}-{shape.name}-{secrets.token_hex(3)}"
    rss_before = memory_kib(pid)["VmRSS"]
    began = time.perf_counter()
    subscribed = await clients.connect(
        shape.sockets, tag=tag, events=shape.events, uri=target.uri, host="127.0.0.1",
        port=target.server.port, token=target.token, channel=target.channel, deflate=deflate,
    )  # fmt: skip
    connect_seconds = time.perf_counter() - began
    if subscribed < shape.sockets:
        print(f"  !! only {subscribed} of {shape.sockets} sockets subscribed", flush=True)
    await asyncio.sleep(1.0)  # let presence and the connects settle before reading memory
    rss_after = memory_kib(pid)["VmRSS"]
    cpu_before = await clients.cpu()
    server_cpu_before = cpu_seconds(pid)
    first_send = time.time_ns()
    await publish_all(target, tag, shape)
    publish_seconds = (time.time_ns() - first_send) / 1e9
    received = await clients.collect(cpu_before, idle_seconds=5.0)
    server_cpu = cpu_seconds(pid) - server_cpu_before
    await clients.disconnect()
    await asyncio.sleep(0.5)
    seconds = (received.last_ns - first_send) / 1e9 if received.last_ns else math.nan
    return Figures(
        server=name,
        shape=shape,
        received=received,
        seconds=seconds,
        # The settle wait of `collect` costs nothing: a server idles once all is delivered.
        server_cpu=server_cpu,
        rss_per_socket_kib=(rss_after - rss_before) / max(subscribed, 1),
        connect_seconds=connect_seconds,
        publish_seconds=publish_seconds,
    )


# --- the report ------------------------------------------------------------------------------


def _ratio(value: float, base: float) -> float:
    return value / base if base else math.nan


def report(pairs: Sequence[tuple[Figures, Figures]]) -> str:
    header = (
        "shape", "server", "deliveries", "deliv/s", "p50 ms", "p99 ms", "CPU us/deliv",
        "RSS KiB/socket", "client CPU us/deliv", "x bare deliv/s", "x bare p99", "correct",
    )  # fmt: skip
    rows = []
    for bare, parley in pairs:
        for f in (bare, parley):
            is_parley = f is parley
            r = f.received
            expected = f.shape.sockets * f.shape.events
            correct = (
                "yes"
                if r.correct and f.deliveries == expected
                else f"NO: {r.missing} missing, {r.duplicates} dup, {r.out_of_order} order,"
                f" {r.closed} closed"
            )
            rows.append([
                f.shape.name, f.server, f"{f.deliveries:,}/{expected:,}", f"{f.per_second:,.0f}",
                f"{f.p50:.1f}", f"{f.p99:.1f}", f"{f.cpu_us:.1f}", f"{f.rss_per_socket_kib:.1f}",
                f"{f.client_cpu_us:.1f}",
                f"{_ratio(f.per_second, bare.per_second):.2f}" if is_parley else "",
                f"{_ratio(f.p99, bare.p99):.2f}" if is_parley else "",
                correct,
            ])  # fmt: skip
    return format_table(header, rows)


def targets(pairs: Sequence[tuple[Figures, Figures]]) -> list[str]:
    lines = []

    def met(ok: bool) -> str:
        return "met" if ok else "MISSED"

    for bare, parley in pairs:
        if parley.shape.rate is None:
            ratio = _ratio(parley.per_second, bare.per_second)
            lines.append(
                f"  throughput ({parley.shape.name}): Parley/bare {ratio:.2f}"
                f" (target >= {THROUGHPUT_TARGET}): {met(ratio >= THROUGHPUT_TARGET)}"
            )
        else:
            ratio = _ratio(parley.p99, bare.p99)
            lines.append(
                f"  p99 latency ({parley.shape.name}): Parley/bare {ratio:.2f}"
                f" ({parley.p99:.1f} vs {bare.p99:.1f} ms; target <= {P99_TARGET}):"
                f" {met(ratio <= P99_TARGET)}"
            )
    # The first shape's servers are fresh; later shapes reuse memory the first one freed.
    first = pairs[0][1].rss_per_socket_kib
    lines.append(
        f"  RSS per socket ({pairs[0][1].shape.name}, fresh process): Parley {first:.1f} KiB"
        f" (target < {RSS_TARGET_KIB:.0f} KiB): {met(first < RSS_TARGET_KIB)}"
    )
    return lines


# --- the run -------------------------------------------------------------------------------


def shapes(args: argparse.Namespace) -> list[Shape]:
    if args.quick:
        return [Shape("burst", 100, 50, None), Shape("steady", 100, 10, 5.0)]
    return [
        Shape("burst", args.sockets, 200, None),
        Shape("steady", args.sockets, int(5 * args.steady_seconds), 5.0),
    ]


async def run(args: argparse.Namespace) -> int:
    raise_fd_limit()
    mode = f"PostgreSQL + Redis ({args.redis})" if args.redis else "embedded (SQLite, in-process)"
    deflate = "permessage-deflate offered" if args.deflate else "no compression"
    print(
        f"Parley fan-out benchmark: {mode}; clients {deflate}, {args.client_procs} client"
        f" process(es); {os.cpu_count()} CPUs, load average {load_average()}",
        flush=True,
    )
    clients = Clients(args.client_procs)
    try:
        async with contextlib.AsyncExitStack() as stack:
            url = await stack.enter_async_context(parley_database(args))
            await prepare_parley_database(url, email=not args.no_email)
            command = args.server_command.split() if args.server_command else None
            server = FanoutServer(database_url=url, redis_url=args.redis or "", command=command)
            stack.push_async_callback(server.stop)
            await server.start()
            bare_server_process = BareServer()
            stack.push_async_callback(bare_server_process.stop)
            await bare_server_process.start()

            parley = Parley(server)
            stack.push_async_callback(parley.http.aclose)
            template = await parley.setup()
            bare = Bare(bare_server_process)
            stack.push_async_callback(bare.close)
            await bare.setup(template)
            print(
                f"Parley pid {server.pid} ({server.base_url}), bare pid {bare_server_process.pid};"
                f" event frame {len(template.encode())} bytes",
                flush=True,
            )

            pairs: list[tuple[Figures, Figures]] = []
            for shape in shapes(args):
                print(f"{shape.name}: {shape.describe()}", flush=True)
                results = []
                for name, target, pid in (
                    ("bare", bare, bare_server_process.pid),
                    ("parley", parley, server.pid),
                ):
                    figures = await measure(name, target, pid, shape, clients, args.deflate)
                    r = figures.received
                    print(
                        f"  {name}: {figures.deliveries:,} deliveries in {figures.seconds:.2f} s"
                        f" (published in {figures.publish_seconds:.2f} s; sockets connected in"
                        f" {figures.connect_seconds:.1f} s)",
                        flush=True,
                    )
                    if not r.correct or r.errors:
                        print(
                            f"  !! {name} LOST OR MISORDERED EVENTS: missing {r.missing},"
                            f" duplicates {r.duplicates}, out of order {r.out_of_order},"
                            f" sockets closed {r.closed}; {r.errors[:3]}",
                            flush=True,
                        )
                    results.append(figures)
                pairs.append((results[0], results[1]))
            print()
            print(report(pairs))
            print()
            print("targets:")
            print("\n".join(targets(pairs)))
            parley_memory = memory_kib(server.pid)
            print(
                f"\nParley server RSS {parley_memory['VmRSS'] / 1024:.0f} MiB"
                f" (peak {parley_memory['VmHWM'] / 1024:.0f} MiB); load average after:"
                f" {load_average()}"
            )
            if any(not f.received.correct for pair in pairs for f in pair):
                print("\n!!! SOME SOCKETS DID NOT GET EVERY EVENT EXACTLY ONCE IN ORDER !!!")
                return 1
    finally:
        clients.close()
    return 0


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--quick", action="store_true", help="a smoke run: 100 sockets")
    parser.add_argument(
        "--no-email", action="store_true",
        help="the organisation's emails off: each reply is not also emailed to the requester",
    )  # fmt: skip
    parser.add_argument("--sockets", type=int, default=1000, help="sockets per shape")
    parser.add_argument(
        "--steady-seconds", type=float, default=10.0, help="length of the 5 events/s shape"
    )
    parser.add_argument(
        "--no-deflate",
        dest="deflate",
        action="store_false",
        help="clients do not offer permessage-deflate (browsers do)",
    )
    parser.add_argument("--client-procs", type=int, default=1, help="client processes")
    parser.add_argument("--redis", help="run Parley on this Redis (needs --postgres)")
    parser.add_argument("--postgres", help="admin URL of a PostgreSQL server for Parley")
    parser.add_argument(
        "--server-command",
        help="run this instead of `parley serve` (`--port N` is appended): to compare a variant",
    )
    parser.add_argument("--bare-server", type=int, metavar="PORT", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if bool(args.redis) != bool(args.postgres):
        parser.error("--redis and --postgres go together")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if args.bare_server:
        raise_fd_limit()
        uvloop.run(bare_server(args.bare_server))
        return 0

    return run_interruptibly(lambda: run(args), "the servers were stopped")


if __name__ == "__main__":
    raise SystemExit(main())
