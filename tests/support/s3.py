"""A real S3-compatible server on loopback for the tests: moto's server mode, in a thread.

`s3_server` (session): one moto server on 127.0.0.1 and a port the OS picks, stopped at the
end of the run; its value is the endpoint URL. Tests talk to it over HTTP with the same
aiobotocore client the app uses, so addressing, ranges, multipart uploads and error codes go
through the real wire protocol, not an in-process mock.

`s3_storage` (each test): an `S3Storage` on a bucket made for that test alone (moto keeps
every bucket in one process-wide state, so unique names keep tests apart), closed after.
`make_bucket` and `s3_client` let a test make more buckets or look at what is stored.

moto needs no environment here: the credentials and region are passed explicitly to every
client, and moto's server accepts any credentials.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from aiobotocore.config import AioConfig
from aiobotocore.session import get_session
from moto.server import ThreadedMotoServer

from server.attachments.storage_s3 import S3Storage

ACCESS_KEY_ID = "testing"
SECRET_ACCESS_KEY = "testing"
REGION = "us-east-1"
# One session for every test client: it parses the S3 service model once.
_SESSION = get_session()


def s3_client(endpoint: str) -> Any:
    """An aiobotocore S3 client's async context manager for the server at `endpoint`."""
    return _SESSION.create_client(
        "s3",
        region_name=REGION,
        endpoint_url=endpoint,
        aws_access_key_id=ACCESS_KEY_ID,
        aws_secret_access_key=SECRET_ACCESS_KEY,
        config=AioConfig(s3={"addressing_style": "path"}),
    )


async def make_bucket(endpoint: str, name: str) -> None:
    """Create the bucket `name` (in us-east-1, which needs no location constraint)."""
    async with s3_client(endpoint) as s3:
        await s3.create_bucket(Bucket=name)


def unique_bucket_name() -> str:
    """A fresh valid bucket name (lower case, at most 63 characters)."""
    return f"parley-test-{uuid.uuid4().hex[:20]}"


@pytest.fixture(scope="session")
def s3_server() -> Iterator[str]:
    """The endpoint URL of a moto S3 server on loopback, for the whole session."""
    # Port 0: the OS picks a free one when the server binds, so no other process can take
    # it in between (free_port() would leave that window open).
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        yield f"http://{host}:{port}"
    finally:
        server.stop()


def s3_storage_on(endpoint: str, bucket: str, *, prefix: str = "") -> S3Storage:
    """An `S3Storage` on `bucket` at the test server, with the test credentials."""
    return S3Storage(
        bucket=bucket,
        endpoint_url=endpoint,
        region=REGION,
        access_key_id=ACCESS_KEY_ID,
        secret_access_key=SECRET_ACCESS_KEY,
        prefix=prefix,
    )


@pytest.fixture
async def s3_storage(s3_server: str) -> AsyncIterator[S3Storage]:
    """An `S3Storage` on a new, empty bucket of its own."""
    bucket = unique_bucket_name()
    await make_bucket(s3_server, bucket)
    storage = s3_storage_on(s3_server, bucket)
    try:
        yield storage
    finally:
        await storage.close()
