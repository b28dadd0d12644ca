"""The WebSocket endpoints end to end, against a real uvicorn server (`live_server`).

Every test builds its own organisation (`team`), so channels never collide between tests.
REST writes go through the in-process `client`; their events are published before the HTTP
response returns, so a socket subscribed beforehand receives them.
"""

from __future__ import annotations

import asyncio
import dataclasses
import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any

import httpx
import pytest
import uvicorn
from pydantic import Field, TypeAdapter
from redis import asyncio as aioredis
from starlette.applications import Starlette
from tortoise.exceptions import DBConnectionError
from websockets.exceptions import InvalidStatus

from server.accounts import sessions, visitors
from server.channels import protocol, routes
from server.channels.events import PresenceChanged
from server.channels.handshake_limit import HandshakeLimiter
from server.channels.protocol import Close
from server.push import projections
from server.tickets import events as ticket_events
from server.tickets.models import Ticket
from tests.factories import Team
from tests.support.live import EmbeddedServer, LiveServer
from tests.support.ports import free_port
from tests.support.wsclient import WS, open_ws, session

AGENT_EVENT: TypeAdapter[Any] = TypeAdapter(
    Annotated[ticket_events.TicketEvent | PresenceChanged, Field(discriminator="type")]
)
PUBLIC_EVENT: TypeAdapter[Any] = TypeAdapter(
    Annotated[projections.PublicTicketEvent, Field(discriminator="type")]
)
SHOP = "https://shop.example"
EVIL = "https://evil.example"


# --- helpers -------------------------------------------------------------------------------


def token_of(headers: dict[str, str]) -> str:
    return headers["Authorization"].split(" ", 1)[1]


async def call(
    client: httpx.AsyncClient,
    method: str,
    path: str,
    headers: dict[str, str],
    body: dict[str, Any] | None = None,
    status: int = 200,
) -> Any:
    response = await client.request(method, path, headers=headers, json=body)
    assert response.status_code == status, response.text
    return response.json() if response.content else None


async def new_ticket(client: httpx.AsyncClient, team: Team, **body: Any) -> dict[str, Any]:
    body = {
        "subject": "Printer on fire",
        "description": "It is smoking.",
        "requesterEmail": f"customer-{uuid.uuid4().hex[:10]}@example.com",
        "requesterName": "Rita Requester",
        **body,
    }
    out = await call(client, "POST", "/api/tickets", team.agent_headers, body, status=201)
    return out["ticket"]


async def set_status(client: httpx.AsyncClient, team: Team, ticket_id: int, status: str) -> None:
    path = f"/api/tickets/{ticket_id}/status"
    await call(client, "PATCH", path, team.agent_headers, {"status": status})


async def reply(
    client: httpx.AsyncClient, team: Team, ticket_id: int, content: str, *, internal: bool
) -> dict[str, Any]:
    path = f"/api/tickets/{ticket_id}/responses"
    body = {"content": content, "isInternal": internal}
    return await call(client, "POST", path, team.agent_headers, body, status=201)


async def rename(client: httpx.AsyncClient, team: Team, ticket_id: int, subject: str) -> None:
    path = f"/api/tickets/{ticket_id}"
    await call(client, "PATCH", path, team.agent_headers, {"subject": subject})


async def visitor_token(client: httpx.AsyncClient, team: Team, contact_id: int) -> str:
    path = f"/api/contacts/{contact_id}/widget-token"
    out = await call(client, "POST", path, team.agent_headers, status=201)
    assert out["contact"]["id"] == contact_id
    assert out["token"].startswith("prl_vt_")
    return out["token"]


async def new_visitor(client: httpx.AsyncClient, team: Team) -> tuple[str, int, dict[str, Any]]:
    """(visitor token, contact id, ticket) for the requester of a fresh ticket."""
    ticket = await new_ticket(client, team)
    contact_id = ticket["requesterId"]
    return await visitor_token(client, team, contact_id), contact_id, ticket


async def new_api_key(client: httpx.AsyncClient, team: Team) -> tuple[str, int]:
    out = await call(
        client, "POST", "/api/api-keys", team.admin_headers, {"name": "Zapier"}, status=201
    )
    assert out["key"].startswith("prl_ak_")
    return out["key"], out["apiKey"]["id"]


async def allow_origins(client: httpx.AsyncClient, team: Team, *origins: str) -> None:
    await call(client, "PATCH", "/api/org", team.admin_headers, {"allowedOrigins": list(origins)})


async def refused(ws: WS, code: int, error: str) -> None:
    """The server says why in an error frame, then closes with `code`."""
    await ws.expect_error(error)
    assert await ws.closed() == code


async def events_on(ws: WS, count: int) -> list[dict[str, Any]]:
    """The next `count` event frames (anything else but presence fails the test)."""
    return [await ws.expect("event") for _ in range(count)]


async def presence_where(ws: WS, matches: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
    """The next presence frame `matches` accepts; other presence frames are passed over."""
    async with asyncio.timeout(5):
        while True:
            frame = await ws.recv(skip=())
            if frame["type"] == "presence" and matches(frame):
                return frame
            assert frame["type"] == "presence", frame


def people(entries: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {e["person"]: e for e in entries}


# --- authentication ------------------------------------------------------------------------


async def test_auth_by_first_frame_and_ready_frame(live_server: LiveServer, team: Team) -> None:
    async with session(live_server.ws_url, token_of(team.agent_headers)) as ws:
        assert ws.conn.subprotocol is None
        ready = ws.ready
        assert ready is not None
        assert ready["organizationId"] == team.org.id
        assert ready["kind"] == "agent"
        assert ready["id"] == team.agent.id
        assert ready["name"] == team.agent.name
        assert isinstance(ready["connectionId"], str) and ready["connectionId"]
        assert set(ready) == {"type", "organizationId", "kind", "id", "name", "connectionId"}
        await ws.ping()


async def test_auth_by_subprotocol(live_server: LiveServer, team: Team) -> None:
    token = token_of(team.agent_headers)
    async with session(live_server.ws_url, token, via="subprotocol") as ws:
        # The server answers `parley` and never echoes the token back.
        assert ws.conn.subprotocol == "parley"
        assert ws.ready is not None
        assert ws.ready["kind"] == "agent"
        assert ws.ready["id"] == team.agent.id
        await ws.ping()


async def test_each_socket_has_its_own_connection_id(live_server: LiveServer, team: Team) -> None:
    token = token_of(team.agent_headers)
    async with (
        session(live_server.ws_url, token) as one,
        session(live_server.ws_url, token) as two,
    ):
        assert one.ready and two.ready
        assert one.ready["connectionId"] != two.ready["connectionId"]


@pytest.mark.parametrize("via", ["frame", "subprotocol"])
async def test_wrong_token_is_refused_with_4401(
    live_server: LiveServer, team: Team, via: Any
) -> None:
    ws = await open_ws(live_server.ws_url, token="prl_at_not-a-real-token", via=via)
    await refused(ws, Close.UNAUTHENTICATED, "unauthenticated")


async def test_no_auth_frame_in_time_is_refused_with_4401(
    live_server: LiveServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    # routes.py reads protocol.AUTH_TIMEOUT_SECONDS at each handshake, so it can be patched.
    monkeypatch.setattr(protocol, "AUTH_TIMEOUT_SECONDS", 0.2)
    ws = await open_ws(live_server.ws_url)
    await refused(ws, Close.UNAUTHENTICATED, "unauthenticated")


@pytest.mark.parametrize(
    "first",
    [
        {"type": "ping"},
        {"type": "subscribe", "channel": "queue"},
        {"type": "auth"},
        {"type": "auth", "token": ""},
        "not json",
        b"\x00binary",
        # Quoted in the close reason: over 123 bytes of UTF-8 made the close fail (1006).
        {"type": "¡" * 30},
    ],
    ids=["ping", "subscribe", "auth-without-token", "empty-token", "invalid-json", "binary",
         "non-ascii-type"],
)  # fmt: skip
async def test_first_frame_must_be_auth(
    live_server: LiveServer, team: Team, first: dict[str, Any] | str | bytes
) -> None:
    ws = await open_ws(live_server.ws_url)
    await ws.send(first)
    await refused(ws, Close.UNAUTHENTICATED, "unauthenticated")


@pytest.mark.parametrize("via", ["frame", "subprotocol"])
async def test_agent_token_is_refused_on_the_widget_endpoint(
    live_server: LiveServer, team: Team, via: Any
) -> None:
    ws = await open_ws(live_server.widget_url, token=token_of(team.agent_headers), via=via)
    await refused(ws, Close.UNAUTHENTICATED, "unauthenticated")


@pytest.mark.parametrize("via", ["frame", "subprotocol"])
async def test_visitor_token_is_refused_on_the_agent_endpoint(
    live_server: LiveServer, client: httpx.AsyncClient, team: Team, via: Any
) -> None:
    token, _, _ = await new_visitor(client, team)
    ws = await open_ws(live_server.ws_url, token=token, via=via)
    await refused(ws, Close.UNAUTHENTICATED, "unauthenticated")


async def test_api_key_authenticates_an_integration(
    live_server: LiveServer, client: httpx.AsyncClient, team: Team
) -> None:
    key, key_id = await new_api_key(client, team)
    async with session(live_server.ws_url, key) as ws:
        assert ws.ready is not None
        assert ws.ready["kind"] == "integration"
        assert ws.ready["id"] == key_id
        assert ws.ready["organizationId"] == team.org.id
        await ws.ping()


async def test_visitor_token_authenticates_a_contact(
    live_server: LiveServer, client: httpx.AsyncClient, team: Team
) -> None:
    token, contact_id, _ = await new_visitor(client, team)
    for via in ("frame", "subprotocol"):
        async with session(live_server.widget_url, token, via=via) as ws:  # type: ignore[arg-type]
            assert ws.ready is not None
            assert ws.ready["kind"] == "contact"
            assert ws.ready["id"] == contact_id
            assert ws.ready["organizationId"] == team.org.id
            assert ws.ready["name"] == "Rita Requester"


async def test_auth_frame_after_ready_is_an_error(live_server: LiveServer, team: Team) -> None:
    token = token_of(team.agent_headers)
    async with session(live_server.ws_url, token) as ws:
        await ws.send({"type": "auth", "token": token})
        await ws.expect_error("already_authenticated")
        await ws.ping()


# --- origins -------------------------------------------------------------------------------


@pytest.mark.parametrize("via", ["frame", "subprotocol"])
async def test_foreign_origin_is_refused_at_the_handshake(
    live_server: LiveServer, team: Team, via: Any
) -> None:
    with pytest.raises(InvalidStatus) as caught:
        await open_ws(live_server.ws_url, token=token_of(team.agent_headers), via=via, origin=EVIL)
    assert caught.value.response.status_code == 403


async def test_own_origin_is_allowed(live_server: LiveServer, team: Team) -> None:
    token = token_of(team.agent_headers)
    async with session(live_server.ws_url, token, origin=live_server.origin) as ws:
        await ws.ping()


async def test_configured_allowed_origin_is_allowed_on_the_agent_endpoint(
    live_server: LiveServer, app: Starlette, team: Team, monkeypatch: pytest.MonkeyPatch
) -> None:
    state = app.state.parley
    patched = dataclasses.replace(state.settings, allowed_origins=("https://console.example",))
    monkeypatch.setattr(state, "settings", patched)
    token = token_of(team.agent_headers)
    async with session(live_server.ws_url, token, origin="https://console.example") as ws:
        await ws.ping()


async def test_org_allowed_origins_do_not_open_the_agent_endpoint(
    live_server: LiveServer, client: httpx.AsyncClient, team: Team
) -> None:
    await allow_origins(client, team, SHOP)
    with pytest.raises(InvalidStatus) as caught:
        await open_ws(live_server.ws_url, token=token_of(team.agent_headers), origin=SHOP)
    assert caught.value.response.status_code == 403


@pytest.mark.parametrize("via", ["frame", "subprotocol"])
async def test_widget_origin_in_the_org_allow_list_is_allowed(
    live_server: LiveServer, client: httpx.AsyncClient, team: Team, via: Any
) -> None:
    await allow_origins(client, team, SHOP)
    token, contact_id, _ = await new_visitor(client, team)
    async with session(live_server.widget_url, token, via=via, origin=SHOP) as ws:
        assert ws.ready is not None
        assert ws.ready["id"] == contact_id
        await ws.ping()


async def test_widget_own_origin_is_allowed(
    live_server: LiveServer, client: httpx.AsyncClient, team: Team
) -> None:
    token, _, _ = await new_visitor(client, team)
    async with session(live_server.widget_url, token, origin=live_server.origin) as ws:
        await ws.ping()


async def test_widget_origin_not_in_the_allow_list_is_closed_4403_after_auth_frame(
    live_server: LiveServer, client: httpx.AsyncClient, team: Team
) -> None:
    await allow_origins(client, team, SHOP)
    token, _, _ = await new_visitor(client, team)
    ws = await open_ws(live_server.widget_url, token=token, origin=EVIL)
    await refused(ws, Close.ORIGIN_REFUSED, "origin_refused")


async def test_widget_origin_of_another_org_is_closed_4403(
    live_server: LiveServer, client: httpx.AsyncClient, team: Team, other_team: Team
) -> None:
    # Allowed by *some* organisation, but not by the one the token belongs to.
    await allow_origins(client, other_team, SHOP)
    token, _, _ = await new_visitor(client, team)
    ws = await open_ws(live_server.widget_url, token=token, origin=SHOP)
    await refused(ws, Close.ORIGIN_REFUSED, "origin_refused")


async def test_widget_origin_not_in_the_allow_list_is_refused_at_handshake_with_subprotocol(
    live_server: LiveServer, client: httpx.AsyncClient, team: Team
) -> None:
    await allow_origins(client, team, SHOP)
    token, _, _ = await new_visitor(client, team)
    with pytest.raises(InvalidStatus) as caught:
        await open_ws(live_server.widget_url, token=token, via="subprotocol", origin=EVIL)
    assert caught.value.response.status_code == 403


# --- channel authorisation -----------------------------------------------------------------


async def test_agent_channels(
    live_server: LiveServer, client: httpx.AsyncClient, team: Team, other_team: Team
) -> None:
    ticket = await new_ticket(client, team)
    foreign = await new_ticket(client, other_team)
    async with session(live_server.ws_url, token_of(team.agent_headers)) as ws:
        first = await ws.subscribe("queue")
        assert first["recovered"] is True
        assert isinstance(first["offset"], int) and isinstance(first["epoch"], str)
        await ws.subscribe(f"ticket:{ticket['id']}")
        await ws.subscribe(f"agent:{team.agent.id}")

        await ws.send({"type": "subscribe", "channel": f"agent:{team.admin.id}"})
        await ws.expect_error("forbidden")
        await ws.send({"type": "subscribe", "channel": f"contact:{ticket['requesterId']}"})
        await ws.expect_error("forbidden")
        # Another organisation's ticket id names no ticket of this organisation.
        await ws.send({"type": "subscribe", "channel": f"ticket:{foreign['id']}"})
        await ws.expect_error("not_found")
        await ws.send({"type": "subscribe", "channel": "ticket:999999999"})
        await ws.expect_error("not_found")
        await ws.ping()  # refusals leave the socket open


async def test_integration_channels(
    live_server: LiveServer, client: httpx.AsyncClient, team: Team
) -> None:
    ticket = await new_ticket(client, team)
    key, _ = await new_api_key(client, team)
    async with session(live_server.ws_url, key) as ws:
        await ws.subscribe("queue")
        await ws.subscribe(f"ticket:{ticket['id']}")
        for channel in (f"agent:{team.agent.id}", f"contact:{ticket['requesterId']}"):
            await ws.send({"type": "subscribe", "channel": channel})
            await ws.expect_error("forbidden")
        await ws.ping()


async def test_contact_channels(
    live_server: LiveServer, client: httpx.AsyncClient, team: Team
) -> None:
    token, contact_id, ticket = await new_visitor(client, team)
    other = await new_ticket(client, team)
    assert other["requesterId"] != contact_id
    async with session(live_server.widget_url, token) as ws:
        await ws.subscribe(f"contact:{contact_id}")
        for channel in (
            "queue",
            f"agent:{team.agent.id}",
            f"ticket:{ticket['id']}",
            f"contact:{other['requesterId']}",
        ):
            await ws.send({"type": "subscribe", "channel": channel})
            error = await ws.expect_error("forbidden")
            assert channel in error["message"]
        await ws.ping()


@pytest.mark.parametrize(
    "channel",
    ["tickets", "ticket:0", "ticket:01", "ticket:abc", "ticket:", "queue:1", "Queue", " queue"],
)
async def test_bad_channel_names(live_server: LiveServer, team: Team, channel: str) -> None:
    async with session(live_server.ws_url, token_of(team.agent_headers)) as ws:
        await ws.send({"type": "subscribe", "channel": channel})
        await ws.expect_error("bad_channel")
        await ws.ping()


# --- frames --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("frame", "code"),
    [
        ("{not json", "invalid_json"),
        ('["ping"]', "bad_frame"),
        ({"type": "dance"}, "unknown_type"),
        ({"kind": "ping"}, "unknown_type"),
        ({"type": "subscribe"}, "bad_frame"),
        ({"type": "subscribe", "channel": 7}, "bad_frame"),
        ({"type": "ping", "extra": 1}, "bad_frame"),
        ({"type": "typing", "channel": "queue", "composing": "yes"}, "bad_frame"),
        ({"type": "presence", "status": "busy"}, "bad_frame"),
        ({"type": "subscribe", "channel": "queue", "since": {"offset": -1, "epoch": "e"}},
         "bad_frame"),
        ({"type": "typing", "channel": "queue", "composing": True}, "not_subscribed"),
        (b"\x01\x02", "bad_frame"),
    ],
    ids=[
        "invalid-json", "not-an-object", "unknown-type", "no-type", "missing-field",
        "wrong-type", "extra-field", "bad-bool", "bad-status", "negative-offset",
        "typing-unsubscribed", "binary",
    ],
)  # fmt: skip
async def test_bad_frames_get_error_frames(
    live_server: LiveServer, team: Team, frame: Any, code: str
) -> None:
    async with session(live_server.ws_url, token_of(team.agent_headers)) as ws:
        await ws.send(frame)
        await ws.expect_error(code)
        await ws.ping()  # the socket stays open


async def test_frame_just_under_the_limit_is_read(live_server: LiveServer, team: Team) -> None:
    async with session(live_server.ws_url, token_of(team.agent_headers)) as ws:
        await ws.send("x" * (protocol.MAX_FRAME_BYTES - 16))
        await ws.expect_error("invalid_json")
        await ws.ping()


@pytest.mark.parametrize(
    "size",
    [protocol.MAX_FRAME_BYTES + 1, 200 * 1024, 2 * 1024 * 1024],
    ids=["64KiB+1", "200KiB", "over-transport-limit"],
)
async def test_oversized_frame_closes_1009(live_server: LiveServer, team: Team, size: int) -> None:
    async with session(live_server.ws_url, token_of(team.agent_headers)) as ws:
        padding = "x" * size
        await ws.send({"type": "ping", "padding": padding})
        assert await ws.closed() == Close.FRAME_TOO_LARGE


async def test_oversized_frame_counts_bytes_not_characters(
    live_server: LiveServer, team: Team
) -> None:
    # 30 000 three-byte characters: under 64 Ki characters, over 64 KiB.
    async with session(live_server.ws_url, token_of(team.agent_headers)) as ws:
        await ws.send('{"type":"ping","p":"' + "€" * 30_000 + '"}')
        assert await ws.closed() == Close.FRAME_TOO_LARGE


async def test_rate_limited_then_closed_4429(
    live_server: LiveServer, app: Starlette, team: Team, monkeypatch: pytest.MonkeyPatch
) -> None:
    state = app.state.parley
    monkeypatch.setattr(
        state, "settings", dataclasses.replace(state.settings, ws_frames_per_second=2)
    )
    async with session(live_server.ws_url, token_of(team.agent_headers)) as ws:
        # Within the burst, pings are answered; then the client is told to slow down.
        answers = []
        for _ in range(50):
            await ws.send({"type": "ping"})
            frame = await ws.recv()
            answers.append(frame["type"])
            if frame["type"] == "error":
                break
        assert answers[0] == "pong"
        assert frame["code"] == "rate_limited", frame
        assert frame["retryAfter"] > 0
        # Ignoring the warnings gets the socket closed.
        for _ in range(20):
            if ws.close_code is not None:
                break
            try:
                await ws.send({"type": "ping"})
            except Exception:  # closed meanwhile
                break
        assert await ws.closed() == Close.RATE_LIMITED


# --- events --------------------------------------------------------------------------------


async def test_ticket_events_reach_ticket_and_queue_subscribers(
    live_server: LiveServer, client: httpx.AsyncClient, team: Team
) -> None:
    ticket = await new_ticket(client, team)
    tid = ticket["id"]
    channel = f"ticket:{tid}"
    async with session(live_server.ws_url, token_of(team.agent_headers)) as ws:
        start = {c: await ws.subscribe(c) for c in (channel, "queue")}
        await set_status(client, team, tid, "OPEN")
        await reply(client, team, tid, "We are on it.", internal=False)
        await set_status(client, team, tid, "IN_PROGRESS")

        frames = await events_on(ws, 6)
    by_channel = {c: [f for f in frames if f["channel"] == c] for c in start}
    for name, got in by_channel.items():
        assert [f["event"] for f in got] == [
            "ticket.status_changed",
            "ticket.response_added",
            "ticket.status_changed",
        ], name
        offsets = [f["offset"] for f in got]
        assert offsets == list(range(start[name]["offset"] + 1, start[name]["offset"] + 4))
        assert {f["epoch"] for f in got} == {start[name]["epoch"]}
        for f in got:
            assert datetime.fromisoformat(f["ts"].replace("Z", "+00:00")).tzinfo is not None
            payload = AGENT_EVENT.validate_python({"type": f["event"], **f["data"]})
            assert payload.ticket.id == tid
        first, response, second = (
            AGENT_EVENT.validate_python({"type": f["event"], **f["data"]}) for f in got
        )
        assert isinstance(first, ticket_events.TicketStatusChanged)
        assert (first.old, first.new) == ("NEW", "OPEN")
        assert isinstance(response, ticket_events.TicketResponseAdded)
        assert response.response.content == "We are on it."
        assert response.response.is_internal is False
        assert isinstance(second, ticket_events.TicketStatusChanged)
        assert (second.old, second.new) == ("OPEN", "IN_PROGRESS")


async def test_agent_sees_internal_notes(
    live_server: LiveServer, client: httpx.AsyncClient, team: Team
) -> None:
    ticket = await new_ticket(client, team)
    async with session(live_server.ws_url, token_of(team.agent_headers)) as ws:
        await ws.subscribe(f"ticket:{ticket['id']}")
        await reply(client, team, ticket["id"], "Customer seems upset.", internal=True)
        frame = await ws.expect("event", event="ticket.response_added")
        payload = ticket_events.TicketResponseAdded.model_validate(
            {"type": frame["event"], **frame["data"]}
        )
        assert payload.response.is_internal is True


async def test_created_ticket_reaches_the_queue(
    live_server: LiveServer, client: httpx.AsyncClient, team: Team, other_team: Team
) -> None:
    async with (
        session(live_server.ws_url, token_of(team.agent_headers)) as ws,
        session(live_server.ws_url, token_of(other_team.agent_headers)) as other,
    ):
        await ws.subscribe("queue")
        await other.subscribe("queue")
        ticket = await new_ticket(client, team)
        frame = await ws.expect("event", channel="queue", event="ticket.created")
        payload = ticket_events.TicketCreated.model_validate(
            {"type": frame["event"], **frame["data"]}
        )
        assert payload.ticket.id == ticket["id"]
        # Another organisation's queue hears nothing of it.
        await other.ping()


async def test_unsubscribe(live_server: LiveServer, client: httpx.AsyncClient, team: Team) -> None:
    ticket = await new_ticket(client, team)
    channel = f"ticket:{ticket['id']}"
    async with session(live_server.ws_url, token_of(team.agent_headers)) as ws:
        await ws.subscribe(channel)
        await ws.send({"type": "unsubscribe", "channel": channel})
        await ws.expect("unsubscribed", channel=channel)
        # No more events from it.
        await set_status(client, team, ticket["id"], "OPEN")
        await ws.ping()
        await ws.send({"type": "unsubscribe", "channel": channel})
        await ws.expect_error("not_subscribed")
        await ws.send({"type": "unsubscribe", "channel": "queue"})
        await ws.expect_error("not_subscribed")
        await ws.ping()


# --- resume --------------------------------------------------------------------------------


async def test_resume_replays_exactly_what_was_missed_then_goes_live(
    live_server: LiveServer, client: httpx.AsyncClient, team: Team
) -> None:
    ticket = await new_ticket(client, team)
    tid, channel = ticket["id"], f"ticket:{ticket['id']}"
    token = token_of(team.agent_headers)
    async with session(live_server.ws_url, token) as ws:
        start = await ws.subscribe(channel)
    for n in range(20):
        await rename(client, team, tid, f"Subject {n}")

    async with session(live_server.ws_url, token) as ws:
        since = {"offset": start["offset"], "epoch": start["epoch"]}
        resumed = await ws.subscribe(channel, since=since)
        assert resumed["recovered"] is True
        assert resumed["epoch"] == start["epoch"]
        assert resumed["offset"] == start["offset"], "the events continue from your offset"
        # The replay is sent with the answer to `subscribe`, so all of it precedes the pong.
        await ws.send({"type": "ping"})
        replay = []
        while (frame := await ws.recv())["type"] != "pong":
            replay.append(frame)
        assert all(f["type"] == "event" and f["channel"] == channel for f in replay), replay
        assert [f["offset"] for f in replay] == list(
            range(start["offset"] + 1, start["offset"] + 21)
        )
        subjects = []
        for f in replay:
            payload = ticket_events.TicketUpdated.model_validate({"type": f["event"], **f["data"]})
            assert payload.changed == ["subject"]
            subjects.append(payload.ticket.subject)
        assert subjects == [f"Subject {n}" for n in range(20)]
        # Then live, without a gap or a duplicate.
        await rename(client, team, tid, "Live")
        live = await ws.expect("event", event="ticket.updated")
        assert live["offset"] == start["offset"] + 21
        assert live["data"]["ticket"]["subject"] == "Live"
        await ws.ping()  # nothing else arrived


async def test_resume_from_the_current_position_replays_nothing(
    live_server: LiveServer, client: httpx.AsyncClient, team: Team
) -> None:
    ticket = await new_ticket(client, team)
    channel = f"ticket:{ticket['id']}"
    token = token_of(team.agent_headers)
    async with session(live_server.ws_url, token) as ws:
        await ws.subscribe(channel)
        await set_status(client, team, ticket["id"], "OPEN")
        last = await ws.expect("event")
    async with session(live_server.ws_url, token) as ws:
        since = {"offset": last["offset"], "epoch": last["epoch"]}
        resumed = await ws.subscribe(channel, since=since)
        assert resumed["recovered"] is True
        assert (resumed["offset"], resumed["epoch"]) == (last["offset"], last["epoch"])
        await ws.ping()  # no events in between


async def test_resume_from_a_future_offset_is_not_recovered(
    live_server: LiveServer, client: httpx.AsyncClient, team: Team
) -> None:
    ticket = await new_ticket(client, team)
    channel = f"ticket:{ticket['id']}"
    async with session(live_server.ws_url, token_of(team.agent_headers)) as ws:
        start = await ws.subscribe(channel)
        await set_status(client, team, ticket["id"], "OPEN")
        await ws.expect("event")
        await ws.send({"type": "unsubscribe", "channel": channel})
        await ws.expect("unsubscribed")

        since = {"offset": start["offset"] + 100, "epoch": start["epoch"]}
        resumed = await ws.subscribe(channel, since=since)
        assert resumed["recovered"] is False
        assert (resumed["offset"], resumed["epoch"]) == (start["offset"] + 1, start["epoch"])
        await ws.ping()  # no events


async def test_resume_with_another_epoch_is_not_recovered(
    live_server: LiveServer, client: httpx.AsyncClient, team: Team
) -> None:
    ticket = await new_ticket(client, team)
    channel = f"ticket:{ticket['id']}"
    async with session(live_server.ws_url, token_of(team.agent_headers)) as ws:
        start = await ws.subscribe(channel)
        await ws.send({"type": "unsubscribe", "channel": channel})
        await ws.expect("unsubscribed")
        await set_status(client, team, ticket["id"], "OPEN")

        resumed = await ws.subscribe(channel, since={"offset": 0, "epoch": "not-the-epoch"})
        assert resumed["recovered"] is False
        assert (resumed["offset"], resumed["epoch"]) == (start["offset"] + 1, start["epoch"])
        await ws.ping()  # nothing replayed
        # And live from there.
        await set_status(client, team, ticket["id"], "IN_PROGRESS")
        live = await ws.expect("event", event="ticket.status_changed")
        assert live["offset"] == start["offset"] + 2


# --- the customer's widget -----------------------------------------------------------------


async def test_contact_gets_public_replies_and_never_internal_notes(
    live_server: LiveServer, client: httpx.AsyncClient, team: Team
) -> None:
    token, contact_id, ticket = await new_visitor(client, team)
    tid, channel = ticket["id"], f"contact:{contact_id}"
    await call(
        client, "POST", f"/api/tickets/{tid}/assign", team.agent_headers,
        {"agentId": team.agent.id},
    )  # fmt: skip
    async with session(live_server.widget_url, token) as ws:
        start = await ws.subscribe(channel)

        await reply(client, team, tid, "Hello Rita, we are on it.", internal=False)
        frames = [await ws.expect("event", channel=channel) for _ in range(2)]
        # The reply (which also opened the NEW ticket), in the public projection.
        assert [f["event"] for f in frames] == ["ticket.response_added", "ticket.status_changed"]
        public = [PUBLIC_EVENT.validate_python({"type": f["event"], **f["data"]}) for f in frames]
        added = public[0]
        assert isinstance(added, projections.PublicTicketResponseAdded)
        assert added.response.content == "Hello Rita, we are on it."
        assert added.ticket.id == tid
        data = frames[0]["data"]
        assert "isInternal" not in data["response"]
        assert "authorEmail" not in data["response"]
        for agent_only in ("assigneeId", "assigneeName", "metadata", "tags", "customFields"):
            assert agent_only not in data["ticket"]
        assert [f["offset"] for f in frames] == [start["offset"] + 1, start["offset"] + 2]

        await reply(client, team, tid, "Secret: customer is grumpy.", internal=True)
        await ws.ping()  # the internal note produced no frame
        # Nor anything on the channel at all: the next public reply is the very next offset.
        await reply(client, team, tid, "Any news?", internal=False)
        after = await ws.expect("event", channel=channel, event="ticket.response_added")
        assert after["offset"] == start["offset"] + 3
        assert after["data"]["response"]["content"] == "Any news?"


async def test_contact_does_not_get_agent_only_changes(
    live_server: LiveServer, client: httpx.AsyncClient, team: Team
) -> None:
    token, contact_id, ticket = await new_visitor(client, team)
    tid = ticket["id"]
    async with session(live_server.widget_url, token) as ws:
        start = await ws.subscribe(f"contact:{contact_id}")
        await call(
            client, "POST", f"/api/tickets/{tid}/assign", team.agent_headers,
            {"agentId": team.agent.id},
        )  # fmt: skip
        await call(client, "PATCH", f"/api/tickets/{tid}", team.agent_headers, {"tags": ["vip"]})
        await set_status(client, team, tid, "OPEN")
        frame = await ws.expect("event")
        assert frame["event"] == "ticket.status_changed"
        assert frame["offset"] == start["offset"] + 1
        PUBLIC_EVENT.validate_python({"type": frame["event"], **frame["data"]})


# --- presence ------------------------------------------------------------------------------


async def test_presence_snapshot_join_typing_and_leave(
    live_server: LiveServer, client: httpx.AsyncClient, team: Team
) -> None:
    ticket = await new_ticket(client, team)
    channel = f"ticket:{ticket['id']}"
    me, them = f"agent:{team.agent.id}", f"agent:{team.admin.id}"
    async with session(live_server.ws_url, token_of(team.agent_headers), skip=()) as alice:
        await alice.subscribe(channel)
        snapshot = await presence_where(alice, lambda f: "snapshot" in f)
        assert snapshot["channel"] == channel
        mine = people(snapshot["snapshot"])[me]
        assert mine == {
            "person": me, "name": team.agent.name, "status": "online", "composing": False,
        }  # fmt: skip

        bob = await open_ws(live_server.ws_url, token=token_of(team.admin_headers), skip=())
        try:
            await bob.expect("ready")
            await bob.subscribe(channel)
            theirs = await presence_where(bob, lambda f: "snapshot" in f)
            assert {me, them} <= set(people(theirs["snapshot"]))

            joined = await presence_where(alice, lambda f: them in people(f.get("joined", [])))
            assert joined["channel"] == channel
            assert people(joined["joined"])[them]["status"] == "online"

            await bob.send({"type": "typing", "channel": channel, "composing": True})
            updated = await presence_where(alice, lambda f: them in people(f.get("updated", [])))
            assert people(updated["updated"])[them]["composing"] is True

            await bob.send({"type": "presence", "status": "away"})
            away = await presence_where(
                alice,
                lambda f: people(f.get("updated", [])).get(them, {}).get("status") == "away",
            )
            assert away["channel"] == channel
        finally:
            await bob.close()

        left = await presence_where(alice, lambda f: them in f.get("left", []))
        assert left["channel"] == channel


async def test_contact_presence_shows_on_the_queue(
    live_server: LiveServer, client: httpx.AsyncClient, team: Team
) -> None:
    token, contact_id, _ = await new_visitor(client, team)
    person = f"contact:{contact_id}"
    async with session(live_server.ws_url, token_of(team.agent_headers), skip=()) as agent:
        await agent.subscribe("queue")
        async with session(live_server.widget_url, token) as widget:
            await widget.subscribe(f"contact:{contact_id}")
            joined = await presence_where(agent, lambda f: person in people(f.get("joined", [])))
            assert joined["channel"] == "queue"
        left = await presence_where(agent, lambda f: person in f.get("left", []))
        assert left["channel"] == "queue"


# --- revocation ----------------------------------------------------------------------------


async def test_logout_closes_the_tokens_sockets_within_a_second(
    live_server: LiveServer, client: httpx.AsyncClient, team: Team
) -> None:
    token = token_of(team.agent_headers)
    async with (
        session(live_server.ws_url, token) as ws,
        session(live_server.ws_url, token_of(team.admin_headers)) as admin,
    ):
        await ws.subscribe("queue")
        async with asyncio.timeout(1.0):
            await call(client, "POST", "/api/auth/logout", team.agent_headers, status=204)
            assert await ws.closed(within=1.0) == Close.UNAUTHENTICATED
        await admin.ping()  # another token's socket stays open
    ws = await open_ws(live_server.ws_url, token=token)
    await refused(ws, Close.UNAUTHENTICATED, "unauthenticated")


async def test_revoking_an_api_key_closes_its_sockets_within_a_second(
    live_server: LiveServer, client: httpx.AsyncClient, team: Team
) -> None:
    key, key_id = await new_api_key(client, team)
    other_key, _ = await new_api_key(client, team)
    async with session(live_server.ws_url, key) as ws, session(live_server.ws_url, other_key) as ok:
        async with asyncio.timeout(1.0):
            await call(client, "DELETE", f"/api/api-keys/{key_id}", team.admin_headers, status=204)
            assert await ws.closed(within=1.0) == Close.UNAUTHENTICATED
        await ok.ping()
    ws = await open_ws(live_server.ws_url, token=key, via="subprotocol")
    await refused(ws, Close.UNAUTHENTICATED, "unauthenticated")


async def test_a_failure_while_handling_a_frame_is_an_error_frame_not_a_dropped_socket(
    live_server: LiveServer,
    app: Starlette,
    client: httpx.AsyncClient,
    team: Team,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ticket = await new_ticket(client, team)
    presence = app.state.parley.hub.presence

    async def broken(key: str) -> list[Any]:
        raise RuntimeError("the backend fell over")

    async with session(live_server.ws_url, token_of(team.agent_headers)) as ws:
        monkeypatch.setattr(presence, "snapshot", broken)
        # Subscribed, then the presence snapshot fails: said in an error frame.
        await ws.subscribe(f"ticket:{ticket['id']}")
        error = await ws.expect_error("internal_error")
        assert "retry" in error["message"]
        monkeypatch.undo()
        await ws.ping()  # the socket is still open
        subscribed = await ws.subscribe(f"ticket:{ticket['id']}")
        assert subscribed["recovered"] is True


async def test_too_many_handshakes_from_one_address_are_told_to_wait(
    live_server: LiveServer, app: Starlette, team: Team
) -> None:
    state = app.state.parley
    saved = state.handshake_limiter
    state.handshake_limiter = HandshakeLimiter(
        per_ip="2/minute",
        redis_url=state.settings.redis_url,
        key_prefix=f"test-{uuid.uuid4().hex}",
    )
    try:
        for _ in range(2):
            async with session(live_server.ws_url, token_of(team.agent_headers)) as ws:
                await ws.ping()
        ws = await open_ws(live_server.ws_url)  # the third within the minute
        error = await ws.expect_error("rate_limited")
        assert 1 <= error["retryAfter"] <= 60
        assert "wait" in error["message"]
        assert await ws.closed() == Close.RATE_LIMITED == 4429
    finally:
        state.handshake_limiter = saved


# --- hostile frames ------------------------------------------------------------------------

DEEP = ["[" * 5_000 + "]" * 5_000, "[" * 5_000, '{"a":' * 5_000 + "1" + "}" * 5_000]
DEEP_IDS = ["arrays", "unclosed", "objects"]


async def endpoint_token(
    endpoint: str, live_server: LiveServer, client: httpx.AsyncClient, team: Team
) -> tuple[str, str]:
    """(URL, a valid token) for `/ws` (an agent) or `/ws/widget` (a visitor)."""
    if endpoint == "agent":
        return live_server.ws_url, token_of(team.agent_headers)
    token, _, _ = await new_visitor(client, team)
    return live_server.widget_url, token


@pytest.mark.parametrize("frame", DEEP, ids=DEEP_IDS)
@pytest.mark.parametrize("endpoint", ["agent", "widget"])
async def test_deeply_nested_frame_after_auth_is_a_bad_frame(
    live_server: LiveServer, client: httpx.AsyncClient, team: Team, endpoint: str, frame: str
) -> None:
    # It was internal_error (a RecursionError in the JSON decoder).
    url, token = await endpoint_token(endpoint, live_server, client, team)
    async with session(url, token) as ws:
        await ws.send(frame)
        error = await ws.expect_error("bad_frame")
        assert f"at most {protocol.MAX_FRAME_CONTAINERS}" in error["message"]
        await ws.ping()  # the socket keeps working
        await ws.send(frame)
        await ws.expect_error("bad_frame")
        await ws.ping()


@pytest.mark.parametrize("frame", DEEP, ids=DEEP_IDS)
@pytest.mark.parametrize("url", ["ws_url", "widget_url"])
async def test_deeply_nested_first_frame_is_refused_with_4401(
    live_server: LiveServer, url: str, frame: str
) -> None:
    # It was an abnormal close (1006) with no error frame.
    ws = await open_ws(getattr(live_server, url))
    await ws.send(frame)
    await refused(ws, Close.UNAUTHENTICATED, "unauthenticated")


# --- the backend or the database away ------------------------------------------------------


def unreachable_redis() -> aioredis.Redis:
    """A real Redis client pointed at a port nobody listens on: it raises what a client of
    a restarting Redis raises."""
    port = free_port()
    return aioredis.Redis.from_url(f"redis://127.0.0.1:{port}/0", socket_connect_timeout=1)


async def test_subscribe_while_redis_is_away_is_not_ready(
    live_server: LiveServer,
    app: Starlette,
    client: httpx.AsyncClient,
    team: Team,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ticket = await new_ticket(client, team)
    channel = f"ticket:{ticket['id']}"
    history = app.state.parley.hub.history
    dead = unreachable_redis()

    async def latest(key: str) -> Any:
        return await dead.xinfo_stream(key)  # refused, as while Redis restarts

    token = token_of(team.agent_headers)
    try:
        async with (
            session(live_server.ws_url, token) as watching,
            session(live_server.ws_url, token) as late,
        ):
            await watching.subscribe(channel)  # the channel's feed is live in this process
            monkeypatch.setattr(history, "latest", latest)
            await late.send({"type": "subscribe", "channel": channel})
            error = await late.expect_error("not_ready")  # it was internal_error
            assert "retry" in error["message"]
            monkeypatch.undo()
            await late.ping()
            assert (await late.subscribe(channel))["recovered"] is True
    finally:
        await dead.aclose()


async def test_typing_and_presence_while_redis_is_away_are_not_ready(
    live_server: LiveServer,
    app: Starlette,
    client: httpx.AsyncClient,
    team: Team,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ticket = await new_ticket(client, team)
    channel = f"ticket:{ticket['id']}"
    presence = app.state.parley.hub.presence
    dead = unreachable_redis()

    async def update(*args: Any, **kwargs: Any) -> Any:
        return await dead.hset("presence", "x", "1")

    try:
        async with session(live_server.ws_url, token_of(team.agent_headers)) as ws:
            await ws.subscribe(channel)
            monkeypatch.setattr(presence, "update", update)
            await ws.send({"type": "typing", "channel": channel, "composing": True})
            await ws.expect_error("not_ready")
            await ws.send({"type": "presence", "status": "away"})
            await ws.expect_error("not_ready")
            monkeypatch.undo()
            await ws.ping()
    finally:
        await dead.aclose()


def database_away(*args: Any, **kwargs: Any) -> Any:
    raise DBConnectionError("connection refused")  # what Tortoise raises when it is down


async def test_a_frame_while_the_database_is_away_is_not_ready(
    live_server: LiveServer,
    client: httpx.AsyncClient,
    team: Team,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ticket = await new_ticket(client, team)
    async with session(live_server.ws_url, token_of(team.agent_headers)) as ws:
        monkeypatch.setattr(Ticket, "filter", database_away)
        await ws.send({"type": "subscribe", "channel": f"ticket:{ticket['id']}"})
        await ws.expect_error("not_ready")  # it was internal_error
        monkeypatch.undo()
        await ws.subscribe(f"ticket:{ticket['id']}")


@pytest.mark.parametrize("via", ["frame", "subprotocol"])
@pytest.mark.parametrize("endpoint", ["agent", "widget"])
async def test_authentication_while_the_database_is_away_is_not_ready_1013(
    live_server: LiveServer,
    client: httpx.AsyncClient,
    team: Team,
    monkeypatch: pytest.MonkeyPatch,
    endpoint: str,
    via: Any,
) -> None:
    # It was a dropped socket (1006) after the auth frame, and HTTP 500 with the header.
    url, token = await endpoint_token(endpoint, live_server, client, team)
    monkeypatch.setattr(sessions, "authenticate_token", database_away)
    monkeypatch.setattr(visitors, "authenticate_visitor", database_away)
    ws = await open_ws(url, token=token, via=via)
    await refused(ws, Close.TRY_AGAIN_LATER, "not_ready")
    monkeypatch.undo()
    async with session(url, token, via=via) as ws:
        await ws.ping()


async def test_revalidating_while_the_database_is_away_keeps_the_socket(
    live_server: LiveServer, team: Team, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(routes, "REVALIDATE_SECONDS", 0.0)  # check the token at every frame
    async with session(live_server.ws_url, token_of(team.agent_headers)) as ws:
        monkeypatch.setattr(sessions, "authenticate_token", database_away)
        await ws.ping()  # it was an unhandled error: the socket dropped (1006)
        await ws.ping()
        monkeypatch.undo()
        await ws.ping()


# --- shutdown ------------------------------------------------------------------------------


async def test_stopping_the_server_closes_sockets_with_1012(
    app: Starlette, client: httpx.AsyncClient, team: Team
) -> None:
    # SIGTERM makes uvicorn stop like this (`should_exit`): it sends 1012 to every socket
    # before the app's own shutdown runs, and docs/realtime.md says 1012.
    config = uvicorn.Config(
        app, host="127.0.0.1", port=0, lifespan="off", log_level="warning",
        ws_per_message_deflate=False, timeout_graceful_shutdown=5,
    )  # fmt: skip
    server = EmbeddedServer(config)
    serving = asyncio.create_task(server.serve())
    async with asyncio.timeout(10):
        while not server.started:
            assert not serving.done(), "uvicorn exited before it started"
            await asyncio.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    agent = await open_ws(f"ws://127.0.0.1:{port}/ws", token=token_of(team.agent_headers))
    await agent.expect("ready")
    await agent.subscribe("queue")
    server.should_exit = True
    assert await agent.closed() == Close.SERVICE_RESTART == 1012
    async with asyncio.timeout(10):
        await serving
