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

import re
from collections.abc import AsyncIterator
from contextlib import aclosing, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from python_multipart.exceptions import FormParserError
from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.requests import Request

from server.attachments import part_headers
from server.attachments.spool import ReceivedFile, SpoolFile
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

# RFC 2046 section 5.1.1: 1 to 70 characters from this set, the last not a space.
_BOUNDARY = re.compile(r"[0-9A-Za-z'()+_,\-./:=? ]{0,69}[0-9A-Za-z'()+_,\-./:=?]")
_PLAIN_ENCODINGS = (b"7bit", b"8bit", b"binary")


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
        self._spools: list[SpoolFile] = []  # every temporary file made, removed at the end
        self._ended: list[SpoolFile] = []  # parts ended in the last chunk, not yet written
        self._file_parts = 0
        self._field_parts = 0
        # The part being parsed.
        self._headers: dict[bytes, bytes] = {}
        self._header_name = bytearray()
        self._header_value = bytearray()
        self._spool: SpoolFile | None = None
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
        name, filename = part_headers.disposition(self._headers.get(b"content-disposition"))
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
        self._spool = SpoolFile(filename, declared_type, self.spool_dir)
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
