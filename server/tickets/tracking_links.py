"""Tracking links: the signed, expiring token in every customer email that opens the ticket's
public tracking page, and the short-lived session the page exchanges it for.

Both name one ticket of one organisation and its requester (the contact), and are signed with
PARLEY_SECRET_KEY by itsdangerous (as visitor tokens are, `server/accounts/visitor_tokens.py`),
each with a salt of its own, so neither can stand in for the other or for a visitor token.

- The link token (`prl_tl_`) rides in the URL fragment (`/track#prl_tl_…`): browsers never
  send a fragment to a server, so it reaches neither access logs nor Referer headers. It lives
  PARLEY_TRACKING_LINK_TTL_DAYS (30) and every email carries a fresh one.
- The page trades it once (`POST /api/track/session`) for a session token (`prl_ts_`, two
  hours) that it keeps in memory and sends as a Bearer token to the tracking API and the
  widget socket. It reads and answers that one ticket, nothing else of the contact's.

No database row backs either: a link stops working when it expires, when its ticket is deleted
or when the ticket gets another requester (checked on every use, `tracking.tracked_ticket`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from server.errors import Unauthenticated

LINK_PREFIX = "prl_tl_"
SESSION_PREFIX = "prl_ts_"
_LINK_SALT = "parley.tracking-link.v1"
_SESSION_SALT = "parley.tracking-session.v1"
# Short, so a session token that leaks from a page is soon worthless; the page trades its link
# again when the session runs out (the link is still in its address).
SESSION_TTL = timedelta(hours=2)
PAGE_PATH = "/track"

Kind = Literal["link", "session"]


@dataclass(frozen=True)
class TrackingClaims:
    """What a valid link or session names."""

    organization_id: int
    ticket_id: int
    contact_id: int


def _serializer(secret_key: str, kind: Kind) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret_key, salt=_LINK_SALT if kind == "link" else _SESSION_SALT)


def _prefix(kind: Kind) -> str:
    return LINK_PREFIX if kind == "link" else SESSION_PREFIX


def sign(secret_key: str, kind: Kind, claims: TrackingClaims) -> str:
    """A new link or session token for `claims`, valid from now."""
    body = _serializer(secret_key, kind).dumps(
        {"o": claims.organization_id, "t": claims.ticket_id, "c": claims.contact_id}
    )
    return _prefix(kind) + str(body)


def verify(secret_key: str, kind: Kind, token: str, *, ttl: timedelta) -> TrackingClaims:
    """The claims of a valid, unexpired token of `kind`. Otherwise `Unauthenticated` whose
    `reason` says `expired` (signed by Parley, too old) or `invalid` (anything else)."""
    if not isinstance(token, str) or not token.startswith(_prefix(kind)):
        raise invalid(kind)
    try:
        raw = _serializer(secret_key, kind).loads(
            token.removeprefix(_prefix(kind)), max_age=ttl // timedelta(seconds=1)
        )
    except SignatureExpired:
        what = "tracking link" if kind == "link" else "tracking session"
        raise Unauthenticated(f"This {what} has expired.", details={"reason": "expired"}) from None
    except BadSignature:
        raise invalid(kind) from None
    if not isinstance(raw, dict) or any(type(raw.get(k)) is not int for k in ("o", "t", "c")):
        raise invalid(kind)
    return TrackingClaims(organization_id=raw["o"], ticket_id=raw["t"], contact_id=raw["c"])


def invalid(kind: Kind) -> Unauthenticated:
    """The one answer for a token that is not (or no longer) good for anything."""
    what = "tracking link" if kind == "link" else "tracking session"
    return Unauthenticated(f"This {what} is not valid.", details={"reason": "invalid"})


def link_url(public_url: str, secret_key: str, claims: TrackingClaims) -> str:
    """The tracking page's address for `claims`, the token in the fragment."""
    return f"{public_url.rstrip('/')}{PAGE_PATH}#{sign(secret_key, 'link', claims)}"


def session_expiry(now: datetime | None = None) -> datetime:
    return (now or datetime.now(UTC)) + SESSION_TTL
