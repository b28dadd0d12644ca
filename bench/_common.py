"""What Parley's benchmarks share: a throwaway database, the real server, load, and figures.

Everything here measures from the outside: the server runs as its own process (`parley serve`)
and is driven over HTTP, and its CPU time and memory are read from /proc, so a benchmark sees
what a deployment would see.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import math
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

import asyncpg
import h11
import httpx

ROOT = Path(__file__).resolve().parent.parent
ADMIN_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/postgres"
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
KEEP_ALIVE = 3.0  # seconds an idle client connection is reused (uvicorn's limit is 5)


# --- figures -------------------------------------------------------------------------------


def percentile(samples: Sequence[float], pct: float) -> float:
    """The `pct` percentile (0-100) of `samples`, interpolating between the closest ranks."""
    if not samples:
        return math.nan
    ordered = sorted(samples)
    rank = (len(ordered) - 1) * pct / 100
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


@dataclass(frozen=True)
class Latencies:
    """One timed series: how many requests, over how long, and their latency percentiles (ms)."""

    count: int
    seconds: float
    p50: float
    p90: float
    p99: float

    @property
    def per_second(self) -> float:
        return self.count / self.seconds if self.seconds else math.nan

    @classmethod
    def of(cls, samples_ms: Sequence[float], seconds: float) -> Latencies:
        return cls(
            count=len(samples_ms),
            seconds=seconds,
            p50=percentile(samples_ms, 50),
            p90=percentile(samples_ms, 90),
            p99=percentile(samples_ms, 99),
        )


# --- processes, from /proc -----------------------------------------------------------------


def cpu_seconds(pid: int) -> float:
    """User + system CPU time `pid` has used so far (0 if it is gone)."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return 0.0
    # The command name (field 2) may hold spaces: count fields from after its closing paren.
    after_name = raw[raw.rindex(")") + 2 :].split()
    utime, stime = int(after_name[11]), int(after_name[12])
    return (utime + stime) / CLOCK_TICKS


def memory_kib(pid: int) -> dict[str, int]:
    """`VmRSS` (resident now) and `VmHWM` (peak resident) of `pid`, in KiB."""
    found: dict[str, int] = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            found[key] = int(value.split()[0])
    return found


def load_average() -> str:
    """The 1/5/15-minute load averages: the machine is shared, so every report shows them."""
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# --- the database --------------------------------------------------------------------------


def with_database(url: str, name: str) -> str:
    """`url` pointing at database `name` instead."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/" + name))


@contextlib.asynccontextmanager
async def throwaway_database(
    admin_url: str = ADMIN_DATABASE_URL, *, prefix: str = "parley_bench", keep: bool = False
) -> AsyncIterator[str]:
    """A new, empty PostgreSQL database for one run; dropped afterwards unless `keep`."""
    name = f"{prefix}_{secrets.token_hex(4)}"
    admin = await asyncpg.connect(admin_url)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    try:
        yield with_database(admin_url, name)
    finally:
        if keep:
            print(f"kept database {with_database(admin_url, name)}")
        else:
            admin = await asyncpg.connect(admin_url)
            try:
                # FORCE ends sessions a crashed server or an interrupted run left behind.
                await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            finally:
                await admin.close()


@contextlib.asynccontextmanager
async def seeding(url: str) -> AsyncIterator[None]:
    """`url` migrated, with Tortoise open on it so a benchmark seeds through the real services
    (`server.accounts.agents` and the like); closed on the way out."""
    from tortoise import Tortoise

    from server.db import tortoise_config
    from server.migrate import upgrade

    await upgrade(url)
    await Tortoise.init(config=tortoise_config(url))
    try:
        yield
    finally:
        await Tortoise.close_connections()


async def switch_email_off(org: Any) -> None:
    """Turn every email notification of `org` off (`--no-email`): what the server then does
    per change is the spine and the push, without rendering and sending an email."""
    from server.accounts.org_email import NOTIFICATIONS

    org.settings = {
        **(org.settings or {}), "email": {"notifications": dict.fromkeys(NOTIFICATIONS, False)},
    }  # fmt: skip
    await org.save(update_fields=["settings"])


async def backend_pids(conn: asyncpg.Connection) -> list[int]:
    """PostgreSQL server processes serving `conn`'s database, `conn`'s own excluded."""
    rows = await conn.fetch(
        "SELECT pid FROM pg_stat_activity"
        " WHERE datname = current_database() AND pid <> pg_backend_pid()"
    )
    return [row["pid"] for row in rows]


# --- the server ----------------------------------------------------------------------------


class ParleyServer:
    """`parley serve` as a child process: one worker, quiet logs, no Redis, no migrations."""

    def __init__(
        self,
        *,
        database_url: str,
        port: int | None = None,
        command: Sequence[str] | None = None,
    ) -> None:
        """`command` replaces `parley serve` (it gets `--port N` appended), e.g. for a variant."""
        self.database_url = database_url
        self.port = port or free_port()
        self._command = list(command) if command else None
        self.base_url = f"http://127.0.0.1:{self.port}"
        self._workdir = tempfile.TemporaryDirectory(prefix="parley-bench-")
        self._log_path = Path(self._workdir.name) / "server.log"
        self._process: asyncio.subprocess.Process | None = None

    @property
    def pid(self) -> int:
        assert self._process is not None, "the server is not running"
        return self._process.pid

    def _environment(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("PARLEY_")}
        env.update(
            PARLEY_DATABASE_URL=self.database_url,
            PARLEY_REDIS_URL="",
            PARLEY_LOG_LEVEL="warning",
            PARLEY_WORKERS="1",
            # A key and data directory of its own, so a run writes nothing into the checkout.
            PARLEY_SECRET_KEY=secrets.token_urlsafe(48),
            PARLEY_DATA_DIR=self._workdir.name,
        )
        return env

    async def start(self, *, startup_seconds: float = 30.0) -> None:
        """Start the server and wait until `/healthz` answers."""
        command = [*self._command, "--port", str(self.port)] if self._command else [
            sys.executable, "-m", "server.cli", "serve",
            "--no-migrate", "--host", "127.0.0.1", "--port", str(self.port), "--workers", "1",
        ]  # fmt: skip
        with self._log_path.open("wb") as log:
            # A session of its own: Ctrl-C reaches the benchmark, which then stops the server.
            self._process = await asyncio.create_subprocess_exec(
                *command,
                cwd=ROOT,
                env=self._environment(),
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + startup_seconds
        async with httpx.AsyncClient(base_url=self.base_url) as client:
            while True:
                if self._process.returncode is not None:
                    raise RuntimeError(f"the server exited at start:\n{self.log_tail()}")
                with contextlib.suppress(httpx.TransportError):
                    if (await client.get("/healthz")).status_code == 200:
                        return
                if time.monotonic() > deadline:
                    raise RuntimeError(
                        f"the server did not start in {startup_seconds}s:\n{self.log_tail()}"
                    )
                await asyncio.sleep(0.1)

    def log_tail(self, lines: int = 40) -> str:
        if not self._log_path.exists():
            return ""
        return "\n".join(self._log_path.read_text(errors="replace").splitlines()[-lines:])

    async def stop(self, *, grace_seconds: float = 10.0) -> None:
        """Graceful shutdown (SIGINT, as uvicorn expects), then SIGKILL if it hangs."""
        process, self._process = self._process, None
        if process is not None and process.returncode is None:
            process.send_signal(signal.SIGINT)
            try:
                await asyncio.wait_for(process.wait(), grace_seconds)
            except TimeoutError:
                process.kill()
                await process.wait()
        self._workdir.cleanup()


@contextlib.asynccontextmanager
async def running_server(
    *, database_url: str, command: Sequence[str] | None = None
) -> AsyncIterator[ParleyServer]:
    """A started `ParleyServer`, stopped on the way out whatever happens."""
    server = ParleyServer(database_url=database_url, command=command)
    try:
        await server.start()
        yield server
    finally:
        await server.stop()


# --- a lean HTTP client --------------------------------------------------------------------


@dataclass(frozen=True)
class HttpResponse:
    status: int
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


class _Connection:
    """One keep-alive HTTP/1.1 connection driven by h11's state machine."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer
        self.state = h11.Connection(h11.CLIENT)
        self.idle_since = time.monotonic()

    @property
    def reusable(self) -> bool:
        # uvicorn closes keep-alive connections idle for 5 s; reuse well inside that.
        return not self.reader.at_eof() and time.monotonic() - self.idle_since < KEEP_ALIVE

    async def exchange(self, request: h11.Request, body: bytes) -> HttpResponse:
        data = self.state.send(request) or b""
        if body:
            data += self.state.send(h11.Data(data=body)) or b""
        self.writer.write(data + (self.state.send(h11.EndOfMessage()) or b""))
        status, chunks = 0, []
        while True:
            event = self.state.next_event()
            if event is h11.NEED_DATA:
                self.state.receive_data(await self.reader.read(65536))
            elif isinstance(event, h11.Response):
                status = event.status_code
            elif isinstance(event, h11.Data):
                chunks.append(bytes(event.data))
            elif isinstance(event, h11.EndOfMessage):
                self.state.start_next_cycle()
                self.idle_since = time.monotonic()
                return HttpResponse(status, b"".join(chunks))
            elif isinstance(event, h11.ConnectionClosed):
                raise ConnectionError("the server closed the connection mid-response")

    def close(self) -> None:
        self.writer.close()


class HttpClient:
    """A minimal keep-alive HTTP/1.1 client for load generation.

    httpx costs about 1 ms of CPU per request; on a 2-core machine shared with the server and
    PostgreSQL that CPU comes out of what is being measured, so the load uses this instead
    (a fraction of that per request; each report prints the client's CPU per request).
    """

    def __init__(self, base_url: str, *, connections: int) -> None:
        parts = urlsplit(base_url)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        self.headers: dict[str, str] = {"host": parts.netloc, "user-agent": "parley-bench"}
        self._idle: asyncio.Queue[_Connection] = asyncio.Queue()
        self._all: list[_Connection] = []
        self._limit = asyncio.Semaphore(connections)

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, str] | None = None,
        json_body: Any = None,
        headers: dict[str, str] | None = None,
    ) -> HttpResponse:
        """`headers` are added to (and override) the client's own `self.headers`."""
        target = f"{path}?{urlencode(params)}" if params else path
        body = json.dumps(json_body).encode() if json_body is not None else b""
        merged = {**self.headers, **headers} if headers else self.headers
        headers_out = [*merged.items(), ("content-length", str(len(body)))]
        if json_body is not None:
            headers_out.append(("content-type", "application/json"))
        async with self._limit:
            conn = await self._checkout()
            response = await conn.exchange(
                h11.Request(method=method, target=target, headers=headers_out), body
            )
            self._idle.put_nowait(conn)
        return response

    async def get(self, path: str, params: dict[str, str] | None = None) -> HttpResponse:
        return await self.request("GET", path, params=params)

    async def post(
        self, path: str, json_body: Any, *, headers: dict[str, str] | None = None
    ) -> HttpResponse:
        return await self.request("POST", path, json_body=json_body, headers=headers)

    async def _checkout(self) -> _Connection:
        while not self._idle.empty():
            conn = self._idle.get_nowait()
            if conn.reusable:
                return conn
            conn.close()
            self._all.remove(conn)
        reader, writer = await asyncio.open_connection(self.host, self.port)
        conn = _Connection(reader, writer)
        self._all.append(conn)
        return conn

    async def aclose(self) -> None:
        for conn in self._all:
            conn.close()
        self._all.clear()


# --- load ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Measurement:
    """A timed series with the CPU it cost each party, per request (ms)."""

    name: str
    latencies: Latencies
    server_cpu_ms: float
    database_cpu_ms: float
    client_cpu_ms: float


Send = Callable[[int], Awaitable[None]]


async def drive(
    send: Send, *, requests: int, concurrency: int, budget: float = math.inf
) -> tuple[list[float], float]:
    """Call `send(i)` for i in range(requests) from `concurrency` workers.

    Stops early, with fewer samples, once `budget` seconds have passed (a slow case would
    otherwise run for many minutes). Returns each call's latency (ms) and the wall time of the
    series (s). A failed call fails the series: a benchmark of errors is no benchmark.
    """
    latencies: list[float] = []
    next_index = iter(range(requests))
    started = time.perf_counter()
    deadline = started + budget

    async def worker() -> None:
        for i in next_index:
            began = time.perf_counter()
            if began > deadline:
                return
            await send(i)
            latencies.append((time.perf_counter() - began) * 1000)

    try:
        async with asyncio.TaskGroup() as group:
            for _ in range(concurrency):
                group.create_task(worker())
    except ExceptionGroup as failed:
        raise failed.exceptions[0] from None  # the workers all fail alike: show one
    return latencies, time.perf_counter() - started


async def measure(
    name: str,
    send: Send,
    *,
    requests: int,
    warmup: int,
    concurrency: int,
    budget: float,
    server_pid: int | None,
    database_pids: Callable[[], Awaitable[Iterable[int]]],
) -> Measurement:
    """Warm up, then time `requests` calls of `send` (or as many as fit in `budget` seconds),
    with the CPU each process spent on them.

    `send` gets distinct indexes across the warm-up and the timed calls (for unique data).
    """
    await drive(
        lambda i: send(requests + i), requests=warmup, concurrency=concurrency, budget=budget
    )
    db_pids = set(await database_pids())
    db_before = {pid: cpu_seconds(pid) for pid in db_pids}
    server_before = cpu_seconds(server_pid) if server_pid else 0.0
    client_before = time.process_time()
    samples, seconds = await drive(send, requests=requests, concurrency=concurrency, budget=budget)
    client_cpu = time.process_time() - client_before
    server_cpu = (cpu_seconds(server_pid) - server_before) if server_pid else 0.0
    # A backend that started during the series spent all its CPU inside it.
    db_pids |= set(await database_pids())
    database_cpu = sum(cpu_seconds(pid) - db_before.get(pid, 0.0) for pid in db_pids)
    per_request = 1000 / max(len(samples), 1)
    return Measurement(
        name=name,
        latencies=Latencies.of(samples, seconds),
        server_cpu_ms=server_cpu * per_request,
        database_cpu_ms=database_cpu * per_request,
        client_cpu_ms=client_cpu * per_request,
    )


def format_table(header: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    """A plain text table: the first column left-aligned, the rest right-aligned."""
    body = [list(header), *(list(row) for row in rows)]
    widths = [max(len(row[i]) for row in body) for i in range(len(header))]

    def line(row: Sequence[str]) -> str:
        rest = zip(row[1:], widths[1:], strict=True)
        cells = [row[0].ljust(widths[0])] + [cell.rjust(width) for cell, width in rest]
        return "  ".join(cells).rstrip()

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([line(body[0]), rule, *(line(row) for row in body[1:])])


@contextlib.asynccontextmanager
async def scratch_database(postgres_admin_url: str | None, prefix: str) -> AsyncIterator[str]:
    """A throwaway PostgreSQL database (given the admin URL), else a throwaway SQLite file."""
    if postgres_admin_url:
        async with throwaway_database(postgres_admin_url, prefix=prefix) as url:
            yield url
        return
    directory = tempfile.mkdtemp(prefix=prefix.replace("_", "-") + "-")
    try:
        yield f"sqlite://{directory}/parley.db"
    finally:
        shutil.rmtree(directory, ignore_errors=True)


def run_interruptibly(work: Callable[[], Awaitable[int]], interrupted: str) -> int:
    """Run `work()` on uvloop; Ctrl-C or SIGTERM cancel it (its cleanup runs) and exit 130."""
    import uvloop

    async def guarded() -> int:
        task = asyncio.current_task()
        assert task is not None
        asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, task.cancel)
        return await work()

    try:
        with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
            return runner.run(guarded())
    except (KeyboardInterrupt, asyncio.CancelledError):
        print(f"interrupted; {interrupted}", file=sys.stderr)
        return 130
