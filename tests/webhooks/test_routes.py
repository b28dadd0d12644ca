"""The webhook admin API: admins only, one organisation's webhooks invisible to another's
admins (404), input validated into the one JSON error shape, secrets shown only when made."""

from __future__ import annotations

import base64
from typing import Any

import httpx
import pytest

from tests.factories import Team
from tests.support.wait import wait_until
from tests.webhooks.conftest import Receiver, create_hook

BASE = "/api/admin/webhooks"


async def test_create_list_get_update_delete(
    client: httpx.AsyncClient, team: Team, receiver: Receiver
) -> None:
    headers = team.admin_headers
    response = await client.post(
        BASE,
        json={"url": receiver.url, "eventTypes": ["ticket.created", "conversation.created"],
              "description": "CRM sync"},
        headers=headers,
    )  # fmt: skip
    assert response.status_code == 201, response.text
    made = response.json()
    assert made["secret"].startswith("whsec_") and made["isActive"] is True
    assert made["eventTypes"] == ["ticket.created", "conversation.created"]
    assert made["disabledReason"] is None and made["previousSecretExpiresAt"] is None

    listed = (await client.get(BASE, headers=headers)).json()
    assert [item["id"] for item in listed["items"]] == [made["id"]] and listed["total"] == 1
    assert "secret" not in listed["items"][0]
    one = f"{BASE}/{made['id']}"
    shown = (await client.get(one, headers=headers)).json()
    assert shown["url"] == receiver.url and "secret" not in shown

    response = await client.patch(
        one, json={"eventTypes": ["ticket.deleted"], "isActive": False}, headers=headers
    )
    assert response.status_code == 200, response.text
    changed = response.json()
    assert changed["eventTypes"] == ["ticket.deleted"] and changed["isActive"] is False
    assert changed["disabledReason"] is None and changed["disabledAt"] is not None
    assert changed["url"] == receiver.url and changed["description"] == "CRM sync"

    assert (await client.delete(one, headers=headers)).status_code == 204
    assert (await client.get(one, headers=headers)).status_code == 404
    assert (await client.delete(one, headers=headers)).status_code == 404


async def test_a_secret_of_ones_own_can_be_given(
    client: httpx.AsyncClient, team: Team, receiver: Receiver
) -> None:
    secret = "whsec_" + base64.b64encode(b"k" * 32).decode()
    response = await client.post(
        BASE, json={"url": receiver.url, "eventTypes": ["ticket.created"], "secret": secret},
        headers=team.admin_headers,
    )  # fmt: skip
    assert response.status_code == 201, response.text
    assert response.json()["secret"] == secret


async def test_event_types_are_the_spines(client: httpx.AsyncClient, team: Team) -> None:
    response = await client.get(f"{BASE}/event-types", headers=team.admin_headers)
    assert response.status_code == 200
    types = response.json()["items"]
    assert {"ticket.created", "ticket.response_added", "conversation.message_created"} <= set(types)
    assert all(t.startswith(("ticket.", "conversation.")) for t in types)
    assert "conversation.queue_position" not in types and "access.revoked" not in types


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"url": "ftp://example.com/x", "eventTypes": ["ticket.created"]}, "url"),
        ({"url": "https://u:p@example.com/x", "eventTypes": ["ticket.created"]}, "url"),
        ({"url": "not a url", "eventTypes": ["ticket.created"]}, "url"),
        ({"url": "https://example.com/x", "eventTypes": ["ticket.exploded"]}, "eventTypes"),
        ({"url": "https://example.com/x", "eventTypes": ["access.revoked"]}, "eventTypes"),
        ({"url": "https://example.com/x", "eventTypes": []}, "eventTypes"),
        ({"url": "https://example.com/x"}, "eventTypes"),
        ({"eventTypes": ["ticket.created"]}, "url"),
        ({"url": "https://example.com/x", "eventTypes": ["ticket.created"], "secret": "s3"},
         "secret"),
        ({"url": "https://example.com/x", "eventTypes": ["ticket.created"], "extra": 1}, "extra"),
        ({"url": "https://example.com/x", "eventTypes": ["ticket.created"], "isActive": "maybe"},
         "isActive"),
    ],
)  # fmt: skip
async def test_bad_input_is_a_422_naming_the_field(
    client: httpx.AsyncClient, team: Team, body: dict[str, Any], field: str
) -> None:
    response = await client.post(BASE, json=body, headers=team.admin_headers)
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == "validation_failed"
    assert any(name.split(".")[0] == field for name in error["fields"]), error


async def test_a_bad_change_is_refused_and_changes_nothing(
    client: httpx.AsyncClient, team: Team, receiver: Receiver
) -> None:
    hook = await create_hook(client, team.admin_headers, receiver.url)
    one = f"{BASE}/{hook['id']}"
    for body in ({"url": "gopher://x"}, {"eventTypes": ["nope"]}, {"url": ""}):
        response = await client.patch(one, json=body, headers=team.admin_headers)
        assert response.status_code == 422, (body, response.text)
    shown = (await client.get(one, headers=team.admin_headers)).json()
    assert shown["url"] == receiver.url and shown["eventTypes"] == ["ticket.created"]


async def test_agents_are_refused(client: httpx.AsyncClient, team: Team) -> None:
    for method, path in (("GET", BASE), ("POST", BASE), ("GET", f"{BASE}/event-types")):
        response = await client.request(
            method, path, json={"url": "https://example.com/x", "eventTypes": ["ticket.created"]},
            headers=team.agent_headers,
        )  # fmt: skip
        assert response.status_code == 403, (method, path, response.text)
    assert (await client.get(BASE)).status_code == 401


async def test_another_organisations_admin_sees_nothing(
    client: httpx.AsyncClient, team: Team, other_team: Team, receiver: Receiver
) -> None:
    hook = await create_hook(client, team.admin_headers, receiver.url)
    sent = await client.post(f"{BASE}/{hook['id']}/test", headers=team.admin_headers)
    assert sent.status_code == 202
    one = f"{BASE}/{hook['id']}"
    stranger = other_team.admin_headers
    attempts = [
        ("GET", one, None),
        ("PATCH", one, {"isActive": False}),
        ("POST", f"{one}/secret", None),
        ("POST", f"{one}/test", None),
        ("GET", f"{one}/deliveries", None),
        ("POST", f"{one}/deliveries/{sent.json()['id']}/replay", None),
        ("DELETE", one, None),
    ]
    for method, path, body in attempts:
        response = await client.request(method, path, json=body, headers=stranger)
        assert response.status_code == 404, (method, path, response.text)
        assert response.json()["error"]["code"] == "not_found"
    assert (await client.get(BASE, headers=stranger)).json()["items"] == []
    # Their own webhook cannot reach this organisation's delivery either.
    theirs = await create_hook(client, stranger, receiver.url)
    response = await client.post(
        f"{BASE}/{theirs['id']}/deliveries/{sent.json()['id']}/replay", headers=stranger
    )
    assert response.status_code == 404
    shown = (await client.get(one, headers=team.admin_headers)).json()
    assert shown["isActive"] is True


async def test_the_delivery_log_filters_by_state(
    client: httpx.AsyncClient, team: Team, receiver: Receiver
) -> None:
    hook = await create_hook(client, team.admin_headers, receiver.url)
    one = f"{BASE}/{hook['id']}"
    await client.post(f"{one}/test", headers=team.admin_headers)
    await receiver.wait_for(1)
    for state, count in (("succeeded", 1), ("failed", 0)):

        async def settled(state: str = state, count: int = count) -> bool:
            response = await client.get(
                f"{one}/deliveries", params={"state": state}, headers=team.admin_headers
            )
            return len(response.json()["items"]) == count

        await wait_until(settled, within=10, what=f"{count} {state}")
    response = await client.get(
        f"{one}/deliveries", params={"state": "lost"}, headers=team.admin_headers
    )
    assert response.status_code == 422
