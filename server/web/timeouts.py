"""Bounds on the time a client may take to send its request: the head, then the body.

uvicorn bounds only the idle time between two requests (keep-alive). A client that sends its
request line, headers or body a byte at a time (slowloris) could otherwise hold a connection
for as long as it likes. Both bounds apply to RECEIVING a request, never to the handler, to
the response, or to a WebSocket once its handshake is in:

- `HeadTimeoutProtocol`, the HTTP protocol `parley serve` gives uvicorn: the head (request
  line and headers) must be complete within PARLEY_REQUEST_HEADER_TIMEOUT_SECONDS of the
  connection opening, or of the first byte after an idle keep-alive. A late head gets 408
  `request_timeout` and the connection is closed; a connection that sent nothing is closed
  without an answer, like an idle keep-alive connection.
- `RequestBodyTimeout`, an ASGI middleware (so it holds under any ASGI server): waiting for
  the body may take PARLEY_REQUEST_BODY_TIMEOUT_SECONDS, plus one second for every
  PARLEY_REQUEST_BODY_MIN_BYTES_PER_SECOND bytes received (Apache mod_reqtimeout's model), so
  a large upload on a slow but steady link finishes while a trickle does not. Past it: 408.
"""

from __future__ import annotations

import asyncio
import functools
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send
from uvicorn.protocols.http.httptools_impl import STATUS_LINE, HttpToolsProtocol

from server.errors import RequestTimeout

log = logging.getLogger("parley")


class HeadTimeoutProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol, closing connections whose request head is too slow.

    The clock starts when the connection opens, when the first byte arrives after an idle
    keep-alive (uvicorn stops its own idle timer on any byte, even blank lines), when a
    pipelined head begins, and when a response went out before its request's body had
    arrived (the unread rest, and the next head, get the same time, not forever). It stops
    when a head is complete.
    """

    def __init__(self, *args: Any, header_timeout: float = 10.0, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.header_timeout = header_timeout
        self._head_timer: asyncio.TimerHandle | None = None
        self._head_started = False  # part of a head was parsed: a late one is told so (408)
        self._message_complete = True  # the parser has the whole current request

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm_head_timer()

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_head_timer()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self.timeout_keep_alive_task is not None:
            self._arm_head_timer()
        super().data_received(data)

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._head_started = True
        self._message_complete = False
        self._arm_head_timer()

    def on_headers_complete(self) -> None:
        # Before uvicorn's own handling, which returns early for a WebSocket upgrade.
        self._head_started = False
        self._cancel_head_timer()
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        self._message_complete = True
        self._cancel_head_timer()
        super().on_message_complete()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        answered_early = self.cycle is not None and self.cycle.response_complete
        if answered_early and not self._message_complete and not self.transport.is_closing():
            self._arm_head_timer()

    def _arm_head_timer(self) -> None:
        if self._head_timer is None:
            self._head_timer = self.loop.call_later(self.header_timeout, self._head_timed_out)

    def _cancel_head_timer(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _head_timed_out(self) -> None:
        self._head_timer = None
        if self.transport.is_closing():
            return
        if self.cycle is not None and not self.cycle.response_complete:
            # A pipelined head is late while an earlier response is still being written:
            # finish that response, then close (as uvicorn's graceful shutdown does).
            self.cycle.keep_alive = False
            return
        if self._head_started:
            client = "{}:{}".format(*self.client) if self.client else "a client"
            log.info("request head from %s incomplete after %gs", client, self.header_timeout)
            self.transport.write(self._timeout_response())
        self.transport.close()

    def _timeout_response(self) -> bytes:
        error = RequestTimeout(
            f"The request head did not arrive within {self.header_timeout:g} seconds."
        )
        body = json.dumps(error.to_dict()).encode()
        head = [STATUS_LINE[error.status]]
        for name, value in self.server_state.default_headers:  # date, server
            head.append(name + b": " + value + b"\r\n")
        head += [
            b"content-type: application/json\r\n",
            b"content-length: %d\r\n" % len(body),
            b"connection: close\r\n\r\n",
        ]
        return b"".join(head) + body


def head_timeout_protocol(header_timeout: float) -> Callable[..., HeadTimeoutProtocol]:
    """The `http=` protocol for uvicorn. A partial of a module-level class, so it pickles:
    uvicorn hands its config to every worker process it spawns."""
    return functools.partial(HeadTimeoutProtocol, header_timeout=header_timeout)


class RequestBodyTimeout:
    """ASGI middleware: a request body that arrives too slowly ends in 408 `request_timeout`.

    Only the time the app spends waiting in `receive()` for the body counts, so a handler
    that is busy before it reads is not held against the client; once the body is complete,
    `receive()` (waiting for a disconnect) is not bounded at all.
    """

    def __init__(self, app: ASGIApp, *, timeout_seconds: float, min_bytes_per_second: int) -> None:
        self.app = app
        self.timeout_seconds = timeout_seconds
        self.min_bytes_per_second = min_bytes_per_second

    def __call__(self, scope: Scope, receive: Receive, send: Send) -> Awaitable[None]:
        # Not `async def`: a WebSocket goes straight to the app, without a coroutine of ours
        # held for the socket's whole life (memory per socket, see bench/README.md).
        if scope["type"] != "http":
            return self.app(scope, receive, send)
        body = _BodyDeadline(receive, self.timeout_seconds, self.min_bytes_per_second)
        return self.app(scope, body.receive, send)


class _BodyDeadline:
    """One request's `receive`, with a budget of seconds that each byte received extends."""

    def __init__(self, receive: Receive, timeout_seconds: float, min_bytes_per_second: int):
        self._receive = receive
        self._timeout_seconds = timeout_seconds
        self._min_bytes_per_second = min_bytes_per_second
        self._budget = timeout_seconds
        self._complete = False

    async def receive(self) -> Message:
        if self._complete:
            return await self._receive()
        loop = asyncio.get_running_loop()
        started = loop.time()
        try:
            async with asyncio.timeout(self._budget):
                message = await self._receive()
        except TimeoutError:
            # The rest of the body would still be on its way: answer, then close.
            raise RequestTimeout(
                f"The request body did not arrive in time: {self._timeout_seconds:g} seconds, "
                f"plus one for every {self._min_bytes_per_second} bytes received."
            ) from None
        received = len(message.get("body", b""))
        self._budget += received / self._min_bytes_per_second - (loop.time() - started)
        if message["type"] != "http.request" or not message.get("more_body", False):
            self._complete = True
        return message
