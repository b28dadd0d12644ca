"""`Connection`: writes without waiting, ordered queueing behind a blocked write, slow consumers,
the frame budget, and `run_eagerly`."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from starlette.websockets import WebSocketState

from server.channels.connection import Connection, FrameBudget, Identity, run_eagerly
from server.channels.protocol import Close


class GatedWebSocket:
    """Takes writes while the gate is open; blocks them while it is closed."""

    def __init__(self) -> None:
        self.application_state = WebSocketState.CONNECTED
        self.gate = asyncio.Event()
        self.gate.set()
        self.sent: list[str] = []
        self.closed_with: int | None = None

    async def send_text(self, text: str) -> None:
        await self.gate.wait()
        self.sent.append(text)

    async def send(self, message: dict[str, Any]) -> None:
        await self.send_text(message["text"])

    async def close(self, code: int = 1000, reason: str = "") -> None:
        self.closed_with = code
        self.application_state = WebSocketState.DISCONNECTED


async def _ok() -> None:
    return None


def connection(websocket: GatedWebSocket, queue_size: int = 3) -> Connection:
    identity = Identity(organization_id=1, kind="agent", id=1, name="A", revalidate=_ok)
    return Connection(websocket, identity, queue_size=queue_size)  # type: ignore[arg-type]


async def test_a_socket_that_takes_writes_gets_them_at_once() -> None:
    ws = GatedWebSocket()
    conn = connection(ws)
    conn.send("a")
    conn.send("b")
    assert ws.sent == ["a", "b"]  # no task switch needed
    assert conn.queued == 0


async def test_frames_queue_in_order_behind_a_blocked_write() -> None:
    ws = GatedWebSocket()
    conn = connection(ws, queue_size=5)
    ws.gate.clear()
    for frame in "abc":
        conn.send(frame)
    assert ws.sent == [] and conn.queued == 2
    ws.gate.set()
    for _ in range(10):
        await asyncio.sleep(0)
    assert ws.sent == ["a", "b", "c"]
    conn.send("d")
    assert ws.sent == ["a", "b", "c", "d"]


async def test_a_consumer_that_falls_behind_is_closed_with_4008() -> None:
    ws = GatedWebSocket()
    conn = connection(ws, queue_size=2)
    ws.gate.clear()
    for frame in "abcd":
        conn.send(frame)
    await asyncio.wait_for(conn.closed.wait(), 2)
    assert conn.close_code == Close.SLOW_CONSUMER == ws.closed_with
    conn.send("e")  # ignored after close
    assert conn.queued == 0


async def test_a_broken_socket_stops_receiving() -> None:
    class Broken(GatedWebSocket):
        async def send(self, message: dict[str, Any]) -> None:
            raise RuntimeError("gone")

    ws = Broken()
    conn = connection(ws)
    conn.send("a")
    conn.send("b")  # no error, nothing queued
    assert conn.queued == 0


async def test_run_eagerly_completes_synchronously_or_finishes_in_a_task() -> None:
    done: list[str] = []

    async def quick() -> None:
        done.append("quick")

    assert run_eagerly(quick()) is None
    assert done == ["quick"]

    gate = asyncio.Event()

    async def slow() -> None:
        done.append("started")
        await gate.wait()
        await asyncio.sleep(0)
        done.append("finished")

    task = run_eagerly(slow())
    assert task is not None and done[-1] == "started"
    gate.set()
    await asyncio.wait_for(task, 2)
    assert done[-1] == "finished"


async def test_run_eagerly_forwards_cancellation_and_errors() -> None:
    seen: list[str] = []

    async def waits() -> None:
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            seen.append("cancelled")
            raise

    task = run_eagerly(waits())
    assert task is not None
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert seen == ["cancelled"]

    async def fails_later() -> None:
        await asyncio.sleep(0)
        raise ValueError("boom")

    failing = run_eagerly(fails_later())
    assert failing is not None
    with pytest.raises(ValueError, match="boom"):
        await failing


def test_the_frame_budget_allows_bursts_then_the_rate() -> None:
    now = [0.0]
    budget = FrameBudget(2, clock=lambda: now[0])
    assert [budget.take() for _ in range(4)] == [0.0] * 4  # a burst of twice the rate
    wait = budget.take()
    assert wait == pytest.approx(0.5)
    assert not budget.abused
    for _ in range(3):
        budget.take()
    assert budget.abused  # as many refusals in a row as the burst
    now[0] += 1.0
    assert budget.take() == 0.0 and not budget.abused
