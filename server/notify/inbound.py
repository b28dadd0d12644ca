"""Email in: one raw message becomes a reply on the ticket it answers, or a new ticket.

Every message is kept (`InboundEmail`, raw bytes included) before anything else happens, keyed
by its Message-ID (or its bytes when it has none), so the same message delivered twice makes
one reply, and nothing is lost: a message Parley cannot use is quarantined with its reason
for an admin to see.

Matching, in this order (docs/email.md):
1. the signed reply-to tag (`support+t42.…@`) in To, Cc, Delivered-To or X-Original-To;
2. a Message-ID Parley sent, in In-Reply-To or References (signed: a forged one is ignored);
3. `[TKT-00042]` in the subject, only when the sender is that ticket's requester: anyone else
   naming a reference must not write into another customer's ticket;
otherwise, and for a CLOSED or CANCELLED ticket, a new ticket with the sender as requester.

The visible text: the plain part (or the HTML part sanitised to text by nh3, a well-kept
Rust sanitiser), with the quoted history and signature stripped by mail-parser-reply (chosen
over quotequail: on the 129-reply corpus in `bench/quote_stripping.py` it leaves the exact
text for 30 of 70 replies against quotequail's 8, and 10 of 12 whole messages against 0);
when stripping leaves nothing, the whole text.
"""

from __future__ import annotations

import hashlib
import hmac
import html
import logging
import re
from dataclasses import dataclass
from datetime import timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.utils import getaddresses, parseaddr
from enum import StrEnum

import nh3
from mailparser_reply import EmailReplyParser
from tortoise import fields, timezone
from tortoise.exceptions import IntegrityError
from tortoise.models import Model

from server.accounts.models import Organization
from server.accounts.org_email import email_settings
from server.errors import Conflict, Unauthenticated
from server.notify.ids import EmailIds
from server.notify.inbound_files import FileIntake, keep_email_files
from server.tickets import by_email
from server.tickets.models import Ticket

log = logging.getLogger(__name__)

# Languages whose reply headers ("On … wrote:", "Am … schrieb …:") the stripper knows.
_REPLY_LANGUAGES = ["en", "de", "fr", "es", "it", "nl", "sv", "da", "pl", "ja", "pt", "cs"]
MAX_HEADER_CHARS = 500
# In-Reply-To and References are read whole up to this (a long thread's References runs to
# thousands of characters, and Parley's own Message-ID may be the last in it).
MAX_THREAD_HEADER_CHARS = 20_000
# A message still `received` this long after it arrived was being processed by a request
# that died: the provider's next delivery of it processes it again.
STALLED_AFTER = timedelta(minutes=2)


class InboundStatus(StrEnum):
    RECEIVED = "received"  # kept; being turned into a reply or a ticket
    ACCEPTED = "accepted"
    QUARANTINED = "quarantined"


class InboundEmail(Model):
    """One message received for an organisation, as it arrived, and what became of it."""

    id = fields.BigIntField(primary_key=True)
    organization_id = fields.IntField(db_index=True)
    message_key = fields.CharField(max_length=64, description="sha256 of the Message-ID.")
    message_id = fields.CharField(max_length=MAX_HEADER_CHARS, null=True)
    sender = fields.CharField(max_length=254, null=True)
    subject = fields.CharField(max_length=MAX_HEADER_CHARS, default="")
    status = fields.CharEnumField(InboundStatus, max_length=16)
    reason = fields.TextField(null=True)
    automatic = fields.BooleanField(default=False)
    ticket_id = fields.IntField(null=True)
    response_id = fields.IntField(null=True)
    raw_message = fields.BinaryField()
    # The webhook signature it came with (hex): each is accepted once.
    signature = fields.CharField(max_length=64, null=True, unique=True)
    received_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "inbound_email"
        unique_together = (("organization_id", "message_key"),)
        indexes = (("organization_id", "sender", "received_at"),)


@dataclass(frozen=True)
class Outcome:
    email: InboundEmail
    duplicate: bool = False
    reference: str | None = None


def parse(raw: bytes) -> EmailMessage:
    return message_from_bytes(raw, policy=policy.default)


def header(message: EmailMessage, name: str, *, limit: int = MAX_HEADER_CHARS) -> str:
    """A header as text, or "" when missing or beyond repair (never raises)."""
    try:
        value = message.get(name)
    except Exception:  # a header the parser cannot decode
        return ""
    return str(value or "").strip()[:limit]


def is_automatic(message: EmailMessage) -> bool:
    """Sent by a machine: an auto-responder, a list, a bulk sender (RFC 3834 and the usual
    non-standard headers). Parley keeps it but never answers it."""
    auto = header(message, "Auto-Submitted").lower()
    precedence = header(message, "Precedence").lower()
    return (
        (auto != "" and auto != "no")
        or bool(header(message, "X-Autoreply") or header(message, "X-Autorespond"))
        or precedence in ("bulk", "junk", "list", "auto_reply")
        or bool(header(message, "X-Auto-Response-Suppress") and header(message, "X-Autoreply"))
    )


def visible_text(message: EmailMessage) -> str:
    """What the sender wrote above the quoted history and signature (never empty if the
    message had any text: then the whole text)."""
    return strip_quotes(_body_text(message))


def strip_quotes(whole: str) -> str:
    """`whole` without its quoted history and signature; `whole` itself when that would
    leave nothing."""
    try:
        stripped = EmailReplyParser(languages=_REPLY_LANGUAGES).parse_reply(text=whole)
    except Exception:  # the stripper failing is no reason to lose the reply
        log.warning("quote stripping failed; keeping the whole text", exc_info=True)
        stripped = ""
    kept = _tidy(_with_original_lines((stripped or "").strip(), whole))
    return kept or whole.strip()


# What mail-parser-reply leaves at the end of a reply that is not the customer's words: a
# separator line above the quote ("-----", "_____"), a client's "Sent from my iPhone" line,
# and a signature under a bare "--" (the standard delimiter is "-- ", which it knows).
_SEPARATOR = re.compile(r"^\s*[-_=*~]{3,}\s*$")
_MOBILE_SIGNATURE = re.compile(
    r"^\s*(sent from my|sent from|get outlook for|von meinem|envoyé de mon|enviado desde mi)"
    r"[\w\s.-]{0,40}$",
    re.IGNORECASE,
)
_SIGNATURE_LINES = 4


def _tidy(text: str) -> str:
    lines = text.split("\n")
    while True:
        while lines and not lines[-1].strip():
            lines.pop()
        if not lines:
            return ""
        last = lines[-1]
        if _SEPARATOR.match(last) or _MOBILE_SIGNATURE.match(last):
            lines.pop()
            continue
        bare = [i for i, line in enumerate(lines) if line.strip() == "--"]
        if bare and 0 < len(lines) - 1 - bare[-1] <= _SIGNATURE_LINES:
            del lines[bare[-1] :]
            continue
        return "\n".join(lines).strip("\n")


def _with_original_lines(stripped: str, whole: str) -> str:
    """The kept lines as they were in the message: mail-parser-reply trims each line, which
    flattens indented lists and code; each kept line is found again, in order, in `whole`.
    Anything not found as it was leaves the stripper's text as it is."""
    original = whole.split("\n")
    out: list[str] = []
    at = 0
    for line in stripped.split("\n"):
        wanted = line.strip()
        while at < len(original) and original[at].strip() != wanted:
            if original[at].strip():
                return stripped
            at += 1
        if at == len(original):
            return stripped
        out.append(original[at].rstrip())
        at += 1
    return "\n".join(out)


def _body_text(message: EmailMessage) -> str:
    try:
        part = message.get_body(preferencelist=("plain", "html"))
    except Exception:
        part = None
    if part is None:
        return ""
    try:
        content = part.get_content()
    except (LookupError, UnicodeError, ValueError):  # an unknown or lying charset
        payload = part.get_payload(decode=True)
        content = payload.decode("utf-8", errors="replace") if isinstance(payload, bytes) else ""
    text = str(content)
    if part.get_content_subtype() == "html":
        text = html_to_text(text)
    return text.replace("\r\n", "\n")


_PARAGRAPH_END = re.compile(r"(?i)<\s*/(p|div|h[1-6]|blockquote|table)\s*>")
_LINE_END = re.compile(r"(?i)<\s*(br|/li|/tr)\b[^>]*>")


def html_to_text(markup: str) -> str:
    """HTML mail as text: line breaks where blocks end, then every tag removed by nh3 (no
    script, style or markup survives), entities decoded."""
    marked = _LINE_END.sub("\n", _PARAGRAPH_END.sub("\n\n", markup))
    cleaned = nh3.clean(marked, tags=set(), clean_content_tags={"script", "style", "head"})
    return re.sub(r"\n{3,}", "\n\n", html.unescape(cleaned))


async def receive(
    org: Organization,
    raw: bytes,
    *,
    secret_key: str,
    mail_from: str,
    signature: str | None = None,
    per_sender_per_hour: int = 30,
    intake: FileIntake | None = None,
) -> Outcome:
    """Keep `raw`, then make it a reply or a ticket (see the module doc). `signature`: the
    webhook signature it came with, accepted once (`Conflict` for a replay). With `intake`,
    its attachments go with the reply or ticket (`inbound_files`)."""
    message = parse(raw)
    message_id = header(message, "Message-ID") or None
    key = hashlib.sha256(message_id.encode() if message_id else raw).hexdigest()
    name, sender = parseaddr(header(message, "From"))
    sender = sender.strip().lower()
    subject = header(message, "Subject")
    try:
        kept = await InboundEmail.create(
            organization_id=org.id, message_key=key, message_id=message_id,
            sender=sender[:254] or None, subject=subject, status=InboundStatus.RECEIVED,
            automatic=is_automatic(message), raw_message=raw, signature=signature,
        )  # fmt: skip
    except IntegrityError:
        if signature is not None and await InboundEmail.exists(signature=signature):
            raise Conflict("This signature was used already: sign each delivery anew.") from None
        again = await InboundEmail.get(organization_id=org.id, message_key=key)
        if not await _take_over_stalled(again):
            return Outcome(email=again, duplicate=True)
        kept = again  # its first delivery died mid-way: this one finishes it
    return await _process(org, kept, message, sender, name, subject, secret_key, mail_from,
                          per_sender_per_hour, intake)  # fmt: skip


async def keep_unusable(org: Organization, raw: bytes, reason: str) -> InboundEmail:
    """Keep a message Parley will not process (too large to fetch whole, or one whose
    processing failed) as quarantined with `reason`, under the same Message-ID key as
    `receive`, so a later delivery of it is a duplicate; one left `received` by a failed
    attempt is quarantined in place."""
    message = parse(raw)
    message_id = header(message, "Message-ID") or None
    key = hashlib.sha256(message_id.encode() if message_id else raw).hexdigest()
    _, sender = parseaddr(header(message, "From"))
    try:
        kept = await InboundEmail.create(
            organization_id=org.id, message_key=key, message_id=message_id,
            sender=sender.strip().lower()[:254] or None, subject=header(message, "Subject"),
            status=InboundStatus.QUARANTINED, reason=reason,
            automatic=is_automatic(message), raw_message=raw,
        )  # fmt: skip
    except IntegrityError:
        kept = await InboundEmail.get(organization_id=org.id, message_key=key)
        if kept.status == InboundStatus.RECEIVED:
            return (await _quarantine(kept, reason)).email
        return kept
    log.warning("inbound email %s quarantined: %s", kept.id, reason)
    return kept


async def _take_over_stalled(email: InboundEmail) -> bool:
    """Claim a message whose processing stalled (see STALLED_AFTER); at most one caller wins."""
    now = timezone.now()
    return bool(
        await InboundEmail.filter(
            id=email.id, status=InboundStatus.RECEIVED, received_at__lt=now - STALLED_AFTER
        ).update(received_at=now)
    )


async def _process(
    org: Organization,
    kept: InboundEmail,
    message: EmailMessage,
    sender: str,
    name: str,
    subject: str,
    secret_key: str,
    mail_from: str,
    per_sender_per_hour: int,
    intake: FileIntake | None = None,
) -> Outcome:
    message_id = kept.message_id
    ids = EmailIds(secret_key, mail_from)
    if message_id and ids.read_message_id(message_id) is not None:
        return await _quarantine(kept, "One of Parley's own messages came back.")
    if "@" not in sender or len(sender) > 254:
        return await _quarantine(kept, "The message has no usable From address.")
    hour_ago = timezone.now() - timedelta(hours=1)
    recent = await InboundEmail.filter(
        organization_id=org.id, sender=sender, status=InboundStatus.ACCEPTED,
        received_at__gte=hour_ago,
    ).count()  # fmt: skip
    if recent >= per_sender_per_hour:
        # A flood (a mail loop, a script) becomes no tickets; every message is still kept.
        return await _quarantine(
            kept, f"More than {per_sender_per_hour} messages from this sender in an hour."
        )
    text = visible_text(message)
    if not text:
        return await _quarantine(kept, "The message has no text.")
    ticket = await _match(org, message, sender, subject, secret_key, mail_from)
    with_files = by_email.NO_FILES
    if intake is not None:
        with_files = await keep_email_files(
            message, organization_id=org.id, email_id=kept.id, sender=name.strip() or sender,
            intake=intake,
        )  # fmt: skip
    if ticket is not None:
        replied = await by_email.add_email_reply(
            org=org, ticket_id=ticket.id, sender=sender, sender_name=name.strip(),
            content=text, automatic=kept.automatic, files=with_files,
        )  # fmt: skip
        if replied is not None:
            response, loaded, _ = replied
            kept.ticket_id, kept.response_id = loaded.ticket.id, response.id
            return await _accepted(kept, loaded.out().reference)
    note = f"Follow-up to ticket {ticket.id}." if ticket is not None else ""
    created = await by_email.create_email_ticket(
        org=org, sender=sender, sender_name=name.strip(), subject=subject, content=text,
        automatic=kept.automatic, note=note, files=with_files,
    )  # fmt: skip
    kept.ticket_id = created.ticket.id
    return await _accepted(kept, created.out().reference)


async def _match(
    org: Organization,
    message: EmailMessage,
    sender: str,
    subject: str,
    secret_key: str,
    mail_from: str,
) -> Ticket | None:
    reply_base = email_settings(org)["replyTo"] or mail_from
    tags = EmailIds(secret_key, reply_base)
    recipients = [
        address
        for name in ("To", "Cc", "Delivered-To", "X-Original-To")
        for _, address in getaddresses([header(message, name)])
    ]
    for address in recipients:
        ticket_id = tags.read_reply_address(org.id, address)
        if ticket_id is not None:
            return await Ticket.get_or_none(id=ticket_id, organization_id=org.id)
    ids = EmailIds(secret_key, mail_from)
    threaded = " ".join(
        header(message, name, limit=MAX_THREAD_HEADER_CHARS)
        for name in ("In-Reply-To", "References")
    )
    for candidate in re.findall(r"<[^<>\s]+>", threaded):
        ref = ids.read_message_id(candidate)
        if ref is not None and ref.organization_id == org.id:
            return await Ticket.get_or_none(id=ref.ticket_id, organization_id=org.id)
    token = re.search(rf"\[{re.escape(org.ticket_prefix)}-0*(\d{{1,9}})\]", subject)
    if token is not None:
        ticket = await Ticket.get_or_none(organization_id=org.id, number=int(token.group(1)))
        if ticket is not None and (ticket.requester_email or "").lower() == sender:
            return ticket
    return None


async def _quarantine(kept: InboundEmail, reason: str) -> Outcome:
    kept.status, kept.reason = InboundStatus.QUARANTINED, reason
    await kept.save(update_fields=["status", "reason"])
    log.warning("inbound email %s quarantined: %s", kept.id, reason)
    return Outcome(email=kept)


async def _accepted(kept: InboundEmail, reference: str) -> Outcome:
    kept.status = InboundStatus.ACCEPTED
    await kept.save(update_fields=["status", "ticket_id", "response_id"])
    return Outcome(email=kept, reference=reference)


# How far a webhook's timestamp may be from the server's clock.
SIGNATURE_TOLERANCE_SECONDS = 300


def verify_signature(
    secret: str | None, timestamp: str, body: bytes, signature: str, *, now: float
) -> str:
    """The signature's hex digest if it is `sha256=HMAC-SHA256(secret, "<timestamp>." + body)`
    made within the last five minutes; `Unauthenticated` otherwise (one answer for every
    reason but the clock, so a caller learns nothing about the secret)."""
    scheme, _, given = signature.strip().partition("=")
    try:
        sent_at = int(timestamp)
    except ValueError:
        raise Unauthenticated("Send X-Parley-Timestamp (Unix seconds).") from None
    if secret is None or scheme != "sha256" or not re.fullmatch(r"[0-9a-f]{64}", given):
        raise Unauthenticated("The signature does not match.")
    expected = hmac.new(secret.encode(), f"{sent_at}.".encode() + body, hashlib.sha256)
    if not hmac.compare_digest(expected.hexdigest(), given):
        raise Unauthenticated("The signature does not match.")
    if abs(now - sent_at) > SIGNATURE_TOLERANCE_SECONDS:
        raise Unauthenticated("The timestamp is more than five minutes away: sign it anew.")
    return given
