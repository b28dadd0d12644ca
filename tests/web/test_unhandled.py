"""UnhandledErrorMiddleware: request ids, one logged JSON 500, 503 when the database is away."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import AsyncIterator

import httpx
import pytest
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, StreamingResponse
from starlette.routing import Route
from starlette.types import Message
from tortoise.exceptions import IntegrityError, OperationalError

from server.web.unhandled import UnhandledErrorMiddleware, request_id


def app() -> Starlette:
    async def hello(request: Request) -> JSONResponse:
        return JSONResponse({"requestId": request.state.request_id})

    async def bug(request: Request) -> JSONResponse:
        raise RuntimeError("password=hunter2")

    async def locked(request: Request) -> JSONResponse:
        # What Tortoise raises when another process holds SQLite's write lock.
        try:
            raise sqlite3.OperationalError("database is locked")
        except sqlite3.OperationalError as exc:
            exc.sqlite_errorcode = sqlite3.SQLITE_BUSY
            raise OperationalError(exc) from exc

    async def duplicate(request: Request) -> JSONResponse:
        raise IntegrityError("duplicate key value violates unique constraint")

    async def half(request: Request) -> StreamingResponse:
        async def body() -> AsyncIterator[bytes]:
            yield b"first part"
            raise RuntimeError("broke mid-stream")

        return StreamingResponse(body())

    return Starlette(
        routes=[
            Route("/hello", hello),
            Route("/bug", bug),
            Route("/locked", locked),
            Route("/duplicate", duplicate),
            Route("/half", half),
        ],
        middleware=[Middleware(UnhandledErrorMiddleware)],
    )


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    # raise_app_exceptions stays on: an exception escaping the middleware fails the test.
    transport = httpx.ASGITransport(app=app())
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        yield c


async def test_every_response_carries_a_new_request_id(client: httpx.AsyncClient) -> None:
    first, second = await client.get("/hello"), await client.get("/hello")
    assert first.headers["x-request-id"] == first.json()["requestId"]
    assert len(first.headers["x-request-id"]) == 32
    assert first.headers["x-request-id"] != second.headers["x-request-id"]


@pytest.mark.parametrize("given", ["abc-123", "Root=1-6789-abcdef0123456789", "a" * 128])
async def test_a_sane_incoming_request_id_is_kept(client: httpx.AsyncClient, given: str) -> None:
    response = await client.get("/hello", headers={"X-Request-Id": given})
    assert response.headers["x-request-id"] == given
    assert response.json()["requestId"] == given


@pytest.mark.parametrize("given", ["", "a" * 129, "x y", "a\tb", "é", "<script>"])
async def test_an_odd_incoming_request_id_is_replaced(client: httpx.AsyncClient, given: str):
    response = await client.get("/hello", headers={"X-Request-Id": given.encode()})
    assert response.headers["x-request-id"] != given
    assert len(response.headers["x-request-id"]) == 32


async def test_a_bug_is_a_json_500_with_the_request_id_logged_once(
    client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO):
        response = await client.get("/bug", headers={"X-Request-Id": "req-42"})
    assert response.status_code == 500
    assert response.headers["x-request-id"] == "req-42"
    assert response.json() == {
        "error": {
            "code": "internal_error",
            "message": "Internal server error.",
            "requestId": "req-42",
        }
    }
    assert "hunter2" not in response.text
    tracebacks = [r for r in caplog.records if r.exc_info]
    assert len(tracebacks) == 1
    assert "req-42" in tracebacks[0].getMessage()
    assert "hunter2" in (tracebacks[0].exc_text or caplog.text)


async def test_a_locked_database_is_503_not_ready_without_a_traceback(
    client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO):
        response = await client.get("/locked", headers={"X-Request-Id": "req-43"})
    assert response.status_code == 503
    assert response.headers["retry-after"] == "5"
    assert response.headers["x-request-id"] == "req-43"
    error = response.json()["error"]
    assert (error["code"], error["retryAfter"]) == ("not_ready", 5)
    assert not [r for r in caplog.records if r.exc_info]
    assert any("req-43" in r.getMessage() and r.levelno == logging.WARNING for r in caplog.records)


async def test_a_constraint_violation_stays_a_500(client: httpx.AsyncClient) -> None:
    response = await client.get("/duplicate")
    assert response.status_code == 500
    assert response.json()["error"]["code"] == "internal_error"


async def test_an_error_after_the_response_started_is_logged_once_and_not_raised(
    caplog: pytest.LogCaptureFixture,
) -> None:
    sent: list[Message] = []

    async def receive() -> Message:
        await asyncio.Event().wait()  # the client neither sends more nor leaves
        raise AssertionError("unreachable")

    async def send(message: Message) -> None:
        sent.append(message)

    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET",
        "scheme": "http", "path": "/half", "raw_path": b"/half", "query_string": b"",
        "root_path": "", "headers": [], "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
    }  # fmt: skip
    with caplog.at_level(logging.INFO):
        await app()(scope, receive, send)  # does not raise
    # The status was out before the error: the response is left unfinished, which makes
    # the server close the connection rather than pass a cut body off as complete.
    assert sent[0]["status"] == 200
    assert not any(m["type"] == "http.response.body" and not m.get("more_body") for m in sent)
    tracebacks = [r for r in caplog.records if r.exc_info]
    assert len(tracebacks) == 1
    assert "after the response started" in tracebacks[0].getMessage()


def test_request_id_outside_a_request_is_empty() -> None:
    assert request_id({"type": "http"}) == ""
    assert request_id({"type": "http", "state": {"request_id": "r1"}}) == "r1"
