"""An organisation's IMAP mailbox for email in: where it is, how to sign in, and how its
polling goes (docs/email.md, "Reading a mailbox over IMAP").

The password or OAuth2 access token is write-only: it is stored encrypted with Fernet
(`cryptography`: AES-128-CBC with an HMAC-SHA256 over it, a random IV per token, one call each
way, so there is no nonce or padding to get wrong here) under a key derived from
PARLEY_SECRET_KEY with HKDF for this purpose alone. The organisation's id is sealed inside
with it, so a token copied into another organisation's row does not open there. It is read
only by the poller, never returned by the API and never logged. A changed PARLEY_SECRET_KEY
makes stored secrets unreadable: the mailbox then reports that error until an admin sets the
secret again.
"""

from __future__ import annotations

import base64
import ipaddress
import json
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Annotated, Any, Literal

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from pydantic import Field, StringConstraints
from tortoise import fields, timezone
from tortoise.models import Model

from server.errors import NotFound, ValidationFailed
from server.web.schema import RequestModel, ResponseModel

_HKDF_INFO = b"parley inbound mailbox secret v1"
_LOOPBACK_NAMES = ("localhost", "localhost.localdomain")


class MailboxSecurity(StrEnum):
    TLS = "tls"  # implicit TLS (port 993)
    STARTTLS = "starttls"  # plain connection upgraded before signing in (port 143)
    NONE = "none"  # loopback only


class MailboxAuth(StrEnum):
    PASSWORD = "password"  # IMAP LOGIN
    OAUTH2 = "oauth2"  # SASL XOAUTH2 with an access token (Gmail, Microsoft 365)


class InboundMailbox(Model):
    """One organisation's mailbox, and where its polling stands."""

    id = fields.BigIntField(primary_key=True)
    organization_id = fields.IntField(unique=True)
    host = fields.CharField(max_length=253)
    port = fields.IntField()
    security = fields.CharEnumField(MailboxSecurity, max_length=16)
    username = fields.CharField(max_length=254)
    auth = fields.CharEnumField(MailboxAuth, max_length=16)
    secret = fields.TextField(description="The password or token, Fernet-encrypted.")
    folder = fields.CharField(max_length=200, default="INBOX")
    enabled = fields.BooleanField(default=True)
    # Messages with a UID above `last_uid` in the folder whose UIDVALIDITY is `uid_validity`
    # have not been handed to the intake yet; a new UIDVALIDITY reads the folder again.
    uid_validity = fields.BigIntField(null=True)
    last_uid = fields.BigIntField(default=0)
    next_poll_at = fields.DatetimeField()
    # One poller per mailbox across processes: whoever set a lease in the future has it.
    lease_holder = fields.CharField(max_length=128, null=True)
    lease_expires_at = fields.DatetimeField()
    last_poll_at = fields.DatetimeField(null=True)
    last_success_at = fields.DatetimeField(null=True)
    last_error = fields.TextField(null=True)
    last_error_at = fields.DatetimeField(null=True)
    failures = fields.IntField(default=0, description="Failed polls in a row.")
    messages_fetched = fields.BigIntField(default=0)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "inbound_mailbox"
        indexes = (("enabled", "next_poll_at"),)


# --- the secret at rest ----------------------------------------------------------------------


class SecretUnreadable(Exception):
    """The stored secret does not open with this server's key (PARLEY_SECRET_KEY changed)."""


def _fernet(secret_key: str) -> Fernet:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_HKDF_INFO).derive(
        secret_key.encode()
    )
    return Fernet(base64.urlsafe_b64encode(key))


def seal(secret_key: str, organization_id: int, value: str) -> str:
    plain = json.dumps({"org": organization_id, "secret": value}).encode()
    return _fernet(secret_key).encrypt(plain).decode()


def unseal(secret_key: str, organization_id: int, token: str) -> str:
    try:
        opened = json.loads(_fernet(secret_key).decrypt(token.encode()))
    except (InvalidToken, ValueError):
        raise SecretUnreadable(
            "The stored password or token cannot be read (was PARLEY_SECRET_KEY changed?): "
            "set it again."
        ) from None
    if opened.get("org") != organization_id or not isinstance(opened.get("secret"), str):
        raise SecretUnreadable("The stored password or token belongs to another mailbox.")
    return str(opened["secret"])


# --- the API's shapes --------------------------------------------------------------------------


# Stated as patterns so the OpenAPI document says them too: no control characters (nothing
# that could end an IMAP command line), and folder names in ASCII (names beyond it need IMAP's
# modified UTF-7; the usual folders are ASCII).
_NO_CONTROLS = r"^[^\x00-\x1f\x7f]+$"
Host = Annotated[str, Field(min_length=1, max_length=253, pattern=r"^[A-Za-z0-9.:\-\[\]]+$")]
Line = Annotated[str, Field(min_length=1, max_length=254, pattern=_NO_CONTROLS)]
# A password is kept exactly as given (request models trim other strings).
Secret = Annotated[
    str,
    StringConstraints(strip_whitespace=False),
    Field(min_length=1, max_length=8192, pattern=_NO_CONTROLS),
]
Folder = Annotated[str, Field(min_length=1, max_length=200, pattern=r"^[ -~]+$")]


class MailboxIn(RequestModel):
    """The whole mailbox setting. Give `password` or `accessToken` (never both); leave both
    out to keep the one stored (same kind)."""

    host: Host = Field(description="The IMAP server, e.g. imap.example.com.")
    port: Annotated[int, Field(ge=1, le=65535)] = Field(description="993 (tls), 143 (starttls).")
    security: Literal["tls", "starttls", "none"] = Field(
        description="`tls`: implicit TLS; `starttls`: upgraded before signing in; `none`: "
        "loopback only (a server on this machine)."
    )
    username: Line
    password: Secret | None = Field(default=None, description="Write-only: never returned.")
    access_token: Secret | None = Field(
        default=None, description="An OAuth2 access token (SASL XOAUTH2). Write-only."
    )
    folder: Folder = "INBOX"
    enabled: bool = True


class MailboxStatus(ResponseModel):
    last_poll_at: datetime | None = Field(description="The last time Parley read the mailbox.")
    last_success_at: datetime | None
    last_error: str | None = Field(description="Why the last poll failed (null: it worked).")
    last_error_at: datetime | None
    failures: int = Field(description="Failed polls in a row (each waits longer: backoff).")
    next_poll_at: datetime
    messages_fetched: int = Field(description="Messages handed to the intake so far.")
    uid_validity: int | None
    last_uid: int = Field(description="The highest UID handled in the folder.")


class MailboxOut(ResponseModel):
    host: str
    port: int
    security: Literal["tls", "starttls", "none"]
    username: str
    auth: Literal["password", "oauth2"]
    folder: str
    enabled: bool
    status: MailboxStatus


class MailboxCheckOut(ResponseModel):
    ok: bool
    error: str | None = Field(description="Why connecting, signing in or opening failed.")
    messages: int | None = Field(description="Messages in the folder.")
    uid_validity: int | None


def mailbox_out(mailbox: InboundMailbox) -> MailboxOut:
    return MailboxOut(
        host=mailbox.host, port=mailbox.port, security=MailboxSecurity(mailbox.security).value,
        username=mailbox.username, auth=MailboxAuth(mailbox.auth).value, folder=mailbox.folder,
        enabled=mailbox.enabled, status=MailboxStatus.model_validate(mailbox),
    )  # fmt: skip


def is_loopback(host: str) -> bool:
    if host.lower() in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


# --- the service ---------------------------------------------------------------------------------


async def get_mailbox(organization_id: int) -> InboundMailbox:
    mailbox = await InboundMailbox.get_or_none(organization_id=organization_id)
    if mailbox is None:
        raise NotFound("No mailbox is set up: PUT /api/org/inbound-mailbox.")
    return mailbox


async def save_mailbox(
    *, organization_id: int, given: MailboxIn, secret_key: str
) -> InboundMailbox:
    """Create or replace the organisation's mailbox. Another server, user or folder is read
    from its start (what was read before is known by Message-ID); a saved mailbox is polled
    at once, its failures forgotten."""
    # Rules a JSON Schema cannot state (tests/web/test_schemathesis.py lists them too).
    if given.password is not None and given.access_token is not None:
        raise ValidationFailed(
            "The request is not valid.",
            fields={"accessToken": "Give either password or accessToken, not both."},
        )
    if given.security == "none" and not is_loopback(given.host):
        raise ValidationFailed(
            "The request is not valid.",
            fields={"security": "`none` is for a server on this machine only: use tls."},
        )
    auth = MailboxAuth.OAUTH2 if given.access_token is not None else MailboxAuth.PASSWORD
    old = await InboundMailbox.get_or_none(organization_id=organization_id)
    value = given.access_token if given.access_token is not None else given.password
    if value is None:
        if old is None:
            raise ValidationFailed(
                "The request is not valid.",
                fields={"password": "Give the mailbox's password or accessToken."},
            )
        auth = MailboxAuth(old.auth)
        sealed = old.secret
    else:
        sealed = seal(secret_key, organization_id, value)
    now = timezone.now()
    fields_: dict[str, Any] = {
        "host": given.host, "port": given.port, "security": MailboxSecurity(given.security),
        "username": given.username, "auth": auth, "secret": sealed, "folder": given.folder,
        "enabled": given.enabled, "next_poll_at": now, "failures": 0, "last_error": None,
        "last_error_at": None,
    }  # fmt: skip
    if old is None:
        return await InboundMailbox.create(
            organization_id=organization_id, lease_expires_at=now, **fields_
        )
    moved = (old.host.lower(), old.username, old.folder) != (
        given.host.lower(), given.username, given.folder,
    )  # fmt: skip
    if moved:
        fields_.update(uid_validity=None, last_uid=0)
    await InboundMailbox.filter(id=old.id).update(**fields_)
    return await InboundMailbox.get(id=old.id)


async def delete_mailbox(organization_id: int) -> None:
    if not await InboundMailbox.filter(organization_id=organization_id).delete():
        raise NotFound("No mailbox is set up.")


def backoff(failures: int, every: timedelta) -> timedelta:
    """How long a mailbox that failed `failures` times in a row waits: the poll interval
    doubled per failure, at most an hour (a server that is down is not hammered, and one that
    comes back is read again within the hour)."""
    if failures <= 0:
        return every
    return min(every * (2 ** min(failures, 20)), max(timedelta(hours=1), every))
