"""The database goes away under requests and comes back: 503 `not_ready`, never a 500, and
the server recovers by itself.

Each test runs a real `parley serve` (tests/support/processes.py) on a database of its own, so
the outage disturbs nothing else:

- PostgreSQL (TEST_DATABASE_URL): the server's sessions are terminated under a query
  (`pg_terminate_backend`), then new ones refused (`ALTER DATABASE ... ALLOW_CONNECTIONS false`;
  the shared PostgreSQL server keeps running for everyone else), then let in again.
- SQLite: another connection holds the write lock (`BEGIN EXCLUSIVE`) past the busy timeout,
  then lets go.

Recovery is polled for, never timed.
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from server.db import pg_connect, pg_execute
from tests.conftest import TEST_DATABASE_URL, create_pg_database, drop_pg_database
from tests.support.processes import Deployment, ParleyProcess, seed
from tests.support.wait import wait_until

RECOVERY_WITHIN = 30.0  # seconds: a bound for the poll, not a promise
# A short busy timeout, so a write against a held lock gives up quickly in the test.
SQLITE_BUSY_TIMEOUT_MS = 300


def ticket(subject: str) -> dict[str, Any]:
    return {"requesterEmail": "outage@example.com", "subject": subject}


def assert_not_ready(response: httpx.Response) -> None:
    assert response.status_code == 503, response.text
    assert response.headers["retry-after"] == "5"
    assert response.headers["x-request-id"]
    error = response.json()["error"]
    assert (error["code"], error["retryAfter"]) == ("not_ready", 5)


class Traffic:
    """Requests in a loop while the database comes and goes; what they were answered."""

    def __init__(self, http: httpx.AsyncClient) -> None:
        self.http = http
        self.statuses: list[int] = []
        self.bad: list[str] = []  # anything but success or a proper 503
        self._stop = asyncio.Event()

    async def run(self) -> None:
        n = 0
        while not self._stop.is_set():
            n += 1
            try:
                if n % 2:
                    response = await self.http.get("/api/tickets")
                else:
                    response = await self.http.post("/api/tickets", json=ticket(f"load {n}"))
            except httpx.TransportError as exc:  # a dropped connection is a failure too
                self.bad.append(f"request {n}: {type(exc).__name__}: {exc}")
                continue
            self.statuses.append(response.status_code)
            if response.status_code == 503:
                try:
                    assert_not_ready(response)
                except (AssertionError, KeyError, ValueError) as exc:
                    self.bad.append(f"request {n}: a bad 503: {exc!r} {response.text}")
            elif response.status_code not in (200, 201):
                self.bad.append(f"request {n}: {response.status_code} {response.text}")
            await asyncio.sleep(0.02)

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[Traffic]:
        task = asyncio.create_task(self.run())
        try:
            yield self
        finally:
            self._stop.set()
            await task


async def websocket_close_code(server: ParleyProcess, token: str) -> tuple[int | None, str]:
    """(close code, first frame) of a `/ws` handshake authenticated in the header."""
    first = ""
    try:
        protocols: Any = ["parley", f"auth.{token}"]
        async with connect(server.ws_url, subprotocols=protocols, open_timeout=10) as ws:
            async with asyncio.timeout(10):
                first = str(await ws.recv())
                await ws.recv()
    except ConnectionClosed as closed:
        return (closed.rcvd.code if closed.rcvd else None), first
    raise AssertionError(f"the socket stayed open; first frame {first}")


@contextlib.asynccontextmanager
async def server_on(deployment: Deployment, name: str) -> AsyncIterator[ParleyProcess]:
    server = ParleyProcess(deployment, "", name)
    try:
        await server.start()
        yield server
    finally:
        await server.stop()
        tail = server.log_tail()
        server.cleanup()
    # Expected failures are logged as one warning each; a traceback would mean a 500.
    assert "unhandled error" not in tail, tail


# --- PostgreSQL ------------------------------------------------------------------------------


@pytest.fixture
async def pg_deployment(tmp_path: Path) -> AsyncIterator[Deployment]:
    url = await create_pg_database(prefix="parley_outage")
    try:
        yield await seed(url, tmp_path)
    finally:
        name = urlsplit(url).path.lstrip("/")
        await pg_execute(TEST_DATABASE_URL, f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
        await drop_pg_database(url)


@pytest.fixture
async def pg_server(pg_deployment: Deployment) -> AsyncIterator[ParleyProcess]:
    async with server_on(pg_deployment, "pg-outage") as server:
        yield server


async def no_backends(name: str) -> bool:
    """Whether no session is connected to the database `name` any more."""
    conn = await pg_connect(TEST_DATABASE_URL)
    try:
        sql = "SELECT count(*) FROM pg_stat_activity WHERE datname = $1"
        return await conn.fetchval(sql, name) == 0
    finally:
        await conn.close()


async def waiting_on_a_lock(name: str, table: str) -> bool:
    """Whether a session of the database `name` waits for a lock in a query on `table`."""
    conn = await pg_connect(TEST_DATABASE_URL)
    try:
        sql = (
            "SELECT count(*) FROM pg_stat_activity WHERE datname = $1"
            " AND wait_event_type = 'Lock' AND query LIKE '%' || $2 || '%'"
        )
        return bool(await conn.fetchval(sql, name, table))
    finally:
        await conn.close()


@pytest.mark.postgres
async def test_postgres_going_away_and_coming_back(
    pg_server: ParleyProcess, pg_deployment: Deployment
) -> None:
    name = urlsplit(pg_deployment.database_url).path.lstrip("/")
    token = await pg_server.login(pg_deployment.admin)
    async with pg_server.client(token) as http:
        assert (await http.post("/api/tickets", json=ticket("before"))).status_code == 201

        # 1. The server's sessions are terminated while a request waits inside a query.
        #    (Authentication reads access_token, which no background job touches.)
        holder = await pg_connect(pg_deployment.database_url)
        try:
            async with holder.transaction():
                await holder.execute("LOCK TABLE access_token IN ACCESS EXCLUSIVE MODE")
                blocked = asyncio.create_task(http.get("/api/tickets"))

                async def request_waits_on_the_lock() -> bool:
                    # From another session: inside a transaction the view is a snapshot.
                    return await waiting_on_a_lock(name, "access_token")

                await wait_until(request_waits_on_the_lock, within=10, what="a blocked request")
                await holder.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                    " WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
                assert_not_ready(await blocked)
        finally:
            await holder.close()
        # The pool replaces the dead connections by itself.
        assert (await http.get("/api/tickets")).status_code == 200

        async with Traffic(http).running() as traffic:
            # 2. New sessions are refused, and the existing ones end.
            await pg_execute(
                TEST_DATABASE_URL,
                f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false',
                f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'",
            )
            await wait_until(
                lambda: no_backends(name), within=10, what="the server's sessions ended"
            )
            assert_not_ready(await http.get("/api/tickets"))
            assert_not_ready(await http.post("/api/tickets", json=ticket("during")))
            ready = await http.get("/readyz")
            assert ready.status_code == 503
            assert ready.json()["checks"]["database"].startswith("unavailable: ")
            sign_in = await http.post(
                "/api/auth/login",
                json={"email": pg_deployment.admin.email, "password": pg_deployment.admin.password},
            )
            assert_not_ready(sign_in)
            code, first = await websocket_close_code(pg_server, token)
            assert code == 1013, first
            assert '"not_ready"' in first

            # 3. The database takes connections again: the server recovers by itself.
            await pg_execute(TEST_DATABASE_URL, f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')

            async def answers() -> bool:
                return (await http.get("/api/tickets")).status_code == 200

            await wait_until(answers, within=RECOVERY_WITHIN, what="requests succeed again")
            assert (await http.get("/readyz")).status_code == 200
            assert (await http.post("/api/tickets", json=ticket("after"))).status_code == 201

        assert traffic.bad == []
        assert 503 in traffic.statuses and traffic.statuses[-1] in (200, 201)


# --- SQLite ----------------------------------------------------------------------------------


@pytest.fixture
async def sqlite_deployment(tmp_path: Path) -> Deployment:
    path = tmp_path / "parley.db"
    return await seed(f"sqlite://{path}?busy_timeout={SQLITE_BUSY_TIMEOUT_MS}", tmp_path)


@pytest.fixture
async def sqlite_server(sqlite_deployment: Deployment) -> AsyncIterator[ParleyProcess]:
    async with server_on(sqlite_deployment, "sqlite-locked") as server:
        yield server


async def test_a_locked_sqlite_database_is_503_then_recovers(
    sqlite_server: ParleyProcess, sqlite_deployment: Deployment
) -> None:
    path = sqlite_deployment.database_url.removeprefix("sqlite://").split("?", 1)[0]
    token = await sqlite_server.login(sqlite_deployment.admin)
    async with sqlite_server.client(token) as http:
        assert (await http.post("/api/tickets", json=ticket("before"))).status_code == 201
        holder = sqlite3.connect(path, isolation_level=None, timeout=10)
        try:
            holder.execute("BEGIN EXCLUSIVE")  # another process writing, for longer than usual
            assert_not_ready(await http.post("/api/tickets", json=ticket("during")))
            holder.execute("ROLLBACK")
        finally:
            holder.close()

        async def writes() -> bool:
            response = await http.post("/api/tickets", json=ticket("after"))
            return response.status_code == 201

        await wait_until(writes, within=RECOVERY_WITHIN, what="writes succeed again")
