"""A small WebSocket test client for the live server (`live_server` in conftest.py).

Built on the `websockets` asyncio client. Frames come back as dicts; a test names the frame
types it does not care about (presence, by default) and they are skipped. Every wait has a
timeout so a missing frame fails the test instead of hanging it.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager, suppress
from typing import Any, Literal

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed
from websockets.typing import Origin, Subprotocol

# How long a test waits for a frame it expects (generous: slow CI must not fail tests).
RECEIVE_TIMEOUT = 5.0
# Frame types skipped by default: presence diffs arrive whenever someone joins or leaves.
NOISE: tuple[str, ...] = ("presence",)

AuthVia = Literal["frame", "subprotocol", "none"]


class WS:
    """One client socket: send dicts (or raw text/bytes), receive dicts."""

    def __init__(self, conn: ClientConnection, *, skip: Iterable[str] = NOISE) -> None:
        self.conn = conn
        self.skip = tuple(skip)
        self.ready: dict[str, Any] | None = None

    async def send(self, frame: dict[str, Any] | str | bytes) -> None:
        await self.conn.send(json.dumps(frame) if isinstance(frame, dict) else frame)

    async def recv(
        self, *, skip: Iterable[str] | None = None, within: float = RECEIVE_TIMEOUT
    ) -> dict[str, Any]:
        """The next frame whose type is not in `skip` (default: this socket's `skip`)."""
        ignored = self.skip if skip is None else tuple(skip)
        async with asyncio.timeout(within):
            while True:
                raw = await self.conn.recv()
                frame = json.loads(raw)
                assert isinstance(frame, dict), raw
                if frame.get("type") not in ignored:
                    return frame

    async def expect(self, type_: str, *, skip: Iterable[str] | None = None, **fields: Any) -> Any:
        """The next (not skipped) frame, asserting its type and the given field values."""
        frame = await self.recv(skip=skip)
        assert frame.get("type") == type_, f"expected a {type_} frame, got {frame}"
        for name, value in fields.items():
            assert frame.get(name) == value, f"{name}: expected {value!r} in {frame}"
        return frame

    async def expect_error(self, code: str) -> dict[str, Any]:
        frame = await self.expect("error")
        assert frame["code"] == code, frame
        assert isinstance(frame["message"], str) and frame["message"]
        return frame

    async def subscribe(self, channel: str, since: dict[str, Any] | None = None) -> dict[str, Any]:
        """Subscribe and return the `subscribed` frame (replayed events follow it)."""
        frame: dict[str, Any] = {"type": "subscribe", "channel": channel}
        if since is not None:
            frame["since"] = since
        await self.send(frame)
        return await self.expect("subscribed", channel=channel)

    async def ping(self) -> None:
        """Ping and expect the very next (not skipped) frame to be the pong."""
        await self.send({"type": "ping"})
        await self.expect("pong")

    async def closed(self, within: float = RECEIVE_TIMEOUT) -> int | None:
        """Wait for the server to close the socket, dropping any frames still arriving;
        the close code received."""
        with suppress(ConnectionClosed):
            async with asyncio.timeout(within):
                while True:
                    await self.conn.recv()
        return self.close_code

    @property
    def close_code(self) -> int | None:
        return self.conn.close_code

    async def close(self) -> None:
        await self.conn.close()


async def open_ws(
    url: str,
    *,
    token: str | None = None,
    via: AuthVia = "frame",
    origin: str | None = None,
    subprotocols: Sequence[str] | None = None,
    skip: Iterable[str] = NOISE,
) -> WS:
    """Open a socket and, if `token` is given, authenticate it (without reading `ready`).

    `via="subprotocol"` offers `["parley", "auth.<token>"]`; `via="frame"` sends the auth
    frame first. Handshake failures (e.g. HTTP 403) raise from here.
    """
    offered = list(subprotocols or [])
    if token is not None and via == "subprotocol":
        offered = ["parley", f"auth.{token}"]
    conn = await connect(
        url,
        origin=Origin(origin) if origin is not None else None,
        subprotocols=[Subprotocol(p) for p in offered] or None,
        proxy=None,
        open_timeout=RECEIVE_TIMEOUT,
        close_timeout=RECEIVE_TIMEOUT,
        max_size=2**22,
    )
    ws = WS(conn, skip=skip)
    if token is not None and via == "frame":
        await ws.send({"type": "auth", "token": token})
    return ws


@asynccontextmanager
async def session(
    url: str,
    token: str,
    *,
    via: AuthVia = "frame",
    origin: str | None = None,
    skip: Iterable[str] = NOISE,
) -> AsyncIterator[WS]:
    """An authenticated socket (its `ready` frame read into `ws.ready`), closed afterwards."""
    ws = await open_ws(url, token=token, via=via, origin=origin, skip=skip)
    try:
        ws.ready = await ws.expect("ready")
        yield ws
    finally:
        await ws.close()
