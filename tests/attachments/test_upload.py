"""`receive_upload` through the real HTTP stack.

A uvicorn server on the test loop serves a tiny app whose one route reads an upload and says
what it got. Clients are httpx, and raw sockets for what httpx would not send: a body cut
short, a client that stops sending or hangs up, a declared length that never arrives. Every
temporary file the reader makes is recorded (a spy on `tempfile.mkstemp` for the spool
directory) and must be gone once the test's request is over.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import os
import stat
import tempfile
import threading
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from server.attachments.spool import WRITE_BATCH_BYTES, SpoolFile
from server.attachments.upload import MAX_FIELD_BYTES, MAX_FIELDS, receive_upload
from server.errors import ParleyError
from server.web.timeouts import head_timeout_protocol
from tests.support.live import running
from tests.support.ports import listening_socket
from tests.support.wait import wait_until

KIB = 1024
MIB = 1024 * KIB
BOUNDARY = "parley-test-boundary-7MA4YWxk"
CONTENT_TYPE = f"multipart/form-data; boundary={BOUNDARY}"
# uvicorn's default protocol (httptools with uvicorn[standard]), its pure-Python one, and the
# one `parley serve` runs (httptools with the request-head timeout).
PROTOCOLS = ["auto", "h11", "parley"]


# --- the app under test ------------------------------------------------------------------------


@dataclass
class Record:
    """What the route and the spy saw during one test."""

    spool: Path
    created: list[Path] = field(default_factory=list)  # every temporary file made
    seen: list[Path] = field(default_factory=list)  # files the route was handed
    disconnects: int = 0


RECORD = Record(Path(tempfile.gettempdir()))


async def upload_route(request: Request) -> Response:
    query = request.query_params
    try:
        async with receive_upload(
            request,
            max_file_bytes=int(query.get("max_file", MIB)),
            max_request_bytes=int(query.get("max_request", 8 * MIB)),
            max_files=int(query.get("max_files", 3)),
            spool_dir=RECORD.spool,
        ) as upload:
            RECORD.seen.extend(received.path for received in upload.files)
            files = [
                {
                    "filename": received.filename,
                    "declaredType": received.declared_type,
                    "size": received.size,
                    "sha256": received.sha256,
                    "onDisk": hashlib.sha256(received.path.read_bytes()).hexdigest(),
                    "mode": stat.S_IMODE(received.path.stat().st_mode),
                    "inSpool": received.path.parent == RECORD.spool,
                }
                for received in upload.files
            ]
            return JSONResponse({"files": files, "fields": upload.fields})
    except ClientDisconnect:
        RECORD.disconnects += 1
        raise


async def parley_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ParleyError)
    return JSONResponse(exc.to_dict(), status_code=exc.status, headers=exc.headers)


async def client_gone(request: Request, exc: Exception) -> Response:
    return Response(status_code=400)  # nobody is left to read it


def build_app() -> Starlette:
    return Starlette(
        routes=[Route("/upload", upload_route, methods=["POST"])],
        exception_handlers={ParleyError: parley_error, ClientDisconnect: client_gone},
    )


@pytest.fixture(scope="module")
async def ports() -> AsyncIterator[dict[str, int]]:
    """One server per HTTP protocol, all serving the same app; their ports by protocol."""
    app = build_app()
    found: dict[str, int] = {}
    async with contextlib.AsyncExitStack() as stack:
        for protocol in PROTOCOLS:
            sock = listening_socket()
            # uvicorn's annotation names classes only; any protocol factory will do.
            http: Any = head_timeout_protocol(10.0) if protocol == "parley" else protocol
            config = uvicorn.Config(app, lifespan="off", log_level="warning", http=http)
            await stack.enter_async_context(
                running(config, name=f"upload server ({protocol})", stop_within=5, sockets=[sock])
            )
            found[protocol] = sock.getsockname()[1]
        yield found


@pytest.fixture
def port(ports: dict[str, int]) -> int:
    return ports["auto"]


@pytest.fixture(autouse=True)
async def record(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Record]:
    """A fresh spool directory and record; afterwards, every temporary file must be gone."""
    global RECORD
    RECORD = Record(tmp_path / "spool")
    RECORD.spool.mkdir(mode=0o700)
    real_mkstemp = tempfile.mkstemp

    def spy(*args: Any, **kwargs: Any) -> Any:
        fd, name = real_mkstemp(*args, **kwargs)
        if Path(name).parent == RECORD.spool:
            RECORD.created.append(Path(name))
        return fd, name

    monkeypatch.setattr(tempfile, "mkstemp", spy)
    yield RECORD
    # Removal happens before the answer is sent: nothing to wait for.
    assert not [path for path in RECORD.created if path.exists()]
    assert list(RECORD.spool.iterdir()) == []


# --- building bodies ---------------------------------------------------------------------------


@dataclass
class Part:
    name: str
    data: bytes
    filename: str | None = None
    content_type: str | None = "application/octet-stream"
    disposition: str | None = None  # the whole Content-Disposition, where a test writes it
    extra_headers: list[str] = field(default_factory=list)

    def head(self) -> bytes:
        disposition = self.disposition or f'form-data; name="{self.name}"' + (
            f'; filename="{self.filename}"' if self.filename is not None else ""
        )
        lines = [f"--{BOUNDARY}", f"Content-Disposition: {disposition}"]
        if self.filename is not None and self.content_type:
            lines.append(f"Content-Type: {self.content_type}")
        lines += self.extra_headers
        return ("\r\n".join(lines) + "\r\n\r\n").encode()


def file(data: bytes, filename: str = "a.bin", name: str = "file") -> Part:
    return Part(name, data, filename=filename)


def form(*parts: Part, closed: bool = True) -> bytes:
    body = b"".join(part.head() + part.data + b"\r\n" for part in parts)
    return body + (f"--{BOUNDARY}--\r\n".encode() if closed else b"")


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


async def post(port: int, body: bytes, *, query: str = "", **headers: str) -> httpx.Response:
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=5) as client:
        return await client.post(
            f"/upload{query}", content=body, headers={"content-type": CONTENT_TYPE, **headers}
        )


def error(response: httpx.Response) -> dict[str, Any]:
    body: dict[str, Any] = response.json()["error"]
    return body


# --- a raw HTTP client -------------------------------------------------------------------------


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: dict[str, Any]
    sent: int  # bytes the client got out before it stopped (or the server closed)
    closed: bool  # the server closed the connection after answering


def request_head(query: str = "", *, length: int | None, chunked: bool = False) -> bytes:
    lines = [f"POST /upload{query} HTTP/1.1", "Host: 127.0.0.1", f"Content-Type: {CONTENT_TYPE}"]
    if length is not None:
        lines.append(f"Content-Length: {length}")
    if chunked:
        lines.append("Transfer-Encoding: chunked")
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def chunked(data: bytes, size: int = 64 * KIB) -> list[bytes]:
    return [
        b"%x\r\n" % len(data[i : i + size]) + data[i : i + size] + b"\r\n"
        for i in range(0, len(data), size)
    ]


async def send_then_read(port: int, head: bytes, body: list[bytes]) -> Answer:
    """Send `head` and the pieces of `body`, then stop sending (never finishing the request
    the head announced, where it announced more) and read the answer."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    sent = 0
    try:
        async with asyncio.timeout(5):
            try:
                for piece in [head, *body]:
                    writer.write(piece)
                    await writer.drain()
                    sent += len(piece)
            except ConnectionError:
                pass  # the server answered and closed: what it said is still to be read
            return await read_answer(reader, sent)
    finally:
        writer.close()


async def read_answer(reader: asyncio.StreamReader, sent: int) -> Answer:
    status_line, *lines = (await reader.readuntil(b"\r\n\r\n")).decode().split("\r\n")
    headers = {}
    for line in lines:
        if line:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
    body = json.loads(await reader.readexactly(int(headers["content-length"])))
    try:
        closed = await asyncio.wait_for(reader.read(1), 2) == b""
    except ConnectionResetError:
        closed = True
    return Answer(int(status_line.split()[1]), headers, body, sent, closed)


# --- what is received --------------------------------------------------------------------------


async def test_one_file(port: int, record: Record) -> None:
    data = b"hello, parley\n" * 100
    response = await post(port, form(Part("file", data, "notes.txt", "text/plain")))
    assert response.status_code == 200, response.text
    assert response.json() == {
        "files": [
            {
                "filename": "notes.txt",
                "declaredType": "text/plain",
                "size": len(data),
                "sha256": digest(data),
                "onDisk": digest(data),
                "mode": 0o600,
                "inSpool": True,
            }
        ],
        "fields": {},
    }
    assert record.seen == record.created and len(record.seen) == 1


async def test_several_files_in_order(port: int, record: Record) -> None:
    # The big one spans several write batches and many chunks of body.
    datas = [b"", b"x" * 10, bytes(range(256)) * (10 * KIB)]
    response = await post(
        port,
        form(*(file(data, f"f{i}.bin") for i, data in enumerate(datas))),
        query=f"?max_file={3 * MIB}",
    )
    assert response.status_code == 200, response.text
    got = response.json()["files"]
    assert [f["filename"] for f in got] == ["f0.bin", "f1.bin", "f2.bin"]
    assert [f["size"] for f in got] == [len(data) for data in datas]
    assert [f["sha256"] for f in got] == [digest(data) for data in datas]
    assert [f["onDisk"] for f in got] == [digest(data) for data in datas]
    assert len(record.seen) == 3


async def test_plain_fields(port: int) -> None:
    body = form(
        Part("body", "Bonjour, ça marche ✓".encode()),
        file(b"data"),
        Part("internal", b"true"),
        Part("empty", b""),
    )
    response = await post(port, body)
    assert response.status_code == 200, response.text
    assert response.json()["fields"] == {
        "body": "Bonjour, ça marche ✓",
        "internal": "true",
        "empty": "",
    }


@pytest.mark.parametrize(
    ("parameters", "expected"),
    [
        # RFC 5987 beside an ASCII fallback: the extended name wins.
        (
            "filename=resume.pdf; filename*=UTF-8''r%C3%A9sum%C3%A9%20%E2%9C%93.pdf",
            "résumé ✓.pdf",
        ),
        ("filename*=utf-8'en'na%C3%AFve.txt", "naïve.txt"),
        ("filename*=ISO-8859-1''caf%E9.txt", "café.txt"),
        # Browsers send the UTF-8 bytes as they are.
        ('filename="日本語.txt"', "日本語.txt"),
        # Text that looks like a parameter inside a quoted name is the name.
        ("filename=\"a; filename*=UTF-8''evil.exe\"", "a; filename*=UTF-8''evil.exe"),
        # An extended name that does not decode: the fallback, or "".
        ("filename=plain.txt; filename*=KOI8-R''%C1", "plain.txt"),
        ("filename*=UTF-8''%FF%FE", ""),
    ],
)
async def test_file_names(port: int, parameters: str, expected: str) -> None:
    # Written byte for byte: the header as a client would send it, UTF-8 where it has any.
    raw = (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; {parameters}\r\n'.encode()
        + b"Content-Type: text/plain\r\n\r\ndata\r\n"
        + f"--{BOUNDARY}--\r\n".encode()
    )
    response = await post(port, raw)
    assert response.status_code == 200, response.text
    assert response.json()["files"][0]["filename"] == expected


# --- refused before the body -------------------------------------------------------------------


@pytest.mark.parametrize(
    "content_type", ["application/json", "application/x-www-form-urlencoded", "text/plain"]
)
async def test_not_multipart_is_415(port: int, content_type: str) -> None:
    response = await post(port, b"{}", **{"content-type": content_type})
    assert response.status_code == 415
    assert error(response)["code"] == "unsupported_media_type"
    assert response.headers["connection"] == "close"


@pytest.mark.parametrize(
    "content_type",
    [
        "multipart/form-data",
        "multipart/form-data; boundary=",
        "multipart/form-data; boundary=" + "b" * 71,
        'multipart/form-data; boundary="bad\\"quote"',
    ],
)
async def test_bad_boundary_is_400(port: int, content_type: str) -> None:
    response = await post(port, form(file(b"x")), **{"content-type": content_type})
    assert response.status_code == 400
    assert error(response)["code"] == "bad_request"
    assert "boundary" in error(response)["message"]


async def test_request_limit_by_content_length_reads_no_body(port: int, record: Record) -> None:
    head = request_head("?max_request=1048576", length=100 * MIB)
    answer = await send_then_read(port, head, [])
    assert answer.sent == len(head)  # not a byte of body
    assert answer.status == 413
    assert answer.body["error"] == {
        "code": "payload_too_large",
        "message": "The upload is larger than the limit of 1 MiB.",
        "limitBytes": MIB,
    }
    assert answer.headers["connection"] == "close"
    assert answer.closed
    assert record.created == []


# --- refused while streaming -------------------------------------------------------------------


async def test_truncated_body_is_400(port: int, record: Record) -> None:
    response = await post(port, form(file(b"x" * 1000), closed=False))
    assert response.status_code == 400
    assert error(response) == {
        "code": "bad_request",
        "message": "The multipart body ended before its closing boundary.",
    }
    assert len(record.created) == 1  # made, then removed


@pytest.mark.parametrize(
    "body",
    [
        b"not multipart at all",
        f"--{BOUNDARY}\r\nno colon here\r\n\r\nx\r\n--{BOUNDARY}--\r\n".encode(),
        form(Part("file", b"x", disposition='attachment; name="file"; filename="a"')),
        form(Part("file", b"x", disposition="form-data")),  # no name
        form(file(b"x", "a.txt"), Part("note", b"\xff\xfe")),  # not UTF-8
        form(Part("file", b"eA==", "a.txt", extra_headers=["Content-Transfer-Encoding: base64"])),
        # A part's headers past python-multipart's limits: one too long, too many.
        form(Part("file", b"x", "a.txt", extra_headers=["X-Pad: " + "p" * 5000])),
        form(Part("file", b"x", "a.txt", extra_headers=[f"X-{i}: y" for i in range(8)])),
    ],
    ids=[
        "garbage",
        "bad-header",
        "not-form-data",
        "no-name",
        "not-utf8-field",
        "transfer-encoding",
        "long-header",
        "many-headers",
    ],
)
async def test_malformed_body_is_400(port: int, body: bytes) -> None:
    response = await post(port, body)
    assert response.status_code == 400, response.text
    assert error(response)["code"] == "bad_request"


@pytest.mark.parametrize(
    "body",
    [
        form(Part("note", b"no file here")),
        # A browser's file input with no file chosen: an empty part with an empty name.
        form(Part("file", b"", filename=""), Part("note", b"hi")),
    ],
    ids=["fields-only", "no-file-chosen"],
)
async def test_zero_files_is_422(port: int, body: bytes) -> None:
    response = await post(port, body)
    assert response.status_code == 422
    assert error(response) == {
        "code": "validation_failed",
        "message": "The request is not valid.",
        "fields": {"file": "Attach at least one file."},
    }
    assert "connection" not in response.headers  # the body was read: the connection lives


async def test_file_under_another_name_is_422(port: int) -> None:
    response = await post(port, form(file(b"x", name="upload")))
    assert response.status_code == 422
    assert error(response)["fields"] == {"upload": "Unknown file field."}


async def test_file_field_without_filename_is_422(port: int) -> None:
    response = await post(port, form(Part("file", b"text, not a file")))
    assert response.status_code == 422
    assert error(response)["fields"] == {"file": "Must be a file (a part with a filename)."}


async def test_file_over_its_limit_is_413(port: int, record: Record) -> None:
    body = form(file(b"small", "ok.txt"), file(b"z" * (MIB + 1), "big.bin"))
    response = await post(port, body, query=f"?max_file={MIB}")
    assert response.status_code == 413
    assert error(response) == {
        "code": "payload_too_large",
        "message": 'The file "big.bin" is larger than the limit of 1 MiB.',
        "file": "big.bin",
        "limitBytes": MIB,
    }
    assert response.headers["connection"] == "close"
    assert len(record.created) == 2


async def test_exactly_the_limit_is_fine(port: int) -> None:
    response = await post(port, form(file(b"z" * (512 * KIB))), query=f"?max_file={512 * KIB}")
    assert response.status_code == 200, response.text
    assert response.json()["files"][0]["size"] == 512 * KIB


@pytest.mark.parametrize(
    ("parts", "details"),
    [
        ([Part(f"f{i}", b"v") for i in range(MAX_FIELDS + 1)], {"limit": MAX_FIELDS}),
        (
            [Part("note", b"n" * (MAX_FIELD_BYTES + 1))],
            {"field": "note", "limitBytes": MAX_FIELD_BYTES},
        ),
    ],
    ids=["too-many-fields", "field-too-long"],
)
async def test_field_limits_are_413(port: int, parts: list[Part], details: dict[str, Any]) -> None:
    response = await post(port, form(file(b"x"), *parts))
    assert response.status_code == 413
    body = error(response)
    assert body["code"] == "payload_too_large"
    assert {key: body[key] for key in details} == details


async def test_duplicate_field_is_422(port: int) -> None:
    response = await post(port, form(file(b"x"), Part("note", b"a"), Part("note", b"b")))
    assert response.status_code == 422
    assert error(response)["fields"] == {"note": "Send it once."}


async def test_request_limit_while_chunked_is_413(port: int, record: Record) -> None:
    # Each file within its limit; together past the request's. No Content-Length to go by.
    body = form(file(b"a" * (600 * KIB), "a.bin"), file(b"b" * (600 * KIB), "b.bin"))
    query = f"?max_request={MIB}&max_file={MIB}"
    pieces = chunked(body[: MIB + 200 * KIB])  # then the client stops, the body unfinished
    answer = await send_then_read(port, request_head(query, length=None, chunked=True), pieces)
    assert answer.status == 413
    assert answer.body["error"]["limitBytes"] == MIB
    assert answer.headers["connection"] == "close"
    assert answer.closed
    assert len(record.created) == 2


async def test_too_many_files_refused_as_the_next_begins(port: int, record: Record) -> None:
    # Two files, then the head of a third and some of its bytes, of a body announced as far
    # longer: the answer comes without the rest.
    sent = form(file(b"1"), file(b"2"), closed=False) + file(b"3" * KIB).head() + b"3" * KIB
    answer = await send_then_read(port, request_head("?max_files=2", length=5 * MIB), [sent])
    assert answer.status == 413
    assert answer.body["error"] == {
        "code": "too_many_files",
        "message": "At most 2 files can be sent at once.",
        "limit": 2,
    }
    assert answer.closed
    assert len(record.created) == 2  # the third never got a file


async def test_client_that_hangs_up_mid_upload(port: int, record: Record) -> None:
    _, writer = await asyncio.open_connection("127.0.0.1", port)
    body = form(file(b"q" * (3 * MIB)))
    writer.write(request_head(f"?max_file={4 * MIB}", length=len(body)))
    writer.write(body[: len(body) // 2])
    await writer.drain()
    await wait_until(
        lambda: record.created and record.created[0].exists(),
        within=5,
        what="the upload's temporary file made",
        every=0.01,
    )
    writer.close()
    await writer.wait_closed()
    await wait_until(
        lambda: record.disconnects and not record.created[0].exists(),
        within=5,
        what="the temporary file removed after the client left",
        every=0.01,
    )
    assert record.disconnects == 1  # Starlette's stream raised ClientDisconnect through it
    assert record.seen == []


# --- the answer comes before the rest of the body ----------------------------------------------


@pytest.mark.parametrize("protocol", PROTOCOLS)
async def test_413_before_the_rest_is_read(
    ports: dict[str, int], protocol: str, record: Record
) -> None:
    """A body announced as 200 MB (within the request limit, so not refused by its
    Content-Length) whose file passes its 1 MiB limit: the client sends 1.5 MiB and stops;
    the answer must come anyway, and the server then closes the connection rather than wait
    for (or read) the other 198.5 MB."""
    declared = 200_000_000
    start = file(b"").head()
    data = b"\x00" * (3 * MIB // 2)
    pieces = [start] + [data[i : i + 64 * KIB] for i in range(0, len(data), 64 * KIB)]
    query = f"?max_file={MIB}&max_request={256 * MIB}"
    answer = await send_then_read(ports[protocol], request_head(query, length=declared), pieces)
    assert answer.status == 413
    assert answer.body["error"]["code"] == "payload_too_large"
    assert answer.body["error"]["limitBytes"] == MIB
    assert answer.sent <= 2 * MIB  # of 200 MB announced
    assert answer.headers["connection"] == "close"
    assert answer.closed
    assert len(record.created) == 1


# --- cancellation ------------------------------------------------------------------------------


async def test_cancelled_mid_stream_removes_the_files(record: Record) -> None:
    # In process: a task cancelled while it waits for more body (a server shutting down).
    body = form(file(b"c" * (2 * MIB)))
    waiting = asyncio.Event()
    messages = [{"type": "http.request", "body": body[: 3 * MIB // 2], "more_body": True}]

    async def receive() -> dict[str, Any]:
        if messages:
            return messages.pop()
        waiting.set()
        await asyncio.Event().wait()  # the rest never comes
        raise AssertionError("unreachable")

    scope = {
        "type": "http",
        "method": "POST",
        "path": "/upload",
        "query_string": b"",
        "headers": [(b"content-type", CONTENT_TYPE.encode())],
    }

    async def consume() -> None:
        request = Request(scope, receive)
        async with receive_upload(
            request, max_file_bytes=4 * MIB, max_request_bytes=8 * MIB, max_files=1,
            spool_dir=record.spool,
        ):  # fmt: skip
            raise AssertionError("the body never finished")

    task = asyncio.create_task(consume())
    await asyncio.wait_for(waiting.wait(), 5)
    assert record.created[0].stat().st_size > 0  # a batch is written, more is awaited
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert not record.created[0].exists()


async def test_write_in_flight_when_discarded(record: Record) -> None:
    """The thread still writing when its file is discarded closes the descriptor itself once
    done, so it is never closed (and its number reused by another file) under the write."""
    spool = SpoolFile("a.bin", "", record.spool)
    entered, release = threading.Event(), threading.Event()
    real_hash = hashlib.sha256()

    class SlowHash:
        def update(self, data: bytes) -> None:
            entered.set()
            release.wait(5)
            real_hash.update(data)

    spool._hash = SlowHash()  # type: ignore[assignment]
    spool.append(b"w" * WRITE_BATCH_BYTES)
    writing = asyncio.create_task(spool.write_batch())
    await asyncio.to_thread(entered.wait, 5)
    writing.cancel()  # the task gives up; its thread goes on
    with pytest.raises(asyncio.CancelledError):
        await writing
    fd = spool._fd
    assert fd is not None
    spool.discard()
    assert not spool.path.exists()
    os.fstat(fd)  # still open: the write holds it
    release.set()
    await wait_until(lambda: spool._fd is None, within=5, what="descriptor closed", every=0.01)
    with pytest.raises(OSError):
        os.fstat(fd)
