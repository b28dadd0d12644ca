"""The WebSocket endpoints: `/ws` for agents and integrations, `/ws/widget` for customers.

One handler serves both; they differ in which tokens they accept and which origins they
allow. The order of checks, each answered as documented in docs/realtime.md:

1. Origin (before accepting): a browser page may connect only from Parley's own origin or an
   origin in PARLEY_ALLOWED_ORIGINS; `/ws/widget` also admits any origin some organisation
   allows, and re-checks it against the authenticated organisation's list (step 3).
2. Authentication: the token comes from `Sec-WebSocket-Protocol` (`parley, auth.<token>`) or
   the first frame (`{"type":"auth","token":...}`) within 5 s; nothing else is accepted first.
3. Then frames: validated, rate limited, authorised per channel, answered with frames.
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import Mapping
from typing import Any, cast

from starlette.routing import WebSocketRoute
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket, WebSocketDisconnect, WebSocketState

from server.channels import names, protocol
from server.channels.access import Admission, Endpoint, Gate
from server.channels.connection import AsgiSend, Connection, FrameBudget
from server.channels.hub import Hub, NotAvailable
from server.channels.protocol import BadFrame, Close
from server.db import unavailable
from server.errors import NotReady, ParleyError, Unauthenticated
from server.settings import Settings
from server.web import origins

log = logging.getLogger(__name__)

# How often a socket's token is checked again (expiry; revocation is pushed at once).
REVALIDATE_SECONDS = 60.0
AGENT_ENDPOINT: Endpoint = "agent"
WIDGET_ENDPOINT: Endpoint = "widget"


def websocket_routes(gate: Gate) -> list[WebSocketRoute]:
    """The two endpoints; `gate` says who a token is and who may subscribe to what."""
    return [
        WebSocketRoute("/ws", _Endpoint(AGENT_ENDPOINT, gate)),
        WebSocketRoute("/ws/widget", _Endpoint(WIDGET_ENDPOINT, gate)),
    ]


class _Endpoint:
    """An ASGI app rather than a function endpoint, to keep the server's own `send`: the
    fan-out hands it one shared message per event, skipping a wrapper per delivery."""

    def __init__(self, endpoint: Endpoint, gate: Gate) -> None:
        self.endpoint = endpoint
        self.gate = gate

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await _serve(WebSocket(scope, receive, send), self.endpoint, self.gate, send)


# --- origins ---------------------------------------------------------------------------------


def origin_allowed(
    websocket: WebSocket, endpoint: Endpoint, settings: Settings, known: Admission | None
) -> bool:
    """See `server/web/origins.py`; an organisation's own list counts only for the widget
    endpoint, once the organisation is known (`known`)."""
    org_allowed = known.widget_origins if endpoint == WIDGET_ENDPOINT and known else ()
    return origins.origin_allowed(websocket, settings.allowed_origins, list(org_allowed))


# --- authentication --------------------------------------------------------------------------


def _header_token(websocket: WebSocket) -> tuple[str | None, bool]:
    """(token from Sec-WebSocket-Protocol, whether the client offered `parley`)."""
    offered = websocket.scope.get("subprotocols") or []
    token = next(
        (
            p[len(protocol.AUTH_SUBPROTOCOL_PREFIX) :]
            for p in offered
            if p.startswith(protocol.AUTH_SUBPROTOCOL_PREFIX)
        ),
        None,
    )
    return token, protocol.SUBPROTOCOL in offered


async def _identify(token: str, endpoint: Endpoint, gate: Gate) -> Admission:
    """Who the token belongs to; `Unauthenticated` when it is wrong for this endpoint,
    `NotReady` when the database cannot tell right now."""
    try:
        return await gate.admit(token, endpoint)
    except Exception as exc:
        if (down := unavailable(exc)) is not None:
            raise down from exc
        raise


async def _first_frame_token(websocket: WebSocket) -> str:
    """The token of the first frame, which must be `auth` and arrive within 5 s."""
    try:
        async with asyncio.timeout(protocol.AUTH_TIMEOUT_SECONDS):
            message = await websocket.receive()
    except TimeoutError:
        raise Unauthenticated("No auth frame within 5 seconds.") from None
    if message["type"] == "websocket.disconnect":
        raise WebSocketDisconnect(message.get("code", 1000))
    text = message.get("text")
    if text is None:
        raise Unauthenticated("The first frame must be a JSON auth frame.")
    try:
        frame = protocol.parse_client_frame(text)
    except BadFrame as exc:
        raise Unauthenticated(f"The first frame must be an auth frame: {exc.message}") from None
    if not isinstance(frame, protocol.AuthFrame):
        raise Unauthenticated("The first frame must be an auth frame.")
    return frame.token


# --- the session -----------------------------------------------------------------------------


async def _serve(websocket: WebSocket, endpoint: Endpoint, gate: Gate, send: Send) -> None:
    state = websocket.app.state.parley
    settings: Settings = state.settings
    hub: Hub = state.hub
    ip = websocket.client.host if websocket.client else "unknown"
    wait = await state.handshake_limiter.wait_for(ip)
    if wait:
        await websocket.accept()
        await _refuse(
            websocket, Close.RATE_LIMITED, "rate_limited",
            f"Too many connections from your address; wait {math.ceil(wait)} s.",
            retryAfter=math.ceil(wait),
        )  # fmt: skip
        return
    header_token, offered = _header_token(websocket)
    known: Admission | None = None
    down: NotReady | None = None
    if header_token is not None:
        # Either failure is answered after accepting, so the client sees the close code.
        try:
            known = await _identify(header_token, endpoint, gate)
        except Unauthenticated:
            known = None
        except NotReady as exc:
            down = exc
    checkable = endpoint == AGENT_ENDPOINT or known is not None
    if checkable and not origin_allowed(websocket, endpoint, settings, known):
        await websocket.close(Close.ORIGIN_REFUSED)  # before accepting: HTTP 403
        return
    await websocket.accept(subprotocol=protocol.SUBPROTOCOL if offered else None)
    try:
        if down is not None:
            raise down
        if known is None:
            if header_token is not None:
                raise Unauthenticated("Invalid, expired or revoked token.")
            known = await _identify(await _first_frame_token(websocket), endpoint, gate)
    except WebSocketDisconnect:
        return
    except Unauthenticated as exc:
        await _refuse(websocket, Close.UNAUTHENTICATED, "unauthenticated", exc.message)
        return
    except NotReady as exc:
        await _refuse(websocket, Close.TRY_AGAIN_LATER, "not_ready", exc.message)
        return
    if not origin_allowed(websocket, endpoint, settings, known):
        # First-frame authentication on /ws/widget: the organisation is known only now.
        await _refuse(
            websocket, Close.ORIGIN_REFUSED, "origin_refused",
            "This page's origin is not allowed for the organisation.",
        )  # fmt: skip
        return
    identity = known.identity
    del known  # the session keeps only the identity (small: one per socket)
    conn = Connection(
        websocket, identity, queue_size=settings.ws_send_queue,
        # Starlette types `send` as returning any awaitable; the server's is an `async def`.
        asgi_send=cast(AsgiSend, send),
    )  # fmt: skip
    hub.register(conn)
    session = _Session(conn, hub, settings, gate)
    conn.session = task = asyncio.current_task()
    try:
        conn.send(protocol.ready({**identity.describe(), "connectionId": conn.id}))
        await session.run()
    except asyncio.CancelledError:
        if conn.close_code is None or task is None or task.cancelling() != 1:
            raise  # not our doing (the server is stopping)
        task.uncancel()  # our close could not be delivered: end the session quietly
    finally:
        await hub.unregister(conn)
        await conn.stop()


async def _refuse(websocket: WebSocket, code: int, error: str, message: str, **extra: Any) -> None:
    """Say why in an error frame, then close with `code`."""
    try:
        await websocket.send_text(protocol.error(error, message, **extra))
        await websocket.close(code, protocol.close_reason(message))
    except Exception:  # the client left first
        log.debug("could not refuse a socket politely", exc_info=True)


# Which `_Session` method answers each client frame (a class-level table: one per process).
_HANDLERS: dict[type, str] = {
    protocol.SubscribeFrame: "subscribe",
    protocol.UnsubscribeFrame: "unsubscribe",
    protocol.PingFrame: "ping",
    protocol.TypingFrame: "typing",
    protocol.PresenceFrame: "presence",
    protocol.AuthFrame: "auth_again",
}


class _Session:
    """Reads and answers one authenticated socket's frames."""

    __slots__ = ("budget", "conn", "gate", "hub", "identity", "settings")

    def __init__(self, conn: Connection, hub: Hub, settings: Settings, gate: Gate) -> None:
        self.conn = conn
        self.hub = hub
        self.gate = gate
        self.settings = settings
        self.identity = conn.identity
        self.budget = FrameBudget(settings.ws_frames_per_second)

    async def run(self) -> None:
        websocket, conn = self.conn.websocket, self.conn
        loop = asyncio.get_running_loop()
        next_check = loop.time() + REVALIDATE_SECONDS
        while conn.close_code is None:
            try:
                async with asyncio.timeout(self.settings.ws_idle_seconds):
                    message = await websocket.receive()
            except TimeoutError:
                conn.close(Close.IDLE, "idle: send a ping at least every 30 seconds")
                break
            if message["type"] == "websocket.disconnect":
                break
            if loop.time() >= next_check:
                next_check = loop.time() + REVALIDATE_SECONDS
                if not await self.still_valid():
                    break
            await self.handle(message)
        if conn.close_code is not None and websocket.client_state != WebSocketState.DISCONNECTED:
            # Our close is under way; wait for it so the client sees the code and reason.
            await conn.closed.wait()

    async def still_valid(self) -> bool:
        try:
            await self.identity.revalidate()
        except Unauthenticated as exc:
            self.conn.send(protocol.error("unauthenticated", exc.message))
            self.conn.close(Close.UNAUTHENTICATED, "token no longer valid")
            return False
        except Exception as exc:
            if unavailable(exc) is None:
                raise
            # The database is away for a moment: keep the socket, check again next time.
            log.warning("could not revalidate %s: the database is unavailable", self.conn.id)
        return True

    async def handle(self, message: Mapping[str, Any]) -> None:
        conn = self.conn
        wait = self.budget.take()
        if wait:
            if self.budget.abused:
                conn.close(Close.RATE_LIMITED, "too many frames")
            else:
                conn.send(
                    protocol.error(
                        "rate_limited",
                        f"Too many frames; wait {wait:.1f} s.",
                        retryAfter=round(wait, 2),
                    )
                )
            return
        text = message.get("text")
        if text is None:
            conn.send(protocol.error("bad_frame", "Frames are JSON text; binary is refused."))
            return
        if len(text) > protocol.MAX_FRAME_BYTES or len(text.encode()) > protocol.MAX_FRAME_BYTES:
            conn.close(Close.FRAME_TOO_LARGE, "frame over 64 KiB")
            return
        try:
            frame = protocol.parse_client_frame(text)
            await getattr(self, _HANDLERS[type(frame)])(frame)
        except BadFrame as exc:
            conn.send(protocol.error(exc.code, exc.message))
        except ParleyError as exc:
            conn.send(protocol.error(str(exc.code), exc.message))
        except NotAvailable as exc:
            conn.send(protocol.error("not_ready", str(exc)))
        except Exception as exc:  # a bug or a backend failure: say so, keep the socket
            if (down := unavailable(exc)) is not None:  # the database, for a moment
                conn.send(protocol.error(str(down.code), down.message))
                return
            log.exception("frame handling failed on %s", conn.id)
            conn.send(protocol.error("internal_error", "The frame could not be handled; retry."))

    # -- frames ---------------------------------------------------------------------------------

    def channel(self, wire: str) -> names.Channel:
        try:
            return names.parse(self.identity.organization_id, wire)
        except ValueError as exc:
            raise BadFrame("bad_channel", str(exc)) from None

    async def subscribe(self, frame: protocol.SubscribeFrame) -> None:
        channel = self.channel(frame.channel)
        await self.gate.may_subscribe(self.identity, channel)
        await self.hub.subscribe(self.conn, channel, frame.since)

    async def unsubscribe(self, frame: protocol.UnsubscribeFrame) -> None:
        channel = self.channel(frame.channel)
        if not await self.hub.unsubscribe(self.conn, channel):
            raise BadFrame("not_subscribed", f"Not subscribed to {channel.wire}.")
        self.conn.send(protocol.unsubscribed(channel.wire))

    async def ping(self, frame: protocol.PingFrame) -> None:
        self.conn.send(protocol.pong())

    async def typing(self, frame: protocol.TypingFrame) -> None:
        channel = self.channel(frame.channel)
        if channel.key not in self.conn.channels:
            raise BadFrame("not_subscribed", f"Subscribe to {channel.wire} before typing.")
        await self.hub.typing(self.conn, channel, frame.composing)

    async def presence(self, frame: protocol.PresenceFrame) -> None:
        await self.hub.set_status(self.conn, frame.status)

    async def auth_again(self, frame: protocol.AuthFrame) -> None:
        raise BadFrame("already_authenticated", "This socket is already authenticated.")
