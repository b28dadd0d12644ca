"""Scale-out, from the outside: several `parley serve` processes, one Redis, one database.

Each test starts real server processes (see tests/support/processes.py) against a private
`redis-server` the module owns, so a test may kill a server with SIGKILL or restart Redis
without disturbing anything else, and drives them over HTTP and WebSockets only:

1. an event written through process A reaches a socket on process B, and presence is shared;
2. a killed process's viewers are reported `left` by the survivors within the presence TTL;
3. a Redis restart: /readyz says 503 then 200, live delivery resumes on the same sockets,
   and resuming clients get `recovered: false` (history lost) or exactly what they missed;
4. a slow consumer is closed with 4008 while 200 readers on the same channel get everything,
   and the server's memory stays bounded.

Timings are printed (run with -s), never asserted, except the documented bounds: presence
expiry within the TTL, readiness within 5 s of Redis answering again.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import secrets
import socket
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx
import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from tests.conftest import create_pg_database, drop_pg_database
from tests.support.processes import Deployment, ParleyProcess, PrivateRedis, rss_kib, seed
from tests.support.wait import wait_until
from tests.support.wsclient import Socket, events_of, presence_people

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.skipif(not PrivateRedis.available(), reason="needs the redis-server binary"),
]

PRESENCE_TTL = 6  # seconds (PARLEY_PRESENCE_TTL_SECONDS); the default 30 would make tests slow
UPKEEP_INTERVAL = max(1.0, PRESENCE_TTL / 3)  # the hub's presence upkeep period for that TTL
SLOW_QUEUE = 64  # PARLEY_WS_SEND_QUEUE for the slow-consumer tests
OVERFLOW_NOTES = 250  # writes in the burst that overflows a non-reading socket
# Big notes fill a non-reading socket's kernel buffers (several MiB on loopback) quickly.
BIG_CONTENT = "x" * 45_000
BIG_NOTES = 200
READERS = 200
TARGET_RATE = 500  # writes (one ticket-channel event each) per second
LOAD_SECONDS = 4.0

Launch = Callable[..., Awaitable[ParleyProcess]]


# --- fixtures --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
async def redis_server() -> AsyncIterator[PrivateRedis]:
    server = PrivateRedis()
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


@pytest.fixture(scope="module")
async def deployment(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Deployment]:
    url = await create_pg_database(prefix="parley_scale")
    try:
        yield await seed(url, tmp_path_factory.mktemp("scale-out"))
    finally:
        await drop_pg_database(url)


@pytest.fixture
async def launch(deployment: Deployment, redis_server: PrivateRedis) -> AsyncIterator[Launch]:
    """Start server processes (name, PARLEY_* overrides); all stopped after the test."""
    started: list[ParleyProcess] = []

    async def start(name: str, **env: str) -> ParleyProcess:
        server = ParleyProcess(deployment, redis_server.url, name, **env)
        started.append(server)
        await server.start()
        return server

    try:
        yield start
    finally:
        for server in started:
            await server.stop()
            tail = server.log_tail()
            if "Traceback" in tail or "ERROR" in tail:
                print(tail)
            server.cleanup()


async def create_ticket(server: ParleyProcess, token: str) -> int:
    async with server.client(token) as client:
        response = await client.post(
            "/api/tickets",
            json={"requesterEmail": f"{secrets.token_hex(4)}@example.com", "subject": "Help"},
        )
        assert response.status_code == 201, response.text
        return int(response.json()["ticket"]["id"])


async def set_status(server: ParleyProcess, token: str, ticket: int, status: str) -> None:
    async with server.client(token) as client:
        response = await client.patch(f"/api/tickets/{ticket}/status", json={"status": status})
        assert response.status_code == 200, response.text


async def add_note(server: ParleyProcess, token: str, ticket: int, content: str) -> None:
    async with server.client(token) as client:
        response = await client.post(
            f"/api/tickets/{ticket}/responses", json={"content": content, "isInternal": True}
        )
        assert response.status_code == 201, response.text


async def readyz(server: ParleyProcess) -> int:
    async with server.client() as client:
        return (await client.get("/readyz")).status_code


def is_snapshot(channel: str) -> Callable[[dict[str, Any]], bool]:
    return lambda f: f["type"] == "presence" and f["channel"] == channel and "snapshot" in f


def is_event(channel: str, name: str, **data: Any) -> Callable[[dict[str, Any]], bool]:
    def match(frame: dict[str, Any]) -> bool:
        return (
            frame["type"] == "event"
            and frame["channel"] == channel
            and frame["event"] == name
            and all(frame["data"].get(k) == v for k, v in data.items())
        )

    return match


@dataclass
class TwoServers:
    """Processes A and B, the admin signed in on A and the agent on B, one ticket, and a
    socket for each (not yet subscribed); `sockets` are closed at the end."""

    a: ParleyProcess
    b: ParleyProcess
    admin_token: str
    agent_token: str
    ticket: int
    channel: str
    on_a: Socket
    on_b: Socket
    sockets: list[Socket]


@contextlib.asynccontextmanager
async def two_servers(
    launch: Launch, deployment: Deployment, **settings: str
) -> AsyncIterator[TwoServers]:
    a, b = await asyncio.gather(launch("A", **settings), launch("B", **settings))
    admin_token, agent_token = await a.login(deployment.admin), await b.login(deployment.agent)
    ticket = await create_ticket(a, admin_token)
    on_a = await Socket.open(a, admin_token, "admin on A")
    on_b = await Socket.open(b, agent_token, "agent on B")
    pair = TwoServers(
        a, b, admin_token, agent_token, ticket, f"ticket:{ticket}", on_a, on_b, [on_a, on_b]
    )
    try:
        yield pair
    finally:
        for sock in pair.sockets:
            await sock.close()


# --- 1. two processes share events and presence ------------------------------------------------


async def test_event_and_presence_cross_processes(launch: Launch, deployment: Deployment) -> None:
    admin_person, agent_person = f"agent:{deployment.admin.id}", f"agent:{deployment.agent.id}"
    async with two_servers(launch, deployment, PRESENCE_TTL_SECONDS=str(PRESENCE_TTL)) as two:
        a, b, ticket, channel = two.a, two.b, two.ticket, two.channel
        admin_token, agent_token, on_a, on_b = two.admin_token, two.agent_token, two.on_a, two.on_b
        await on_a.subscribe(channel)
        assert presence_people(await on_a.expect(is_snapshot(channel)), "snapshot") == {
            admin_person
        }
        await on_b.subscribe(channel)
        # B's viewer sees A's viewer in its snapshot (presence lives in Redis) ...
        snapshot = await on_b.expect(is_snapshot(channel), what="snapshot on B")
        assert presence_people(snapshot, "snapshot") == {admin_person, agent_person}
        # ... and A's viewer is told B's viewer joined (the diff crossed processes).
        await on_a.expect(
            lambda f: f["type"] == "presence" and agent_person in presence_people(f, "joined"),
            what=f"{agent_person} joined",
        )

        # A change through A's REST API reaches the socket on B (and the one on A).
        began = time.perf_counter()
        await set_status(a, admin_token, ticket, "OPEN")
        event = await on_b.expect(is_event(channel, "ticket.status_changed", new="OPEN"))
        print(f"\n[1] A write -> B socket: {1000 * (time.perf_counter() - began):.1f} ms")
        assert event["data"]["ticket"]["id"] == ticket
        assert event["data"]["old"] == "NEW"
        assert (await on_a.expect(is_event(channel, "ticket.status_changed")))["offset"] == event[
            "offset"
        ]

        # And the other way round: a reply through B's API reaches the socket on A.
        await add_note(b, agent_token, ticket, "seen from B")
        reply = await on_a.expect(is_event(channel, "ticket.response_added"))
        assert reply["data"]["response"]["content"] == "seen from B"
        assert reply["offset"] == event["offset"] + 1 and reply["epoch"] == event["epoch"]
        again = await on_b.expect(is_event(channel, "ticket.response_added"))
        assert again["offset"] == reply["offset"]


# --- 2. a killed process's viewers leave within the TTL ---------------------------------------


async def test_killed_process_viewers_leave_within_ttl(
    launch: Launch, deployment: Deployment
) -> None:
    admin_person = f"agent:{deployment.admin.id}"
    async with two_servers(launch, deployment, PRESENCE_TTL_SECONDS=str(PRESENCE_TTL)) as two:
        a, b, channel, agent_token = two.a, two.b, two.channel, two.agent_token
        on_a, on_b = two.on_a, two.on_b
        await on_a.subscribe(channel)
        await on_b.subscribe(channel)
        snapshot = await on_b.expect(is_snapshot(channel))
        assert admin_person in presence_people(snapshot, "snapshot")
        # Let A refresh its entries at least once, so the expiry comes from a heartbeat.
        await asyncio.sleep(UPKEEP_INTERVAL + 0.5)

        await a.kill()
        killed = time.monotonic()
        bound = PRESENCE_TTL + UPKEEP_INTERVAL + 3.0
        left = await on_b.expect(
            lambda f: f["type"] == "presence" and admin_person in presence_people(f, "left"),
            within=bound,
            what=f"{admin_person} left",
        )
        print(
            f"\n[2] kill -9 of A -> B sees {admin_person} left after "
            f"{time.monotonic() - killed:.1f} s (TTL {PRESENCE_TTL} s, bound {bound:.0f} s)"
        )
        assert left["channel"] == channel
        # The agent on B is still there, and the dead viewer is gone from new snapshots.
        late = await Socket.open(b, agent_token, "late agent on B")
        try:
            await late.subscribe(channel)
            people = presence_people(await late.expect(is_snapshot(channel)), "snapshot")
            assert people == {f"agent:{deployment.agent.id}"}
        finally:
            await late.close()


# --- 3. Redis restarts -----------------------------------------------------------------------


async def test_redis_restart(
    launch: Launch, deployment: Deployment, redis_server: PrivateRedis
) -> None:
    async with two_servers(launch, deployment) as two:
        a, b, ticket, channel = two.a, two.b, two.ticket, two.channel
        admin_token, agent_token, on_a, on_b = two.admin_token, two.agent_token, two.on_a, two.on_b
        sockets = two.sockets
        for sock in sockets:
            await sock.subscribe(channel)
        await set_status(a, admin_token, ticket, "OPEN")
        before_event = await on_b.expect(is_event(channel, "ticket.status_changed", new="OPEN"))
        await on_a.expect(is_event(channel, "ticket.status_changed", new="OPEN"))
        before = {"offset": before_event["offset"], "epoch": before_event["epoch"]}

        # Redis goes away: both processes say they are not ready.
        await redis_server.stop()
        for server in (a, b):
            await wait_until(
                lambda s=server: _status_is(s, 503), within=10, what=f"{server.name} 503"
            )
        # A socket subscribing meanwhile to a channel B already feeds is told to retry (it
        # was internal_error: the history read failed).
        late = await Socket.open(b, agent_token, "subscribing while Redis is away")
        try:
            await late.send({"type": "subscribe", "channel": channel})
            async with asyncio.timeout(10):
                while (answer := json.loads(await late.ws.recv()))["type"] == "presence":
                    pass
            assert answer["type"] == "error" and answer["code"] == "not_ready", answer
        finally:
            await late.close()
        await asyncio.sleep(1.0)

        # Redis comes back (empty: no persistence); both are ready again within 5 s.
        await redis_server.start()
        answered = time.monotonic()
        for server in (a, b):
            await wait_until(
                lambda s=server: _status_is(s, 200),
                within=5.0 - (time.monotonic() - answered),
                what=f"{server.name} ready again within 5 s of Redis answering",
            )
            print(
                f"\n[3] {server.name} ready {time.monotonic() - answered:.2f} s "
                "after Redis answered again"
            )

        # The same sockets get changes live again: the listeners resubscribed.
        began = time.perf_counter()
        await set_status(b, agent_token, ticket, "IN_PROGRESS")
        live = [
            await sock.expect(is_event(channel, "ticket.status_changed", new="IN_PROGRESS"))
            for sock in sockets
        ]
        print(f"[3] first change after the restart delivered in "
              f"{1000 * (time.perf_counter() - began):.1f} ms")  # fmt: skip
        assert live[0]["offset"] == live[1]["offset"] and live[0]["epoch"] == live[1]["epoch"]
        assert live[0]["epoch"] != before["epoch"], "history was lost: a new epoch"
        after = {"offset": live[1]["offset"], "epoch": live[1]["epoch"]}

        # A client resuming from before the restart cannot be told what it missed.
        stale = await Socket.open(b, agent_token, "resume from before")
        try:
            subscribed = await stale.subscribe(channel, since=before)
            assert subscribed["recovered"] is False
            assert (subscribed["offset"], subscribed["epoch"]) == (after["offset"], after["epoch"])
            assert events_of(stale.frames, channel) == []
        finally:
            await stale.close()


async def test_resume_from_after_redis_restart_replays_exactly_the_missed_events(
    launch: Launch, deployment: Deployment, redis_server: PrivateRedis
) -> None:
    async with two_servers(launch, deployment) as two:
        a, b, ticket, channel = two.a, two.b, two.ticket, two.channel
        admin_token, agent_token, on_a, on_b = two.admin_token, two.agent_token, two.on_a, two.on_b
        sockets = two.sockets
        for sock in sockets:
            await sock.subscribe(channel)
            # The subscription is whole once its presence snapshot arrived: stopping Redis
            # before that would have the server answer the subscribe's presence with not_ready.
            await sock.expect(is_snapshot(channel), what=f"snapshot on {sock.name}")
        await redis_server.stop()
        await wait_until(lambda: _status_is(a, 503), within=10, what="A 503")
        await redis_server.start()
        for server in (a, b):
            await wait_until(lambda s=server: _status_is(s, 200), within=15, what="ready")

        await set_status(a, admin_token, ticket, "OPEN")
        seen = await on_b.expect(is_event(channel, "ticket.status_changed", new="OPEN"))
        after = {"offset": seen["offset"], "epoch": seen["epoch"]}  # taken after the restart

        # B's client goes away; two changes happen meanwhile (A's client sees them live).
        await on_b.close()
        await add_note(a, admin_token, ticket, "missed 1")
        waiting = "WAITING_ON_CUSTOMER"
        await set_status(a, admin_token, ticket, waiting)
        missed = [
            await on_a.expect(is_event(channel, "ticket.response_added")),
            await on_a.expect(is_event(channel, "ticket.status_changed", new=waiting)),
        ]
        assert [e["offset"] for e in missed] == [after["offset"] + 1, after["offset"] + 2]

        resumed = await Socket.open(b, agent_token, "resume from after")
        sockets.append(resumed)
        subscribed = await resumed.subscribe(channel, since=after)
        assert subscribed["recovered"] is True
        assert subscribed["offset"] == after["offset"]  # the events continue from there
        await resumed.drain(1.0)
        replayed = events_of(resumed.frames, channel)
        assert [(e["offset"], e["epoch"], e["event"]) for e in replayed] == [
            (e["offset"], e["epoch"], e["event"]) for e in missed
        ]
        assert [e["data"] for e in replayed] == [e["data"] for e in missed]


async def _status_is(server: ParleyProcess, status: int) -> bool:
    with contextlib.suppress(httpx.TransportError):
        return await readyz(server) == status
    return False


# --- 4. a slow consumer among 200 readers ---------------------------------------------------


class Reader:
    """A lean subscriber: records each event's offset (and, for one, the delivery delay)."""

    def __init__(self, ws: ClientConnection, channel: str, timed: bool) -> None:
        self.ws = ws
        self.channel = channel
        self.timed = timed
        self.start_offset = 0
        self.offsets: list[int] = []
        self.others: list[dict[str, Any]] = []  # frames other than events (should be none)
        self.delays_ms: list[float] = []
        self.closed: ConnectionClosed | None = None
        self.progress = asyncio.Event()

    async def subscribe(self) -> None:
        await self.ws.send(json.dumps({"type": "subscribe", "channel": self.channel}))
        while True:
            frame = json.loads(await self.ws.recv())
            if frame["type"] == "subscribed":
                self.start_offset = frame["offset"]
                return
            if frame["type"] != "ready":
                self.others.append(frame)

    async def run(self) -> None:
        prefix = b'{"type":"event",'
        marker = b'"offset":'
        try:
            while True:
                raw = await self.ws.recv(decode=False)
                if not raw.startswith(prefix):
                    self.others.append(json.loads(raw))
                    continue
                if self.timed:
                    frame = json.loads(raw)
                    self.offsets.append(frame["offset"])
                    sent = datetime.fromisoformat(frame["ts"]).timestamp()
                    self.delays_ms.append(1000 * (time.time() - sent))
                    continue
                at = raw.index(marker) + len(marker)
                self.offsets.append(int(raw[at : raw.index(b",", at)]))
        except ConnectionClosed as exc:
            self.closed = exc


async def _open_ws(server: ParleyProcess, token: str, **kwargs: Any) -> ClientConnection:
    # No compression: cheaper for the server and the readers, and frames keep their size.
    ws = await connect(
        server.ws_url, ping_interval=None, open_timeout=30, compression=None, **kwargs
    )
    await ws.send(json.dumps({"type": "auth", "token": token}))
    return ws


async def _sample_rss(pid: int, samples: list[int], stop: asyncio.Event) -> None:
    while not stop.is_set():
        with contextlib.suppress(FileNotFoundError, RuntimeError):
            samples.append(rss_kib(pid))
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), 0.2)


async def _slow_socket(server: ParleyProcess, token: str, *channels: str) -> ClientConnection:
    """A subscriber that never reads: a tiny receive buffer and a one-frame client queue.

    Without compression: permessage-deflate would shrink the repetitive frames so much that
    the kernel buffers would hold thousands of them.
    """
    raw = socket.socket()
    raw.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    raw.setblocking(False)
    await asyncio.get_running_loop().sock_connect(raw, ("127.0.0.1", server.port))
    ws = await _open_ws(server, token, sock=raw, max_queue=1)
    for channel in channels:
        await ws.send(json.dumps({"type": "subscribe", "channel": channel}))
    return ws


async def _read_until_closed(ws: ClientConnection, within: float) -> tuple[int, int | None, str]:
    """Read until the connection closes: (frames read, close code received, how it ended)."""
    frames = 0
    try:
        async with asyncio.timeout(within):
            while True:
                await ws.recv(decode=False)
                frames += 1
    except ConnectionClosed as exc:
        return frames, exc.rcvd.code if exc.rcvd is not None else None, str(exc)
    except TimeoutError:
        return frames, None, f"still open, silent, after {within:g} s"


async def _integration_key(server: ParleyProcess, admin_token: str) -> str:
    async with server.client(admin_token) as client:
        response = await client.post("/api/api-keys", json={"name": "scale-out"})
        assert response.status_code == 201, response.text
        return str(response.json()["key"])


async def test_slow_consumer_does_not_hold_back_200_readers(
    launch: Launch, deployment: Deployment
) -> None:
    server = await launch("S", WS_SEND_QUEUE=str(SLOW_QUEUE), WS_IDLE_SECONDS="300")
    admin_token = await server.login(deployment.admin)
    key = await _integration_key(server, admin_token)  # no presence frames among the events
    ticket = await create_ticket(server, admin_token)
    channel = f"ticket:{ticket}"
    # The slow consumer also watches a ticket receiving big notes, so that it overflows
    # within seconds; the readers' channel gets small ones (200 sockets x big frames would
    # measure the test client rather than the server).
    big_ticket = await create_ticket(server, admin_token)

    rss: list[int] = []
    stop_sampling = asyncio.Event()
    rss_start = rss_kib(server.pid)
    sampler = asyncio.create_task(_sample_rss(server.pid, rss, stop_sampling))
    readers: list[Reader] = []
    tasks: list[asyncio.Task[None]] = []
    slow_ws: ClientConnection | None = None
    try:
        began = time.perf_counter()
        limit = asyncio.Semaphore(50)

        async def open_reader(i: int) -> Reader:
            async with limit:
                reader = Reader(await _open_ws(server, key), channel, timed=i == 0)
                await reader.subscribe()
                return reader

        readers = list(await asyncio.gather(*(open_reader(i) for i in range(READERS))))
        tasks = [asyncio.create_task(r.run()) for r in readers]
        print(f"\n[4] {READERS} readers subscribed in {time.perf_counter() - began:.1f} s")
        slow_ws = await _slow_socket(server, key, channel, f"ticket:{big_ticket}")

        (written, failed, seconds), _ = await asyncio.gather(
            _write_notes(server, admin_token, ticket),
            _write_burst(server, admin_token, big_ticket, BIG_NOTES, BIG_CONTENT, workers=2),
        )
        print(
            f"[4] wrote {written} notes (one ticket-channel event each) in {seconds:.1f} s: "
            f"{written / seconds:.0f}/s (target {TARGET_RATE}/s, {failed} failed)"
        )
        assert written > 0 and failed == 0

        # Everyone but the slow consumer gets every event, once, in order.
        probe = Reader(await _open_ws(server, key), channel, timed=False)
        await probe.subscribe()
        last = probe.start_offset
        await probe.ws.close()
        waited = time.perf_counter()
        await wait_until(
            lambda: all((r.offsets and r.offsets[-1] >= last) or r.closed for r in readers),
            within=60,
            what="every reader has the last event",
            every=0.1,
        )
        print(f"[4] readers had every event {time.perf_counter() - waited:.2f} s after the load")
        closed = [(i, r.closed) for i, r in enumerate(readers) if r.closed is not None]
        assert not closed, f"readers closed: {closed[:5]}"
        for i, reader in enumerate(readers):
            expected = list(range(reader.start_offset + 1, last + 1))
            assert reader.offsets == expected, (
                f"reader {i}: {len(reader.offsets)} events, expected {len(expected)}; "
                f"{_first_difference(reader.offsets, expected)}"
            )
            assert not reader.others, f"reader {i} got other frames: {reader.others[:3]}"
        delays = sorted(readers[0].delays_ms)
        pct = {p: delays[min(len(delays) - 1, len(delays) * p // 100)] for p in (50, 99)}
        print(
            f"[4] delivery delay (Redis ts -> reader 0): p50 {pct[50]:.0f} ms, "
            f"p99 {pct[99]:.0f} ms, max {delays[-1]:.0f} ms over {len(delays)} events"
        )

        # The slow consumer was cut off: it never gets the whole stream.
        frames, _, how = await _read_until_closed(slow_ws, within=10)
        print(f"[4] slow consumer read {frames} frames, then: {how}")
        assert frames < written + BIG_NOTES, "the slow consumer was never cut off"
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await asyncio.gather(
            *(r.ws.close() for r in readers),
            *([slow_ws.close()] if slow_ws is not None else []),
            return_exceptions=True,
        )
        stop_sampling.set()
        await sampler
    growth_mib = (max(rss) - rss_start) / 1024
    print(
        f"[4] server RSS: start {rss_start / 1024:.0f} MiB, peak {max(rss) / 1024:.0f} MiB "
        f"(+{growth_mib:.0f} MiB), end {rss[-1] / 1024:.0f} MiB"
    )
    assert growth_mib < 200


async def _slow_consumer_close(
    launch: Launch, deployment: Deployment, read_after: float
) -> tuple[int, int | None, str]:
    """A non-reading subscriber overflows during a burst of writes, then reads
    `read_after` seconds after the burst: what does it find?"""
    server = await launch("S", WS_SEND_QUEUE=str(SLOW_QUEUE), WS_IDLE_SECONDS="300")
    admin_token = await server.login(deployment.admin)
    key = await _integration_key(server, admin_token)
    ticket = await create_ticket(server, admin_token)
    slow_ws = await _slow_socket(server, key, f"ticket:{ticket}")
    try:
        began = time.perf_counter()
        await _write_burst(server, admin_token, ticket, OVERFLOW_NOTES, BIG_CONTENT, workers=16)
        print(f"\n[4] {OVERFLOW_NOTES} big notes in {time.perf_counter() - began:.1f} s")
        await asyncio.sleep(read_after)
        frames, code, how = await _read_until_closed(slow_ws, within=15)
        print(f"[4] reading {read_after:g} s after the burst: {frames} frames, then: {how}")
        return frames, code, how
    finally:
        await slow_ws.close()


async def test_slow_consumer_reading_soon_after_is_told_4008(
    launch: Launch, deployment: Deployment
) -> None:
    frames, code, how = await _slow_consumer_close(launch, deployment, read_after=0)
    assert code == 4008, how
    assert frames < OVERFLOW_NOTES


async def test_slow_consumer_reading_late_is_still_told_4008(
    launch: Launch, deployment: Deployment
) -> None:
    _, code, how = await _slow_consumer_close(launch, deployment, read_after=8)
    assert code == 4008, how


async def _write_burst(
    server: ParleyProcess, token: str, ticket: int, count: int, content: str, *, workers: int
) -> None:
    """POST `count` internal notes as fast as `workers` concurrent requests go."""
    notes = iter(range(count))
    async with server.client(token) as client:

        async def writer() -> None:
            for i in notes:
                response = await client.post(
                    f"/api/tickets/{ticket}/responses",
                    json={"content": f"{i} {content}", "isInternal": True},
                )
                assert response.status_code == 201, response.text

        await asyncio.gather(*(writer() for _ in range(workers)))


async def _write_notes(server: ParleyProcess, token: str, ticket: int) -> tuple[int, int, float]:
    """POST internal notes for LOAD_SECONDS, paced at TARGET_RATE; (written, failed, seconds)."""
    written = failed = 0
    loop = asyncio.get_running_loop()
    start = loop.time()
    index = iter(range(10**9))
    limits = httpx.Limits(max_connections=64, max_keepalive_connections=64)
    async with httpx.AsyncClient(
        base_url=server.base_url,
        headers={"authorization": f"Bearer {token}"},
        limits=limits,
        timeout=30,
    ) as client:

        async def worker() -> None:
            nonlocal written, failed
            for i in index:
                due = start + i / TARGET_RATE
                if due - start >= LOAD_SECONDS or loop.time() - start >= LOAD_SECONDS:
                    return
                if due > loop.time():
                    await asyncio.sleep(due - loop.time())
                response = await client.post(
                    f"/api/tickets/{ticket}/responses",
                    json={"content": f"note {i}", "isInternal": True},
                )
                if response.status_code == 201:
                    written += 1
                else:
                    failed += 1

        await asyncio.gather(*(worker() for _ in range(64)))
    return written, failed, loop.time() - start


def _first_difference(got: list[int], expected: list[int]) -> str:
    for i, (g, e) in enumerate(zip(got, expected, strict=False)):
        if g != e:
            return f"at {i}: got {got[i : i + 5]}, expected {expected[i : i + 5]}"
    return f"lengths {len(got)} vs {len(expected)}"
