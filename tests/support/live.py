"""A real uvicorn server on the session's event loop; `live_server` serves the session's `app`.

Registered as a plugin in tests/conftest.py, so `live_server` is one fixture for every package
(the WebSocket, chat, ticket, widget and console tests, and the app's own).

The server runs as a task on the session event loop, so tests, the app and the server share
one loop (and one Tortoise, one hub). Its lifespan is off: the `app` fixture already ran it.
`running()` starts any other ASGI app the same way (the widget's host site does).
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator, Generator, Sequence
from dataclasses import dataclass

import pytest
import uvicorn
from starlette.applications import Starlette

# uvicorn's own frame limit: well above the app's 64 KiB, so the app decides (close 1009).
TRANSPORT_MAX_SIZE = 1024 * 1024
STARTUP_TIMEOUT = 10.0


class EmbeddedServer(uvicorn.Server):
    """A uvicorn server that leaves signal handling (Ctrl+C) to pytest."""

    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        yield


@contextlib.asynccontextmanager
async def running(
    config: uvicorn.Config,
    *,
    name: str,
    stop_within: float,
    sockets: Sequence[socket.socket] | None = None,
) -> AsyncIterator[EmbeddedServer]:
    """Serve `config` on the current loop (on `sockets`, when given) until the block ends;
    yields once the server accepts connections, then stops it gracefully, waiting at most
    `stop_within` seconds."""
    server = EmbeddedServer(config)
    serve = server.serve(sockets=list(sockets)) if sockets is not None else server.serve()
    task = asyncio.create_task(serve, name=name)
    async with asyncio.timeout(STARTUP_TIMEOUT):
        while not server.started:
            if task.done():  # failed to start: surface why
                task.result()
                raise RuntimeError(f"{name} exited before it started")
            await asyncio.sleep(0.01)
    try:
        yield server
    finally:
        server.should_exit = True
        async with asyncio.timeout(stop_within):
            await task


@dataclass(frozen=True)
class LiveServer:
    host: str
    port: int
    server: uvicorn.Server

    @property
    def http_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def ws_url(self) -> str:
        """The agents' endpoint, `/ws`."""
        return f"ws://{self.host}:{self.port}/ws"

    @property
    def widget_url(self) -> str:
        """The customers' endpoint, `/ws/widget`."""
        return f"ws://{self.host}:{self.port}/ws/widget"

    @property
    def origin(self) -> str:
        """Parley's own origin as a browser on this server would send it."""
        return self.http_url


@pytest.fixture(scope="session")
async def live_server(app: Starlette) -> AsyncIterator[LiveServer]:
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=0,
        lifespan="off",
        ws_max_size=TRANSPORT_MAX_SIZE,
        ws_per_message_deflate=False,  # as `parley serve`
        log_level="warning",
        timeout_graceful_shutdown=5,
    )
    async with running(
        config, name="live uvicorn server", stop_within=STARTUP_TIMEOUT + 5
    ) as server:
        port = server.servers[0].sockets[0].getsockname()[1]
        yield LiveServer(host="127.0.0.1", port=port, server=server)
