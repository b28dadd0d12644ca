"""Fuzzing both WebSocket endpoints with random and mutated client frames (Hypothesis).

Whatever a client sends, the server answers only with the error codes docs/realtime.md
lists (never `internal_error`) and the socket stays usable: after every bad frame a ping
still gets its pong. Before authentication every bad first frame is refused with
`unauthenticated` and close 4401, never an abnormal close. Sockets run against the live
server (`live_server`) as a real client would meet it.

Runs are repeatable (`derandomize`, no example database) and bounded (a few hundred frames
per endpoint on one socket each, a few dozen handshakes).
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from starlette.applications import Starlette
from websockets.exceptions import ConnectionClosed

from server.channels.protocol import CLIENT_TYPES, Close
from tests.channels.test_routes import new_ticket, token_of, visitor_token
from tests.factories import Team, start_chat, visitor_session
from tests.support.live import LiveServer
from tests.support.wsclient import WS, open_ws

DOCS = Path(__file__).resolve().parents[2] / "docs" / "realtime.md"
# Frames sent after authentication per endpoint, and first frames tried before it.
FRAMES_PER_ENDPOINT = 200
# Ticket ids far above any test's, for the channels that mark the end of an answer.
MARKER = 900_000_000
FIRST_FRAMES = 40
FUZZ = settings(
    max_examples=FRAMES_PER_ENDPOINT,
    deadline=None,
    derandomize=True,
    database=None,
    # One socket serves every example on purpose: "the socket stays usable" is the property.
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def documented_error_codes() -> set[str]:
    """The codes the docs promise in `error` frames ("Error codes in `error` frames: ...")."""
    text = DOCS.read_text()
    listed = text.split("Error codes in `error` frames:", 1)[1].split("\n\n", 1)[0]
    # The paragraph also names frame types (`subscribe`...), which are not error codes.
    codes = set(re.findall(r"`([a-z_]+)`", listed)) - set(CLIENT_TYPES)
    assert {"invalid_json", "bad_frame", "not_ready"} <= codes, listed
    return codes


DOCUMENTED = documented_error_codes()


# --- frames ------------------------------------------------------------------------------------

# Any JSON value, small enough that a frame stays well under the 64 KiB limit.
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=40),
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=12), inner),
    max_leaves=25,
)
# Strings a client might put where a string belongs: channel-like, huge, odd characters,
# lone surrogates (which JSON escapes can carry, though UTF-8 cannot).
odd_strings = (
    st.text(max_size=80)
    | st.sampled_from(
        [
            "", " ", "queue", "queue ", "ticket:", "ticket:0", "ticket:-1", "ticket:1e3",
            "ticket:99999999999999999999", "agent:", "contact:", "conversation:",
            "\u0000", "\ud800", "\udfff", "ticket:\ud800", "\U0001d52e\U0001d532",
            "İ" * 40, "a" * 65,
        ]
    )
    | st.text(alphabet="[]{}\"\\:,", max_size=64)
)  # fmt: skip


def nested(depth: int, opener: str) -> str:
    """`depth` levels of arrays or objects, closed or left open."""
    if opener == "[":
        return "[" * depth + "]" * depth
    if opener == "{":
        return '{"a":' * depth + "1" + "}" * depth
    return "[" * depth  # never closed


deep_frames = st.builds(
    nested, st.integers(min_value=1, max_value=10_000), st.sampled_from(["[", "{", "open"])
)


def _mutate(frame: dict[str, Any], how: str, key: str, value: Any) -> Any:
    """One change to a valid frame: a field dropped, replaced or added, or the shape broken."""
    changed = dict(frame)
    if how == "drop" and changed:
        changed.pop(sorted(changed)[len(key) % len(changed)])
    elif how == "replace" and changed:
        changed[sorted(changed)[len(key) % len(changed)]] = value
    elif how == "add":
        changed[key] = value
    elif how == "retype":
        changed["type"] = value
    elif how == "wrap":
        return [changed]
    elif how == "since":
        changed["since"] = value
    return changed


def frame_text(frame: Any, ascii_only: bool = True) -> str:
    """`frame` as JSON text; non-ASCII raw unless a lone surrogate must stay escaped (a
    WebSocket text frame is UTF-8, which cannot carry one)."""
    text = json.dumps(frame, ensure_ascii=ascii_only)
    try:
        text.encode()
    except UnicodeEncodeError:
        return json.dumps(frame)
    return text


def truncated(text: str, cut: int) -> str:
    return text[: cut % (len(text) + 1)]


def frames_for(valid: list[dict[str, Any]]) -> st.SearchStrategy[str | bytes]:
    """Text (or binary) frames around the endpoint's valid frames."""
    valid_frames = st.sampled_from(valid)
    mutated = st.builds(
        _mutate,
        valid_frames,
        st.sampled_from(["drop", "replace", "add", "retype", "wrap", "since"]),
        st.text(max_size=10),
        json_values | odd_strings,
    )
    as_text = st.booleans()
    return (
        st.builds(frame_text, valid_frames, as_text)
        | st.builds(frame_text, mutated, as_text)
        | st.builds(truncated, st.builds(frame_text, mutated, as_text), st.integers(min_value=0))
        | st.builds(frame_text, json_values, as_text)
        | st.builds(lambda t: json.dumps({"type": t}), odd_strings | json_values)
        | st.text(max_size=200)
        | st.binary(max_size=64)
        | deep_frames
    )


# --- sockets -----------------------------------------------------------------------------------


class Client:
    """A socket that reconnects when a frame broke the last one, so that each example is
    judged on its own (and a failure shrinks to the frame that caused it)."""

    def __init__(self, url: str, token: str) -> None:
        self.url = url
        self.token = token
        self.ws: WS | None = None
        self.frames = 0

    async def socket(self) -> WS:
        if self.ws is None or self.ws.close_code is not None:
            self.ws = await open_ws(self.url, token=self.token, skip=())
            await self.ws.expect("ready")
        return self.ws

    async def close(self) -> None:
        if self.ws is not None:
            await self.ws.close()


def shown(frame: str | bytes) -> str:
    """`frame` for a failure message (a fuzzed frame can be 60 kB)."""
    return repr(frame) if len(frame) <= 300 else f"{frame[:300]!r}... ({len(frame)} long)"


async def answers_to(ws: WS, frame: str | bytes, marker: int) -> list[dict[str, Any]]:
    """Send `frame` and a ping; every frame the server answered with, pong included.

    The fuzzed frame may itself be a ping, so a pong cannot mark the end of its answers: an
    unsubscribe from a channel nobody subscribes to (`marker`) does, with its `not_subscribed`.
    """
    end = f"ticket:{marker}"
    await ws.send(frame)
    await ws.send({"type": "ping"})
    await ws.send({"type": "unsubscribe", "channel": end})
    answers = []
    try:
        while True:
            answer = await ws.recv(skip=())
            if answer.get("code") == "not_subscribed" and end in answer["message"]:
                break
            answers.append(answer)
    except ConnectionClosed:
        pytest.fail(f"the socket closed ({ws.close_code}) after {shown(frame)}; it said {answers}")
    assert {"type": "pong"} in answers, f"no pong after {shown(frame)}: {answers}"
    return answers


def assert_documented(frame: str | bytes, answers: list[dict[str, Any]]) -> None:
    for answer in answers:
        if answer.get("type") != "error":
            continue  # a mutated frame that happened to be valid was answered
        assert answer["code"] in DOCUMENTED, f"undocumented {answer} for {shown(frame)}"
        assert answer["code"] != "internal_error", f"{answer} for {shown(frame)}"
        assert isinstance(answer["message"], str) and answer["message"]


@pytest.fixture
async def roomy(app: Starlette, monkeypatch: pytest.MonkeyPatch) -> None:
    """Frame rate limits out of the way: the fuzzer sends as fast as the server answers."""
    state = app.state.parley
    monkeypatch.setattr(
        state, "settings", dataclasses.replace(state.settings, ws_frames_per_second=100_000)
    )


@pytest.fixture
async def agent_client(
    live_server: LiveServer, client: httpx.AsyncClient, team: Team, roomy: None
) -> AsyncIterator[tuple[Client, list[dict[str, Any]]]]:
    ticket = await new_ticket(client, team)
    visitor = await visitor_session(client, team.org)
    chat = await start_chat(client, visitor)
    valid = [
        {"type": "ping"},
        {"type": "subscribe", "channel": "queue"},
        {"type": "subscribe", "channel": f"ticket:{ticket['id']}"},
        {"type": "subscribe", "channel": f"agent:{team.agent.id}"},
        {"type": "subscribe", "channel": f"conversation:{chat['conversation']['id']}"},
        {"type": "subscribe", "channel": "queue", "since": {"offset": 0, "epoch": "e"}},
        {"type": "unsubscribe", "channel": f"ticket:{ticket['id']}"},
        {"type": "typing", "channel": f"ticket:{ticket['id']}", "composing": True},
        {"type": "presence", "status": "away"},
        {"type": "auth", "token": token_of(team.agent_headers)},
    ]
    fuzzed = Client(live_server.ws_url, token_of(team.agent_headers))
    try:
        yield fuzzed, valid
    finally:
        await fuzzed.close()


@pytest.fixture
async def visitor_client(
    live_server: LiveServer, client: httpx.AsyncClient, team: Team, roomy: None
) -> AsyncIterator[tuple[Client, list[dict[str, Any]]]]:
    visitor = await visitor_session(client, team.org)
    contact_id = visitor["contact"]["id"]
    chat = await start_chat(client, visitor)
    token = await visitor_token(client, team, contact_id)
    conversation = f"conversation:{chat['conversation']['id']}"
    valid = [
        {"type": "ping"},
        {"type": "subscribe", "channel": f"contact:{contact_id}"},
        {"type": "subscribe", "channel": conversation},
        {"type": "subscribe", "channel": conversation, "since": {"offset": 1, "epoch": "x"}},
        {"type": "unsubscribe", "channel": conversation},
        {"type": "typing", "channel": conversation, "composing": False},
        {"type": "presence", "status": "online"},
        {"type": "subscribe", "channel": "queue"},
        {"type": "auth", "token": token},
    ]
    fuzzed = Client(live_server.widget_url, token)
    try:
        yield fuzzed, valid
    finally:
        await fuzzed.close()


# --- after authentication ----------------------------------------------------------------------


async def fuzz_authenticated(client: Client, valid: list[dict[str, Any]], data: Any) -> None:
    frame = data.draw(frames_for(valid), label="frame")
    ws = await client.socket()
    client.frames += 1
    assert_documented(frame, await answers_to(ws, frame, MARKER + client.frames))


@FUZZ
@given(data=st.data())
async def test_agent_socket_answers_any_frame_with_documented_errors(
    agent_client: tuple[Client, list[dict[str, Any]]], data: Any
) -> None:
    await fuzz_authenticated(*agent_client, data)


@FUZZ
@given(data=st.data())
async def test_widget_socket_answers_any_frame_with_documented_errors(
    visitor_client: tuple[Client, list[dict[str, Any]]], data: Any
) -> None:
    await fuzz_authenticated(*visitor_client, data)


# --- before authentication ---------------------------------------------------------------------


async def refused_before_auth(url: str, frame: str | bytes) -> None:
    ws = await open_ws(url, skip=())
    try:
        await ws.send(frame)
        answer = await ws.recv()
        assert answer["type"] == "error" and answer["code"] == "unauthenticated", answer
        assert await ws.closed() == Close.UNAUTHENTICATED, f"{ws.close_code} after {shown(frame)}"
    except ConnectionClosed:
        pytest.fail(f"closed with {ws.close_code} and no error frame after {shown(frame)}")
    finally:
        await ws.close()


first_frames = frames_for(
    [
        {"type": "auth", "token": "prl_at_not-a-real-token"},
        {"type": "auth", "token": "prl_vt_not-a-real-token"},
        {"type": "ping"},
        {"type": "subscribe", "channel": "queue"},
    ]
)
FIRST = settings(FUZZ, max_examples=FIRST_FRAMES)


@pytest.mark.parametrize("endpoint", ["ws_url", "widget_url"])
@FIRST
@given(frame=first_frames)
async def test_any_bad_first_frame_is_refused_with_4401(
    live_server: LiveServer, endpoint: str, frame: str | bytes
) -> None:
    await refused_before_auth(getattr(live_server, endpoint), frame)
