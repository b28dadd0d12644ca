"""Benchmark file uploads end to end: `POST /api/attachments` against two bare upload servers.

    .venv/bin/python bench/uploads.py                     # full: 64 KiB, 1 MiB, 20 MiB; ~3 min
    .venv/bin/python bench/uploads.py --quick             # a smoke run: ~15 s
    .venv/bin/python bench/uploads.py --sizes 64K,1M,100M --requests 500,200,10

Three servers, each its own process with the uvicorn settings `parley serve` uses (httptools
with Parley's head-timeout protocol, uvloop, one worker), get the same uploads in the same run:

- `parley`: the real server (`parley serve --no-migrate`, PostgreSQL by default). An agent
  signs in and sends `POST /api/attachments` with one `file` part: the body streams through
  python-multipart's push parser into a temporary file (hashed and counted on the way),
  libmagic reads its type, the bytes are copied into local storage (fsync, rename) and the
  blob and attachment rows are written. Every answer must be 201 with the file's size and
  type; after each size one upload is downloaded back and its SHA-256 compared.
- `floor`: a Starlette route that drains `request.stream()` into a temporary file with
  SHA-256: what any server must at least do with an upload.
- `form`: the off-the-shelf way, Starlette's `await request.form()` (python-multipart, a
  SpooledTemporaryFile per file) and the UploadFile copied to a temporary file with SHA-256.

Both baselines answer with the SHA-256 and size they saw, checked against the client's.
Each server runs all its sizes in turn (floor, form, then Parley), with a pause between one
server and the next (`--settle`, 60 s): on ext4 without a journal, as on the benchmark
machine, making a file skips every inode freed in the last minute, so a server that follows
thousands of another's deleted temporary files pays for them (up to 1.5x Parley's CPU per
64 KiB upload).

Each file is a ZIP (stored, not compressed: random data) built once per size, with 16 random
bytes appended per request so no two uploads are the same bytes (Parley keeps one copy per
organisation and content); libmagic still reads it as application/zip. The client is lean:
plain asyncio streams on uvloop that write the shared buffers without copying them; its CPU
per MiB is printed next to the servers'. Per case: requests/s, MiB/s, latency p50/p95, CPU
per MiB of the server, the database (PostgreSQL's backends) and the client, and the server's
RSS before the case and its peak during it (VmHWM, reset through /proc/PID/clear_refs before
each case): flat as files grow when nothing holds a body whole.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import hashlib
import io
import math
import os
import secrets
import sys
import tempfile
import time
import zipfile
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

# Run as a script (`python bench/uploads.py`) the repository root is not on the path.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import asyncpg

from bench._common import (
    ADMIN_DATABASE_URL,
    CLOCK_TICKS,
    KEEP_ALIVE,
    HttpClient,
    HttpResponse,
    ParleyServer,
    backend_pids,
    cpu_seconds,
    drive,
    format_table,
    load_average,
    memory_kib,
    percentile,
    run_interruptibly,
    scratch_database,
    seeding,
)

ORG_SLUG = "uploadbench"
AGENT_EMAIL = "agent@uploadbench.example.com"
PASSWORD = "bench-password-1"  # a throwaway credential for a throwaway database
KIB = 1024
MIB = 1024 * KIB
TAIL_BYTES = 16  # random bytes appended to the ZIP per request: distinct content each time
BOUNDARY = "parley-bench-" + secrets.token_hex(8)
COPY_CHUNK = 1 * MIB  # the form baseline copies its UploadFile in chunks this large
DEFAULT_SIZES = "64K,1M,20M"
DEFAULT_REQUESTS = "2000,500,60"
QUICK_REQUESTS = "40,10,4"


# --- what is uploaded ----------------------------------------------------------------------


def parse_size(raw: str) -> int:
    """A size such as 64K or 20M (KiB, MiB), or a number of bytes."""
    raw = raw.strip().upper().removesuffix("IB").removesuffix("B")
    scale = {"K": KIB, "M": MIB, "G": 1024 * MIB}.get(raw[-1:], 1)
    return int(float(raw.rstrip("KMG")) * scale)


def size_label(size: int) -> str:
    for unit, scale in (("MiB", MIB), ("KiB", KIB)):
        if size >= scale and size % scale == 0:
            return f"{size // scale} {unit}"
    return f"{size:,} B"


def stored_zip(payload_bytes: int) -> bytes:
    with io.BytesIO() as buffer:
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
            archive.writestr("data.bin", os.urandom(payload_bytes))
        return buffer.getvalue()


class UploadBody:
    """One multipart/form-data body with a single `file` part holding a ZIP of `size` bytes.

    The ZIP is built once; a request differs only in its last TAIL_BYTES, so the client sends
    the shared buffer as it is and the expected SHA-256s continue from precomputed states.
    """

    def __init__(self, size: int) -> None:
        overhead = len(stored_zip(0))  # headers and directory of a one-entry stored ZIP
        self.size = size
        self.archive = stored_zip(size - TAIL_BYTES - overhead)
        assert len(self.archive) + TAIL_BYTES == size
        self.head = (
            f"--{BOUNDARY}\r\n"
            'Content-Disposition: form-data; name="file"; filename="upload.zip"\r\n'
            "Content-Type: application/zip\r\n\r\n"
        ).encode()
        self.closing = f"\r\n--{BOUNDARY}--\r\n".encode()
        self.content_length = len(self.head) + size + len(self.closing)
        self._file_hash = hashlib.sha256(self.archive)
        self._body_hash = hashlib.sha256(self.head + self.archive)

    def file_sha256(self, tail: bytes) -> str:
        """The file's SHA-256 (what Parley stores and the form baseline sees)."""
        digest = self._file_hash.copy()
        digest.update(tail)
        return digest.hexdigest()

    def body_sha256(self, tail: bytes) -> str:
        """The whole body's SHA-256 (what the floor sees: it does not parse the multipart)."""
        digest = self._body_hash.copy()
        digest.update(tail + self.closing)
        return digest.hexdigest()


# --- a lean upload client ------------------------------------------------------------------


class _Connection:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer
        self.idle_since = time.monotonic()
        self.closed = False

    @property
    def reusable(self) -> bool:
        return (
            not self.closed
            and not self.reader.at_eof()
            and time.monotonic() - self.idle_since < KEEP_ALIVE
        )


class UploadClient:
    """Keep-alive HTTP/1.1 connections that POST an `UploadBody`.

    The request head and the part's head are one small write, the ZIP is written from the
    shared buffer (the transport keeps a reference, it copies nothing), then the tail. The
    answer is read by its Content-Length (Starlette's responses always carry one).
    """

    def __init__(self, base_url: str, *, connections: int, headers: dict[str, str]) -> None:
        parts = urlsplit(base_url)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        self.header_lines = "".join(
            f"{name}: {value}\r\n" for name, value in {"host": parts.netloc, **headers}.items()
        )
        self._idle: list[_Connection] = []
        self._all: list[_Connection] = []
        self._limit = asyncio.Semaphore(connections)

    async def upload(self, path: str, body: UploadBody, tail: bytes) -> HttpResponse:
        head = (
            f"POST {path} HTTP/1.1\r\n{self.header_lines}"
            f"content-type: multipart/form-data; boundary={BOUNDARY}\r\n"
            f"content-length: {body.content_length}\r\n\r\n"
        ).encode()
        async with self._limit:
            conn = await self._checkout()
            try:
                conn.writer.write(head + body.head)
                conn.writer.write(body.archive)
                conn.writer.write(tail + body.closing)
                await conn.writer.drain()
                response = await self._read_response(conn)
            except BaseException:
                conn.closed = True
                raise
            finally:
                self._checkin(conn)
        return response

    @staticmethod
    async def _read_response(conn: _Connection) -> HttpResponse:
        head = await conn.reader.readuntil(b"\r\n\r\n")
        status_line, *lines = head.decode("latin-1").split("\r\n")
        headers = {}
        for line in lines:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        body = await conn.reader.readexactly(int(headers["content-length"]))
        conn.closed = headers.get("connection", "").lower() == "close"
        conn.idle_since = time.monotonic()
        return HttpResponse(int(status_line.split(" ", 2)[1]), body)

    async def _checkout(self) -> _Connection:
        while self._idle:
            conn = self._idle.pop()
            if conn.reusable:
                return conn
            self._drop(conn)
        conn = _Connection(*await asyncio.open_connection(self.host, self.port))
        self._all.append(conn)
        return conn

    def _checkin(self, conn: _Connection) -> None:
        if conn.closed:
            self._drop(conn)
        else:
            self._idle.append(conn)

    def _drop(self, conn: _Connection) -> None:
        conn.writer.close()
        self._all.remove(conn)

    async def aclose(self) -> None:
        for conn in list(self._all):
            self._drop(conn)


# --- the baselines: a tiny Starlette app ---------------------------------------------------


def baseline_app(kind: str) -> Any:
    """The floor (`request.stream()` to a temporary file with SHA-256) or the form way
    (`request.form()`, then the UploadFile copied to a temporary file with SHA-256)."""
    from starlette.applications import Starlette
    from starlette.datastructures import UploadFile
    from starlette.requests import Request
    from starlette.responses import JSONResponse, PlainTextResponse
    from starlette.routing import Route

    async def healthz(request: Request) -> PlainTextResponse:
        return PlainTextResponse("ok")

    async def floor(request: Request) -> JSONResponse:
        digest, size = hashlib.sha256(), 0
        with tempfile.NamedTemporaryFile(prefix="bench-floor-") as out:
            async for chunk in request.stream():
                digest.update(chunk)
                size += len(chunk)
                out.write(chunk)
        return JSONResponse({"sha256": digest.hexdigest(), "size": size}, status_code=201)

    async def form(request: Request) -> JSONResponse:
        digest, size = hashlib.sha256(), 0
        async with request.form() as fields:
            upload = fields["file"]
            assert isinstance(upload, UploadFile)
            with tempfile.NamedTemporaryFile(prefix="bench-form-") as out:
                while chunk := await upload.read(COPY_CHUNK):
                    digest.update(chunk)
                    size += len(chunk)
                    out.write(chunk)
        return JSONResponse({"sha256": digest.hexdigest(), "size": size}, status_code=201)

    handler = {"floor": floor, "form": form}[kind]
    return Starlette(
        routes=[Route("/healthz", healthz), Route("/upload", handler, methods=["POST"])]
    )


def serve_baseline(kind: str, port: int) -> None:
    """uvicorn as server/cli.py's `_serve` runs it for one worker without trusted proxies."""
    import uvicorn

    from server.channels.protocol import MAX_FRAME_BYTES
    from server.settings import Settings
    from server.web.timeouts import head_timeout_protocol

    uvicorn.run(
        baseline_app(kind),
        host="127.0.0.1",
        port=port,
        workers=1,
        log_level="warning",
        proxy_headers=False,
        forwarded_allow_ips=None,
        ws_max_size=MAX_FRAME_BYTES,
        ws_per_message_deflate=False,
        ws_ping_interval=20.0,
        ws_ping_timeout=20.0,
        http=head_timeout_protocol(Settings.request_header_timeout_seconds),  # type: ignore[arg-type]
    )


class BaselineServer(ParleyServer):
    """A baseline as a child process (`uploads.py --baseline-server KIND --port N`), started,
    awaited on /healthz and stopped the way `ParleyServer` does it."""

    def __init__(self, kind: str) -> None:
        command = [sys.executable, __file__, "--baseline-server", kind]
        super().__init__(database_url="", command=command)


class UploadServer(ParleyServer):
    """`parley serve` with the attachment limits above the largest file benchmarked."""

    def __init__(self, *, database_url: str, largest: int, command: Sequence[str] | None) -> None:
        super().__init__(database_url=database_url, command=command)
        self.max_file_bytes = max(25 * MIB, largest)

    def _environment(self) -> dict[str, str]:
        env = super()._environment()
        env.update(
            PARLEY_ATTACHMENT_MAX_FILE_BYTES=str(self.max_file_bytes),
            PARLEY_ATTACHMENT_MAX_REQUEST_BYTES=str(self.max_file_bytes + MIB),
        )
        return env


async def prepare_database(url: str) -> None:
    """Migrate, then one organisation and one agent, through the real services."""
    from server.accounts.agents import create_agent
    from server.accounts.models import Role
    from server.accounts.organizations import create_organization

    async with seeding(url):
        org = await create_organization(name="Upload Bench Co", slug=ORG_SLUG, ticket_prefix="UPB")
        await create_agent(
            organization_id=org.id, email=AGENT_EMAIL, name="Upload Agent",
            password=PASSWORD, role=Role.AGENT,
        )  # fmt: skip


# --- the three targets ---------------------------------------------------------------------


Verify = Callable[[HttpResponse, UploadBody, bytes], None]


@dataclass
class Target:
    """A server under load: where uploads go and how each answer is checked."""

    name: str
    pid: int
    client: UploadClient
    path: str
    verify: Verify

    async def send(self, body: UploadBody) -> None:
        tail = secrets.token_bytes(TAIL_BYTES)
        response = await self.client.upload(self.path, body, tail)
        self.verify(response, body, tail)


def verify_baseline(
    expected: Callable[[UploadBody, bytes], str], size_of: Callable[[UploadBody], int]
) -> Verify:
    def verify(response: HttpResponse, body: UploadBody, tail: bytes) -> None:
        if response.status != 201:
            raise RuntimeError(f"baseline answered {response.status}: {response.body[:300]!r}")
        seen = response.json()
        if seen != {"sha256": expected(body, tail), "size": size_of(body)}:
            raise RuntimeError(f"baseline saw other bytes: {seen}")

    return verify


class ParleyChecks:
    """Each answer 201 with one application/zip attachment of the right size; the last
    upload's id and SHA-256 kept, to download it back after the series."""

    def __init__(self) -> None:
        self.last: tuple[int, str] | None = None

    def __call__(self, response: HttpResponse, body: UploadBody, tail: bytes) -> None:
        if response.status != 201:
            raise RuntimeError(f"Parley answered {response.status}: {response.body[:300]!r}")
        (attachment,) = response.json()["attachments"]
        if attachment["size"] != body.size or attachment["contentType"] != "application/zip":
            raise RuntimeError(f"Parley stored something else: {attachment}")
        self.last = (attachment["id"], body.file_sha256(tail))


async def check_download(http: HttpClient, checks: ParleyChecks) -> None:
    """The last upload read back through `GET /api/attachments/{id}` is the bytes sent."""
    assert checks.last is not None
    attachment_id, expected = checks.last
    response = await http.get(f"/api/attachments/{attachment_id}")
    if response.status != 200 or hashlib.sha256(response.body).hexdigest() != expected:
        raise RuntimeError(f"attachment {attachment_id} did not download as uploaded")


# --- measuring -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    server: str
    size: int
    latencies_ms: list[float]
    seconds: float
    server_cpu: float
    server_system_cpu: float  # of which in the kernel: socket reads, file writes, fsync
    database_cpu: float | None
    client_cpu: float
    rss_before_kib: int
    peak_rss_kib: int

    @property
    def count(self) -> int:
        return len(self.latencies_ms)

    @property
    def mib(self) -> float:
        return self.count * self.size / MIB

    @property
    def per_second(self) -> float:
        return self.count / self.seconds

    @property
    def mib_per_second(self) -> float:
        return self.mib / self.seconds

    def ms_per_mib(self, cpu_seconds: float) -> float:
        return 1000 * cpu_seconds / self.mib

    @property
    def server_ms_per_request(self) -> float:
        return 1000 * self.server_cpu / self.count

    @property
    def server_busy_percent(self) -> float:
        """Server CPU time over wall time: 100 is one core's worth (its threads may add)."""
        return 100 * self.server_cpu / self.seconds


def user_and_system_cpu(pid: int) -> tuple[float, float]:
    """The CPU time `pid` has used so far in user space and in the kernel (seconds)."""
    raw = Path(f"/proc/{pid}/stat").read_text()
    after_name = raw[raw.rindex(")") + 2 :].split()  # see `_common.cpu_seconds`
    return int(after_name[11]) / CLOCK_TICKS, int(after_name[12]) / CLOCK_TICKS


def reset_peak_rss(pid: int) -> bool:
    """Set `pid`'s VmHWM back to its current RSS (Linux >= 4.0); False if not allowed."""
    try:
        Path(f"/proc/{pid}/clear_refs").write_text("5")
    except OSError:
        return False
    return True


async def measure_case(
    target: Target,
    body: UploadBody,
    *,
    requests: int,
    warmup: int,
    concurrency: int,
    budget: float,
    database_pids: Callable[[], Awaitable[Iterable[int]]] | None,
) -> Case:
    """Warm up, then time `requests` uploads (or as many as fit in `budget` seconds), with
    the CPU each party spent and the server's memory before and at its peak."""

    async def send(_: int) -> None:
        await target.send(body)

    await drive(send, requests=warmup, concurrency=concurrency, budget=budget)
    rss_before = memory_kib(target.pid)["VmRSS"]
    if not reset_peak_rss(target.pid):
        print("  (VmHWM could not be reset: the peak is since the server started)")
    db_pids = set(await database_pids()) if database_pids else set()
    db_before = {pid: cpu_seconds(pid) for pid in db_pids}
    server_before, client_before = user_and_system_cpu(target.pid), time.process_time()
    samples, seconds = await drive(send, requests=requests, concurrency=concurrency, budget=budget)
    client_cpu = time.process_time() - client_before
    server_user, server_system = (
        after - before
        for after, before in zip(user_and_system_cpu(target.pid), server_before, strict=True)
    )
    database_cpu = None
    if database_pids:
        db_pids |= set(await database_pids())
        database_cpu = sum(cpu_seconds(pid) - db_before.get(pid, 0.0) for pid in db_pids)
    return Case(
        server=target.name, size=body.size, latencies_ms=samples, seconds=seconds,
        server_cpu=server_user + server_system, server_system_cpu=server_system,
        database_cpu=database_cpu, client_cpu=client_cpu,
        rss_before_kib=rss_before, peak_rss_kib=memory_kib(target.pid)["VmHWM"],
    )  # fmt: skip


def case_row(case: Case) -> list[str]:
    database = "" if case.database_cpu is None else f"{case.ms_per_mib(case.database_cpu):.2f}"
    return [
        size_label(case.size), case.server, f"{case.count:,}", f"{case.per_second:,.1f}",
        f"{case.mib_per_second:,.1f}", f"{percentile(case.latencies_ms, 50):.1f}",
        f"{percentile(case.latencies_ms, 95):.1f}", f"{case.ms_per_mib(case.server_cpu):.2f}",
        f"{case.ms_per_mib(case.server_system_cpu):.2f}", f"{case.server_ms_per_request:.2f}",
        f"{case.server_busy_percent:.0f}", database, f"{case.ms_per_mib(case.client_cpu):.2f}",
        f"{case.rss_before_kib / 1024:.0f}", f"{case.peak_rss_kib / 1024:.0f}",
    ]  # fmt: skip


def ratio_rows(cases: list[Case]) -> list[list[str]]:
    by_key = {(c.size, c.server): c for c in cases}
    rows = []
    for size in dict.fromkeys(c.size for c in cases):
        parley, floor, form = (by_key[size, name] for name in ("parley", "floor", "form"))
        row = [size_label(size)]
        for base in (floor, form):
            row += [
                f"{parley.mib_per_second / base.mib_per_second:.2f}",
                f"{parley.ms_per_mib(parley.server_cpu) / base.ms_per_mib(base.server_cpu):.2f}",
            ]
        rows.append(row)
    return rows


# --- the run -------------------------------------------------------------------------------


async def run(args: argparse.Namespace) -> int:
    sizes = [parse_size(s) for s in args.sizes.split(",")]
    requests = [int(n) for n in args.requests.split(",")]
    if len(requests) == 1:
        requests *= len(sizes)
    if len(requests) != len(sizes):
        raise SystemExit("--requests takes one number, or one per size")
    database_kind = "SQLite" if args.sqlite else "PostgreSQL"
    print(
        f"Parley upload benchmark: {database_kind}; files of"
        f" {', '.join(size_label(s) for s in sizes)} at concurrency {args.concurrency};"
        f" {os.cpu_count()} CPUs, load average {load_average()}",
        flush=True,
    )
    started = time.perf_counter()
    bodies = [UploadBody(size) for size in sizes]
    print(f"bodies built in {time.perf_counter() - started:.1f} s", flush=True)
    async with contextlib.AsyncExitStack() as stack:
        url = await stack.enter_async_context(
            scratch_database(None if args.sqlite else args.postgres, "parley_uploads")
        )
        await prepare_database(url)
        command = args.server_command.split() if args.server_command else None
        parley = UploadServer(database_url=url, largest=max(sizes), command=command)
        floor, form = BaselineServer("floor"), BaselineServer("form")
        for server in (parley, floor, form):
            stack.push_async_callback(server.stop)
            await server.start()
        http = HttpClient(parley.base_url, connections=1)
        stack.push_async_callback(http.aclose)
        login = await http.post(
            "/api/auth/login", {"email": AGENT_EMAIL, "password": PASSWORD, "org": ORG_SLUG}
        )
        if login.status != 200:
            raise RuntimeError(f"login failed: {login.status} {login.body!r}")
        http.headers["authorization"] = f"Bearer {login.json()['token']}"

        def client(server: ParleyServer, headers: dict[str, str]) -> UploadClient:
            upload_client = UploadClient(
                server.base_url, connections=args.concurrency,
                headers={"user-agent": "parley-bench", **headers},
            )  # fmt: skip
            stack.push_async_callback(upload_client.aclose)
            return upload_client

        checks = ParleyChecks()
        targets = [
            Target("floor", floor.pid, client(floor, {}), "/upload",
                   verify_baseline(UploadBody.body_sha256, lambda b: b.content_length)),
            Target("form", form.pid, client(form, {}), "/upload",
                   verify_baseline(UploadBody.file_sha256, lambda b: b.size)),
        ]  # fmt: skip
        parley_target = Target(
            "parley", parley.pid,
            client(parley, {"authorization": http.headers["authorization"]}),
            "/api/attachments", checks,
        )  # fmt: skip
        targets.append(parley_target)
        database_pids = None
        if not args.sqlite:
            conn = await asyncpg.connect(url)
            stack.push_async_callback(conn.close)

            async def database_pids() -> list[int]:
                return await backend_pids(conn)

        idle = ", ".join(f"{t.name} {memory_kib(t.pid)['VmRSS'] / 1024:.0f} MiB" for t in targets)
        print(
            f"parley pid {parley.pid}, floor pid {floor.pid}, form pid {form.pid}; idle RSS {idle}",
            flush=True,
        )
        cases = []
        for n, target in enumerate(targets):
            if n and args.settle:
                # See `--settle`: the files the last server deleted must not slow this one.
                print(f"  (settling {args.settle:.0f} s)", flush=True)
                await asyncio.sleep(args.settle)
            for body, count in zip(bodies, requests, strict=True):
                warmup = max(args.concurrency, count // 10) if args.warmup is None else args.warmup
                case = await measure_case(
                    target, body, requests=count, warmup=warmup,
                    concurrency=args.concurrency, budget=args.budget,
                    database_pids=database_pids if target is parley_target else None,
                )  # fmt: skip
                cases.append(case)
                print(
                    f"  {size_label(body.size)} {target.name}: {case.count:,} in"
                    f" {case.seconds:.1f} s, {case.mib_per_second:,.1f} MiB/s,"
                    f" server CPU {case.ms_per_mib(case.server_cpu):.2f} ms/MiB",
                    flush=True,
                )
                if target is parley_target:
                    await check_download(http, checks)
        order = {t.name: n for n, t in enumerate(targets)}
        cases.sort(key=lambda c: (c.size, order[c.server]))

    header = [
        "size", "server", "n", "req/s", "MiB/s", "p50 ms", "p95 ms", "server CPU ms/MiB",
        "of which kernel", "server CPU ms/req", "server CPU %", "DB CPU ms/MiB",
        "client CPU ms/MiB", "RSS before MiB", "peak RSS MiB",
    ]  # fmt: skip
    print()
    print(format_table(header, [case_row(c) for c in cases]))
    print()
    ratio_header = [
        "size", "MiB/s parley/floor", "CPU/MiB parley/floor", "MiB/s parley/form",
        "CPU/MiB parley/form",
    ]  # fmt: skip
    print(format_table(ratio_header, ratio_rows(cases)))
    worst = max(c.client_cpu / c.server_cpu if c.server_cpu else math.inf for c in cases)
    print(
        f"\nevery answer checked (Parley 201 + size + type, one download per size; the"
        f" baselines' SHA-256); client CPU at most {worst:.2f}x the server's per MiB;"
        f" load average after: {load_average()}"
    )
    return 0


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n", 1)[0])
    parser.add_argument("--quick", action="store_true", help=f"requests {QUICK_REQUESTS}")
    parser.add_argument("--sizes", default=DEFAULT_SIZES, help=f"file sizes ({DEFAULT_SIZES})")
    parser.add_argument(
        "--requests", help=f"timed uploads per size, one or one per size ({DEFAULT_REQUESTS})"
    )
    parser.add_argument(
        "--warmup", type=int, help="untimed uploads per case (default a tenth, at least 4)"
    )
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument(
        "--budget", type=float, default=60.0, help="seconds at most per timed case (60)"
    )
    parser.add_argument(
        "--settle", type=float,
        help="seconds between one server's series and the next (60; --quick: 0): ext4 without"
        " a journal skips inodes freed in the last minute when it makes a file, so a server"
        " following thousands of another's deleted temporary files pays for them",
    )  # fmt: skip
    parser.add_argument(
        "--postgres", default=ADMIN_DATABASE_URL, metavar="ADMIN_URL",
        help="the PostgreSQL server of the throwaway database",
    )  # fmt: skip
    parser.add_argument("--sqlite", action="store_true", help="Parley on a SQLite file instead")
    parser.add_argument(
        "--server-command",
        help="run this instead of `parley serve` (`--port N` is appended): to compare a variant",
    )
    parser.add_argument("--baseline-server", choices=["floor", "form"], help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.requests is None:
        args.requests = QUICK_REQUESTS if args.quick else DEFAULT_REQUESTS
    if args.settle is None:
        args.settle = 0.0 if args.quick else 60.0
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if args.baseline_server:
        serve_baseline(args.baseline_server, args.port)
        return 0
    return run_interruptibly(lambda: run(args), "servers stopped, database dropped")


if __name__ == "__main__":
    sys.exit(main())
