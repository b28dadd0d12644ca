"""The hub and its feeds, on the in-process backend with memory history and presence.

Each test builds its own `Hub` (never the app's) over `MemoryBackend`, `MemoryHistory` and
`MemoryPresence`, and talks to it through `Connection`s whose WebSocket is a recording fake,
so every frame a client would receive can be read back in order.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from starlette.websockets import WebSocketState

from server.channels import hub as hub_module
from server.channels import names, protocol
from server.channels.connection import Connection, Identity
from server.channels.history import Replay
from server.channels.history_memory import MemoryHistory
from server.channels.hub import Hub, NotAvailable
from server.channels.memory_backend import MemoryBackend
from server.channels.presence_memory import MemoryPresence

ORG = 7
TIMEOUT = 2.0
POLL = 0.005


class FakeWebSocket:
    """What `Connection` uses of a starlette WebSocket, recording what is sent to it."""

    def __init__(self) -> None:
        self.application_state = WebSocketState.CONNECTED
        self.sent: list[str] = []
        self.closed_with: tuple[int, str] | None = None

    async def send_text(self, text: str) -> None:
        self.sent.append(text)

    async def send(self, message: dict[str, Any]) -> None:
        await self.send_text(message["text"])

    async def close(self, code: int = 1000, reason: str | None = None) -> None:
        self.closed_with = (code, reason or "")
        self.application_state = WebSocketState.DISCONNECTED


class StuckWebSocket(FakeWebSocket):
    """A peer that never reads: every write waits forever (nothing is recorded)."""

    async def send_text(self, text: str) -> None:
        await asyncio.Event().wait()


async def _ok() -> None:
    return None


def connection(
    kind: str = "agent",
    ident: int = 1,
    *,
    token_digest: str | None = None,
    queue_size: int = 100,
    stuck: bool = False,
) -> Connection:
    identity = Identity(
        organization_id=ORG,
        kind=kind,  # type: ignore[arg-type]
        id=ident,
        name=f"{kind} {ident}",
        revalidate=_ok,
        token_digest=token_digest,
    )
    websocket = StuckWebSocket() if stuck else FakeWebSocket()
    return Connection(websocket, identity, queue_size=queue_size)  # type: ignore[arg-type]


def sent(conn: Connection) -> list[str]:
    return conn.websocket.sent  # type: ignore[attr-defined,no-any-return]


def frames(conn: Connection, kind: str | None = None) -> list[dict[str, Any]]:
    decoded = [json.loads(text) for text in sent(conn)]
    return [f for f in decoded if kind is None or f["type"] == kind]


def event_offsets(conn: Connection) -> list[int]:
    return [f["offset"] for f in frames(conn, "event")]


async def eventually(check: Callable[[], bool]) -> None:
    """Wait until `check()` holds (the feeds and writers run in their own tasks)."""
    for _ in range(int(TIMEOUT / POLL)):
        if check():
            return
        await asyncio.sleep(POLL)
    assert check(), f"still false after {TIMEOUT} s"


@pytest.fixture
async def hub() -> AsyncIterator[Hub]:
    the_hub = Hub(
        backend=MemoryBackend(),
        history=MemoryHistory(),
        presence=MemoryPresence(ttl=30),
        append_publishes=False,
    )
    await the_hub.start()
    try:
        yield the_hub
    finally:
        await the_hub.stop()


def ticket(ticket_id: int = 1) -> names.Channel:
    return names.ticket(ORG, ticket_id)


async def publish(hub: Hub, channel: names.Channel, n: int, start: int = 0) -> None:
    for i in range(start, start + n):
        await hub.publish(channel.key, "ticket.updated", {"n": i})


async def test_subscribe_without_since_starts_at_the_current_offset(hub: Hub) -> None:
    channel = ticket()
    await publish(hub, channel, 3)  # nobody listens yet: history only
    offset, epoch = await hub.history.latest(channel.key)
    conn = connection()
    hub.register(conn)

    await hub.subscribe(conn, channel, None)
    await eventually(lambda: len(sent(conn)) >= 1)

    first = frames(conn)[0]
    assert first == {
        "type": "subscribed",
        "channel": "ticket:1",
        "offset": 3,
        "epoch": epoch,
        "recovered": True,
    }
    assert offset == 3
    assert frames(conn, "event") == []  # nothing replayed without `since`


async def test_published_events_reach_every_subscriber_in_order_encoded_once(hub: Hub) -> None:
    channel = ticket()
    conns = [connection("integration", i) for i in (1, 2, 3)]
    for conn in conns:
        hub.register(conn)
        await hub.subscribe(conn, channel, None)

    await publish(hub, channel, 5)
    await eventually(lambda: all(len(event_offsets(c)) == 5 for c in conns))

    for conn in conns:
        assert event_offsets(conn) == [1, 2, 3, 4, 5]
        assert [f["data"] for f in frames(conn, "event")] == [{"n": i} for i in range(5)]
    # The feed encodes each event once: every socket is handed the very same string.
    events_of = [[t for t in sent(c) if '"type":"event"' in t] for c in conns]
    for i in range(5):
        assert events_of[0][i] is events_of[1][i] is events_of[2][i]


async def test_subscribe_with_since_replays_then_goes_live(hub: Hub) -> None:
    channel = ticket()
    await publish(hub, channel, 3)
    _, epoch = await hub.history.latest(channel.key)
    conn = connection()
    hub.register(conn)

    await hub.subscribe(conn, channel, protocol.Since(offset=1, epoch=epoch))
    await publish(hub, channel, 2, start=3)
    await eventually(lambda: len(event_offsets(conn)) >= 4)
    await asyncio.sleep(0.05)

    subscribed = frames(conn)[0]
    assert subscribed["type"] == "subscribed"
    # The client stands where it stood (offset 1); the replay moves it on from there.
    assert (subscribed["offset"], subscribed["recovered"]) == (1, True)
    assert event_offsets(conn) == [2, 3, 4, 5]


class GatedHistory(MemoryHistory):
    """A MemoryHistory whose next `since` waits for the test, to interleave live events.

    `answer_first`: compute the replay before waiting (the live events come after it),
    otherwise after (the replay already holds the live events: they must not repeat).
    """

    def __init__(self) -> None:
        super().__init__()
        self.armed = False
        self.answer_first = False
        self.entered = asyncio.Event()
        self.gate = asyncio.Event()

    async def since(self, channel_key: str, offset: int | None, epoch: str | None) -> Replay:
        if not self.armed:
            return await super().since(channel_key, offset, epoch)
        self.armed = False
        replay = await super().since(channel_key, offset, epoch) if self.answer_first else None
        self.entered.set()
        await self.gate.wait()
        return replay or await super().since(channel_key, offset, epoch)


@pytest.mark.parametrize("answer_first", [True, False], ids=["replay-before", "replay-after"])
async def test_events_published_during_the_replay_arrive_once_in_order(
    answer_first: bool,
) -> None:
    history = GatedHistory()
    history.answer_first = answer_first
    hub = Hub(
        backend=MemoryBackend(),
        history=history,
        presence=MemoryPresence(ttl=30),
        append_publishes=False,
    )
    await hub.start()
    try:
        channel = ticket()
        watcher = connection("integration", 1)  # keeps the feed live and shows its progress
        hub.register(watcher)
        await hub.subscribe(watcher, channel, None)
        await publish(hub, channel, 3)
        _, epoch = await history.latest(channel.key)

        conn = connection("integration", 2)
        hub.register(conn)
        history.armed = True
        subscribing = asyncio.create_task(
            hub.subscribe(conn, channel, protocol.Since(offset=0, epoch=epoch))
        )
        await asyncio.wait_for(history.entered.wait(), TIMEOUT)
        # Published while the replay is being read: the feed holds them for `conn`.
        await publish(hub, channel, 4, start=3)
        await eventually(lambda: len(event_offsets(watcher)) == 7)
        history.gate.set()
        await asyncio.wait_for(subscribing, TIMEOUT)
        await publish(hub, channel, 1, start=7)

        await eventually(lambda: len(event_offsets(conn)) >= 8)
        await asyncio.sleep(0.05)
        assert event_offsets(conn) == [1, 2, 3, 4, 5, 6, 7, 8]
        assert [f["data"]["n"] for f in frames(conn, "event")] == list(range(8))
        assert frames(conn)[0]["type"] == "subscribed"
        assert frames(conn)[0]["recovered"] is True
        assert len(frames(conn, "subscribed")) == 1  # no resync needed
    finally:
        await hub.stop()


async def test_events_published_concurrently_with_subscribing_are_not_repeated(
    hub: Hub,
) -> None:
    channel = ticket()
    await publish(hub, channel, 5)
    _, epoch = await hub.history.latest(channel.key)
    conns = [connection("integration", i) for i in range(1, 6)]

    async def publisher() -> None:
        for i in range(5, 45):
            await hub.publish(channel.key, "ticket.updated", {"n": i})
            await asyncio.sleep(0)

    async def subscriber(conn: Connection, since: int) -> None:
        hub.register(conn)
        await asyncio.sleep(0.001 * since)
        await hub.subscribe(conn, channel, protocol.Since(offset=since, epoch=epoch))

    await asyncio.gather(publisher(), *(subscriber(c, i) for i, c in enumerate(conns)))
    for since, conn in enumerate(conns):
        await eventually(lambda c=conn, n=45 - since: len(event_offsets(c)) >= n)
    await asyncio.sleep(0.05)
    for since, conn in enumerate(conns):
        assert event_offsets(conn) == list(range(since + 1, 46)), since
        assert frames(conn, "subscribed")[0]["recovered"] is True


async def test_an_unknown_epoch_is_not_recovered(hub: Hub) -> None:
    channel = ticket()
    await publish(hub, channel, 2)
    _, epoch = await hub.history.latest(channel.key)
    conn = connection()
    hub.register(conn)

    await hub.subscribe(conn, channel, protocol.Since(offset=1, epoch="not-" + epoch))
    await publish(hub, channel, 1, start=2)
    await eventually(lambda: len(event_offsets(conn)) == 1)

    assert frames(conn)[0] == {
        "type": "subscribed",
        "channel": "ticket:1",
        "offset": 2,
        "epoch": epoch,
        "recovered": False,
    }
    assert event_offsets(conn) == [3]  # nothing replayed; live from the current position


async def test_catch_up_delivers_events_that_missed_pub_sub(hub: Hub) -> None:
    channel = ticket()
    conn = connection()
    hub.register(conn)
    await hub.subscribe(conn, channel, None)
    # Appended to history but never published (as if the listener was reconnecting).
    await hub.history.append(channel.key, "ticket.updated", {"n": 0})
    await hub.history.append(channel.key, "ticket.updated", {"n": 1})
    await asyncio.sleep(0.02)
    assert event_offsets(conn) == []

    await hub.feeds[channel.key].catch_up()
    await eventually(lambda: len(event_offsets(conn)) == 2)
    assert [f["data"] for f in frames(conn, "event")] == [{"n": 0}, {"n": 1}]
    # Caught up means caught up: running it again sends nothing more.
    await hub.feeds[channel.key].catch_up()
    await publish(hub, channel, 1, start=2)
    await eventually(lambda: len(event_offsets(conn)) == 3)
    await asyncio.sleep(0.02)
    assert event_offsets(conn) == [1, 2, 3]


async def test_a_gap_is_filled_from_history_in_order(hub: Hub) -> None:
    channel = ticket()
    conns = [connection("integration", i) for i in (1, 2)]
    for conn in conns:
        hub.register(conn)
        await hub.subscribe(conn, channel, None)
    await publish(hub, channel, 1)
    await hub.history.append(channel.key, "ticket.updated", {"n": 1})
    await hub.history.append(channel.key, "ticket.updated", {"n": 2})
    await publish(hub, channel, 1, start=3)

    for conn in conns:
        await eventually(lambda c=conn: len(event_offsets(c)) >= 4)
    await asyncio.sleep(0.02)
    for conn in conns:
        assert event_offsets(conn) == [1, 2, 3, 4]
        assert [f["data"]["n"] for f in frames(conn, "event")] == [0, 1, 2, 3]
        assert len(frames(conn, "subscribed")) == 1  # filled, so no resync


async def test_one_feed_per_channel_gone_after_the_last_unsubscribe(hub: Hub) -> None:
    channel = ticket()
    other = ticket(2)
    conns = [connection("integration", i) for i in (1, 2, 3)]
    for conn in conns:
        hub.register(conn)
        await hub.subscribe(conn, channel, None)
    await hub.subscribe(conns[0], other, None)
    feed = hub.feeds[channel.key]
    assert set(hub.feeds) == {channel.key, other.key}
    assert set(feed.subscribers) == set(conns)
    assert len(hub.broadcast._subscribers[channel.key]) == 1  # one backend subscription

    assert await hub.unsubscribe(conns[0], channel)
    assert await hub.unsubscribe(conns[1], channel)
    assert hub.feeds[channel.key] is feed
    assert not await hub.unsubscribe(conns[1], channel)  # not subscribed any more
    await publish(hub, channel, 1)
    await eventually(lambda: len(event_offsets(conns[2])) == 1)
    assert event_offsets(conns[0]) == event_offsets(conns[1]) == []

    assert await hub.unsubscribe(conns[2], channel)
    assert channel.key not in hub.feeds
    await eventually(lambda: feed.task.done())
    await eventually(lambda: channel.key not in hub.backend.channels)  # type: ignore[attr-defined]
    assert other.key in hub.feeds  # other channels are untouched

    # Subscribing again builds a new feed that works.
    await hub.subscribe(conns[0], channel, None)
    assert hub.feeds[channel.key] is not feed
    await publish(hub, channel, 1, start=1)
    await eventually(lambda: event_offsets(conns[0]) == [2])


async def test_unregister_leaves_every_channel(hub: Hub) -> None:
    conn = connection()
    hub.register(conn)
    await hub.subscribe(conn, ticket(1), None)
    await hub.subscribe(conn, names.queue(ORG), None)
    assert len(hub.feeds) == 2

    await hub.unregister(conn)
    assert hub.feeds == {}
    assert conn not in hub.connections
    assert conn.channels == set() and conn.presence_keys == set()


async def test_a_slow_consumer_is_closed_and_the_others_keep_receiving(hub: Hub) -> None:
    channel = ticket()
    slow = connection("integration", 1, queue_size=3, stuck=True)  # never takes a write
    fast = connection("integration", 2)
    for conn in (slow, fast):
        hub.register(conn)
        await hub.subscribe(conn, channel, None)

    await publish(hub, channel, 10)
    await eventually(lambda: len(event_offsets(fast)) == 10)
    await eventually(lambda: slow.closed.is_set())

    assert slow.close_code == protocol.Close.SLOW_CONSUMER == 4008
    assert slow.websocket.closed_with[0] == 4008  # type: ignore[attr-defined]
    assert sent(slow) == []
    assert event_offsets(fast) == list(range(1, 11))
    assert fast.close_code is None


async def test_presence_join_typing_and_leave_reach_the_other_subscribers(hub: Hub) -> None:
    channel = ticket()
    alice = connection("agent", 1)
    bob = connection("agent", 2)
    robot = connection("integration", 3)  # no presence of its own, still sees it
    for conn in (alice, robot):
        hub.register(conn)
        await hub.subscribe(conn, channel, None)

    def diffs(conn: Connection) -> list[dict[str, Any]]:
        return [f for f in frames(conn, "presence") if "snapshot" not in f]

    def bob_joined(f: dict[str, Any]) -> bool:
        return [e["person"] for e in f["joined"]] == ["agent:2"]

    # Alice's own join comes back to her (and the robot) too.
    await eventually(lambda: len(diffs(robot)) == 1)

    hub.register(bob)
    await hub.subscribe(bob, channel, None)
    await eventually(lambda: any(bob_joined(f) for f in diffs(alice)))
    joined = next(f for f in diffs(alice) if bob_joined(f))
    assert joined == {
        "type": "presence",
        "channel": "ticket:1",
        "joined": [
            {"person": "agent:2", "name": "agent 2", "status": "online", "composing": False}
        ],
        "left": [],
        "updated": [],
    }
    # Bob's own first presence frame is the snapshot with both agents.
    bob_snapshot = next(f for f in frames(bob, "presence") if "snapshot" in f)
    assert [e["person"] for e in bob_snapshot["snapshot"]] == ["agent:1", "agent:2"]

    await hub.typing(bob, channel, True)
    await eventually(lambda: any(f["updated"] for f in diffs(alice)))
    typing = next(f for f in diffs(alice) if f["updated"])
    assert typing["updated"] == [
        {"person": "agent:2", "name": "agent 2", "status": "online", "composing": True}
    ]
    assert typing["joined"] == [] and typing["left"] == []

    assert await hub.unsubscribe(bob, channel)
    await eventually(lambda: any(f["left"] for f in diffs(alice)))
    left = next(f for f in diffs(alice) if f["left"])
    assert left["left"] == ["agent:2"] and left["joined"] == [] and left["updated"] == []
    await eventually(lambda: any(f["left"] for f in diffs(robot)))
    # The robot saw Alice join, then Bob join, type and leave.
    assert [(len(f["joined"]), len(f["updated"]), len(f["left"])) for f in diffs(robot)] == [
        (1, 0, 0),
        (1, 0, 0),
        (0, 1, 0),
        (0, 0, 1),
    ]
    assert [e.person for e in await hub.presence.snapshot(channel.key)] == ["agent:1"]


async def test_revoking_a_token_closes_only_its_connections(hub: Hub) -> None:
    revoked = [connection("agent", 1, token_digest="x"), connection("agent", 1, token_digest="x")]
    kept = [connection("agent", 1, token_digest="y"), connection("agent", 2)]
    for conn in revoked + kept:
        hub.register(conn)
        await hub.subscribe(conn, ticket(), None)
    # The control listener subscribes in its own task; wait until it listens.
    await eventually(lambda: names.CONTROL_KEY in hub.backend.channels)  # type: ignore[attr-defined]

    await hub.publish(names.CONTROL_KEY, "control", {"revoke": {"tokenDigest": "x"}})
    for conn in revoked:
        await eventually(lambda c=conn: c.closed.is_set())
        assert conn.close_code == protocol.Close.UNAUTHENTICATED == 4401
        assert conn.websocket.closed_with[0] == 4401  # type: ignore[attr-defined]

    # The control message is in no channel's history and reaches no subscriber as an event.
    await publish(hub, ticket(), 1)
    for conn in kept:
        await eventually(lambda c=conn: len(event_offsets(c)) == 1)
        assert conn.close_code is None


# --- stopping, and a backend that does not answer ----------------------------------------------


class UnansweredBackend(MemoryBackend):
    """A backend that never confirms a subscription (Redis down, the listener reconnecting)."""

    async def subscribe(self, channel: str) -> None:
        await asyncio.Event().wait()


async def test_stop_closes_every_socket_with_1012() -> None:
    # The code uvicorn sends on SIGTERM, so a client sees one code whoever closes first.
    the_hub = Hub(
        backend=MemoryBackend(), history=MemoryHistory(), presence=MemoryPresence(ttl=30),
        append_publishes=False,
    )  # fmt: skip
    await the_hub.start()
    conns = [connection(ident=1), connection(ident=2)]
    for conn in conns:
        the_hub.register(conn)
    await the_hub.subscribe(conns[0], ticket(), None)
    await the_hub.stop()
    assert [c.websocket.closed_with[0] for c in conns] == [1012, 1012]  # type: ignore[attr-defined]


async def test_a_subscribe_the_backend_never_confirms_is_not_available_and_leaves_no_error(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(hub_module, "SUBSCRIBE_TIMEOUT_SECONDS", 0.05)
    the_hub = Hub(
        backend=UnansweredBackend(), history=MemoryHistory(), presence=MemoryPresence(ttl=30),
        append_publishes=False,
    )  # fmt: skip
    await the_hub.start()
    try:
        conn = connection()
        the_hub.register(conn)
        with caplog.at_level(logging.ERROR, logger="server.channels.hub"):
            with pytest.raises(NotAvailable):
                await the_hub.subscribe(conn, ticket(), None)
            assert the_hub.feeds == {}
            await asyncio.sleep(0.05)  # the abandoned feed's task winds down
        # broadcaster's cleanup raised KeyError over the cancellation: "feed stopped" was
        # logged with a traceback, and its `ready` future's error was never retrieved.
        assert [r.getMessage() for r in caplog.records] == []
        assert frames(conn) == []
    finally:
        # The control listener is stuck the same way; stopping must still end it (it took
        # the KeyError for a failure and restarted: stop() waited forever).
        stopping = asyncio.create_task(the_hub.stop())
        await asyncio.wait({stopping}, timeout=5)
        assert stopping.done(), "the hub did not stop"
