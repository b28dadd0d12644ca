"""Collision control: a reply written against a stale view of the ticket is refused (409)."""

from __future__ import annotations

from typing import Any

import httpx
from starlette.applications import Starlette

from server.channels import names
from server.events import relay as relay_module
from tests.factories import Team, make_ticket


async def _position(app: Starlette, team: Team, ticket_id: int) -> dict[str, Any]:
    offset, epoch = await app.state.parley.hub.history.latest(
        names.ticket(team.org.id, ticket_id).key
    )
    return {"offset": offset, "epoch": epoch}


async def _reply(
    client: httpx.AsyncClient, headers: dict[str, str], ticket_id: int, **body: Any
) -> httpx.Response:
    body.setdefault("content", "A reply.")
    return await client.post(f"/api/tickets/{ticket_id}/responses", headers=headers, json=body)


async def test_a_reply_on_the_current_position_is_accepted(
    app: Starlette, client: httpx.AsyncClient, team: Team
) -> None:
    ticket = await make_ticket(team.admin_principal)
    seen = await _position(app, team, ticket.ticket.id)
    response = await _reply(client, team.agent_headers, ticket.ticket.id, seen=seen)
    assert response.status_code == 201, response.text


async def test_a_newer_reply_by_someone_else_is_a_409_listing_it(
    app: Starlette, client: httpx.AsyncClient, team: Team
) -> None:
    ticket = await make_ticket(team.admin_principal)
    seen = await _position(app, team, ticket.ticket.id)
    other = await _reply(client, team.admin_headers, ticket.ticket.id, content="I got this.")
    assert other.status_code == 201

    response = await _reply(client, team.agent_headers, ticket.ticket.id, seen=seen)

    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "stale_reply"
    assert [r["id"] for r in error["unseenResponses"]] == [other.json()["response"]["id"]]
    assert error["unseenResponses"][0]["content"] == "I got this."
    assert error["recovered"] is True
    assert error == {**error, **await _position(app, team, ticket.ticket.id)}
    detail = await client.get(f"/api/tickets/{ticket.ticket.id}", headers=team.agent_headers)
    assert len(detail.json()["ticket"]["responses"]) == 1  # the stale reply was not saved

    forced = await _reply(client, team.agent_headers, ticket.ticket.id, seen=seen, force=True)
    assert forced.status_code == 201
    again = await _reply(
        client, team.agent_headers, ticket.ticket.id,
        seen={"offset": error["offset"], "epoch": error["epoch"]},
    )  # fmt: skip
    assert again.status_code == 201, "a reply written after reading the conflict is accepted"


async def test_own_replies_and_internal_notes_never_conflict(
    app: Starlette, client: httpx.AsyncClient, team: Team
) -> None:
    ticket = await make_ticket(team.admin_principal)
    seen = await _position(app, team, ticket.ticket.id)
    assert (await _reply(client, team.agent_headers, ticket.ticket.id)).status_code == 201
    note = await _reply(client, team.admin_headers, ticket.ticket.id, isInternal=True)
    assert note.status_code == 201

    response = await _reply(client, team.agent_headers, ticket.ticket.id, seen=seen)
    assert response.status_code == 201, response.text


async def test_an_internal_note_is_never_refused(
    app: Starlette, client: httpx.AsyncClient, team: Team
) -> None:
    ticket = await make_ticket(team.admin_principal)
    seen = await _position(app, team, ticket.ticket.id)
    assert (await _reply(client, team.admin_headers, ticket.ticket.id)).status_code == 201
    note = await _reply(client, team.agent_headers, ticket.ticket.id, isInternal=True, seen=seen)
    assert note.status_code == 201


async def test_a_position_history_cannot_check_is_refused_with_the_latest_replies(
    app: Starlette, client: httpx.AsyncClient, team: Team
) -> None:
    ticket = await make_ticket(team.admin_principal)
    first = await _reply(client, team.admin_headers, ticket.ticket.id, content="first")
    position = await _position(app, team, ticket.ticket.id)

    for seen in (
        {"offset": position["offset"], "epoch": "another-epoch"},
        {"offset": position["offset"] + 5, "epoch": position["epoch"]},
    ):
        response = await _reply(client, team.agent_headers, ticket.ticket.id, seen=seen)
        assert response.status_code == 409
        error = response.json()["error"]
        assert error["recovered"] is False
        assert [r["id"] for r in error["unseenResponses"]] == [first.json()["response"]["id"]]


async def test_a_reply_committed_but_not_yet_published_counts(
    app: Starlette, client: httpx.AsyncClient, team: Team
) -> None:
    ticket = await make_ticket(team.admin_principal)
    seen = await _position(app, team, ticket.ticket.id)
    relay = relay_module._relay
    relay_module.install(None)  # the other reply's events stay in the outbox
    try:
        other = await _reply(client, team.admin_headers, ticket.ticket.id, content="pending")
        assert other.status_code == 201
        response = await _reply(client, team.agent_headers, ticket.ticket.id, seen=seen)
    finally:
        relay_module.install(relay)
        await relay_module.relayed()
    assert response.status_code == 409
    unseen = response.json()["error"]["unseenResponses"]
    assert [r["id"] for r in unseen] == [other.json()["response"]["id"]]


async def test_seen_is_validated(client: httpx.AsyncClient, team: Team) -> None:
    ticket = await make_ticket(team.admin_principal)
    for seen in ({"offset": -1, "epoch": "e"}, {"offset": 1}, {"offset": 1, "epoch": ""}):
        response = await _reply(client, team.agent_headers, ticket.ticket.id, seen=seen)
        assert response.status_code == 422, seen
        assert response.json()["error"]["code"] == "validation_failed"
