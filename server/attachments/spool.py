"""An uploaded file on its way to disk: written in batches off the event loop, hashed and
counted on the way, always removed when discarded (`upload.receive_upload`)."""

from __future__ import annotations

import asyncio
import hashlib
import os
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

# A file's bytes are written out in batches this large: big enough that the hop to a worker
# thread is paid rarely, small enough that uploads in flight hold little memory each.
WRITE_BATCH_BYTES = 1024 * 1024


@dataclass
class ReceivedFile:
    filename: str  # the name the client sent (raw, unsanitised; "" when none)
    declared_type: str  # the part's Content-Type as sent (informational only)
    path: Path  # a private temporary file holding the bytes
    size: int
    sha256: str  # hex digest, computed while streaming


class SpoolFile:
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
