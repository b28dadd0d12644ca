"""The app: health and readiness, CORS, routing errors, the 500 handler, authentication."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
import redis.asyncio as aioredis
from limits import parse_many
from starlette.applications import Starlette
from starlette.requests import Request
from tortoise.exceptions import IntegrityError, OperationalError

import server.app as app_module
from server.accounts import agents
from server.app import AppState, authenticate, create_app
from server.errors import Unauthenticated
from server.settings import Settings
from tests import conftest
from tests.conftest import TEST_REDIS_URL
from tests.factories import Team
from tests.support.live import LiveServer

ALLOWED = "https://help.example.com"


def state_of(app: Starlette) -> AppState:
    return app.state.parley


@pytest.fixture
async def swap_redis(app: Starlette) -> AsyncIterator[Any]:
    """Point the app's broadcast Redis elsewhere for one test; the original comes back."""
    state = state_of(app)
    original = state.redis
    opened: list[aioredis.Redis] = []

    def use(url: str) -> aioredis.Redis:
        client = aioredis.from_url(url)
        opened.append(client)
        state.redis = client
        return client

    try:
        yield use
    finally:
        state.redis = original
        for client in opened:
            await client.aclose()


# --- health and readiness ------------------------------------------------------------------


async def test_healthz(client: httpx.AsyncClient) -> None:
    response = await client.get("/healthz")
    assert (response.status_code, response.json()) == (200, {"status": "ok"})


async def test_readyz_when_everything_answers(client: httpx.AsyncClient, settings: Settings):
    response = await client.get("/readyz")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "ready"
    assert body["checks"]["database"] == "ok"
    expected = "ok (redis)" if settings.redis_url else "ok (in-process)"
    assert body["checks"]["broadcast"] == expected


@pytest.mark.redis
async def test_readyz_with_a_live_redis(client: httpx.AsyncClient, swap_redis: Any) -> None:
    swap_redis(TEST_REDIS_URL)
    response = await client.get("/readyz")
    assert response.status_code == 200
    assert response.json()["checks"]["broadcast"] == "ok (redis)"


async def test_readyz_is_503_when_redis_refuses(client: httpx.AsyncClient, swap_redis: Any) -> None:
    swap_redis("redis://127.0.0.1:1/0")
    response = await client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["error"]["code"] == "not_ready"
    assert "broadcast" in body["error"]["message"]
    assert body["checks"]["database"] == "ok"
    assert body["checks"]["broadcast"].startswith("unavailable: ")


async def test_readyz_is_503_when_redis_hangs(
    client: httpx.AsyncClient, swap_redis: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    hanging = swap_redis("redis://127.0.0.1:1/0")

    async def never_answers() -> None:
        await asyncio.Event().wait()

    monkeypatch.setattr(hanging, "ping", never_answers)
    monkeypatch.setattr(app_module, "READY_TIMEOUT_SECONDS", 0.05)
    response = await client.get("/readyz")
    assert response.status_code == 503
    assert "no answer" in response.json()["checks"]["broadcast"]


class BrokenConnections:
    """Stands in for tortoise.connections with a database that refuses every query."""

    def get(self, name: str) -> Any:
        class Client:
            async def execute_query(self, sql: str) -> Any:
                raise ConnectionRefusedError("connection refused")

        return Client()


async def test_readyz_is_503_when_the_database_fails(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(app_module, "connections", BrokenConnections())
    response = await client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["checks"]["database"] == "unavailable: ConnectionRefusedError: connection refused"
    assert "database" in body["error"]["message"]
    assert response.headers["retry-after"] == "5"


# --- routing errors and the 500 handler ----------------------------------------------------


@pytest.mark.parametrize("path", ["/nope", "/api/nope", "/api/tickets/TKT-1/nope", "/api/"])
async def test_unknown_route_is_a_json_404(client: httpx.AsyncClient, path: str) -> None:
    response = await client.get(path)
    assert response.status_code == 404
    assert response.json() == {"error": {"code": "not_found", "message": f"No route for {path}."}}


@pytest.mark.parametrize(
    ("method", "path"),
    [("PUT", "/api/me"), ("DELETE", "/api/agents"), ("GET", "/api/auth/login"),
     ("POST", "/healthz"), ("PATCH", "/api/tickets")],
)  # fmt: skip
async def test_wrong_method_is_a_json_405(client: httpx.AsyncClient, method: str, path: str):
    response = await client.request(method, path)
    assert response.status_code == 405
    assert response.json()["error"]["code"] == "method_not_allowed"
    assert response.headers["allow"]


async def test_unexpected_exception_is_a_json_500_that_leaks_nothing(
    client: httpx.AsyncClient,
    team: Team,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def explode(**kwargs: Any) -> Any:
        raise RuntimeError("password=hunter2 at db.internal:5432")

    monkeypatch.setattr(agents, "list_agents", explode)
    with caplog.at_level(logging.ERROR, logger="parley"):
        response = await client.get("/api/agents", headers=team.agent_headers)
    assert response.status_code == 500
    request_id = response.headers["x-request-id"]
    assert response.json() == {
        "error": {
            "code": "internal_error",
            "message": "Internal server error.",
            "requestId": request_id,
        }
    }
    assert "hunter2" not in response.text
    assert "RuntimeError" not in response.text
    # Operators still get the details, in the log, under the same request id.
    [logged] = [r for r in caplog.records if "hunter2" in (r.exc_text or "")]
    assert request_id in logged.getMessage()


@pytest.mark.parametrize(
    "error",
    [
        asyncpg.ConnectionDoesNotExistError("connection was closed in the middle of operation"),
        asyncpg.ObjectNotInPrerequisiteStateError('database "p" is not accepting connections'),
        OperationalError(sqlite3.OperationalError("database is locked")),
    ],
    ids=lambda e: type(e).__name__,
)
async def test_a_database_that_is_away_is_503_not_ready(
    client: httpx.AsyncClient, team: Team, monkeypatch: pytest.MonkeyPatch, error: Exception
) -> None:
    if isinstance(error, OperationalError):
        error.args[0].sqlite_errorcode = sqlite3.SQLITE_BUSY  # as SQLite sets it
        error.__cause__ = error.args[0]

    async def away(**kwargs: Any) -> Any:
        raise error

    monkeypatch.setattr(agents, "list_agents", away)
    response = await client.get("/api/agents", headers=team.agent_headers)
    assert response.status_code == 503, response.text
    assert response.headers["retry-after"] == "5"
    assert response.headers["x-request-id"]
    assert response.json() == {
        "error": {
            "code": "not_ready",
            "message": "The database is unavailable for a moment; retry shortly.",
            "retryAfter": 5,
        }
    }


async def test_a_constraint_violation_is_not_mistaken_for_an_outage(
    client: httpx.AsyncClient, team: Team, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def bug(**kwargs: Any) -> Any:
        raise IntegrityError(asyncpg.UniqueViolationError("duplicate key value"))

    monkeypatch.setattr(agents, "list_agents", bug)
    response = await client.get("/api/agents", headers=team.agent_headers)
    assert response.status_code == 500
    assert response.json()["error"]["code"] == "internal_error"


def _local_port(response: httpx.Response) -> int | None:
    """The client-side port of the connection that carried `response`; None once closed."""
    try:
        return int(response.extensions["network_stream"].get_extra_info("client_addr")[1])
    except OSError:  # the socket is gone
        return None


async def test_an_unexpected_error_keeps_the_connection_and_is_logged_once(
    live_server: LiveServer,
    team: Team,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def explode(**kwargs: Any) -> Any:
        raise RuntimeError("the agent list broke")

    monkeypatch.setattr(agents, "list_agents", explode)
    # uvicorn's own loggers may not propagate to the root (its logging config): listen there too.
    uvicorn_errors = logging.getLogger("uvicorn.error")
    uvicorn_errors.addHandler(caplog.handler)
    one_connection = httpx.Limits(max_connections=1, max_keepalive_connections=1)
    try:
        async with httpx.AsyncClient(base_url=live_server.http_url, limits=one_connection) as http:
            with caplog.at_level(logging.INFO):
                failed = await http.get("/api/agents", headers=team.agent_headers)
                failed_on = _local_port(failed)
                after = await http.get("/api/me", headers=team.agent_headers)
                after_on = _local_port(after)
    finally:
        uvicorn_errors.removeHandler(caplog.handler)
    assert failed.status_code == 500
    assert failed.json()["error"]["requestId"] == failed.headers["x-request-id"]
    assert after.status_code == 200, after.text
    assert failed_on is not None, "the server dropped the connection after the 500"
    assert after_on == failed_on, "the next request needed a new connection"
    tracebacks = [r for r in caplog.records if r.exc_info]
    assert len(tracebacks) == 1, [r.getMessage() for r in tracebacks]
    assert failed.headers["x-request-id"] in tracebacks[0].getMessage()
    assert "the agent list broke" in (tracebacks[0].exc_text or "")


# --- CORS ----------------------------------------------------------------------------------


@pytest.fixture
def cors_app(database_url: str, tmp_path: Path) -> Starlette:
    """The app with an origin allowed. Its lifespan is not started: Tortoise is already up."""
    return create_app(conftest.test_settings(database_url, tmp_path, ALLOWED_ORIGINS=ALLOWED))


@pytest.fixture
async def cors_client(app: Starlette, cors_app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=cors_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        yield c


async def test_allowed_origin_gets_cors_headers(cors_client: httpx.AsyncClient, team: Team):
    response = await cors_client.get("/api/me", headers={**team.agent_headers, "Origin": ALLOWED})
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == ALLOWED
    assert "retry-after" in response.headers["access-control-expose-headers"].lower()
    assert "x-request-id" in response.headers["access-control-expose-headers"].lower()


async def test_allowed_origin_preflight(cors_client: httpx.AsyncClient) -> None:
    response = await cors_client.options(
        "/api/tickets/TKT-00001",
        headers={
            "Origin": ALLOWED,
            "Access-Control-Request-Method": "PATCH",
            "Access-Control-Request-Headers": "authorization, content-type",
        },
    )
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == ALLOWED
    assert "PATCH" in response.headers["access-control-allow-methods"]
    assert "authorization" in response.headers["access-control-allow-headers"].lower()


async def test_errors_to_an_allowed_origin_carry_cors_headers(
    cors_client: httpx.AsyncClient,
) -> None:
    response = await cors_client.get("/api/me", headers={"Origin": ALLOWED})
    assert response.status_code == 401
    assert response.headers["access-control-allow-origin"] == ALLOWED


@pytest.mark.parametrize("origin", ["https://evil.example.com", "http://help.example.com", "null"])
async def test_other_origins_get_no_cors_headers(
    cors_client: httpx.AsyncClient, team: Team, origin: str
) -> None:
    response = await cors_client.get("/api/me", headers={**team.agent_headers, "Origin": origin})
    assert "access-control-allow-origin" not in response.headers
    preflight = await cors_client.options(
        "/api/me", headers={"Origin": origin, "Access-Control-Request-Method": "GET"}
    )
    assert "access-control-allow-origin" not in preflight.headers
    assert preflight.status_code == 400
    assert preflight.json() == {
        "error": {"code": "bad_request", "message": "Disallowed CORS origin."}
    }


async def test_a_refused_preflight_names_every_failure_in_the_error_shape(
    cors_client: httpx.AsyncClient,
) -> None:
    preflight = await cors_client.options(
        "/api/me",
        headers={
            "Origin": ALLOWED,
            "Access-Control-Request-Method": "TRACE",
            "Access-Control-Request-Headers": "x-secret",
        },
    )
    assert preflight.status_code == 400
    assert preflight.headers["content-type"] == "application/json"
    assert preflight.json()["error"]["message"] == "Disallowed CORS method, headers."
    # Starlette's decision and its CORS headers are kept; only the body changed.
    assert preflight.headers["access-control-allow-origin"] == ALLOWED


async def test_no_origins_configured_means_no_cors(client: httpx.AsyncClient, team: Team):
    response = await client.get("/api/me", headers={**team.agent_headers, "Origin": ALLOWED})
    assert response.status_code == 200
    assert "access-control-allow-origin" not in response.headers


# --- the app state and authentication ------------------------------------------------------


def test_create_app_carries_settings_into_its_state(database_url: str, tmp_path: Path) -> None:
    settings = conftest.test_settings(
        database_url, tmp_path, LOGIN_RATE_PER_IP="7/minute", MAX_BODY_BYTES="2048"
    )
    state = state_of(create_app(settings))
    assert state.settings is settings
    assert state.redis is None  # connected by the lifespan, not before
    assert [str(item) for item in state.login_throttle._per_ip] == [
        str(item) for item in parse_many("7/minute")
    ]


def header_request(value: str | None) -> Request:
    headers = [(b"authorization", value.encode())] if value is not None else []
    return Request({"type": "http", "method": "GET", "path": "/", "headers": headers,
                    "query_string": b"token=abc"})  # fmt: skip


@pytest.mark.parametrize("value", [None, "", "Bearer", "Bearer   ", "Token abc", "abc"])
async def test_authenticate_needs_a_bearer_header(value: str | None) -> None:
    with pytest.raises(Unauthenticated):
        await authenticate(header_request(value))


async def test_authenticate_accepts_any_case_of_the_scheme(team: Team) -> None:
    token = team.agent_headers["Authorization"].split()[1]
    for scheme in ("Bearer", "bearer", "BEARER"):
        principal = await authenticate(header_request(f"{scheme} {token} "))
        assert principal.agent_id == team.agent.id


async def test_a_client_that_hangs_up_mid_body_is_not_a_server_error(
    app: Starlette, caplog: pytest.LogCaptureFixture
) -> None:
    """A browser cut off while sending (tab closed, network dropped) is logged as such, not
    as an unhandled error with a traceback."""
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST",
        "scheme": "http", "path": "/api/embed/session", "raw_path": b"/api/embed/session",
        "query_string": b"", "root_path": "", "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
        "headers": [(b"host", b"testserver"), (b"content-type", b"application/json")],
    }  # fmt: skip
    with caplog.at_level(logging.INFO, logger="parley"):
        await app(scope, receive, send)
    assert sent[0]["status"] == 400
    assert "client disconnected during POST /api/embed/session" in caplog.text
    assert "unhandled error" not in caplog.text
