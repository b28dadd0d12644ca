"""Visitor tokens: what a customer's widget authenticates with.

A visitor token names one contact of one organisation. It is signed with the server's secret
key (itsdangerous, HMAC-SHA1 over a salted key derivation) and carries its issue time, so it
expires without any database row; `prl_vt_` marks it so it is never mistaken for an agent's
token. The chat issue issues them from the public embed session endpoint; until then an agent
mints one for a contact (`POST /api/contacts/{id}/widget-token`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from server.errors import Unauthenticated

PREFIX = "prl_vt_"
_SALT = "parley.visitor-token.v1"


@dataclass(frozen=True)
class VisitorClaims:
    organization_id: int
    contact_id: int


def _serializer(secret_key: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret_key, salt=_SALT)


def issue(
    secret_key: str, *, organization_id: int, contact_id: int, ttl: timedelta
) -> tuple[str, datetime]:
    """A new token and when it expires."""
    body = _serializer(secret_key).dumps({"o": organization_id, "c": contact_id})
    return PREFIX + str(body), datetime.now(UTC) + ttl


def verify(secret_key: str, token: str, *, ttl: timedelta) -> VisitorClaims:
    """The claims of a valid, unexpired token; `Unauthenticated` otherwise."""
    if not token.startswith(PREFIX):
        raise Unauthenticated("Not a visitor token.")
    # Whole seconds, rounded down: token ages are whole seconds, so the expiry is unchanged.
    max_age = ttl // timedelta(seconds=1)
    try:
        raw = _serializer(secret_key).loads(token.removeprefix(PREFIX), max_age=max_age)
    except SignatureExpired:
        raise Unauthenticated("The visitor token has expired.") from None
    except BadSignature:
        raise Unauthenticated("Invalid visitor token.") from None
    if not isinstance(raw, dict) or type(raw.get("o")) is not int or type(raw.get("c")) is not int:
        raise Unauthenticated("Invalid visitor token.")
    return VisitorClaims(organization_id=raw["o"], contact_id=raw["c"])
