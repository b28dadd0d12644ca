"""One WebSocket connection: who it is, its bounded send queue and its frame-rate budget.

The hub never awaits a socket: it hands encoded frames to `Connection.send`, which writes
them at once when the socket takes them and otherwise queues them (bounded) behind a task
that waits for the socket. When the queue is full the client is not keeping up; it is closed
with `Close.SLOW_CONSUMER` (it resumes from its offsets on reconnect) and nobody else waits.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import time
from collections import deque
from collections.abc import Awaitable, Callable, Coroutine, Generator
from dataclasses import dataclass, field
from typing import Any, Literal

from starlette.websockets import WebSocket, WebSocketState

from server.channels.protocol import Close, close_reason

log = logging.getLogger(__name__)

# `tracker`: a ticket's tracking page (its id is the ticket's); like an integration it has no
# presence, and it may subscribe to that ticket's `tracking` channel alone.
IdentityKind = Literal["agent", "integration", "contact", "tracker"]
# How long a close frame may wait behind a backlog the client has not read. A slow consumer
# that reads again within this gets its frames and then the close code (4008); past it the
# session ends and the connection is dropped without one.
CLOSE_TIMEOUT_SECONDS = 30.0


@dataclass(frozen=True)
class Identity:
    """Who is behind a socket, as established by its token."""

    organization_id: int
    kind: IdentityKind
    # Agent id, contact id, or (integration) the API key id.
    id: int
    name: str
    # Checks the token is still valid (raises Unauthenticated); run periodically.
    revalidate: Callable[[], Awaitable[object]] = field(compare=False, repr=False)
    token_digest: str | None = field(default=None, repr=False)

    @property
    def person(self) -> str | None:
        """The presence key of a person (`agent:7`, `contact:3`); integrations and tracking
        pages have none."""
        return None if self.kind in ("integration", "tracker") else f"{self.kind}:{self.id}"

    def describe(self) -> dict[str, object]:
        """What the `ready` frame says about who you are."""
        return {
            "organizationId": self.organization_id,
            "kind": self.kind,
            "id": self.id,
            "name": self.name,
        }


class FrameBudget:
    """A token bucket: `rate` frames per second with bursts of up to `2 * rate`.

    Written here rather than with `limits` because the budget lives and dies with one socket
    in one process: there is nothing to share or expire, and it is checked on every frame.
    """

    __slots__ = ("_clock", "_stamp", "_tokens", "capacity", "rate", "refused")

    def __init__(self, rate: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.rate = rate
        self.capacity = 2 * rate
        self._tokens = self.capacity
        self._clock = clock
        self._stamp = clock()
        # Frames refused since the last accepted one; the socket is closed when it reaches
        # the burst size (the client ignored the rate_limited errors).
        self.refused = 0

    def take(self) -> float:
        """0 when the frame may proceed, else how many seconds until one would."""
        now = self._clock()
        self._tokens = min(self.capacity, self._tokens + (now - self._stamp) * self.rate)
        self._stamp = now
        if self._tokens >= 1:
            self._tokens -= 1
            self.refused = 0
            return 0.0
        self.refused += 1
        return (1 - self._tokens) / self.rate

    @property
    def abused(self) -> bool:
        return self.refused >= self.capacity


def run_eagerly(coro: Coroutine[Any, Any, None]) -> asyncio.Task[None] | None:
    """Run `coro` right now, up to its first suspension; a task finishes it from there.

    Returns None when it completed without suspending. This is Python 3.12's eager task
    start (`eager_start=True`), which 3.11 lacks: a socket write that the transport takes at
    once then costs a function call, not a task and a trip through the event loop, and a
    fan-out to thousands of sockets stays one loop in one task.
    """
    try:
        pending = coro.send(None)
    except StopIteration:
        return None
    return asyncio.ensure_future(_Resume(coro, pending))


Message = dict[str, Any]
# An ASGI `send` that is an `async def` (uvicorn's and Starlette's are): `run_eagerly` steps
# the coroutine it returns by hand, which a mere awaitable would not allow.
AsgiSend = Callable[[Message], Coroutine[Any, Any, None]]


def text_message(frame: str) -> Message:
    """The ASGI message sending `frame` as a text frame."""
    return {"type": "websocket.send", "text": frame}


class _Resume(Coroutine[Any, Any, None]):
    """A coroutine already started by `run_eagerly`, as a coroutine a task can drive.

    Its first step hands the task what `coro` suspended on; every later step (and a
    cancellation or error, even one arriving before the first step) goes into `coro`.
    """

    def __init__(self, coro: Coroutine[Any, Any, None], pending: Any) -> None:
        self._coro = coro
        self._pending: Any = pending
        self._started = False

    def send(self, value: Any) -> Any:
        if not self._started:
            self._started = True
            return self._pending
        return self._coro.send(value)

    def throw(self, *args: Any) -> Any:
        self._started = True
        return self._coro.throw(*args)

    def close(self) -> None:
        self._coro.close()

    def __await__(self) -> Generator[Any, None, None]:
        return self

    def __next__(self) -> Any:
        return self.send(None)

    def __iter__(self) -> _Resume:
        return self


class Connection:
    """A live, authenticated socket as the hub sees it.

    Kept small (slots; the queue and the `closed` event exist only once needed): a server
    holds one per socket, and the budget for everything per socket is under 30 KiB.
    """

    __slots__ = (
        "__weakref__",
        "_asgi_send",
        "_broken",
        "_closed",
        "_closer",
        "_queue",
        "_writer",
        "channels",
        "close_code",
        "id",
        "identity",
        "presence_keys",
        "queue_size",
        "session",
        "status",
        "websocket",
    )  # fmt: skip

    def __init__(
        self,
        websocket: WebSocket,
        identity: Identity,
        *,
        queue_size: int,
        asgi_send: AsgiSend | None = None,
    ) -> None:
        self.id = secrets.token_hex(8)
        self.websocket = websocket
        # The server's ASGI `send` (Starlette's `WebSocket.send` takes the same messages, with
        # a few state checks more per frame).
        self._asgi_send = asgi_send or websocket.send
        self.identity = identity
        self.status: Literal["online", "away"] = "online"
        # Channel keys this connection is subscribed to, and presence keys it has joined.
        self.channels: set[str] = set()
        self.presence_keys: set[str] = set()
        self.queue_size = queue_size
        # Frames waiting behind a write the socket could not take at once.
        self._queue: deque[Message] | None = None
        self._writer: asyncio.Task[None] | None = None
        self._closer: asyncio.Task[None] | None = None
        self._broken = False
        self._closed: asyncio.Event | None = None
        self.close_code: int | None = None
        # The task reading this socket's frames; cancelled when a close cannot be delivered.
        self.session: asyncio.Task[Any] | None = None

    @property
    def closed(self) -> asyncio.Event:
        """Set once a server-side close has been sent (or failed)."""
        if self._closed is None:
            self._closed = asyncio.Event()
        return self._closed

    def send(self, frame: str) -> None:
        """Send an encoded frame (see `send_message`)."""
        self.send_message(text_message(frame))

    def send_message(self, message: Message) -> None:
        """Send an ASGI `websocket.send` message without ever waiting.

        While the socket takes writes (the usual case) the frame is written right here, with
        no task switch. When the socket cannot take it, a task finishes that write and later
        frames queue behind it; a queue over `queue_size` closes the socket (slow consumer).
        The hub passes one message object to every socket of a channel (encoded once).
        """
        if self.close_code is not None or self._broken:
            return
        if self._writer is not None:
            if self._queue is None:
                self._queue = deque()
            if len(self._queue) >= self.queue_size:
                log.info("closing slow consumer %s (%d frames queued)", self.id, len(self._queue))
                self.close(Close.SLOW_CONSUMER, "slow consumer: reconnect and resume")
                return
            self._queue.append(message)
            return
        try:
            waiting = run_eagerly(self._asgi_send(message))
        except Exception:  # the socket went away; the receive loop sees it and cleans up
            self._broken = True
            log.debug("writes to %s stopped", self.id, exc_info=True)
            return
        if waiting is None:
            return  # written
        self._writer = asyncio.ensure_future(self._drain(waiting))

    @property
    def queued(self) -> int:
        return len(self._queue) if self._queue is not None else 0

    def close(self, code: int, reason: str = "") -> None:
        """Close from the server side (idempotent); the queued frames are dropped."""
        if self.close_code is not None:
            return
        self.close_code = code
        self._queue = None
        if self._writer is not None:
            self._writer.cancel()
        self._closer = asyncio.create_task(self._close(code, reason), name=f"ws-close-{self.id}")

    async def _close(self, code: int, reason: str) -> None:
        try:
            if self.websocket.application_state != WebSocketState.DISCONNECTED:
                async with asyncio.timeout(CLOSE_TIMEOUT_SECONDS):
                    await self.websocket.close(code, close_reason(reason))
        except Exception:  # the peer is gone or not reading: nothing more to tell it
            log.debug("close of %s did not complete; dropping it", self.id, exc_info=True)
            if self.session is not None and not self.session.done():
                self.session.cancel()  # the endpoint returns and the server drops the socket
        finally:
            self.closed.set()

    async def _drain(self, waiting: asyncio.Task[None]) -> None:
        """Finish the write the socket could not take, then send what queued behind it."""
        try:
            await waiting
            while self._queue:
                await self._asgi_send(self._queue.popleft())
        except asyncio.CancelledError:
            waiting.cancel()
            raise
        except Exception:  # the socket went away; the receive loop sees it and cleans up
            self._broken = True
            log.debug("writes to %s stopped", self.id, exc_info=True)
        finally:
            self._writer = None

    async def stop(self) -> None:
        """Stop the writer (the socket is already closed or closing)."""
        if self._writer is not None and not self._writer.done():
            self._writer.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._writer
