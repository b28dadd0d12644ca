"""Email in over IMAP: each organisation's mailbox read on a schedule, every message handed to
the same intake as `POST /api/webhooks/email` (`inbound.receive`: matching, Message-ID dedupe,
quote stripping, quarantine, the per-sender limit all live there).

Nothing lost, nothing twice:
- New messages are those with a UID above the last one handled, in a folder whose UIDVALIDITY
  is the one recorded; a new UIDVALIDITY (the folder was rebuilt) reads it all again, and the
  intake's Message-ID dedupe makes that harmless.
- Each message is fetched with BODY.PEEK[] (which leaves it unread), handed to the intake, and
  only then marked handled: the stored last UID first, then \\Seen for people who look at the
  mailbox. A crash between the two delivers it again, and the intake answers "duplicate".
- One poller per mailbox across processes: a lease on its row (a conditional update, like
  the scheduler's slots), so a slow or hanging server holds up no other organisation; every
  step is bounded by PARLEY_IMAP_TIMEOUT_SECONDS and the whole poll by its lease.
- A failed poll (sign-in refused, network, timeout) records its error and waits longer each
  time (`mailbox.backoff`). A message larger than PARLEY_INBOUND_EMAIL_MAX_BYTES is not
  downloaded: its headers are kept, quarantined (the webhook's 413); one the intake fails on
  is quarantined with the error, never retried forever.

Why aioimaplib (asyncio, maintained, XOAUTH2 built in) over the standard library's imaplib
in a thread: a poll is mostly waiting on the network, and here it is a task that a timeout can
cancel at any step; imaplib would hold a worker thread per mailbox, and a hung socket can only
be abandoned, not cancelled. aioimaplib has no STARTTLS of its own: `_starttls` upgrades its
transport with asyncio's `loop.start_tls` (a few lines, below).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import ssl
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import aioimaplib
from tortoise import timezone
from tortoise.expressions import F

from server.accounts.models import Organization
from server.attachments.storage import Storage
from server.events.leased import error_text
from server.events.scheduler import Job, process_name
from server.notify import inbound
from server.notify.inbound import InboundStatus
from server.notify.inbound_files import file_intake
from server.notify.mailbox import (
    InboundMailbox,
    MailboxAuth,
    MailboxSecurity,
    SecretUnreadable,
    backoff,
    unseal,
)
from server.settings import Settings

log = logging.getLogger(__name__)

# Messages handed to the intake in one poll; the rest wait for the next (a mailbox with
# years of mail catches up in steps, each one recorded).
MAX_MESSAGES_PER_POLL = 100
_UIDVALIDITY = re.compile(rb"\[UIDVALIDITY (\d+)\]")
_EXISTS = re.compile(rb"^(\d+) EXISTS")
_FETCH_UID = re.compile(rb"\bUID (\d+)")
_FETCH_SIZE = re.compile(rb"\bRFC822\.SIZE (\d+)")


class MailboxError(Exception):
    """The server refused a step (the message says which and why)."""


@dataclass(frozen=True)
class Opened:
    uid_validity: int
    messages: int


def _quote(name: str) -> str:
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _text(response: Any) -> str:
    lines = [line for line in response.lines if isinstance(line, bytes | bytearray)]
    return (bytes(lines[-1]).decode(errors="replace") if lines else "").strip()[:300]


def _ok(response: Any, step: str) -> Any:
    if response.result != "OK":
        raise MailboxError(f"{step}: {response.result} {_text(response)}".strip())
    return response


class Connection:
    """One signed-in IMAP session on one folder (an async context manager)."""

    def __init__(
        self, mailbox: InboundMailbox, secret: str, *, timeout: float, ca_file: str = ""
    ) -> None:
        self.mailbox = mailbox
        self._secret = secret
        self.timeout = timeout
        self.ca_file = ca_file
        self.client: aioimaplib.IMAP4 | None = None

    def _tls(self) -> ssl.SSLContext:
        context = ssl.create_default_context()
        if self.ca_file:
            context.load_verify_locations(cafile=self.ca_file)
        return context

    async def __aenter__(self) -> Connection:
        try:
            await self._open()
        except BaseException:
            await self.close(polite=False)  # no LOGOUT over a half-open session
            raise
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def _open(self) -> None:
        box = self.mailbox
        security = MailboxSecurity(box.security)
        if security is MailboxSecurity.TLS:
            self.client = aioimaplib.IMAP4_SSL(
                box.host, box.port, timeout=self.timeout, ssl_context=self._tls()
            )
        else:
            self.client = aioimaplib.IMAP4(box.host, box.port, timeout=self.timeout)
        async with asyncio.timeout(self.timeout):
            await self.client.wait_hello_from_server()
            if security is MailboxSecurity.STARTTLS:
                await self._starttls()
            if MailboxAuth(box.auth) is MailboxAuth.OAUTH2:
                answer = await self.client.xoauth2(box.username, self._secret)
            else:
                answer = await self.client.login(box.username, self._secret)
        _ok(answer, "sign-in")

    async def _starttls(self) -> None:
        assert self.client is not None
        protocol = self.client.protocol
        if "STARTTLS" not in protocol.capabilities:
            raise MailboxError("the server does not offer STARTTLS")
        command = aioimaplib.Command("STARTTLS", protocol.new_tag(), loop=protocol.loop)
        _ok(await protocol.execute(command), "STARTTLS")
        loop = asyncio.get_running_loop()
        protocol.transport = await loop.start_tls(
            protocol.transport, protocol, self._tls(), server_hostname=self.mailbox.host
        )
        # What the server offered before TLS is not to be trusted (RFC 3501 6.2.1).
        protocol.capabilities = set()
        await protocol.capability()

    async def close(self, *, polite: bool = True) -> None:
        if self.client is None:
            return
        client, self.client = self.client, None
        with contextlib.suppress(Exception):
            async with asyncio.timeout(min(self.timeout, 5)):
                if polite and client.get_state() in ("NONAUTH", "AUTH", "SELECTED"):
                    await client.logout()
        with contextlib.suppress(Exception):
            transport = client.protocol.transport
            if transport is not None:
                transport.close()

    async def _step(self, step: str, call: Any) -> Any:
        async with asyncio.timeout(self.timeout):
            return _ok(await call, step)

    async def select(self) -> Opened:
        assert self.client is not None
        answer = await self._step("select " + self.mailbox.folder, self.client.select(
            _quote(self.mailbox.folder)
        ))  # fmt: skip
        validity, exists = None, 0
        for line in answer.lines:
            if isinstance(line, bytes | bytearray):
                if (found := _UIDVALIDITY.search(line)) is not None:
                    validity = int(found.group(1))
                if (count := _EXISTS.match(line)) is not None:
                    exists = int(count.group(1))
        if validity is None:
            raise MailboxError("the server gave no UIDVALIDITY for the folder")
        return Opened(uid_validity=validity, messages=exists)

    async def uids_after(self, last_uid: int) -> list[int]:
        assert self.client is not None
        answer = await self._step(
            "search", self.client.uid_search(f"UID {last_uid + 1}:*", charset=None)
        )
        uids: set[int] = set()
        for line in answer.lines:
            # aioimaplib gives `* SEARCH 2 3` as b"2 3".
            if isinstance(line, bytes | bytearray) and re.fullmatch(rb"[\d ]+", line):
                uids.update(int(n) for n in line.split())
        # `n:*` always includes the highest UID, even one below n.
        return sorted(uid for uid in uids if uid > last_uid)

    async def sizes(self, uids: Sequence[int]) -> dict[int, int]:
        assert self.client is not None
        if not uids:
            return {}
        answer = await self._step(
            "fetch sizes",
            self.client.uid("fetch", ",".join(map(str, uids)), "(UID RFC822.SIZE)"),
        )
        sizes: dict[int, int] = {}
        for line in answer.lines:
            if isinstance(line, bytes | bytearray):
                uid, size = _FETCH_UID.search(line), _FETCH_SIZE.search(line)
                if uid is not None and size is not None:
                    sizes[int(uid.group(1))] = int(size.group(1))
        return sizes

    async def fetch(self, uid: int, *, headers_only: bool = False) -> bytes | None:
        """The message as stored (unread stays unread), or None when it is gone."""
        assert self.client is not None
        part = "BODY.PEEK[HEADER]" if headers_only else "BODY.PEEK[]"
        answer = await self._step("fetch", self.client.uid("fetch", str(uid), f"(UID {part})"))
        for line in answer.lines:
            if isinstance(line, bytearray):  # the literal: the message's bytes
                return bytes(line)
        return None

    async def mark_seen(self, uid: int) -> None:
        assert self.client is not None
        async with asyncio.timeout(self.timeout):
            answer = await self.client.uid("store", str(uid), "+FLAGS.SILENT (\\Seen)")
        if answer.result != "OK":  # a read-only folder: the stored last UID is what counts
            log.info("mailbox %s: could not flag UID %s as seen", self.mailbox.id, uid)


class MailboxPoller:
    """Reads every enabled organisation's mailbox when it is due (see the module doc)."""

    def __init__(
        self, settings: Settings, *, holder: str | None = None, storage: Storage | None = None
    ) -> None:
        self.settings = settings
        self.file_intake = file_intake(settings, storage)
        self.holder = holder or process_name()
        self.every = timedelta(seconds=settings.imap_poll_seconds)
        self.timeout = float(settings.imap_timeout_seconds)
        # A poll may take this long before another process may take the mailbox over.
        self.lease = timedelta(seconds=settings.imap_timeout_seconds * 10)
        self._running: dict[int, asyncio.Task[None]] = {}

    def job(self) -> Job:
        """The scheduler's tick: every process looks for due mailboxes (each claimed by one)."""
        tick = timedelta(seconds=max(1, min(self.settings.imap_poll_seconds, 5)))
        return Job("imap-poll", every=tick, run=self.tick, scope="process")

    async def tick(self, slot: datetime | None = None) -> None:
        """Start a poll for each due mailbox this process can claim; polls run beside each
        other and beside the next ticks, so one slow server holds up no other."""
        now = timezone.now()
        due = await InboundMailbox.filter(
            enabled=True, next_poll_at__lte=now, lease_expires_at__lt=now
        ).only("id")
        for row in due:
            if row.id in self._running or not await self._claim(row.id, now):
                continue
            task = asyncio.create_task(self.poll(row.id), name=f"imap {row.id}")
            self._running[row.id] = task
            task.add_done_callback(self._forget)

    def _forget(self, task: asyncio.Task[None]) -> None:
        for key, running in list(self._running.items()):
            if running is task:
                del self._running[key]

    async def stop(self) -> None:
        tasks = list(self._running.values())
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task

    async def _claim(self, mailbox_id: int, now: datetime) -> bool:
        return bool(
            await InboundMailbox.filter(
                id=mailbox_id, enabled=True, next_poll_at__lte=now, lease_expires_at__lt=now
            ).update(lease_holder=self.holder, lease_expires_at=now + self.lease)
        )

    async def poll(self, mailbox_id: int) -> None:
        """One poll of a claimed mailbox; its outcome recorded, its lease released."""
        error: str | None = None
        try:
            async with asyncio.timeout(self.lease.total_seconds() * 0.9):
                await self._poll(mailbox_id)
        except asyncio.CancelledError:
            error = "stopped while reading the mailbox"
            raise
        except TimeoutError:
            error = f"no answer within {self.timeout:g}s"
        except Exception as exc:
            error = error_text(exc)
        finally:
            await self._finish(mailbox_id, error)

    async def _poll(self, mailbox_id: int) -> None:
        mailbox = await InboundMailbox.get(id=mailbox_id)
        org = await Organization.get(id=mailbox.organization_id)
        secret = unseal(self.settings.secret_key, mailbox.organization_id, mailbox.secret)
        async with Connection(
            mailbox, secret, timeout=self.timeout, ca_file=self.settings.imap_ca_file
        ) as imap:
            opened = await imap.select()
            if opened.uid_validity != mailbox.uid_validity:
                if mailbox.uid_validity is not None:
                    log.warning(
                        "mailbox %s: UIDVALIDITY changed; reading the folder again", mailbox.id
                    )
                await self._owned(mailbox_id).update(uid_validity=opened.uid_validity, last_uid=0)
                mailbox.last_uid = 0
            uids = (await imap.uids_after(mailbox.last_uid))[:MAX_MESSAGES_PER_POLL]
            if not uids:
                return
            sizes = await imap.sizes(uids)
            for uid in uids:
                if not await self._take(org, imap, uid, sizes.get(uid, 0), opened.uid_validity):
                    return  # the rest wait for the next poll

    async def _take(
        self, org: Organization, imap: Connection, uid: int, size: int, validity: int
    ) -> bool:
        """Hand one message to the intake, then mark it handled; False to stop this poll
        here (its processing is under way elsewhere: the next poll comes back to it)."""
        limit = self.settings.inbound_email_max_bytes
        if size > limit:
            head = await imap.fetch(uid, headers_only=True)
            if head is not None:
                await inbound.keep_unusable(
                    org, head, f"Larger than PARLEY_INBOUND_EMAIL_MAX_BYTES ({size} > {limit} "
                    "bytes): only its headers were fetched; it is still in the mailbox.",
                )  # fmt: skip
        else:
            raw = await imap.fetch(uid)
            if raw is not None:
                try:
                    outcome = await inbound.receive(
                        org, raw, secret_key=self.settings.secret_key,
                        mail_from=self.settings.mail_from,
                        per_sender_per_hour=self.settings.inbound_email_per_sender_per_hour,
                        intake=self.file_intake,
                    )  # fmt: skip
                except Exception as exc:
                    # A message the intake cannot take must not come back every poll; if
                    # this fails too (the database is away), nothing is marked.
                    log.warning("mailbox UID %s: the intake failed", uid, exc_info=True)
                    await inbound.keep_unusable(
                        org, raw, f"Processing failed: {error_text(exc)}"[:1000]
                    )
                else:
                    if outcome.duplicate and outcome.email.status == InboundStatus.RECEIVED:
                        return False
        marked = (
            await self._owned(imap.mailbox.id)
            .filter(uid_validity=validity, last_uid__lt=uid)
            .update(last_uid=uid, messages_fetched=F("messages_fetched") + 1)
        )
        if marked:
            await imap.mark_seen(uid)
        return True

    def _owned(self, mailbox_id: int) -> Any:
        # Only while the lease is ours: a poll that outlived it was taken over.
        return InboundMailbox.filter(id=mailbox_id, lease_holder=self.holder)

    async def _finish(self, mailbox_id: int, error: str | None) -> None:
        now = timezone.now()
        with contextlib.suppress(Exception):  # the database is away: the lease runs out
            row = await InboundMailbox.get_or_none(id=mailbox_id, lease_holder=self.holder)
            if row is None:
                return
            if error is None:
                await self._owned(mailbox_id).update(
                    lease_holder=None, lease_expires_at=now, last_poll_at=now,
                    last_success_at=now, last_error=None, failures=0,
                    next_poll_at=now + self.every,
                )  # fmt: skip
                return
            failures = row.failures + 1
            log.warning("mailbox %s (organisation %s): %s", row.id, row.organization_id, error)
            await self._owned(mailbox_id).update(
                lease_holder=None, lease_expires_at=now, last_poll_at=now, last_error=error,
                last_error_at=now, failures=failures,
                next_poll_at=now + backoff(failures, self.every),
            )  # fmt: skip


async def check(mailbox: InboundMailbox, settings: Settings) -> tuple[Opened | None, str | None]:
    """Connect, sign in and open the folder, changing nothing: what the folder holds, or why
    it failed (for the admin's connection test)."""
    try:
        secret = unseal(settings.secret_key, mailbox.organization_id, mailbox.secret)
        async with Connection(
            mailbox, secret, timeout=float(settings.imap_timeout_seconds),
            ca_file=settings.imap_ca_file,
        ) as imap:  # fmt: skip
            return await imap.select(), None
    except SecretUnreadable as exc:
        return None, str(exc)
    except TimeoutError:
        return None, f"no answer within {settings.imap_timeout_seconds}s"
    except Exception as exc:
        return None, error_text(exc)
