"""Attachment bytes in an S3-compatible object store (AWS S3, MinIO, Ceph, R2, …).

One aiobotocore client per `S3Storage`, made on first use under a lock (so concurrent first
requests share one connection pool) and closed by `close()` at shutdown. With an endpoint URL
(anything but AWS itself) requests use path-style addressing, which every S3-compatible
server understands, and botocore sends checksums only where the API requires them: its newer
default headers (CRC32, aws-chunked bodies) are rejected by several such servers.

Uploads never hold a whole file in memory: a file up to `PART_BYTES` goes in one PutObject,
a larger one in a multipart upload of `PART_BYTES` parts read one at a time from disk (in a
thread, so the event loop never waits on the disk). A failed multipart upload is aborted;
should the abort fail too, a bucket lifecycle rule for incomplete uploads removes the parts.

Reads stream the object in `CHUNK_BYTES` chunks with an HTTP Range for partial reads. Keys are
checked with `check_key` before any request, then put under `prefix/` when a prefix is set,
so several deployments can share a bucket.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any, BinaryIO

from aiobotocore.config import AioConfig
from aiobotocore.session import AioSession, get_session

# botocore has no type hints either (pyproject.toml lists only aiobotocore as untyped).
from botocore.exceptions import BotoCoreError, ClientError  # type: ignore[import-untyped]

from server.attachments.keys import CHUNK_BYTES, check_key

# S3 takes parts of 5 MiB to 5 GiB (the last may be smaller) and at most 10,000 of them.
PART_BYTES = 8 * 1024 * 1024
MAX_PARTS = 10_000
CONNECT_TIMEOUT_SECONDS = 10
# Per socket read, not per request: a long download is fine while bytes keep coming.
READ_TIMEOUT_SECONDS = 60
# "standard" retries throttling, 5xx and dropped connections with jittered backoff.
RETRIES = {"max_attempts": 5, "mode": "standard"}
# Codes an S3-compatible server answers for a key with nothing under it (HEAD has no body,
# so only its status says so).
_MISSING_CODES = frozenset({"NoSuchKey", "NotFound", "404"})


class S3Storage:
    """Blobs as objects in one bucket of an S3-compatible store (see the module doc)."""

    def __init__(
        self,
        *,
        bucket: str,
        endpoint_url: str | None = None,
        region: str = "us-east-1",
        access_key_id: str | None = None,
        secret_access_key: str | None = None,
        prefix: str = "",
    ) -> None:
        self.bucket = bucket
        self.endpoint_url = endpoint_url
        self.region = region
        self.prefix = prefix.strip("/")
        # None: botocore's usual chain (environment, shared config, instance role).
        self._access_key_id = access_key_id
        self._secret_access_key = secret_access_key
        self._s3: Any = None
        self._stack: AsyncExitStack | None = None
        self._lock = asyncio.Lock()

    def __repr__(self) -> str:
        # No credentials: reprs end up in logs.
        return f"S3Storage(bucket={self.bucket!r}, endpoint_url={self.endpoint_url!r})"

    def _name(self, key: str) -> str:
        """The object name for `key`: checked, then under the prefix."""
        check_key(key)
        return f"{self.prefix}/{key}" if self.prefix else key

    def _config(self) -> AioConfig:
        third_party = self.endpoint_url is not None
        return AioConfig(
            connect_timeout=CONNECT_TIMEOUT_SECONDS,
            read_timeout=READ_TIMEOUT_SECONDS,
            retries=RETRIES,
            s3={"addressing_style": "path"} if third_party else None,
            request_checksum_calculation="when_required" if third_party else "when_supported",
            response_checksum_validation="when_required" if third_party else "when_supported",
        )

    async def _client(self) -> Any:
        """The client, made on the first call (one, however many calls race to make it)."""
        if self._s3 is not None:
            return self._s3
        async with self._lock:
            if self._s3 is None:
                stack = AsyncExitStack()
                self._s3 = await stack.enter_async_context(self._open_client())
                self._stack = stack
        return self._s3

    def _open_client(self) -> Any:
        """A new client's async context manager (a seam the tests count calls through)."""
        return _session().create_client(
            "s3",
            region_name=self.region,
            endpoint_url=self.endpoint_url,
            aws_access_key_id=self._access_key_id,
            aws_secret_access_key=self._secret_access_key,
            config=self._config(),
        )

    async def check(self) -> None:
        """Raise RuntimeError, naming the bucket and endpoint, when the bucket cannot be used
        (missing, no access, server down): called at startup so a bad setting fails early."""
        where = self.endpoint_url or f"AWS S3 ({self.region})"
        try:
            s3 = await self._client()
            await s3.head_bucket(Bucket=self.bucket)
        except (BotoCoreError, ClientError) as exc:
            raise RuntimeError(
                f"attachment storage: S3 bucket {self.bucket!r} at {where} cannot be reached: {exc}"
            ) from exc

    async def put(self, key: str, source: Path, *, content_type: str) -> None:
        name = self._name(key)
        size = (await asyncio.to_thread(source.stat)).st_size
        s3 = await self._client()
        if size <= PART_BYTES:
            body = await asyncio.to_thread(source.read_bytes)
            await s3.put_object(Bucket=self.bucket, Key=name, Body=body, ContentType=content_type)
            return
        # Parts grow past PART_BYTES only for files beyond 10,000 of them (80 GB).
        part_bytes = max(PART_BYTES, -(-size // MAX_PARTS))
        handle = await asyncio.to_thread(source.open, "rb")
        try:
            await self._put_multipart(s3, name, handle, part_bytes, content_type)
        finally:
            await asyncio.to_thread(handle.close)

    async def _put_multipart(
        self, s3: Any, name: str, handle: BinaryIO, part_bytes: int, content_type: str
    ) -> None:
        """Upload `handle` in parts; the object appears whole at the end, or not at all."""
        upload = await s3.create_multipart_upload(
            Bucket=self.bucket, Key=name, ContentType=content_type
        )
        upload_id = upload["UploadId"]
        try:
            parts = []
            number = 1
            while part := await asyncio.to_thread(handle.read, part_bytes):
                answer = await s3.upload_part(
                    Bucket=self.bucket, Key=name, UploadId=upload_id, PartNumber=number, Body=part
                )
                parts.append({"ETag": answer["ETag"], "PartNumber": number})
                number += 1
            await s3.complete_multipart_upload(
                Bucket=self.bucket,
                Key=name,
                UploadId=upload_id,
                MultipartUpload={"Parts": parts},
            )
        except BaseException:
            # Cancelled or failed: stored parts cost money until aborted. The original
            # error is the one worth raising, whatever the abort does.
            with contextlib.suppress(Exception):
                await s3.abort_multipart_upload(Bucket=self.bucket, Key=name, UploadId=upload_id)
            raise

    async def read(
        self, key: str, *, start: int = 0, length: int | None = None
    ) -> AsyncIterator[bytes]:
        name = self._name(key)
        if start < 0 or (length is not None and length < 0):
            raise ValueError(f"bad range: start={start}, length={length}")
        if length == 0:
            # A Range cannot ask for no bytes; still say when the key is missing, as a file
            # would.
            if not await self.exists(key):
                raise FileNotFoundError(f"nothing stored under {key!r}")
            return
        s3 = await self._client()
        request: dict[str, Any] = {"Bucket": self.bucket, "Key": name}
        if start or length is not None:
            end = "" if length is None else str(start + length - 1)
            request["Range"] = f"bytes={start}-{end}"  # inclusive end
        try:
            response = await s3.get_object(**request)
        except ClientError as exc:
            if _is_missing(exc):
                raise FileNotFoundError(f"nothing stored under {key!r}") from exc
            if _error_code(exc) == "InvalidRange":
                return  # start at or past the end: no bytes, as a file read there gives
            raise
        # `async with`: a reader that stops early still gives the connection back.
        async with response["Body"] as body:
            async for chunk in body.iter_chunks(CHUNK_BYTES):
                yield chunk

    async def exists(self, key: str) -> bool:
        name = self._name(key)
        s3 = await self._client()
        try:
            await s3.head_object(Bucket=self.bucket, Key=name)
        except ClientError as exc:
            if _is_missing(exc):
                return False
            raise
        return True

    async def delete(self, key: str) -> None:
        name = self._name(key)
        s3 = await self._client()
        # S3 answers 204 whether or not the object was there.
        await s3.delete_object(Bucket=self.bucket, Key=name)

    async def close(self) -> None:
        async with self._lock:
            stack, self._stack, self._s3 = self._stack, None, None
        if stack is not None:
            await stack.aclose()


_SESSION: AioSession | None = None


def _session() -> AioSession:
    """One botocore session per process: it parses the S3 service model once, not for every
    client (about 0.1 s each). Credentials are per client, so sharing it shares none."""
    global _SESSION
    if _SESSION is None:
        _SESSION = get_session()
    return _SESSION


def _error_code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def _is_missing(exc: ClientError) -> bool:
    """Whether `exc` says the key has no object (a missing bucket is a setup error instead)."""
    code = _error_code(exc)
    if code == "NoSuchBucket":
        return False
    status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    return code in _MISSING_CODES or status == 404
