"""The customer's view of tickets: tracking by reference + email, and a visitor's own tickets."""

from __future__ import annotations

from typing import Any

import httpx
from starlette.applications import Starlette

from server.chat.limits import ChatLimiter
from tests.factories import Team, make_ticket, start_chat, unique, visitor_session


async def _ticket(client: httpx.AsyncClient, team: Team, email: str) -> str:
    loaded = await make_ticket(team.agent_principal, requester_email=email)
    ref = loaded.reference
    for body in (
        {"content": "We are on it.", "isInternal": False},
        {"content": "SECRET-NOTE customer looks angry", "isInternal": True},
    ):
        r = await client.post(
            f"/api/tickets/{ref}/responses", json=body, headers=team.agent_headers
        )
        assert r.status_code == 201, r.text
    r = await client.patch(
        f"/api/tickets/{ref}/status", json={"status": "RESOLVED"}, headers=team.agent_headers
    )
    assert r.status_code == 200, r.text
    return ref


async def _track(client: httpx.AsyncClient, team: Team, **params: Any) -> httpx.Response:
    return await client.get(
        "/api/embed/tickets/status", params={"siteKey": team.org.site_key, **params}
    )


async def test_reference_and_email_give_the_public_view(
    client: httpx.AsyncClient, team: Team
) -> None:
    email = f"{unique('rita')}@example.com"
    ref = await _ticket(client, team, email)
    response = await _track(client, team, ref=ref.lower(), email=email.upper())
    assert response.status_code == 200, response.text
    view = response.json()["ticket"]
    assert view["reference"] == ref
    assert view["status"] == "RESOLVED"
    assert set(view) == {
        "reference", "subject", "status", "priority", "category", "createdAt", "updatedAt",
        "resolvedAt", "closedAt", "attachments", "responses", "timeline",
    }  # fmt: skip
    assert [r["content"] for r in view["responses"]] == ["We are on it."]
    assert "SECRET-NOTE" not in response.text
    assert "isInternal" not in response.text and "assignee" not in response.text
    kinds = [(e["kind"], e["status"]) for e in view["timeline"]]
    assert kinds[0] == ("created", "NEW")
    assert ("reply", None) in kinds
    assert kinds[-1] == ("status_changed", "RESOLVED")


async def test_a_wrong_email_answers_exactly_like_a_wrong_reference(
    client: httpx.AsyncClient, team: Team
) -> None:
    email = f"{unique('rita')}@example.com"
    ref = await _ticket(client, team, email)
    wrong_email = await _track(client, team, ref=ref, email="someone@example.com")
    wrong_ref = await _track(client, team, ref=ref[:-1] + "9", email=email)
    bare_id = await _track(client, team, ref="1", email=email)
    assert wrong_email.status_code == wrong_ref.status_code == bare_id.status_code == 404
    assert wrong_email.json() == wrong_ref.json() == bare_id.json()


async def test_another_organisations_site_key_finds_nothing(
    client: httpx.AsyncClient, team: Team, other_team: Team
) -> None:
    email = f"{unique('rita')}@example.com"
    ref = await _ticket(client, team, email)
    response = await _track(client, other_team, ref=ref, email=email)
    assert response.status_code == 404


async def test_bad_lookups_are_422(client: httpx.AsyncClient, team: Team) -> None:
    for params in (
        {"ref": "TKT-1"},
        {"ref": "TKT-1", "email": "not-an-email"},
        {"email": "a@b.co"},
    ):
        response = await _track(client, team, **params)
        assert response.status_code == 422, (params, response.text)


async def test_lookups_are_rate_limited_per_address(
    app: Starlette, client: httpx.AsyncClient, team: Team
) -> None:
    state = app.state.parley
    original = state.chat_limiter
    state.chat_limiter = ChatLimiter(
        sessions_per_ip="1000/minute", starts="1000/minute", messages="1000/minute",
        lookups_per_ip="2/minute", redis_url=state.settings.redis_url,
        key_prefix=unique("parley:test-limits"),
    )  # fmt: skip
    try:
        answers = [
            (await _track(client, team, ref="TKT-00001", email="a@example.com")).status_code
            for _ in range(3)
        ]
    finally:
        state.chat_limiter = original
    assert answers == [404, 404, 429]


async def test_a_visitor_sees_their_own_tickets_and_nobody_elses(
    client: httpx.AsyncClient, team: Team
) -> None:
    visitor = await visitor_session(client, team.org, name="Vera")
    chat = await start_chat(client, visitor, body="My parcel never arrived")
    conversation_id = chat["conversation"]["id"]
    r = await client.post(
        f"/api/tickets/from-chat/{conversation_id}", json={}, headers=team.agent_headers
    )
    assert r.status_code == 201, r.text
    ref = r.json()["ticket"]["reference"]
    mine = await client.get("/api/embed/tickets", headers=visitor["headers"])
    assert mine.status_code == 200, mine.text
    assert [t["reference"] for t in mine.json()["items"]] == [ref]
    detail = await client.get(f"/api/embed/tickets/{ref}", headers=visitor["headers"])
    assert detail.status_code == 200, detail.text
    assert detail.json()["ticket"]["subject"] == "My parcel never arrived"
    stranger = await visitor_session(client, team.org)
    assert (await client.get("/api/embed/tickets", headers=stranger["headers"])).json()[
        "items"
    ] == []
    hidden = await client.get(f"/api/embed/tickets/{ref}", headers=stranger["headers"])
    assert hidden.status_code == 404
    by_id = await client.get(
        f"/api/embed/tickets/{r.json()['ticket']['id']}", headers=stranger["headers"]
    )
    assert by_id.status_code == 404
