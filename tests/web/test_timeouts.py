"""Slow clients: a request head or body sent a byte at a time does not hold a connection.

Against a real `parley serve` (its uvicorn, its protocol, its middleware) with both request
timeouts set to 1 s, raw sockets play clients that would take a minute to finish sending; the
assertion is that the server answered or closed before they finished, never how fast.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import pickle
import re
import secrets
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from server.errors import ErrorCode, RequestTimeout
from server.web.timeouts import HeadTimeoutProtocol, RequestBodyTimeout, head_timeout_protocol
from tests.conftest import BACKEND, create_pg_database, drop_pg_database
from tests.support.processes import Agent, Deployment, ParleyProcess, run_cli

TIMEOUT = 1  # PARLEY_REQUEST_HEADER_TIMEOUT_SECONDS and PARLEY_REQUEST_BODY_TIMEOUT_SECONDS
CLIENTS = 20
EVERY = 0.5  # seconds between two of a slow client's sends
# 120 bytes at one every EVERY seconds: a client that would need a minute to finish.
SLOW_HEAD = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Padding: " + b"x" * 78 + b"\r\n\r\n"
SLOW_BODY = b"{}" + b" " * 118


@pytest.fixture(scope="module")
async def server(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[ParleyProcess]:
    data_dir = tmp_path_factory.mktemp("timeouts")
    if BACKEND == "postgres":
        url = await create_pg_database(prefix="parley_timeouts")
    else:
        url = "sqlite://" + str(data_dir / "parley.db")
    nobody = Agent(0, "", "")
    deployment = Deployment(url, secrets.token_urlsafe(48), data_dir, "", nobody, nobody)
    await run_cli(deployment.environment(""), "migrate")
    process = ParleyProcess(
        deployment, "", "timeouts",
        REQUEST_HEADER_TIMEOUT_SECONDS=str(TIMEOUT), REQUEST_BODY_TIMEOUT_SECONDS=str(TIMEOUT),
    )  # fmt: skip
    try:
        await process.start()
        yield process
    finally:
        await process.stop()
        process.cleanup()
        if BACKEND == "postgres":
            await drop_pg_database(url)


# --- a raw HTTP client that sends slowly -------------------------------------------------------


@dataclass
class Outcome:
    sent: int  # bytes of `slow` the client got out before the server closed
    total: int
    answer: bytes  # everything the server sent until it closed

    @property
    def cut_off(self) -> bool:
        return self.sent < self.total

    @property
    def statuses(self) -> list[int]:
        """The status of every response, in order (their bodies are JSON: no status lines)."""
        return [int(code) for code in re.findall(rb"HTTP/1\.1 (\d{3}) ", self.answer)]

    def last_json(self) -> Any:
        return json.loads(self.answer.rsplit(b"\r\n\r\n", 1)[1])


async def _read_until_closed(reader: asyncio.StreamReader) -> bytes:
    got = bytearray()
    with contextlib.suppress(ConnectionError):
        while chunk := await reader.read(65536):
            got += chunk
    return bytes(got)


async def trickle(
    server: ParleyProcess, prefix: bytes, slow: bytes, *, chunk: int = 1, every: float = EVERY
) -> Outcome:
    """Send `prefix` at once, then `slow` `chunk` bytes every `every` seconds until the server
    closes the connection (or `slow` is all sent); everything the server answered."""
    reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
    answer = asyncio.create_task(_read_until_closed(reader))
    sent = 0
    try:
        writer.write(prefix)
        for start in range(0, len(slow), chunk):
            piece = slow[start : start + chunk]
            writer.write(piece)
            await writer.drain()
            sent = start + len(piece)
            await asyncio.wait([answer], timeout=every)  # wakes early when the server closes
            if answer.done():
                break
    except ConnectionError:
        pass
    try:
        async with asyncio.timeout(30):
            received = await answer
    except TimeoutError:
        raise AssertionError("the server kept the connection open after the client") from None
    finally:
        writer.close()
    return Outcome(sent=sent, total=len(slow), answer=received)


def _head(method: str, path: str, *, length: int | None = None, close: bool = True) -> bytes:
    lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1", "Content-Type: application/json"]
    if length is not None:
        lines.append(f"Content-Length: {length}")
    if close:
        lines.append("Connection: close")
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


# --- the request head -----------------------------------------------------------------------


async def test_slow_heads_get_408_while_a_normal_request_is_served(server: ParleyProcess) -> None:
    slow = [trickle(server, b"", SLOW_HEAD) for _ in range(CLIENTS)]
    async with server.client() as client:
        normal, *outcomes = await asyncio.gather(client.get("/healthz"), *slow)
    assert normal.status_code == 200
    for outcome in outcomes:
        assert outcome.cut_off, "a client sent its whole head a byte at a time"
        assert outcome.statuses == [408]
        assert outcome.last_json()["error"]["code"] == "request_timeout"
        assert b"connection: close" in outcome.answer.lower()


async def test_a_connection_that_sends_nothing_is_closed_without_an_answer(
    server: ParleyProcess,
) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
    try:
        async with asyncio.timeout(30):
            assert await _read_until_closed(reader) == b""
    finally:
        writer.close()


async def test_a_slow_second_head_on_a_kept_alive_connection_gets_408(
    server: ParleyProcess,
) -> None:
    first = _head("GET", "/healthz", close=False)
    outcome = await trickle(server, first, SLOW_HEAD)
    assert outcome.cut_off
    assert outcome.statuses == [200, 408]


async def test_blank_lines_after_a_request_do_not_hold_the_connection(
    server: ParleyProcess,
) -> None:
    # uvicorn stops its keep-alive timer on any byte, and blank lines start no request.
    outcome = await trickle(server, _head("GET", "/healthz", close=False), b"\r\n" * 60)
    assert outcome.cut_off
    assert outcome.statuses[0] == 200


async def test_an_unread_body_after_an_early_answer_does_not_hold_the_connection(
    server: ParleyProcess,
) -> None:
    # /healthz answers a POST with 405 without reading its body; the rest keeps coming.
    head = _head("POST", "/healthz", length=len(SLOW_BODY), close=False)
    outcome = await trickle(server, head, SLOW_BODY)
    assert outcome.cut_off
    assert outcome.statuses[0] == 405


async def test_a_websocket_outlives_the_request_timeouts(server: ParleyProcess) -> None:
    async with connect(server.ws_url, ping_interval=None, open_timeout=10) as ws:
        await asyncio.sleep(TIMEOUT * 2.5)  # under the 5 s the first (auth) frame may take
        await ws.send(json.dumps({"type": "auth", "token": "not-a-token"}))
        with pytest.raises(ConnectionClosed) as closed:
            while True:
                await ws.recv()
    # The app refused the token: the connection was alive, not cut by the server (1006).
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 4401


# --- the request body -----------------------------------------------------------------------


async def test_slow_bodies_get_408_while_a_normal_request_is_served(server: ParleyProcess) -> None:
    head = _head("POST", "/api/auth/login", length=len(SLOW_BODY))
    slow = [trickle(server, head, SLOW_BODY) for _ in range(CLIENTS)]
    async with server.client() as client:
        normal, *outcomes = await asyncio.gather(
            client.post("/api/auth/login", content=SLOW_BODY), *slow
        )
    assert normal.status_code == 422  # the body arrived and was read: `{}` is no login
    for outcome in outcomes:
        assert outcome.cut_off, "a client sent its whole body a byte at a time"
        assert outcome.statuses == [408]
        assert outcome.last_json()["error"]["code"] == "request_timeout"
        assert b"connection: close" in outcome.answer.lower()


async def test_a_body_slower_than_the_timeout_but_above_the_minimum_rate_is_read(
    server: ParleyProcess,
) -> None:
    # 16 KiB at 4 KiB/s: four times the 1 s timeout, four times the minimum 1 KiB/s.
    body = b"{}" + b" " * (16 * 1024 - 2)
    head = _head("POST", "/api/auth/login", length=len(body))
    outcome = await trickle(server, head, body, chunk=2048, every=0.5)
    assert not outcome.cut_off
    assert outcome.statuses == [422]


# --- the pieces -----------------------------------------------------------------------------


def _request_scope() -> dict[str, Any]:
    return {"type": "http", "method": "POST", "path": "/", "headers": []}


async def test_a_stalled_body_raises_request_timeout() -> None:
    async def receive() -> dict[str, Any]:
        await asyncio.Event().wait()  # the client never sends
        raise AssertionError("unreachable")

    async def app(scope: Any, receive: Any, send: Any) -> None:
        await receive()

    middleware = RequestBodyTimeout(app, timeout_seconds=0.05, min_bytes_per_second=1024)
    with pytest.raises(RequestTimeout) as caught:
        await middleware(_request_scope(), receive, None)  # type: ignore[arg-type]
    assert (caught.value.status, caught.value.code) == (408, ErrorCode.REQUEST_TIMEOUT)
    assert caught.value.headers == {"Connection": "close"}


async def test_bytes_received_extend_the_time_a_body_may_take() -> None:
    arrived = asyncio.Event()

    async def receive() -> dict[str, Any]:
        if not arrived.is_set():
            arrived.set()
            return {"type": "http.request", "body": b"x" * 100, "more_body": True}
        await asyncio.sleep(0.3)  # past the 0.1 s timeout, within the 1 s 100 bytes bought
        return {"type": "http.request", "body": b"", "more_body": False}

    async def app(scope: Any, receive: Any, send: Any) -> None:
        assert (await receive())["more_body"]
        assert not (await receive())["more_body"]

    middleware = RequestBodyTimeout(app, timeout_seconds=0.1, min_bytes_per_second=100)
    await middleware(_request_scope(), receive, None)  # type: ignore[arg-type]


async def test_after_the_body_waiting_for_a_disconnect_is_not_bounded() -> None:
    # A handler may take as long as it needs; a response may wait for the client to leave.
    calls = 0

    async def receive() -> dict[str, Any]:
        nonlocal calls
        calls += 1
        if calls == 1:
            return {"type": "http.request", "body": b"{}", "more_body": False}
        await asyncio.sleep(0.3)
        return {"type": "http.disconnect"}

    async def app(scope: Any, receive: Any, send: Any) -> None:
        await receive()
        assert (await receive())["type"] == "http.disconnect"

    middleware = RequestBodyTimeout(app, timeout_seconds=0.05, min_bytes_per_second=1)
    await middleware(_request_scope(), receive, None)  # type: ignore[arg-type]


async def test_websockets_are_passed_through_untouched() -> None:
    seen: list[Any] = []

    async def receive() -> dict[str, Any]:
        return {"type": "websocket.connect"}

    async def app(scope: Any, receive_: Any, send: Any) -> None:
        seen.append(receive_)

    middleware = RequestBodyTimeout(app, timeout_seconds=0.05, min_bytes_per_second=1)
    await middleware({"type": "websocket"}, receive, None)  # type: ignore[arg-type]
    assert seen == [receive]


def test_the_protocol_factory_survives_the_trip_to_a_worker_process() -> None:
    # uvicorn pickles its config, `http=` included, for every worker it spawns.
    factory = pickle.loads(pickle.dumps(head_timeout_protocol(7)))
    assert factory.func is HeadTimeoutProtocol
    assert factory.keywords == {"header_timeout": 7}
