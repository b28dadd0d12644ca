"""The storage contract, run against both backends: a local directory and S3 (moto on
loopback, tests/support/s3.py); S3's prefix, startup check and client; the settings' choice."""

from __future__ import annotations

import asyncio
import hashlib
import os
from collections.abc import AsyncGenerator, Awaitable, Callable
from pathlib import Path
from typing import Any, cast

import pytest

from server.attachments.keys import blob_key, thumbnail_key
from server.attachments.storage import LocalStorage, Storage, storage_from_settings
from server.attachments.storage_s3 import PART_BYTES, S3Storage
from server.settings import Settings, SettingsError
from tests.support.s3 import make_bucket, s3_client, s3_storage_on, unique_bucket_name

DATA = bytes(range(256)) * 4  # 1 KiB, every byte value
KEY = blob_key(7, hashlib.sha256(DATA).hexdigest())
OTHER_KEY = blob_key(7, "0" * 64)
BIG_BYTES = 20 * 1024 * 1024
BAD_KEYS = [
    "../x",
    "1/abc",
    f"1/{'a' * 64}/../..",
    f"../1/{'a' * 64}",
    f"/1/{'a' * 64}",
    f"1/{'A' * 64}",
    f"1/{'a' * 64}\n",
    f"1/{'a' * 64}.png",
    "",
]


@pytest.fixture(params=["local", "s3"])
def storage(request: pytest.FixtureRequest, tmp_path: Path) -> Storage:
    """Each backend in turn, empty."""
    if request.param == "local":
        return LocalStorage(tmp_path / "blobs")
    # Sync on purpose: an async fixture cannot set up another async fixture on demand.
    s3: S3Storage = request.getfixturevalue("s3_storage")
    return s3


@pytest.fixture
def source(tmp_path: Path) -> Path:
    """A file holding DATA."""
    path = tmp_path / "upload"
    path.write_bytes(DATA)
    return path


@pytest.fixture(scope="module")
def big_file(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """A 20 MiB random file (several S3 parts) and its sha256, made once for the module."""
    path = tmp_path_factory.mktemp("big") / "big.bin"
    data = os.urandom(BIG_BYTES)
    path.write_bytes(data)
    return path, hashlib.sha256(data).hexdigest()


async def read_all(storage: Storage, key: str, **kwargs: Any) -> bytes:
    return b"".join([chunk async for chunk in storage.read(key, **kwargs)])


async def test_put_then_read_whole(storage: Storage, source: Path) -> None:
    await storage.put(KEY, source, content_type="application/octet-stream")
    assert await read_all(storage, KEY) == DATA


@pytest.mark.parametrize(
    ("start", "length"),
    [
        (0, None),
        (100, None),
        (100, 50),
        (0, 1),
        (1000, 100),  # past the end: what there is
        (100, 0),
        (len(DATA) - 1, None),
        (len(DATA), None),  # at the end: nothing
        (len(DATA) + 10, 5),  # beyond it: nothing
    ],
)
async def test_read_range(storage: Storage, source: Path, start: int, length: int | None) -> None:
    await storage.put(KEY, source, content_type="application/octet-stream")
    expected = DATA[start:] if length is None else DATA[start : start + length]
    assert await read_all(storage, KEY, start=start, length=length) == expected


async def test_exists_and_delete(storage: Storage, source: Path) -> None:
    assert not await storage.exists(KEY)
    await storage.put(KEY, source, content_type="text/plain")
    assert await storage.exists(KEY)
    assert not await storage.exists(OTHER_KEY)

    await storage.delete(KEY)
    assert not await storage.exists(KEY)
    await storage.delete(KEY)  # already gone: not an error
    await storage.delete(OTHER_KEY)  # never there: not an error


@pytest.mark.parametrize(("start", "length"), [(0, None), (10, 5), (0, 0)])
async def test_read_missing_key(storage: Storage, start: int, length: int | None) -> None:
    with pytest.raises(FileNotFoundError):
        await read_all(storage, KEY, start=start, length=length)


async def test_read_deleted_key(storage: Storage, source: Path) -> None:
    await storage.put(KEY, source, content_type="text/plain")
    await storage.delete(KEY)
    with pytest.raises(FileNotFoundError):
        await read_all(storage, KEY)


def names_in(folder: Path) -> list[str]:
    return sorted(path.name for path in folder.iterdir())


def _calls(storage: Storage, key: str, source: Path) -> list[Callable[[], Awaitable[Any]]]:
    return [
        lambda: storage.put(key, source, content_type="text/plain"),
        lambda: read_all(storage, key),
        lambda: read_all(storage, key, start=1, length=0),
        lambda: storage.exists(key),
        lambda: storage.delete(key),
    ]


@pytest.mark.parametrize("key", BAD_KEYS)
async def test_bad_key_rejected_by_every_method(
    storage: Storage, source: Path, key: str, tmp_path: Path
) -> None:
    for call in _calls(storage, key, source):
        with pytest.raises(ValueError):
            await call()
    # Nothing was written anywhere, not even beside the storage's directory.
    assert names_in(tmp_path) == ["upload"]


async def test_thumbnail_key_is_separate(storage: Storage, source: Path, tmp_path: Path) -> None:
    sha = hashlib.sha256(DATA).hexdigest()
    thumb = tmp_path / "thumb"
    thumb.write_bytes(b"thumbnail")
    await storage.put(blob_key(7, sha), source, content_type="image/png")
    await storage.put(thumbnail_key(7, sha), thumb, content_type="image/webp")
    assert await read_all(storage, blob_key(7, sha)) == DATA
    assert await read_all(storage, thumbnail_key(7, sha)) == b"thumbnail"


async def test_put_same_key_replaces(storage: Storage, source: Path, tmp_path: Path) -> None:
    await storage.put(KEY, source, content_type="text/plain")
    shorter = tmp_path / "shorter"
    shorter.write_bytes(b"new bytes")
    await storage.put(KEY, shorter, content_type="text/plain")
    assert await read_all(storage, KEY) == b"new bytes"


async def test_empty_file(storage: Storage, tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.write_bytes(b"")
    await storage.put(KEY, empty, content_type="text/plain")
    assert await storage.exists(KEY)
    assert await read_all(storage, KEY) == b""
    assert await read_all(storage, KEY, start=0, length=10) == b""


async def test_big_file_round_trips_in_chunks(storage: Storage, big_file: tuple[Path, str]) -> None:
    path, sha = big_file
    assert BIG_BYTES > 2 * PART_BYTES  # S3 takes it as a multipart upload of 3 parts
    await storage.put(KEY, path, content_type="application/octet-stream")

    digest = hashlib.sha256()
    chunks = 0
    async for chunk in storage.read(KEY):
        digest.update(chunk)
        chunks += 1
    assert digest.hexdigest() == sha
    assert chunks > 1  # streamed, not one 20 MiB bytes object

    # A range across the first part boundary comes back exact.
    start = PART_BYTES - 10
    with path.open("rb") as handle:
        handle.seek(start)
        expected = handle.read(20)
    assert await read_all(storage, KEY, start=start, length=20) == expected


async def test_reader_stopping_early(storage: Storage, big_file: tuple[Path, str]) -> None:
    """A reader that stops after one chunk leaves the storage usable (connection returned)."""
    path, _ = big_file
    await storage.put(KEY, path, content_type="application/octet-stream")
    for _ in range(3):
        reader = cast(AsyncGenerator[bytes, None], storage.read(KEY))
        assert await anext(reader)
        await reader.aclose()
    assert await read_all(storage, KEY, start=0, length=4)


# S3 only.


async def stored_objects(endpoint: str, bucket: str) -> dict[str, dict[str, Any]]:
    """Every object in `bucket` by name, with its HEAD answer."""
    async with s3_client(endpoint) as s3:
        listing = await s3.list_objects_v2(Bucket=bucket)
        names = [item["Key"] for item in listing.get("Contents", [])]
        return {name: await s3.head_object(Bucket=bucket, Key=name) for name in names}


async def test_s3_prefix_puts_objects_under_it(s3_server: str, source: Path) -> None:
    bucket = unique_bucket_name()
    await make_bucket(s3_server, bucket)
    storage = s3_storage_on(s3_server, bucket, prefix="/tenant-a/")
    try:
        await storage.put(KEY, source, content_type="image/png")
        assert list(await stored_objects(s3_server, bucket)) == [f"tenant-a/{KEY}"]
        assert await storage.exists(KEY)
        assert await read_all(storage, KEY, start=2, length=3) == DATA[2:5]
        await storage.delete(KEY)
        assert await stored_objects(s3_server, bucket) == {}
    finally:
        await storage.close()


async def test_s3_sets_content_type(
    s3_server: str, s3_storage: S3Storage, source: Path, big_file: tuple[Path, str]
) -> None:
    await s3_storage.put(KEY, source, content_type="image/png")
    await s3_storage.put(OTHER_KEY, big_file[0], content_type="application/pdf")  # multipart
    objects = await stored_objects(s3_server, s3_storage.bucket)
    assert objects[KEY]["ContentType"] == "image/png"
    assert objects[KEY]["ContentLength"] == len(DATA)
    assert objects[OTHER_KEY]["ContentType"] == "application/pdf"
    assert objects[OTHER_KEY]["ContentLength"] == BIG_BYTES


async def test_s3_failed_multipart_upload_is_aborted(
    s3_server: str,
    s3_storage: S3Storage,
    big_file: tuple[Path, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    s3 = await s3_storage._client()
    real_upload_part = s3.upload_part
    calls = 0

    async def failing_second_part(**kwargs: Any) -> Any:
        nonlocal calls
        calls += 1
        if calls == 2:
            raise ConnectionError("network gone")
        return await real_upload_part(**kwargs)

    monkeypatch.setattr(s3, "upload_part", failing_second_part)
    with pytest.raises(ConnectionError):
        await s3_storage.put(KEY, big_file[0], content_type="application/octet-stream")
    assert not await s3_storage.exists(KEY)
    async with s3_client(s3_server) as client:
        uploads = await client.list_multipart_uploads(Bucket=s3_storage.bucket)
    assert uploads.get("Uploads", []) == []


async def test_s3_check_passes_for_existing_bucket(s3_storage: S3Storage) -> None:
    await s3_storage.check()


async def test_s3_check_names_missing_bucket(s3_server: str) -> None:
    storage = s3_storage_on(s3_server, "parley-no-such-bucket")
    try:
        with pytest.raises(RuntimeError) as caught:
            await storage.check()
    finally:
        await storage.close()
    assert "parley-no-such-bucket" in str(caught.value)
    assert s3_server in str(caught.value)


async def test_s3_concurrent_first_calls_make_one_client(
    s3_storage: S3Storage, monkeypatch: pytest.MonkeyPatch
) -> None:
    opened = 0
    real_open = s3_storage._open_client

    def counting_open() -> Any:
        nonlocal opened
        opened += 1
        return real_open()

    monkeypatch.setattr(s3_storage, "_open_client", counting_open)
    assert await asyncio.gather(*(s3_storage.exists(KEY) for _ in range(10))) == [False] * 10
    assert opened == 1


async def test_s3_close_then_use_again(s3_storage: S3Storage, source: Path) -> None:
    await s3_storage.put(KEY, source, content_type="text/plain")
    await s3_storage.close()
    await s3_storage.close()  # twice: harmless
    assert await read_all(s3_storage, KEY) == DATA  # a new client on demand


def test_s3_repr_hides_credentials() -> None:
    storage = S3Storage(bucket="b", access_key_id="AKIDEXAMPLE", secret_access_key="hunter2")
    assert "hunter2" not in repr(storage) and "AKIDEXAMPLE" not in repr(storage)


# Choosing the backend from settings.


def settings(tmp_path: Path, **values: str) -> Settings:
    env = {"PARLEY_DATA_DIR": str(tmp_path / "data"), "PARLEY_SECRET_KEY": "k" * 40}
    env.update({f"PARLEY_{name}": value for name, value in values.items()})
    return Settings.from_env(env)


async def test_settings_choose_local_by_default(tmp_path: Path) -> None:
    storage = storage_from_settings(settings(tmp_path))
    assert isinstance(storage, LocalStorage)
    assert storage.root == tmp_path / "data" / "attachments"

    chosen = storage_from_settings(settings(tmp_path, ATTACHMENT_DIR=str(tmp_path / "files")))
    assert isinstance(chosen, LocalStorage) and chosen.root == tmp_path / "files"


async def test_settings_choose_s3(tmp_path: Path) -> None:
    storage = storage_from_settings(
        settings(
            tmp_path,
            ATTACHMENT_STORAGE="s3",
            S3_BUCKET="parley-files",
            S3_ENDPOINT_URL="http://127.0.0.1:9000",
            S3_REGION="eu-west-3",
            S3_ACCESS_KEY_ID="id",
            S3_SECRET_ACCESS_KEY="secret",
            S3_PREFIX="/prod/",
        )
    )
    assert isinstance(storage, S3Storage)
    assert (storage.bucket, storage.endpoint_url, storage.region, storage.prefix) == (
        "parley-files",
        "http://127.0.0.1:9000",
        "eu-west-3",
        "prod",
    )
    await storage.close()  # no client was made: nothing to close, no error


async def test_settings_s3_on_aws_has_no_endpoint(tmp_path: Path) -> None:
    storage = storage_from_settings(settings(tmp_path, ATTACHMENT_STORAGE="s3", S3_BUCKET="b"))
    assert isinstance(storage, S3Storage) and storage.endpoint_url is None


async def test_settings_s3_needs_a_bucket(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="PARLEY_S3_BUCKET"):
        settings(tmp_path, ATTACHMENT_STORAGE="s3")


async def test_s3_storage_from_settings_against_moto(
    tmp_path: Path, s3_server: str, source: Path
) -> None:
    """The settings' S3 storage works end to end (credentials and endpoint passed through)."""
    bucket = unique_bucket_name()
    await make_bucket(s3_server, bucket)
    storage = storage_from_settings(
        settings(
            tmp_path,
            ATTACHMENT_STORAGE="s3",
            S3_BUCKET=bucket,
            S3_ENDPOINT_URL=s3_server,
            S3_ACCESS_KEY_ID="testing",
            S3_SECRET_ACCESS_KEY="testing",
        )
    )
    try:
        assert isinstance(storage, S3Storage)
        await storage.check()
        await storage.put(KEY, source, content_type="text/plain")
        assert await read_all(storage, KEY) == DATA
    finally:
        await storage.close()
