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
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path

from server.attachments import service
from server.attachments.storage import Storage
from server.attachments.upload import ReceivedFile
from server.errors import FileTypeNotAllowed
from server.settings import Settings
from server.tickets.by_email import EmailFiles

log = logging.getLogger("parley.email")


@dataclass(frozen=True)
class FileIntake:
    """Where an email's files go, and the limits uploads have too."""

    storage: Storage
    max_file_bytes: int
    max_files: int


def file_intake(settings: Settings, storage: Storage | None) -> FileIntake | None:
    """Where incoming email files go (None: the app has no storage)."""
    if storage is None:
        return None
    return FileIntake(storage, settings.attachment_max_file_bytes, settings.attachment_max_files)


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
    message: EmailMessage, *, organization_id: int, email_id: int, sender: str, intake: FileIntake
) -> EmailFiles:
    """Store the email's files as pending uploads of "email:<id>", for the reply or ticket
    the email makes to attach; those left out are named in the note."""
    ids: list[int] = []
    left_out: list[str] = []
    uploader = service.Uploader(organization_id, f"email:{email_id}", sender)
    with tempfile.TemporaryDirectory(prefix="parley-email-files-") as folder:
        for index, (name, declared, payload) in enumerate(_parts(message)):
            shown = name or f"part {index + 1}"
            if len(ids) >= intake.max_files:
                left_out.append(f"{shown} (more than {intake.max_files} files)")
                continue
            if len(payload) > intake.max_file_bytes:
                left_out.append(f"{shown} (larger than {intake.max_file_bytes} bytes)")
                continue
            path = Path(folder) / f"part-{index}"
            path.write_bytes(payload)
            received = ReceivedFile(
                filename=name, declared_type=declared, path=path, size=len(payload),
                sha256=hashlib.sha256(payload).hexdigest(),
            )  # fmt: skip
            try:
                (attachment,) = await service.store_uploads(
                    uploader=uploader, received=[received], storage=intake.storage
                )
            except FileTypeNotAllowed as exc:
                left_out.append(f"{shown} ({exc.details.get('detectedType', 'type')} "
                                     "is not allowed)")  # fmt: skip
                continue
            ids.append(attachment.id)
    note = f"Attachments not kept: {'; '.join(left_out)}." if left_out else ""
    return EmailFiles(ids=ids, uploaded_by=uploader.key, note=note)
