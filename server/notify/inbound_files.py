"""The files of an email that arrives: kept as attachments of the reply or ticket it makes.

Every MIME part that is not the text body (attachments, and inline images such as a pasted
screenshot) goes through the same checks as an upload (type from the bytes, a safe name, the
per-file limit and the count limit); a part that fails is left out and named in the ticket's
activity, so an agent knows something was not kept (the original email stays downloadable).
"""

from __future__ import annotations

import hashlib
import logging
import tempfile
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path

from server.attachments import service
from server.attachments.storage import Storage
from server.attachments.upload import ReceivedFile
from server.errors import FileTypeNotAllowed
from server.settings import Settings

log = logging.getLogger("parley.email")


@dataclass(frozen=True)
class EmailFiles:
    """Where an email's files go, and the limits uploads have too."""

    storage: Storage
    max_file_bytes: int
    max_files: int


def email_files(settings: Settings, storage: Storage | None) -> EmailFiles | None:
    """Where an organisation's incoming email files go (None: the app has no storage)."""
    if storage is None:
        return None
    return EmailFiles(storage, settings.attachment_max_file_bytes, settings.attachment_max_files)


@dataclass
class KeptFiles:
    ids: list[int] = field(default_factory=list)
    left_out: list[str] = field(default_factory=list)

    def note(self) -> str:
        """A line for the activity trail, or "" when every file was kept."""
        if not self.left_out:
            return ""
        return "Attachments not kept: " + "; ".join(self.left_out) + "."


def _parts(message: EmailMessage) -> list[tuple[str, str, bytes]]:
    """(name, declared type, bytes) of each attachment and inline image."""
    found = []
    for part in message.iter_attachments():
        if not isinstance(part, EmailMessage) or part.is_multipart():
            continue
        payload = part.get_payload(decode=True)
        if not isinstance(payload, bytes) or not payload:
            continue
        name = part.get_filename() or ""
        found.append((name, part.get_content_type(), payload))
    return found


async def keep_email_files(
    message: EmailMessage, *, organization_id: int, email_id: int, sender: str, files: EmailFiles
) -> KeptFiles:
    """Store the email's files as pending uploads of "email:<id>" (attached by the caller)."""
    kept = KeptFiles()
    uploader = service.Uploader(organization_id, f"email:{email_id}", sender)
    with tempfile.TemporaryDirectory(prefix="parley-email-files-") as folder:
        for index, (name, declared, payload) in enumerate(_parts(message)):
            shown = name or f"part {index + 1}"
            if len(kept.ids) >= files.max_files:
                kept.left_out.append(f"{shown} (more than {files.max_files} files)")
                continue
            if len(payload) > files.max_file_bytes:
                kept.left_out.append(f"{shown} (larger than {files.max_file_bytes} bytes)")
                continue
            path = Path(folder) / f"part-{index}"
            path.write_bytes(payload)
            received = ReceivedFile(
                filename=name, declared_type=declared, path=path, size=len(payload),
                sha256=hashlib.sha256(payload).hexdigest(),
            )  # fmt: skip
            try:
                (attachment,) = await service.store_uploads(
                    uploader=uploader, received=[received], storage=files.storage
                )
            except FileTypeNotAllowed as exc:
                kept.left_out.append(f"{shown} ({exc.details.get('detectedType', 'type')} "
                                     "is not allowed)")  # fmt: skip
                continue
            kept.ids.append(attachment.id)
    return kept
