"""An organisation's email settings through `GET/PATCH /api/org`: defaults, given fields
only, null back to the default, validation, and stored values that no longer validate."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from server.accounts.models import Organization
from server.accounts.org_email import email_settings
from server.notify.locales import STRINGS
from tests.factories import Team

DEFAULT = {
    "fromName": None,
    "replyTo": None,
    "signature": "",
    "locale": "en",
    "notifications": {
        "ticketCreated": True, "publicReply": True, "statusChanged": True,
        "resolved": True, "assigned": True, "chatTranscript": True,
    },
}  # fmt: skip


async def patch(client: httpx.AsyncClient, team: Team, email: Any) -> httpx.Response:
    return await client.patch("/api/org", json={"email": email}, headers=team.admin_headers)


async def test_defaults_then_given_fields_only_then_null_back_to_the_default(
    client: httpx.AsyncClient, team: Team
) -> None:
    shown = await client.get("/api/org", headers=team.agent_headers)
    assert shown.json()["email"] == DEFAULT
    answer = await patch(client, team, {"fromName": "Acme Support", "locale": "de"})
    assert answer.json()["email"] == {**DEFAULT, "fromName": "Acme Support", "locale": "de"}
    answer = await patch(client, team, {"notifications": {"resolved": False}})
    answer = await patch(client, team, {"notifications": {"statusChanged": False}})
    email = answer.json()["email"]
    assert email["fromName"] == "Acme Support"  # kept
    assert email["notifications"] == {
        **DEFAULT["notifications"],
        "resolved": False,
        "statusChanged": False,  # type: ignore[dict-item]
    }
    answer = await patch(client, team, {"fromName": None, "locale": None, "notifications": None})
    assert answer.json()["email"] == DEFAULT


@pytest.mark.parametrize(
    ("email", "field"),
    [
        ({"fromName": "Acme\r\nBcc: everyone@example.com"}, "email.fromName"),
        ({"fromName": ""}, "email.fromName"),
        ({"replyTo": "not an address"}, "email.replyTo"),
        ({"locale": "fr"}, "email.locale"),
        ({"signature": "x" * 2001}, "email.signature"),
        ({"notifications": {"resolved": None}}, "email.notifications.resolved"),
        ({"notifications": {"resolved": "no"}}, "email.notifications.resolved"),
        ({"notifications": {"digest": True}}, "email.notifications.digest"),
        ({"bcc": "x@example.com"}, "email.bcc"),
    ],
)
async def test_bad_email_settings_are_422_and_change_nothing(
    client: httpx.AsyncClient, team: Team, email: dict[str, Any], field: str
) -> None:
    answer = await patch(client, team, email)
    assert answer.status_code == 422, answer.text
    assert field in answer.json()["error"]["fields"]
    shown = await client.get("/api/org", headers=team.agent_headers)
    assert shown.json()["email"] == DEFAULT


async def test_agents_may_not_change_them(client: httpx.AsyncClient, team: Team) -> None:
    answer = await client.patch(
        "/api/org", json={"email": {"locale": "de"}}, headers=team.agent_headers
    )
    assert answer.status_code == 403


async def test_stored_values_that_no_longer_validate_read_as_their_defaults(team: Team) -> None:
    org = await Organization.get(id=team.org.id)
    org.settings = {
        **(org.settings or {}),
        "email": {
            "fromName": "A\nB", "locale": "xx", "signature": 5,
            "notifications": {"resolved": "no"},
        },
    }  # fmt: skip
    assert email_settings(org) == DEFAULT
    org.settings["email"] = ["not", "a", "dict"]
    assert email_settings(org) == DEFAULT


def test_every_language_has_every_sentence() -> None:
    keys = {locale: set(strings) for locale, strings in STRINGS.items()}
    assert keys["de"] == keys["en"]
