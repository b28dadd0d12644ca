"""The customer's writes from the widget (`server/tickets/customer.py` and its routes): the
contact form's ticket and replies to their own tickets, over REST and live on their channel."""

from __future__ import annotations

from typing import Any

import httpx

from tests.factories import Team, configure_org, unique, visitor_session
from tests.support.live import LiveServer
from tests.support.wsclient import session

FORM = {"subject": "The blender is loud", "description": "It screams at full speed."}


async def _create(
    client: httpx.AsyncClient, visitor: dict[str, Any], **body: Any
) -> httpx.Response:
    return await client.post(
        "/api/embed/tickets", json={**FORM, **body}, headers=visitor["headers"]
    )


async def _widget_ticket(
    client: httpx.AsyncClient, team: Team, **body: Any
) -> tuple[dict[str, Any], dict[str, Any], str]:
    """(visitor, public view, email) of a ticket made through the contact form."""
    visitor = await visitor_session(client, team.org)
    email = f"{unique('wanda')}@example.com"
    r = await _create(client, visitor, name="Wanda Visitor", email=email, **body)
    assert r.status_code == 201, r.text
    return visitor, r.json()["ticket"], email


async def _agent_view(client: httpx.AsyncClient, team: Team, ref: str) -> dict[str, Any]:
    r = await client.get(f"/api/tickets/{ref}", headers=team.agent_headers)
    assert r.status_code == 200, r.text
    ticket: dict[str, Any] = r.json()["ticket"]
    return ticket


async def test_the_contact_form_opens_a_ticket_the_customer_can_track(
    client: httpx.AsyncClient, team: Team
) -> None:
    visitor, view, email = await _widget_ticket(client, team)
    assert view["reference"].startswith(team.org.ticket_prefix)
    assert view["status"] == "NEW" and view["subject"] == FORM["subject"]
    assert [e["kind"] for e in view["timeline"]] == ["created"]

    ticket = await _agent_view(client, team, view["reference"])
    assert ticket["requesterEmail"] == email
    assert ticket["requesterId"] == visitor["contact"]["id"]
    assert ticket["requesterName"] == "Wanda Visitor"
    assert ticket["metadata"]["source"] == "widget"
    assert ticket["priority"] == "MEDIUM"  # the organisation's default

    tracked = await client.get(
        "/api/embed/tickets/status",
        params={"siteKey": team.org.site_key, "ref": view["reference"], "email": email},
    )
    assert tracked.status_code == 200, tracked.text
    mine = await client.get("/api/embed/tickets", headers=visitor["headers"])
    assert [t["reference"] for t in mine.json()["items"]] == [view["reference"]]
    # The typed name and address now fill in the anonymous contact (shown back to them).
    me = await client.get("/api/embed/me", headers=visitor["headers"])
    assert me.json()["name"] == "Wanda Visitor" and me.json()["email"] == email


async def test_the_audit_trail_names_the_customer(client: httpx.AsyncClient, team: Team) -> None:
    visitor, view, _ = await _widget_ticket(client, team)
    ticket = await _agent_view(client, team, view["reference"])
    created = ticket["activity"][0]
    assert created["type"] == "CREATED"
    assert "From the website widget." in created["description"]
    assert created["performedBy"] == {
        "type": "CUSTOMER", "id": visitor["contact"]["id"], "name": "Wanda Visitor"
    }  # fmt: skip


async def test_an_address_is_required_unless_the_visitor_has_one(
    client: httpx.AsyncClient, team: Team
) -> None:
    anonymous = await visitor_session(client, team.org)
    r = await _create(client, anonymous)
    assert r.status_code == 422, r.text
    assert set(r.json()["error"]["fields"]) == {"email"}

    known = await visitor_session(client, team.org, email="kim@example.com")
    r = await _create(client, known)
    assert r.status_code == 201, r.text
    ticket = await _agent_view(client, team, r.json()["ticket"]["reference"])
    assert ticket["requesterEmail"] == "kim@example.com"


async def test_bad_forms_are_422_naming_the_field(client: httpx.AsyncClient, team: Team) -> None:
    await configure_org(team.org, categories=["Billing", "Other"])
    visitor = await visitor_session(client, team.org, email="kim@example.com")
    cases = [
        ({"subject": "  "}, "subject"),
        ({"description": ""}, "description"),
        ({"email": "not-an-address"}, "email"),
        ({"category": "Gardening"}, "category"),
        ({"priority": "HIGH"}, "priority"),  # customers may not choose by default
        ({"priority": "SOON"}, "priority"),
        ({"surprise": 1}, "surprise"),
    ]
    for change, field in cases:
        r = await _create(client, visitor, **change)
        assert r.status_code == 422, (change, r.text)
        assert field in r.json()["error"]["fields"], (change, r.text)
    mine = await client.get("/api/embed/tickets", headers=visitor["headers"])
    assert mine.json()["total"] == 0


async def test_customers_choose_the_priority_only_where_allowed(
    client: httpx.AsyncClient, team: Team
) -> None:
    r = await client.patch(
        "/api/org", json={"widget": {"allowPriority": True}}, headers=team.admin_headers
    )
    assert r.status_code == 200, r.text
    config = await client.get("/api/embed/config", params={"siteKey": team.org.site_key})
    assert config.json()["widget"]["allowPriority"] is True
    _, view, _ = await _widget_ticket(client, team, priority="HIGH")
    assert view["priority"] == "HIGH"


async def test_the_contact_form_needs_a_visitor_token(client: httpx.AsyncClient) -> None:
    r = await client.post("/api/embed/tickets", json=FORM)
    assert r.status_code == 401
    assert r.json()["error"]["code"] == "unauthenticated"


async def _reply(
    client: httpx.AsyncClient, visitor: dict[str, Any], ref: str, content: str
) -> httpx.Response:
    return await client.post(
        f"/api/embed/tickets/{ref}/responses", json={"content": content}, headers=visitor["headers"]
    )


async def _set_status(client: httpx.AsyncClient, team: Team, ref: str, status: str) -> None:
    r = await client.patch(
        f"/api/tickets/{ref}/status", json={"status": status}, headers=team.agent_headers
    )
    assert r.status_code == 200, r.text


async def test_a_customer_reply_is_public_and_puts_the_ticket_back_to_the_agents(
    client: httpx.AsyncClient, team: Team
) -> None:
    visitor, view, _ = await _widget_ticket(client, team)
    ref = view["reference"]
    await _set_status(client, team, ref, "WAITING_ON_CUSTOMER")
    r = await _reply(client, visitor, ref, "  It is a Blendo 3000.  ")
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["response"]["content"] == "It is a Blendo 3000."
    assert body["response"]["authorType"] == "CUSTOMER"
    assert body["response"]["authorName"] == "Wanda Visitor"
    assert body["ticket"]["status"] == "OPEN"
    assert body["ticket"]["responses"][-1]["id"] == body["response"]["id"]

    seen_by_agents = (await _agent_view(client, team, ref))["responses"][-1]
    assert seen_by_agents["content"] == "It is a Blendo 3000."
    assert seen_by_agents["authorType"] == "CUSTOMER"
    assert seen_by_agents["isInternal"] is False

    await _set_status(client, team, ref, "RESOLVED")
    r = await _reply(client, visitor, ref, "Still loud, sorry.")
    assert r.status_code == 201, r.text
    assert r.json()["ticket"]["status"] == "OPEN"
    kinds = [e["kind"] for e in r.json()["ticket"]["timeline"]]
    assert kinds.count("reply") == 2


async def test_a_closed_ticket_refuses_replies(client: httpx.AsyncClient, team: Team) -> None:
    visitor, view, _ = await _widget_ticket(client, team)
    ref = view["reference"]
    await _set_status(client, team, ref, "CLOSED")
    r = await _reply(client, visitor, ref, "Hello?")
    assert r.status_code == 409, r.text
    assert r.json()["error"]["code"] == "ticket_closed"
    assert r.json()["error"]["status"] == "CLOSED"
    track = await client.get(f"/api/embed/tickets/{ref}", headers=visitor["headers"])
    assert track.json()["ticket"]["responses"] == []


async def test_nobody_replies_to_someone_elses_ticket(
    client: httpx.AsyncClient, team: Team, other_team: Team
) -> None:
    _, view, _ = await _widget_ticket(client, team)
    stranger = await visitor_session(client, team.org)
    foreigner = await visitor_session(client, other_team.org)
    for who in (stranger, foreigner):
        for ref in (view["reference"], "1", "99999999999999"):
            r = await _reply(client, who, ref, "Let me in")
            assert r.status_code == 404, (ref, r.text)
    bad = await _reply(client, stranger, view["reference"], "   ")
    assert bad.status_code == 422


async def test_the_customer_sees_their_ticket_live_and_never_an_internal_note(
    client: httpx.AsyncClient, team: Team, live_server: LiveServer
) -> None:
    visitor = await visitor_session(client, team.org, email="live@example.com")
    channel = f"contact:{visitor['contact']['id']}"
    async with session(live_server.widget_url, visitor["token"]) as customer:
        await customer.subscribe(channel)
        r = await _create(client, visitor)
        assert r.status_code == 201, r.text
        ref = r.json()["ticket"]["reference"]
        created = await customer.expect("event", channel=channel, event="ticket.created")
        assert created["data"]["ticket"]["reference"] == ref

        note = {"content": "SECRET-NOTE refund in full", "isInternal": True}
        r = await client.post(
            f"/api/tickets/{ref}/responses", json=note, headers=team.agent_headers
        )
        assert r.status_code == 201, r.text
        r = await _reply(client, visitor, ref, "Any news?")
        assert r.status_code == 201, r.text
        reply = await customer.expect("event", channel=channel, event="ticket.response_added")
        # The very next frame is the customer's own reply: the note made none.
        assert reply["data"]["response"]["content"] == "Any news?"
        assert reply["data"]["response"]["authorType"] == "CUSTOMER"
        assert "SECRET-NOTE" not in str(reply)
