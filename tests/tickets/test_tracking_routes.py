"""The tracking page's API through the real HTTP stack (`server/tickets/tracking_routes.py`):
trading a link for a session (valid, expired, tampered, another organisation's ticket, a
deleted one), reading and answering that one ticket, and the live `tracking:{id}` channel."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import httpx
import itsdangerous.timed
import pytest

from server.tickets import tracking_links
from server.tickets.tracking_links import TrackingClaims
from tests.factories import Team, unique, visitor_session
from tests.support.live import LiveServer
from tests.support.wsclient import open_ws, session

SECRET = "test-secret-key-" + "x" * 32  # tests/conftest.py test_settings


async def make(client: httpx.AsyncClient, team: Team) -> dict[str, Any]:
    """A ticket with a public reply and an internal note (with its organisation's id)."""
    body = {
        "subject": "Printer on fire",
        "description": "It smokes.",
        "requesterName": "Rita Requester",
        "requesterEmail": f"{unique('rita')}@example.com",
    }
    r = await client.post("/api/tickets", json=body, headers=team.agent_headers)
    assert r.status_code == 201, r.text
    ticket: dict[str, Any] = r.json()["ticket"]
    for reply in (
        {"content": "We are on it.", "isInternal": False},
        {"content": "SECRET-NOTE customer looks angry", "isInternal": True},
    ):
        r = await client.post(
            f"/api/tickets/{ticket['reference']}/responses", json=reply, headers=team.agent_headers
        )
        assert r.status_code == 201, r.text
    return {**ticket, "organizationId": team.org.id}


def link_for(ticket: dict[str, Any], organization_id: int | None = None) -> str:
    org = organization_id if organization_id is not None else ticket["organizationId"]
    return tracking_links.sign(
        SECRET, "link", TrackingClaims(org, ticket["id"], ticket["requesterId"])
    )


async def exchange(client: httpx.AsyncClient, link: str) -> httpx.Response:
    return await client.post("/api/track/session", json={"link": link})


async def open_session(client: httpx.AsyncClient, ticket: dict[str, Any]) -> dict[str, Any]:
    r = await exchange(client, link_for(ticket))
    assert r.status_code == 201, r.text
    body: dict[str, Any] = r.json()
    return body


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def refusal(r: httpx.Response) -> str:
    """The reason of a 401 in the one error shape."""
    assert r.status_code == 401, r.text
    error = r.json()["error"]
    assert error["code"] == "unauthenticated" and error["message"]
    reason: str = error["reason"]
    return reason


async def test_a_link_opens_a_session_on_its_ticket_and_shows_only_the_public_view(
    client: httpx.AsyncClient, team: Team
) -> None:
    ticket = await make(client, team)
    opened = await open_session(client, ticket)
    assert opened["token"].startswith("prl_ts_")
    assert opened["channel"] == f"tracking:{ticket['id']}"
    assert opened["organizationName"] == team.org.name
    expires = datetime.fromisoformat(opened["expiresAt"])
    assert timedelta(hours=1, minutes=59) < expires - datetime.now(UTC) <= timedelta(hours=2)
    view = opened["ticket"]
    assert (view["reference"], view["subject"]) == (ticket["reference"], "Printer on fire")
    assert [r["content"] for r in view["responses"]] == ["We are on it."]

    r = await client.get("/api/track/ticket", headers=bearer(opened["token"]))
    assert r.status_code == 200, r.text
    assert r.json()["ticket"]["reference"] == ticket["reference"]
    for text in (r.text, str(opened)):
        assert "SECRET-NOTE" not in text
        assert "assignee" not in text and "isInternal" not in text and "Due" not in text
        assert "tags" not in text and "requesterEmail" not in text


async def test_an_expired_link_says_expired(
    client: httpx.AsyncClient, team: Team, monkeypatch: pytest.MonkeyPatch
) -> None:
    ticket = await make(client, team)
    month_ago = (datetime.now(UTC) - timedelta(days=30, seconds=5)).timestamp()
    with monkeypatch.context() as past:
        past.setattr(itsdangerous.timed, "time", SimpleNamespace(time=lambda: month_ago))
        old = link_for(ticket)
    assert refusal(await exchange(client, old)) == "expired"
    assert (await exchange(client, link_for(ticket))).status_code == 201


async def test_a_tampered_or_foreign_link_says_invalid(
    client: httpx.AsyncClient, team: Team
) -> None:
    ticket = await make(client, team)
    link = link_for(ticket)
    body, _, signature = link.rpartition(".")
    forged = f"{body}.{'_' if signature[0] != '_' else 'A'}{signature[1:]}"
    other_key = tracking_links.sign(
        "y" * 48, "link", TrackingClaims(team.org.id, ticket["id"], ticket["requesterId"])
    )
    visitor = await visitor_session(client, team.org)
    for bad in (forged, other_key, visitor["token"], "prl_tl_nothing", "#" + link):
        assert refusal(await exchange(client, bad)) == "invalid"
    # A session token is not a link either.
    opened = await open_session(client, ticket)
    assert refusal(await exchange(client, opened["token"])) == "invalid"
    r = await client.post("/api/track/session", json={"link": ""})
    assert r.status_code == 422, r.text
    r = await client.post("/api/track/session", json={})
    assert r.status_code == 422, r.text


async def test_a_link_naming_another_organisations_ticket_opens_nothing(
    client: httpx.AsyncClient, team: Team, other_team: Team
) -> None:
    """Even signed with the real key (a bug elsewhere, a mix-up): the ticket must be in the
    organisation the link names, and its requester the contact it names."""
    mine = await make(client, team)
    theirs = await make(client, other_team)
    assert refusal(await exchange(client, link_for(theirs, team.org.id))) == "invalid"
    assert refusal(await exchange(client, link_for(mine, other_team.org.id))) == "invalid"
    stranger = TrackingClaims(team.org.id, mine["id"], theirs["requesterId"])
    stolen = tracking_links.sign(SECRET, "link", stranger)
    assert refusal(await exchange(client, stolen)) == "invalid"


async def test_a_deleted_ticket_ends_its_links_and_sessions(
    client: httpx.AsyncClient, team: Team
) -> None:
    ticket = await make(client, team)
    opened = await open_session(client, ticket)
    r = await client.delete(f"/api/tickets/{ticket['reference']}", headers=team.admin_headers)
    assert r.status_code == 204, r.text
    assert refusal(await exchange(client, link_for(ticket))) == "invalid"
    r = await client.get("/api/track/ticket", headers=bearer(opened["token"]))
    assert refusal(r) == "invalid"


async def test_the_reply_box_adds_a_customer_reply_to_that_ticket(
    client: httpx.AsyncClient, team: Team
) -> None:
    ticket = await make(client, team)
    ref = ticket["reference"]
    r = await client.patch(
        f"/api/tickets/{ref}/status", json={"status": "WAITING_ON_CUSTOMER"},
        headers=team.agent_headers,
    )  # fmt: skip
    assert r.status_code == 200, r.text
    opened = await open_session(client, ticket)
    headers = {**bearer(opened["token"]), "Idempotency-Key": unique("reply")}
    for _ in range(2):  # the same key twice is one reply
        r = await client.post(
            "/api/track/ticket/responses", json={"content": "It still smokes."}, headers=headers
        )
        assert r.status_code == 201, r.text
    answer = r.json()
    assert answer["response"]["authorType"] == "CUSTOMER"
    assert answer["ticket"]["status"] == "OPEN"  # back in the agents' court
    r = await client.get(f"/api/tickets/{ref}", headers=team.agent_headers)
    assert r.status_code == 200, r.text
    agent_view = r.json()["ticket"]
    replies = [x for x in agent_view["responses"] if x["content"] == "It still smokes."]
    assert len(replies) == 1
    assert replies[0]["authorType"] == "CUSTOMER" and not replies[0]["isInternal"]
    assert replies[0]["authorName"] == "Rita Requester"

    r = await client.post(
        "/api/track/ticket/responses", json={"content": " "}, headers=bearer(opened["token"])
    )
    assert r.status_code == 422, r.text
    r = await client.patch(
        f"/api/tickets/{ref}/status", json={"status": "CLOSED"}, headers=team.agent_headers
    )
    assert r.status_code == 200, r.text
    r = await client.post(
        "/api/track/ticket/responses", json={"content": "Hello?"}, headers=bearer(opened["token"])
    )
    assert r.status_code == 409 and r.json()["error"]["code"] == "ticket_closed", r.text


async def test_a_session_is_good_for_its_ticket_alone(
    client: httpx.AsyncClient, team: Team
) -> None:
    ticket = await make(client, team)
    opened = await open_session(client, ticket)
    token = opened["token"]
    # Not a visitor token, nor an agent's; and neither of those opens the tracking API.
    assert (await client.get("/api/embed/tickets", headers=bearer(token))).status_code == 401
    assert (await client.get("/api/tickets", headers=bearer(token))).status_code == 401
    visitor = await visitor_session(client, team.org)
    for headers in (bearer(visitor["token"]), team.agent_headers, {}):
        r = await client.get("/api/track/ticket", headers=headers)
        assert r.status_code == 401, r.text
    # The link itself is not a session.
    r = await client.get("/api/track/ticket", headers=bearer(link_for(ticket)))
    assert refusal(r) == "invalid"


async def test_the_page_sees_public_changes_live_and_never_an_internal_note(
    client: httpx.AsyncClient, team: Team, live_server: LiveServer
) -> None:
    ticket = await make(client, team)
    other = await make(client, team)  # the same organisation, another ticket
    ref = ticket["reference"]
    opened = await open_session(client, ticket)
    channel = opened["channel"]
    async with session(live_server.widget_url, opened["token"]) as page:
        assert page.ready is not None
        assert (page.ready["kind"], page.ready["id"]) == ("tracker", ticket["id"])
        await page.subscribe(channel)
        for forbidden in (
            f"tracking:{other['id']}", f"ticket:{ticket['id']}", "queue",
            f"contact:{ticket['requesterId']}",
        ):  # fmt: skip
            await page.send({"type": "subscribe", "channel": forbidden})
            await page.expect_error("forbidden")

        for body in (
            {"content": "SECRET-NOTE refund in full", "isInternal": True},
            {"content": "Fixed it for you.", "isInternal": False},
        ):
            r = await client.post(
                f"/api/tickets/{ref}/responses", json=body, headers=team.agent_headers
            )
            assert r.status_code == 201, r.text
        r = await client.post(
            f"/api/tickets/{ref}/assign", json={"agentId": team.agent.id},
            headers=team.agent_headers,
        )  # fmt: skip
        assert r.status_code == 200, r.text
        r = await client.patch(
            f"/api/tickets/{ref}/status", json={"status": "RESOLVED"}, headers=team.agent_headers
        )
        assert r.status_code == 200, r.text
        # The very next event is the public reply: the note and the assignment made none.
        reply = await page.expect("event", channel=channel, event="ticket.response_added")
        assert reply["data"]["response"]["content"] == "Fixed it for you."
        moved = await page.expect("event", channel=channel, event="ticket.status_changed")
        assert moved["data"]["new"] == "RESOLVED"
        assert "SECRET-NOTE" not in str(reply) + str(moved)
        assert "assignee" not in str(reply) + str(moved)

        r = await client.delete(f"/api/tickets/{ref}", headers=team.admin_headers)
        assert r.status_code == 204, r.text
        gone = await page.expect("event", channel=channel, event="ticket.deleted")
        assert gone["data"]["reference"] == ref


async def test_a_tracking_session_cannot_use_the_agent_socket(
    client: httpx.AsyncClient, team: Team, live_server: LiveServer
) -> None:
    ticket = await make(client, team)
    opened = await open_session(client, ticket)
    ws = await open_ws(live_server.ws_url, token=opened["token"])
    try:
        assert await ws.closed() == 4401
    finally:
        await ws.close()


async def test_a_tracking_session_is_for_parleys_own_page_not_another_origin(
    client: httpx.AsyncClient, team: Team, live_server: LiveServer
) -> None:
    """No organisation's widget origins apply: the page is Parley's (`/track`)."""
    ticket = await make(client, team)
    opened = await open_session(client, ticket)
    async with session(live_server.widget_url, opened["token"], origin=live_server.origin) as page:
        await page.subscribe(opened["channel"])
    ws = await open_ws(live_server.widget_url, token=opened["token"], origin="https://evil.example")
    try:
        await ws.expect_error("origin_refused")
        assert await ws.closed() == 4403
    finally:
        await ws.close()
