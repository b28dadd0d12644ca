"""A real HTTP receiver on loopback, and the app's webhook sender parked for tests that drive
a sender of their own on a hand-moved clock."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
import uvicorn
from standardwebhooks import Webhook
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from server.webhooks import delivery as webhook_delivery
from tests.support.live import running
from tests.support.ports import listening_socket
from tests.support.wait import wait_until

HANG = -1  # a planned answer: hold the request and never answer it


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes

    @property
    def message_id(self) -> str:
        return self.headers["webhook-id"]

    def json(self) -> Any:
        return json.loads(self.body)

    def verified(self, secret: str) -> Any:
        """The payload, verified the way a receiver does (raises if the signature is bad)."""
        return Webhook(secret).verify(self.body, self.headers)


@dataclass
class Receiver:
    """Answers each POST with the next planned status (then `otherwise`), recording it."""

    url: str = ""
    plan: list[int] = field(default_factory=list)
    otherwise: int = 200
    received: list[Received] = field(default_factory=list)
    _release: asyncio.Event = field(default_factory=asyncio.Event)

    def answer(self, *statuses: int, otherwise: int = 200) -> None:
        self.plan = list(statuses)
        self.otherwise = otherwise

    async def handle(self, request: Request) -> Response:
        status = self.plan.pop(0) if self.plan else self.otherwise
        self.received.append(Received(dict(request.headers), await request.body()))
        if status == HANG:
            await self._release.wait()
            status = 200
        return Response(b"ok", status_code=status)

    async def wait_for(self, count: int, *, within: float = 20) -> list[Received]:
        await wait_until(
            lambda: len(self.received) >= count, within=within, what=f"{count} webhook(s) received"
        )
        return self.received

    def release(self) -> None:
        self._release.set()


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    found = Receiver()
    app = Starlette(routes=[Route("/hook", found.handle, methods=["POST"])])
    sock = listening_socket()
    config = uvicorn.Config(app, lifespan="off", log_level="warning", timeout_graceful_shutdown=1)
    async with running(config, name="webhook receiver", stop_within=10, sockets=[sock]):
        found.url = f"http://127.0.0.1:{sock.getsockname()[1]}/hook"
        try:
            yield found
        finally:
            found.release()


@pytest.fixture
async def parked_sender(app: Starlette) -> AsyncIterator[None]:
    """Stop the app's sender for the test (deliveries wait for the test's own sender);
    restarted after."""
    sender = webhook_delivery.installed()
    assert sender is not None, "the app's webhook sender should be installed"
    await sender.stop()
    try:
        yield
    finally:
        sender.start()


async def create_hook(
    client: httpx.AsyncClient, headers: dict[str, str], url: str, *event_types: str
) -> dict[str, Any]:
    response = await client.post(
        "/api/admin/webhooks",
        json={"url": url, "eventTypes": list(event_types) or ["ticket.created"]},
        headers=headers,
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body
