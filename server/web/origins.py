"""Which page origins may use an organisation's widget (HTTP `/api/embed/*` and `/ws/widget`).

Parley's own origin and PARLEY_ALLOWED_ORIGINS always; the organisation's `allowedOrigins`
for its widget. A request without an `Origin` header is not from a browser page (browsers
always send one on cross-origin requests and WebSocket handshakes), so there is no
cross-site risk to refuse; it still has to authenticate like any other.
"""

from __future__ import annotations

from collections.abc import Iterable

from starlette.requests import HTTPConnection


def own_origin(connection: HTTPConnection) -> str:
    """Parley's origin as this request reached it (ws -> http, wss -> https)."""
    scheme = "https" if connection.url.scheme in ("wss", "https") else "http"
    return f"{scheme}://{connection.headers.get('host', '')}".lower()


def request_origin(connection: HTTPConnection) -> str | None:
    origin = connection.headers.get("origin")
    return origin.lower().rstrip("/") if origin is not None else None


def origin_allowed(
    connection: HTTPConnection, server_allowed: Iterable[str], org_allowed: Iterable[str] = ()
) -> bool:
    origin = request_origin(connection)
    if origin is None:
        return True
    return origin == own_origin(connection) or origin in server_allowed or origin in org_allowed
