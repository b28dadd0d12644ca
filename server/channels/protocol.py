"""The WebSocket wire protocol: client frames (validated), server frames, close codes.

Every frame is a JSON text message with a `type`. The protocol is documented for client
authors in `docs/realtime.md`; this module is its single source. Client frames are parsed
with pydantic (unknown fields and unknown types are refused); server frames are built here
and nowhere else, already encoded, so a frame fanned out to many sockets is encoded once.
"""

from __future__ import annotations

import json
import re
from enum import IntEnum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from server.channels.events import PresenceEntry
from server.channels.history import Entry

MAX_FRAME_BYTES = 64 * 1024
# Arrays and objects in one client frame. A valid frame has two at most (the frame and its
# `since`); the bound keeps the JSON decoder from recursing deeply on a hostile frame.
MAX_FRAME_CONTAINERS = 16
AUTH_TIMEOUT_SECONDS = 5.0
# A close frame's reason is at most 123 bytes of UTF-8 (RFC 6455 5.5: a control frame's
# payload is 125 bytes, two of them the code); a longer one fails the close itself.
MAX_CLOSE_REASON_BYTES = 123
# `Sec-WebSocket-Protocol` values: the client offers `parley` and `auth.<token>`; the server
# answers `parley` (a token is never echoed back).
SUBPROTOCOL = "parley"
AUTH_SUBPROTOCOL_PREFIX = "auth."


class Close(IntEnum):
    """Close codes Parley uses (4000-4999 is the range reserved for applications)."""

    FRAME_TOO_LARGE = 1009  # a client frame over MAX_FRAME_BYTES
    # The server is stopping or restarting (SIGTERM): reconnect (to another process). uvicorn
    # sends this code to every socket as it shuts down, so the hub sends the same one.
    SERVICE_RESTART = 1012
    # The channel feed failed, or the database could not check the token: reconnect later.
    TRY_AGAIN_LATER = 1013
    IDLE = 4000  # no frame from the client within PARLEY_WS_IDLE_SECONDS
    SLOW_CONSUMER = 4008  # the socket's send queue overflowed: reconnect and resume
    UNAUTHENTICATED = 4401  # no, bad, expired or revoked token; no auth frame within 5 s
    ORIGIN_REFUSED = 4403  # the page's origin is not allowed for this organisation
    RATE_LIMITED = 4429  # kept sending over the frame rate after being warned


# --- client frames ---------------------------------------------------------------------------


class _Frame(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class AuthFrame(_Frame):
    type: Literal["auth"]
    token: str = Field(min_length=1, max_length=512)


class Since(_Frame):
    offset: int = Field(ge=0, le=2**53)
    epoch: str = Field(min_length=1, max_length=64)


class SubscribeFrame(_Frame):
    type: Literal["subscribe"]
    channel: str = Field(min_length=1, max_length=64)
    since: Since | None = None


class UnsubscribeFrame(_Frame):
    type: Literal["unsubscribe"]
    channel: str = Field(min_length=1, max_length=64)


class PingFrame(_Frame):
    type: Literal["ping"]


class TypingFrame(_Frame):
    type: Literal["typing"]
    channel: str = Field(min_length=1, max_length=64)
    composing: bool


class PresenceFrame(_Frame):
    type: Literal["presence"]
    status: Literal["online", "away"]


ClientFrame = Annotated[
    AuthFrame | SubscribeFrame | UnsubscribeFrame | PingFrame | TypingFrame | PresenceFrame,
    Field(discriminator="type"),
]
_CLIENT_FRAME: TypeAdapter[Any] = TypeAdapter(ClientFrame)
CLIENT_TYPES = ("auth", "subscribe", "unsubscribe", "ping", "typing", "presence")


class BadFrame(Exception):
    """A client frame that cannot be used; `code` and `message` go into the error frame."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def parse_client_frame(text: str) -> Any:
    """The validated frame, or `BadFrame` saying exactly what is wrong with it."""
    if _containers(text) > MAX_FRAME_CONTAINERS:
        raise BadFrame(
            "bad_frame", f"A frame holds at most {MAX_FRAME_CONTAINERS} arrays and objects."
        )
    try:
        raw = json.loads(text)
    except ValueError:
        raise BadFrame("invalid_json", "The frame is not valid JSON.") from None
    if not isinstance(raw, dict):
        raise BadFrame("bad_frame", "A frame is a JSON object with a `type`.")
    kind = raw.get("type")
    if kind not in CLIENT_TYPES:
        shown = repr(kind[:40]) if isinstance(kind, str) else type(kind).__name__
        raise BadFrame(
            "unknown_type",
            f"Unknown frame type {shown}; expected one of {', '.join(CLIENT_TYPES)}.",
        )
    try:
        return _CLIENT_FRAME.validate_python(raw)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc'][1:]) or 'frame'}: {err['msg']}"
            for err in exc.errors(include_url=False)[:5]
        )
        raise BadFrame("bad_frame", f"Invalid {kind} frame: {problems}.") from None


# A JSON string, or what is left of an unterminated one: matching to the end instead of
# failing keeps the scan linear (a failed match would be retried from every later quote).
_JSON_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*(?:"|\\?\Z)', re.DOTALL)


def _containers(text: str) -> int:
    """How many arrays and objects `text` opens: a bound on how deep `json.loads` recurses.

    Counting the brackets of the whole text first costs next to nothing and settles every
    real frame; only a frame with many brackets has its strings (where brackets are just
    characters, e.g. in a channel name) taken out before counting again.
    """
    total = text.count("[") + text.count("{")
    if total <= MAX_FRAME_CONTAINERS:
        return total
    bare = _JSON_STRING.sub("", text)
    return bare.count("[") + bare.count("{")


def close_reason(text: str) -> str:
    """`text` cut to fit a close frame (`MAX_CLOSE_REASON_BYTES`), on a character boundary."""
    encoded = text.encode(errors="replace")  # a lone surrogate becomes "?"
    return encoded[:MAX_CLOSE_REASON_BYTES].decode(errors="ignore")


# --- server frames (encoded) -----------------------------------------------------------------


def encode(frame: dict[str, Any]) -> str:
    return json.dumps(frame, separators=(",", ":"), ensure_ascii=False)


def ready(identity: dict[str, Any]) -> str:
    return encode({"type": "ready", **identity})


def subscribed(channel: str, offset: int, epoch: str, recovered: bool) -> str:
    return encode(
        {
            "type": "subscribed",
            "channel": channel,
            "offset": offset,
            "epoch": epoch,
            "recovered": recovered,
        }
    )


def unsubscribed(channel: str) -> str:
    return encode({"type": "unsubscribed", "channel": channel})


def event(channel: str, entry: Entry) -> str:
    """An event frame; built once per channel event and sent to every subscriber as is."""
    return encode(
        {
            "type": "event",
            "channel": channel,
            "offset": entry.offset,
            "epoch": entry.epoch,
            "event": entry.event,
            "data": entry.data,
            "ts": entry.ts,
        }
    )


def presence_snapshot(channel: str, entries: list[PresenceEntry]) -> str:
    return encode(
        {
            "type": "presence",
            "channel": channel,
            "snapshot": [e.model_dump(mode="json", by_alias=True) for e in entries],
        }
    )


def presence_diff(change: dict[str, Any]) -> str:
    """A `presence.changed` event (already dumped) as a `presence` frame."""
    return encode({**change, "type": "presence"})


def pong() -> str:
    return encode({"type": "pong"})


def error(code: str, message: str, **extra: Any) -> str:
    # ASCII-escaped: a message may quote what the client sent, and a lone surrogate from a
    # JSON escape ("\ud800") cannot be sent as UTF-8; escaped it is harmless JSON.
    frame = {"type": "error", "code": code, "message": message, **extra}
    return json.dumps(frame, separators=(",", ":"))
