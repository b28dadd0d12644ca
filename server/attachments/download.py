"""Serving a stored file so that nothing uploaded can ever run as a page of Parley's.

Every answer carries the type read from the bytes at upload, `X-Content-Type-Options:
nosniff` (the browser may not guess another), `Content-Disposition: attachment` (inline only
for raster images Pillow decoded in full), and a Content-Security-Policy with `sandbox` and
no sources: were a browser to render it anyway, it would be a unique origin with scripts,
forms, plugins and requests all off. A single byte range (`Range: bytes=…`) is honoured so
large files resume; several ranges get the whole file (allowed by RFC 9110).
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from server.attachments.models import Attachment
from server.attachments.storage import Storage
from server.errors import ErrorCode, NotFound, ParleyError

CONTENT_SECURITY_POLICY = "sandbox; default-src 'none'; img-src 'self'; style-src 'unsafe-inline'"
_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


class RangeNotSatisfiable(ParleyError):
    code = ErrorCode.BAD_REQUEST
    status = 416


def content_disposition(filename: str, *, inline: bool) -> str:
    """RFC 6266: an ASCII fallback name (quotes, backslashes and controls replaced) and the
    real one percent-encoded as UTF-8, so no name can break out of the header."""
    kind = "inline" if inline else "attachment"
    fallback = "".join(c if 32 <= ord(c) < 127 and c not in '"\\%' else "_" for c in filename)
    return f"{kind}; filename=\"{fallback or 'file'}\"; filename*=UTF-8''{quote(filename, safe='')}"


def safe_headers(content_type: str, filename: str, *, inline: bool) -> dict[str, str]:
    return {
        "Content-Type": content_type,
        "Content-Disposition": content_disposition(filename, inline=inline),
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": CONTENT_SECURITY_POLICY,
        "Referrer-Policy": "no-referrer",
        "Cross-Origin-Opener-Policy": "same-origin",
        "Cache-Control": "private, max-age=300",
        "Accept-Ranges": "bytes",
    }


def _range(header: str | None, size: int) -> tuple[int, int] | None:
    """(start, length) for one satisfiable range, None for the whole file; 416 otherwise."""
    if not header:
        return None
    match = _RANGE.match(header.strip().replace(" ", ""))
    if match is None:
        return None  # several ranges, or another unit: the whole file
    first, last = match.groups()
    if first == "" and last == "":
        return None
    if first == "":
        length = min(int(last), size)
        if length == 0:
            raise _unsatisfiable(size)
        return size - length, length
    start = int(first)
    end = min(int(last), size - 1) if last else size - 1
    if start >= size or end < start:
        raise _unsatisfiable(size)
    return start, end - start + 1


def _unsatisfiable(size: int) -> RangeNotSatisfiable:
    return RangeNotSatisfiable(
        "The requested range is outside the file.", headers={"Content-Range": f"bytes */{size}"}
    )


async def serve_file(request: Request, attachment: Attachment, storage: Storage) -> Response:
    """The attachment's bytes with the headers above (HEAD: the headers alone)."""
    blob = await attachment.blob
    headers = safe_headers(attachment.content_type, attachment.filename, inline=attachment.image)
    headers["ETag"] = f'"{blob.sha256}"'
    wanted = _range(request.headers.get("range"), attachment.size)
    status = 200
    start, length = 0, attachment.size
    if wanted is not None:
        start, length = wanted
        status = 206
        headers["Content-Range"] = f"bytes {start}-{start + length - 1}/{attachment.size}"
    headers["Content-Length"] = str(length)
    if request.method == "HEAD":
        return Response(status_code=status, headers=headers)
    body = storage.read(blob.key, start=start, length=length)
    first = await _first_chunk(body)
    return StreamingResponse(_chain(first, body), status_code=status, headers=headers)


async def serve_thumbnail(attachment: Attachment, storage: Storage) -> Response:
    """The image's thumbnail (made by Parley from the decoded pixels, without metadata)."""
    blob = await attachment.blob
    if not attachment.thumbnail or not blob.thumbnail_key:
        raise NotFound("This file has no thumbnail.")
    body = storage.read(blob.thumbnail_key)
    first = await _first_chunk(body)
    head = first or b""
    kind = "image/png" if head.startswith(b"\x89PNG") else "image/jpeg"
    headers = safe_headers(kind, f"thumbnail-{attachment.id}", inline=True)
    return StreamingResponse(_chain(first, body), headers=headers)


async def _first_chunk(body: AsyncIterator[bytes]) -> bytes | None:
    """Read one chunk before answering: a file missing from storage is a 404 with the error
    shape, not a broken stream after a 200."""
    try:
        return await anext(body)
    except StopAsyncIteration:
        return None
    except FileNotFoundError:
        raise NotFound("The file's bytes are missing from storage.") from None


async def _chain(first: bytes | None, rest: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
    if first is not None:
        yield first
        async for chunk in rest:
            yield chunk
