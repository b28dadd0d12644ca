"""The WebSocket test clients, both on the `websockets` asyncio client; every wait has a
timeout so a missing frame fails the test instead of hanging it.

- `WS` (`open_ws`, `session`): for the in-process live server (`live_server`,
  tests/support/live.py). Frames come back as dicts, in order; a test names the frame types it
  does not care about (presence, by default) and they are skipped.
- `Socket`: for `parley serve` processes (tests/support/processes.py), where several servers
  and sockets interleave: it keeps every frame it read and `expect` finds the first one not
  taken yet that matches, in any order; an error frame fails the test.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from contextlib import asynccontextmanager, suppress
from typing import TYPE_CHECKING, Any, Literal

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed
from websockets.typing import Origin, Subprotocol

if TYPE_CHECKING:
    from tests.support.processes import ParleyProcess

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


# --- against `parley serve` processes --------------------------------------------------------


class Socket:
    """A `/ws` client that keeps every frame it read, for assertions."""

    def __init__(self, ws: ClientConnection, name: str) -> None:
        self.ws = ws
        self.name = name
        self.frames: list[dict[str, Any]] = []
        self._taken: set[int] = set()  # indexes of frames `expect` already returned

    @classmethod
    async def open(cls, server: ParleyProcess, token: str, name: str = "") -> Socket:
        ws = await connect(server.ws_url, ping_interval=None, open_timeout=10, max_size=2**22)
        sock = cls(ws, name or server.name)
        await sock.send({"type": "auth", "token": token})
        await sock.expect(lambda f: f["type"] == "ready", what="ready")
        return sock

    async def send(self, frame: dict[str, Any]) -> None:
        await self.ws.send(json.dumps(frame))

    async def expect(
        self, match: Callable[[dict[str, Any]], bool], *, within: float = 10.0, what: str = ""
    ) -> dict[str, Any]:
        """The first frame not matched before that `match`es, reading more as needed."""
        for i, frame in enumerate(self.frames):
            if i not in self._taken and match(frame):
                self._taken.add(i)
                return frame
        try:
            async with asyncio.timeout(within):
                while True:
                    frame = json.loads(await self.ws.recv())
                    self.frames.append(frame)
                    if frame["type"] == "error":
                        raise AssertionError(f"{self.name} got an error frame: {frame}")
                    if match(frame):
                        self._taken.add(len(self.frames) - 1)
                        return frame
        except TimeoutError:
            raise AssertionError(
                f"{self.name}: no frame {what!r} within {within:g}s; "
                f"last frames: {self.frames[-5:]}"
            ) from None

    async def subscribe(self, channel: str, since: dict[str, Any] | None = None) -> dict[str, Any]:
        frame: dict[str, Any] = {"type": "subscribe", "channel": channel}
        if since is not None:
            frame["since"] = since
        await self.send(frame)
        return await self.expect(
            lambda f: f["type"] == "subscribed" and f["channel"] == channel,
            what=f"subscribed {channel}",
        )

    async def drain(self, seconds: float) -> list[dict[str, Any]]:
        """Every frame arriving within `seconds` (for "and nothing else" checks)."""
        got = []
        with suppress(TimeoutError):
            async with asyncio.timeout(seconds):
                while True:
                    frame = json.loads(await self.ws.recv())
                    self.frames.append(frame)
                    got.append(frame)
        return got

    async def close(self) -> None:
        with suppress(Exception):
            await asyncio.wait_for(self.ws.close(), 5)


def events_of(frames: list[dict[str, Any]], channel: str) -> list[dict[str, Any]]:
    return [f for f in frames if f["type"] == "event" and f["channel"] == channel]


def presence_people(frame: dict[str, Any], key: str) -> set[str]:
    """Person keys in a presence frame's `snapshot`, `joined` or `updated` list, or `left`."""
    items = frame.get(key) or []
    return {item if isinstance(item, str) else item["person"] for item in items}
