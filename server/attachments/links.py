"""Signed download links: how a browser opens a file without a token in its address.

A link names one attachment of one organisation and expires after
PARLEY_ATTACHMENT_LINK_TTL_SECONDS (at most five minutes). It is issued only after the caller
was found allowed to read the file (an agent of its organisation; the customer it belongs
to, never for an internal note), and works for whoever holds it until then: the signature is
the permission, so it is short. Signed by itsdangerous with PARLEY_SECRET_KEY and a salt of its
own, so no other token of Parley's can stand in for it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from server.errors import Unauthenticated

_SALT = "parley.attachment-link.v1"
FILES_PATH = "/files"


@dataclass(frozen=True)
class LinkClaims:
    organization_id: int
    attachment_id: int


def _serializer(secret_key: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret_key, salt=_SALT)


def sign(secret_key: str, claims: LinkClaims) -> str:
    return str(_serializer(secret_key).dumps([claims.organization_id, claims.attachment_id]))


def link(
    *, secret_key: str, base_url: str, claims: LinkClaims, filename: str, ttl: timedelta
) -> tuple[str, datetime]:
    """The URL that opens the file (the name in the path is for the browser's save dialog
    only; the server reads the id and the signature), and when it stops working."""
    token = sign(secret_key, claims)
    url = f"{base_url}{FILES_PATH}/{claims.attachment_id}/{quote(filename, safe='')}?sig={token}"
    return url, datetime.now(UTC) + ttl


def verify(secret_key: str, token: str, *, attachment_id: int, ttl: timedelta) -> LinkClaims:
    """The claims of a valid, unexpired link for this attachment; 401 otherwise (`reason`
    says `expired` or `invalid`)."""
    try:
        organization_id, signed_id = _serializer(secret_key).loads(
            token, max_age=int(ttl.total_seconds())
        )
    except SignatureExpired:
        raise Unauthenticated(
            "This download link has expired; open the file again from the conversation.",
            details={"reason": "expired"},
        ) from None
    except (BadSignature, ValueError, TypeError):
        raise Unauthenticated(
            "This download link is not valid.", details={"reason": "invalid"}
        ) from None
    if not isinstance(organization_id, int) or signed_id != attachment_id:
        raise Unauthenticated("This download link is not valid.", details={"reason": "invalid"})
    return LinkClaims(organization_id=organization_id, attachment_id=attachment_id)
