"""Receiving uploaded files: a streaming multipart/form-data reader with limits.

`receive_upload` feeds the request body to python-multipart's push parser chunk by chunk, as
the ASGI server delivers it, so no body is ever held whole: each file's bytes go to a private
temporary file, counted and hashed (SHA-256) on the way. Every limit is enforced the moment
it is passed, not once the body is in:

- a declared Content-Length above `max_request_bytes`: 413 before a byte of body is read;
- more bytes received than `max_request_bytes` (chunked, or a Content-Length that lied): 413;
- one file above `max_file_bytes`: 413 naming it; the file part after `max_files`: 413
  `too_many_files`;
- plain fields: at most MAX_FIELDS, of at most MAX_FIELD_BYTES each (413); a part's headers:
  at most MAX_PART_HEADERS lines of at most MAX_PART_HEADER_BYTES each (400, python-multipart).

An error raised before the body is all in carries `Connection: close`: the rest of the body
may still be on its way, and the server would otherwise read it only to throw it away. The
temporary files are removed when the `async with` block exits, however it exits: normally,
on an error, when the client disconnects (`ClientDisconnect`) or when the task is cancelled.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import re
import tempfile
import threading
from collections.abc import AsyncIterator
from contextlib import aclosing, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote_to_bytes

from python_multipart.exceptions import FormParserError
from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.requests import Request

from server.errors import (
    BadRequest,
    ParleyError,
    PayloadTooLarge,
    TooManyFiles,
    UnsupportedMediaType,
    ValidationFailed,
)

KIB = 1024
MIB = 1024 * KIB
GIB = 1024 * MIB
MAX_FIELDS = 20
MAX_FIELD_BYTES = 8 * KIB
MAX_PART_HEADERS = 8
MAX_PART_HEADER_BYTES = 4 * KIB
# A file's bytes are written out in batches this large: big enough that the hop to a worker
# thread is paid rarely, small enough that uploads in flight hold little memory each.
WRITE_BATCH_BYTES = 1 * MIB

# RFC 2046 section 5.1.1: 1 to 70 characters from this set, the last not a space.
_BOUNDARY = re.compile(r"[0-9A-Za-z'()+_,\-./:=? ]{0,69}[0-9A-Za-z'()+_,\-./:=?]")
# One `; name=value` parameter of a header; the value a quoted string (which may hold a `;`,
# or text that looks like another parameter) or anything up to the next `;`.
_PARAMETER = re.compile(r';[ \t]*([^ \t=;]+)[ \t]*=[ \t]*("(?:[^"\\]|\\.)*"|[^;]*)')
_PLAIN_ENCODINGS = (b"7bit", b"8bit", b"binary")


@dataclass
class ReceivedFile:
    filename: str  # the name the client sent (raw, unsanitised; "" when none)
    declared_type: str  # the part's Content-Type as sent (informational only)
    path: Path  # a private temporary file holding the bytes
    size: int
    sha256: str  # hex digest, computed while streaming


@dataclass
class Upload:
    files: list[ReceivedFile]
    fields: dict[str, str]  # plain (non-file) fields


@asynccontextmanager
async def receive_upload(
    request: Request,
    *,
    max_file_bytes: int,
    max_request_bytes: int,
    max_files: int,
    field: str = "file",
    spool_dir: Path | None = None,
) -> AsyncIterator[Upload]:
    """The files (parts named `field` that carry a filename) and plain fields of a
    multipart/form-data request, read as it streams in; the files' temporary copies (in
    `spool_dir`, or the system's temporary directory) exist until the block exits. Move a
    file away inside the block to keep it.

    415 for another media type; 400 for a missing boundary, a malformed or truncated body, or
    a field that is not UTF-8; 413 past a limit (see the module's docstring); 422 for a file
    under another name, or for no file at all.
    """
    reader: _FormReader | None = None
    try:
        try:
            boundary = _boundary(request)
            _refuse_declared_length(request, max_request_bytes)
            reader = _FormReader(
                boundary,
                max_file_bytes=max_file_bytes,
                max_request_bytes=max_request_bytes,
                max_files=max_files,
                field=field,
                spool_dir=spool_dir,
            )
            await reader.read(request)
        except ParleyError as exc:
            # Without it uvicorn (httptools and h11 alike) reads the unread rest of the body,
            # however large, only to drop it and keep the connection alive.
            exc.headers.setdefault("Connection", "close")
            raise
        if not reader.files:
            raise ValidationFailed(
                "The request is not valid.", fields={field: "Attach at least one file."}
            )
        yield Upload(files=list(reader.files), fields=dict(reader.fields))
    finally:
        if reader is not None:
            reader.discard()


def _boundary(request: Request) -> bytes:
    media_type, options = parse_options_header(request.headers.get("content-type"))
    if media_type != b"multipart/form-data":
        raise UnsupportedMediaType("Send files as multipart/form-data.")
    boundary = options.get(b"boundary", b"")
    if not _BOUNDARY.fullmatch(boundary.decode("latin-1")):
        raise BadRequest(
            "The multipart/form-data Content-Type needs a boundary of 1 to 70 characters."
        )
    return boundary


def _refuse_declared_length(request: Request, limit: int) -> None:
    # The HTTP server has already refused a Content-Length that is not a number.
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise _request_too_large(limit)


def _request_too_large(limit: int) -> PayloadTooLarge:
    return PayloadTooLarge(
        f"The upload is larger than the limit of {size_words(limit)}.",
        details={"limitBytes": limit},
    )


def size_words(size: int) -> str:
    """`size` bytes as a person reads a limit: "25 MiB", "1.5 MiB", "8 KiB", "100 bytes"."""
    for unit, scale in (("GiB", GIB), ("MiB", MIB), ("KiB", KIB)):
        if size >= scale:
            return f"{size / scale:.1f}".removesuffix(".0") + f" {unit}"
    return f"{size} bytes"


class _FormReader:
    """Feeds the body to the parser; its callbacks sort the parts and enforce the limits.

    The callbacks are synchronous, so a file's bytes are only collected there; `read` writes
    them out between two chunks of body.
    """

    def __init__(
        self,
        boundary: bytes,
        *,
        max_file_bytes: int,
        max_request_bytes: int,
        max_files: int,
        field: str,
        spool_dir: Path | None,
    ) -> None:
        self.max_file_bytes = max_file_bytes
        self.max_request_bytes = max_request_bytes
        self.max_files = max_files
        self.field = field
        self.spool_dir = spool_dir
        self.files: list[ReceivedFile] = []
        self.fields: dict[str, str] = {}
        self._received = 0
        self._complete = False  # the closing boundary was parsed
        self._spools: list[_SpoolFile] = []  # every temporary file made, removed at the end
        self._ended: list[_SpoolFile] = []  # parts ended in the last chunk, not yet written
        self._file_parts = 0
        self._field_parts = 0
        # The part being parsed.
        self._headers: dict[bytes, bytes] = {}
        self._header_name = bytearray()
        self._header_value = bytearray()
        self._spool: _SpoolFile | None = None
        self._field_name: str | None = None
        self._field_value = bytearray()
        self._parser = MultipartParser(
            boundary,
            callbacks={
                "on_part_begin": self._on_part_begin,
                "on_header_field": self._on_header_field,
                "on_header_value": self._on_header_value,
                "on_header_end": self._on_header_end,
                "on_headers_finished": self._on_headers_finished,
                "on_part_data": self._on_part_data,
                "on_part_end": self._on_part_end,
                "on_end": self._on_end,
            },
            max_header_count=MAX_PART_HEADERS,
            max_header_size=MAX_PART_HEADER_BYTES,
        )

    async def read(self, request: Request) -> None:
        # `aclosing`: a limit may stop the loop early; the stream must not outlive it.
        async with aclosing(request.stream()) as chunks:
            async for chunk in chunks:
                self._received += len(chunk)
                if self._received > self.max_request_bytes:
                    raise _request_too_large(self.max_request_bytes)
                try:
                    self._parser.write(chunk)
                except FormParserError as exc:
                    raise BadRequest(f"The multipart body is malformed: {exc}") from None
                await self._write_out()
        if not self._complete:
            raise BadRequest("The multipart body ended before its closing boundary.")

    async def _write_out(self) -> None:
        while self._ended:
            self.files.append(await self._ended.pop(0).finish())
        if self._spool is not None and self._spool.batch_full:
            await self._spool.write_batch()

    def discard(self) -> None:
        for spool in self._spools:
            spool.discard()

    # --- the parser's callbacks ---------------------------------------------------------------

    def _on_part_begin(self) -> None:
        self._headers = {}

    def _on_header_field(self, data: bytes, start: int, end: int) -> None:
        self._header_name += data[start:end]

    def _on_header_value(self, data: bytes, start: int, end: int) -> None:
        self._header_value += data[start:end]

    def _on_header_end(self) -> None:
        name = bytes(self._header_name).strip().lower()
        self._headers[name] = bytes(self._header_value).strip(b" \t")
        self._header_name.clear()
        self._header_value.clear()

    def _on_headers_finished(self) -> None:
        name, filename = _disposition(self._headers.get(b"content-disposition"))
        encoding = self._headers.get(b"content-transfer-encoding", b"binary").lower()
        if encoding not in _PLAIN_ENCODINGS:
            # RFC 7578 section 4.7 deprecates it; no browser or HTTP library sends one.
            raise BadRequest("Parts with a Content-Transfer-Encoding are not supported.")
        if filename is None and name == self.field:
            raise ValidationFailed(
                "The request is not valid.",
                fields={name: "Must be a file (a part with a filename)."},
            )
        if filename is None:
            self._begin_field(name)
        elif name != self.field:
            unknown = {name: "Unknown file field."}
            raise ValidationFailed("The request is not valid.", fields=unknown)
        else:
            self._begin_file(filename)

    def _begin_file(self, filename: str) -> None:
        self._file_parts += 1
        if self._file_parts > self.max_files:
            raise TooManyFiles(
                f"At most {self.max_files} files can be sent at once.",
                details={"limit": self.max_files},
            )
        declared_type = self._headers.get(b"content-type", b"").decode("latin-1")
        # Creating the file blocks the loop once per file (at most `max_files`): a metadata
        # write, not worth a thread.
        self._spool = _SpoolFile(filename, declared_type, self.spool_dir)
        self._spools.append(self._spool)

    def _begin_field(self, name: str) -> None:
        self._field_parts += 1
        if self._field_parts > MAX_FIELDS:
            raise PayloadTooLarge(
                f"At most {MAX_FIELDS} form fields can be sent with files.",
                details={"limit": MAX_FIELDS},
            )
        self._field_name = name
        self._field_value.clear()

    def _on_part_data(self, data: bytes, start: int, end: int) -> None:
        if self._spool is not None:
            if self._spool.size + end - start > self.max_file_bytes:
                raise PayloadTooLarge(
                    f'The file "{self._spool.filename}" is larger than the limit of '
                    f"{size_words(self.max_file_bytes)}.",
                    details={"file": self._spool.filename, "limitBytes": self.max_file_bytes},
                )
            self._spool.append(data[start:end])
        elif self._field_name is not None:
            if len(self._field_value) + end - start > MAX_FIELD_BYTES:
                raise PayloadTooLarge(
                    f'The field "{self._field_name}" is longer than the limit of '
                    f"{size_words(MAX_FIELD_BYTES)}.",
                    details={"field": self._field_name, "limitBytes": MAX_FIELD_BYTES},
                )
            self._field_value += data[start:end]

    def _on_part_end(self) -> None:
        spool, self._spool = self._spool, None
        if spool is not None and spool.size == 0 and not spool.filename:
            # A browser's file input with no file chosen: an empty part with an empty name.
            spool.discard()
            self._file_parts -= 1
        elif spool is not None:
            self._ended.append(spool)
        elif self._field_name is not None:
            name, self._field_name = self._field_name, None
            try:
                value = self._field_value.decode("utf-8")
            except UnicodeDecodeError:
                raise BadRequest(f'The field "{name}" is not UTF-8 text.') from None
            if name in self.fields:
                raise ValidationFailed("The request is not valid.", fields={name: "Send it once."})
            self.fields[name] = value

    def _on_end(self) -> None:
        self._complete = True


def _disposition(header: bytes | None) -> tuple[str, str | None]:
    """A part's field name and filename (None for a plain field) from its
    Content-Disposition; 400 unless it is `form-data` with a name, as RFC 7578 requires."""
    if header is None:
        raise BadRequest("A part of the multipart body has no Content-Disposition.")
    disposition, options = parse_options_header(header)
    name = options.get(b"name")
    if disposition != b"form-data" or name is None:
        raise BadRequest("A part's Content-Disposition must be form-data with a name.")
    return _text(name), _filename(header.decode("latin-1"), options)


def _filename(header: str, options: dict[bytes, bytes]) -> str | None:
    """RFC 5987's `filename*` where the client sent one that decodes, else `filename`; ""
    for a `filename*` alone that does not decode; None when the part has neither.

    python-multipart drops `filename*` (RFC 7578 section 4.2 forbids it in forms), but some
    clients send it, alone or beside an ASCII `filename` as RFC 6266 suggests for downloads;
    where both are sent, the extended one is the real name."""
    extended = _parameter(header, "filename*")
    if extended is not None:
        decoded = _decode_extended(extended)
        if decoded is not None:
            return decoded
    plain = options.get(b"filename")
    if plain is not None:
        return _text(plain)
    return "" if extended is not None else None


def _parameter(header: str, wanted: str) -> str | None:
    for match in _PARAMETER.finditer(header):
        if match.group(1).lower() == wanted:
            return match.group(2).strip(" \t")
    return None


def _decode_extended(value: str) -> str | None:
    """An RFC 5987 `charset'language'percent-encoded` value; None if it is not one."""
    if len(value) >= 2 and value[0] == value[-1] == '"':
        value = value[1:-1]  # quoted, which RFC 5987 does not allow but some clients do
    charset, _, rest = value.partition("'")
    _, quote, encoded = rest.partition("'")
    charset = charset.lower()
    if not quote or charset not in ("utf-8", "iso-8859-1"):
        return None
    try:
        # `value` came from header bytes read as latin-1: back to those bytes, then unquoted.
        return unquote_to_bytes(encoded.encode("latin-1")).decode(charset)
    except UnicodeDecodeError:
        return None


def _text(raw: bytes) -> str:
    # Browsers send names as UTF-8; anything else is taken as latin-1 rather than refused.
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


class _SpoolFile:
    """One uploaded file on its way into a private temporary file.

    The parser's callbacks only collect bytes; each batch of WRITE_BATCH_BYTES is hashed and
    written in a worker thread, so a slow or busy disk stalls that thread, never the event
    loop (uvicorn hands over at most 64 KiB at a time: a thread hop per chunk would cost more
    than the write; one per batch does not).
    """

    def __init__(self, filename: str, declared_type: str, directory: Path | None) -> None:
        # mkstemp: created exclusively, mode 0600, under a name no one can guess.
        fd, name = tempfile.mkstemp(prefix="parley-upload-", dir=directory)
        self.filename = filename
        self.declared_type = declared_type
        self.path = Path(name)
        self.size = 0
        self._hash = hashlib.sha256()
        self._batch: list[bytes] = []
        self._batched = 0
        # A write goes on in its thread after the task awaiting it is cancelled. Whichever of
        # the write and `discard` comes last closes the descriptor, so it is never closed (and
        # its number reused by another file) under a write. The lock guards these three only.
        self._lock = threading.Lock()
        self._fd: int | None = fd
        self._writing = False
        self._discarded = False

    def append(self, data: bytes) -> None:
        self.size += len(data)
        self._batch.append(data)
        self._batched += len(data)

    @property
    def batch_full(self) -> bool:
        return self._batched >= WRITE_BATCH_BYTES

    async def write_batch(self) -> None:
        if self._batch:
            data = b"".join(self._batch)
            self._batch.clear()
            self._batched = 0
            await asyncio.to_thread(self._write, data)

    async def finish(self) -> ReceivedFile:
        """The file, all written and closed."""
        await self.write_batch()
        self._close(discarded=False)
        return ReceivedFile(
            filename=self.filename,
            declared_type=self.declared_type,
            path=self.path,
            size=self.size,
            sha256=self._hash.hexdigest(),
        )

    def discard(self) -> None:
        """Remove the file now; its descriptor is closed now, or when a write in flight ends."""
        self.path.unlink(missing_ok=True)
        self._close(discarded=True)

    def _write(self, data: bytes) -> None:  # in a worker thread
        with self._lock:
            if self._fd is None or self._discarded:
                return
            fd = self._fd
            self._writing = True
        try:
            self._hash.update(data)
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
        finally:
            with self._lock:
                self._writing = False
            if self._discarded:
                self._close(discarded=True)

    def _close(self, *, discarded: bool) -> None:
        with self._lock:
            self._discarded = self._discarded or discarded
            fd = None if self._writing else self._fd
            if fd is not None:
                self._fd = None
        if fd is not None:
            os.close(fd)
