"""`/api/embed/session` and `/api/embed/config`: site keys, origins, identity verification,
anonymous visitors, availability; and the widget settings on `/api/org`."""

from __future__ import annotations

import logging
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from server.accounts import embed, org_settings, organizations, widget_identity
from server.accounts.models import Contact, Organization
from server.channels import names
from tests.factories import Team, make_ticket

SHOP = "https://shop.example.com"


async def org_of(client: httpx.AsyncClient, team: Team) -> dict[str, Any]:
    response = await client.get("/api/org", headers=team.admin_headers)
    assert response.status_code == 200, response.text
    return response.json()


async def allow(client: httpx.AsyncClient, team: Team, **widget: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"allowedOrigins": [SHOP]}
    if widget:
        body["widget"] = widget
    response = await client.patch("/api/org", headers=team.admin_headers, json=body)
    assert response.status_code == 200, response.text
    return response.json()


async def start(client: httpx.AsyncClient, site_key: str, **body: Any) -> httpx.Response:
    return await client.post(
        "/api/embed/session", json={"siteKey": site_key, **body}, headers={"Origin": SHOP}
    )


# --- the organisation's widget settings -----------------------------------------------------


async def test_the_organisation_has_a_site_key_defaults_and_a_secret_for_admins(
    client: httpx.AsyncClient, team: Team
) -> None:
    org = await org_of(client, team)
    assert org["siteKey"].startswith("pk_")
    assert org["identitySecret"].startswith("ivs_")
    assert org["widget"] == {
        "greeting": "Hi! How can we help?",
        "primaryColor": "#2563eb",
        "preChat": {"name": "optional", "email": "optional"},
        "businessHours": None,
        "verificationRequired": False,
        "routing": "manual",
        "allowPriority": False,
        "offlineGraceSeconds": 120,
    }
    as_agent = (await client.get("/api/org", headers=team.agent_headers)).json()
    assert as_agent["identitySecret"] is None and as_agent["siteKey"] == org["siteKey"]


async def test_widget_settings_change_field_by_field(client: httpx.AsyncClient, team: Team) -> None:
    hours = {"timezone": "Europe/Paris", "days": {"mon": [["09:00", "12:00"], ["13:00", "17:30"]]}}
    org = await allow(
        client, team, greeting="Bonjour", businessHours=hours, preChat={"email": "required"}
    )
    assert org["widget"]["greeting"] == "Bonjour"
    assert org["widget"]["businessHours"] == hours
    assert org["widget"]["preChat"] == {"name": "optional", "email": "required"}
    org = await allow(client, team, routing="automatic")
    assert org["widget"]["greeting"] == "Bonjour" and org["widget"]["routing"] == "automatic"
    assert org["allowedOrigins"] == [SHOP]


@pytest.mark.parametrize(
    "widget",
    [
        {"primaryColor": "blue"},
        {"routing": "random"},
        {"preChat": {"name": "maybe"}},
        {"businessHours": {"timezone": "Mars/Olympus", "days": {}}},
        {"businessHours": {"timezone": "UTC", "days": {"mon": [["17:00", "09:00"]]}}},
        {"businessHours": {"timezone": "UTC", "days": {"mon": [["24:00", "25:00"]]}}},
        {"businessHours": {"timezone": "UTC", "days": {"someday": [["09:00", "10:00"]]}}},
        {"businessHours": {"timezone": "UTC", "days": {"mon": [["09:00", "10:00"]] * 5}}},
        {"greeting": "x" * 501},
        {"colour": "#ffffff"},
    ],
)
async def test_bad_widget_settings_are_422(
    client: httpx.AsyncClient, team: Team, widget: dict[str, Any]
) -> None:
    response = await client.patch("/api/org", headers=team.admin_headers, json={"widget": widget})
    assert response.status_code == 422, response.text
    assert response.json()["error"]["code"] == "validation_failed"


async def test_an_empty_change_is_422_and_agents_may_not_change(
    client: httpx.AsyncClient, team: Team
) -> None:
    empty = await client.patch("/api/org", headers=team.admin_headers, json={})
    assert empty.status_code == 422
    agent = await client.patch("/api/org", headers=team.agent_headers, json={"widget": {}})
    assert agent.status_code == 403


async def embed_config(client: httpx.AsyncClient, site_key: str) -> httpx.Response:
    return await client.get(
        "/api/embed/config", params={"siteKey": site_key}, headers={"Origin": SHOP}
    )


# What each setting that null resets is changed to first (anything but its default).
RESETTABLE: dict[str, Any] = {
    "greeting": "Bonjour",
    "primaryColor": "#112233",
    "preChat": {"name": "required", "email": "hidden"},
    "businessHours": {"timezone": "UTC", "days": {"mon": [["09:00", "17:00"]]}},
    "offlineGraceSeconds": 30,
}


@pytest.mark.parametrize("name", sorted(RESETTABLE))
async def test_null_puts_a_widget_setting_back_to_its_default(
    client: httpx.AsyncClient, team: Team, name: str
) -> None:
    """A null used to be saved as is: the PATCH answered 500, then so did `GET /api/org` and
    the widget's config, for good."""
    await allow(client, team, **{name: RESETTABLE[name]})
    org = await allow(client, team, **{name: None})
    default = org_settings.DEFAULT_WIDGET[name]
    assert org["widget"][name] == default
    assert (await org_of(client, team))["widget"][name] == default
    config = await embed_config(client, org["siteKey"])
    assert config.status_code == 200, config.text
    assert config.json()["widget"][name] == default


@pytest.mark.parametrize(
    ("name", "value"),
    [("verificationRequired", True), ("routing", "automatic"), ("allowPriority", True)],
)
async def test_a_switch_refuses_null(
    client: httpx.AsyncClient, team: Team, name: str, value: Any
) -> None:
    """A null must not quietly turn identity verification, routing or priorities off."""
    await allow(client, team, **{name: value})
    response = await client.patch(
        "/api/org", headers=team.admin_headers, json={"widget": {name: None}}
    )
    assert response.status_code == 422, response.text
    assert f"widget.{name}" in response.json()["error"]["fields"]
    org = await org_of(client, team)
    assert org["widget"][name] == value
    assert (await embed_config(client, org["siteKey"])).status_code == 200


async def test_stored_widget_values_that_no_longer_validate_read_as_their_defaults(
    client: httpx.AsyncClient, team: Team, caplog: pytest.LogCaptureFixture
) -> None:
    """Values written before a rule existed, or by hand, must not take the widget down."""
    await allow(client, team, greeting="Bonjour", routing="automatic")
    org = await Organization.get(id=team.org.id)
    widget = {
        **org.settings["widget"],
        "primaryColor": None,
        "preChat": {"name": "maybe", "email": "required"},
        "businessHours": {"timezone": "Mars/Olympus", "days": {}},
        "verificationRequired": "perhaps",
        "offlineGraceSeconds": -5,
        "retired": "a setting no version knows",
    }
    await Organization.filter(id=org.id).update(settings={**org.settings, "widget": widget})
    expected = {
        **org_settings.DEFAULT_WIDGET,
        "greeting": "Bonjour",
        "routing": "automatic",
        "preChat": {"name": "optional", "email": "required"},
    }
    with caplog.at_level(logging.WARNING, logger="server.accounts.org_settings"):
        assert (await org_of(client, team))["widget"] == expected
        config = await embed_config(client, org.site_key or "")
    assert config.status_code == 200, config.text
    assert config.json()["widget"] == expected
    for name in ("preChat.name", "businessHours", "verificationRequired", "offlineGraceSeconds"):
        assert f"widget.{name} is not valid" in caplog.text
    repaired = await allow(client, team, offlineGraceSeconds=60)
    assert repaired["widget"] == {**expected, "offlineGraceSeconds": 60}


async def test_settings_of_the_wrong_shape_read_as_defaults_and_can_be_replaced(
    client: httpx.AsyncClient, team: Team
) -> None:
    await Organization.filter(id=team.org.id).update(
        settings={"widget": ["not", "an", "object"], "allowedOrigins": SHOP}
    )
    org = await org_of(client, team)
    assert org["widget"] == org_settings.DEFAULT_WIDGET and org["allowedOrigins"] == []
    await Organization.filter(id=team.org.id).update(settings={"widget": {"preChat": "hidden"}})
    assert (await org_of(client, team))["widget"] == org_settings.DEFAULT_WIDGET
    # A change merges into what is stored: it used to fail on the wrong shape (500).
    changed = await allow(client, team, preChat={"email": "required"})
    assert changed["widget"]["preChat"] == {"name": "optional", "email": "required"}
    assert changed["allowedOrigins"] == [SHOP]


# --- sessions ------------------------------------------------------------------------------


async def test_an_anonymous_visitor_gets_a_new_contact_and_keeps_it_with_its_token(
    client: httpx.AsyncClient, team: Team
) -> None:
    org = await allow(client, team)
    first = await start(client, org["siteKey"], name="Vera", email="vera@example.com")
    assert first.status_code == 200, first.text
    body = first.json()
    assert body["token"].startswith("prl_vt_")
    assert body["contact"]["name"] == "Vera" and body["contact"]["verified"] is False
    assert body["contact"]["email"] == "vera@example.com"
    assert first.headers["access-control-allow-origin"] == SHOP

    again = await start(client, org["siteKey"], token=body["token"])
    assert again.json()["contact"]["id"] == body["contact"]["id"]
    other = await start(client, org["siteKey"], token="prl_vt_forged.token")
    assert other.json()["contact"]["id"] != body["contact"]["id"]


async def test_typing_someone_elses_email_gives_an_unverified_visitor_nothing_of_theirs(
    client: httpx.AsyncClient, team: Team
) -> None:
    org = await allow(client, team)
    ticket = await make_ticket(team.admin_principal)
    victim_email = ticket.ticket.requester_email
    response = await start(client, org["siteKey"], email=victim_email)
    assert response.status_code == 200
    contact = response.json()["contact"]
    assert contact["id"] != ticket.ticket.requester_id
    stored = await Contact.get(id=contact["id"])
    assert stored.email is None and stored.claimed_email == victim_email


async def test_a_verified_user_gets_the_same_contact_on_any_device(
    client: httpx.AsyncClient, team: Team
) -> None:
    org = await allow(client, team)
    user = f"user-{uuid.uuid4().hex[:8]}"
    good = widget_identity.user_hash(org["identitySecret"], user)
    first = await start(client, org["siteKey"], userId=user, userHash=good, name="Ulla")
    assert first.status_code == 200, first.text
    contact = first.json()["contact"]
    assert contact["verified"] is True and contact["name"] == "Ulla"
    second = await start(client, org["siteKey"], userId=user, userHash=good)
    assert second.json()["contact"]["id"] == contact["id"]
    stored = await Contact.get(id=contact["id"])
    assert stored.external_id == user and stored.verified


@pytest.mark.parametrize("mangle", ["wrong", "short", "upper", "other-user"])
async def test_a_wrong_user_hash_is_401(client: httpx.AsyncClient, team: Team, mangle: str) -> None:
    org = await allow(client, team)
    good = widget_identity.user_hash(org["identitySecret"], "u-1")
    given = {
        "wrong": ("u-1", "0" * 64),
        "short": ("u-1", good[:-2]),
        "upper": ("u-1", good.upper()),
        "other-user": ("u-2", good),
    }[mangle]
    response = await start(client, org["siteKey"], userId=given[0], userHash=given[1])
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthenticated"


async def test_user_id_and_hash_come_together(client: httpx.AsyncClient, team: Team) -> None:
    org = await allow(client, team)
    for body in ({"userId": "u-1"}, {"userHash": "0" * 64}):
        response = await start(client, org["siteKey"], **body)
        assert response.status_code == 422, body


async def test_required_verification_refuses_anonymous_visitors(
    client: httpx.AsyncClient, team: Team
) -> None:
    org = await allow(client, team, verificationRequired=True)
    anonymous = await start(client, org["siteKey"], name="Anon")
    assert anonymous.status_code == 401
    good = widget_identity.user_hash(org["identitySecret"], "u-9")
    verified = await start(client, org["siteKey"], userId="u-9", userHash=good)
    assert verified.status_code == 200


async def test_a_rotated_secret_refuses_old_hashes(client: httpx.AsyncClient, team: Team) -> None:
    org = await allow(client, team)
    old = widget_identity.user_hash(org["identitySecret"], "u-1")
    rotated = await client.post("/api/org/identity-secret", headers=team.admin_headers)
    assert rotated.status_code == 200
    assert rotated.json()["identitySecret"] != org["identitySecret"]
    response = await start(client, org["siteKey"], userId="u-1", userHash=old)
    assert response.status_code == 401
    forbidden = await client.post("/api/org/identity-secret", headers=team.agent_headers)
    assert forbidden.status_code == 403


async def test_unknown_site_keys_and_foreign_origins_are_refused(
    client: httpx.AsyncClient, team: Team
) -> None:
    org = await allow(client, team)
    unknown = await start(client, "pk_nope")
    assert unknown.status_code == 404
    foreign = await client.post(
        "/api/embed/session",
        json={"siteKey": org["siteKey"]},
        headers={"Origin": "https://evil.example.com"},
    )
    assert foreign.status_code == 403
    assert foreign.json()["error"]["code"] == "forbidden"
    config = await client.get(
        "/api/embed/config",
        params={"siteKey": org["siteKey"]},
        headers={"Origin": "https://evil.example.com"},
    )
    assert config.status_code == 403


@pytest.mark.parametrize("length", [41, 50, 64])
async def test_a_site_key_longer_than_any_stored_one_is_unknown(
    client: httpx.AsyncClient, team: Team, length: int
) -> None:
    """Keys are stored in 40 characters and the wire takes 64: a longer key used to reach the
    ORM, which refuses to look it up (500 on all three public endpoints). It names nothing."""
    await allow(client, team)
    key = "pk_" + "x" * (length - 3)
    answers = [
        await embed_config(client, key),
        await start(client, key),
        await client.get(
            "/api/embed/tickets/status",
            params={"siteKey": key, "ref": "TKT-1", "email": "rita@example.com"},
            headers={"Origin": SHOP},
        ),
    ]
    for response in answers:
        assert response.status_code == 404, response.text
        assert response.json()["error"]["code"] == "not_found"
    past_the_wire_limit = await embed_config(client, "pk_" + "x" * 62)
    assert past_the_wire_limit.status_code == 422


async def test_preflights_are_answered_for_the_widget_paths(
    client: httpx.AsyncClient, team: Team
) -> None:
    response = await client.options(
        "/api/embed/session",
        headers={
            "Origin": SHOP,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )
    assert response.status_code == 204
    assert response.headers["access-control-allow-origin"] == SHOP
    assert "POST" in response.headers["access-control-allow-methods"]


@pytest.mark.parametrize(
    "body",
    [{}, {"siteKey": ""}, {"siteKey": "pk", "email": "not-an-email"}, {"siteKey": "pk", "x": 1}],
)
async def test_bad_session_bodies_are_422(client: httpx.AsyncClient, body: dict[str, Any]) -> None:
    response = await client.post("/api/embed/session", json=body)
    assert response.status_code == 422, response.text


# --- config and availability ----------------------------------------------------------------


async def test_config_says_whether_someone_can_chat_now(
    app: Starlette, client: httpx.AsyncClient, team: Team
) -> None:
    org = await allow(client, team, greeting="Hello")
    params = {"siteKey": org["siteKey"]}
    response = await client.get("/api/embed/config", params=params, headers={"Origin": SHOP})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["organization"] == {"name": team.org.name}
    assert body["widget"]["greeting"] == "Hello"
    assert body["websocketUrl"] == "ws://testserver/ws/widget"
    assert body["withinBusinessHours"] is True and body["availableNow"] is False

    presence = app.state.parley.hub.presence
    key = names.queue(team.org.id).key
    await presence.join(key, "test-conn", f"agent:{team.agent.id}", "Agent", "online")
    try:
        online = (await client.get("/api/embed/config", params=params)).json()
        assert online["availableNow"] is True
        await presence.update(key, "test-conn", status="away")
        away = (await client.get("/api/embed/config", params=params)).json()
        assert away["availableNow"] is False
        await presence.update(key, "test-conn", status="online")
        closed = {"timezone": "UTC", "days": {}}
        await allow(client, team, businessHours=closed)
        after_hours = (await client.get("/api/embed/config", params=params)).json()
        assert after_hours["withinBusinessHours"] is False
        assert after_hours["availableNow"] is False
    finally:
        await presence.leave(key, "test-conn")


def test_business_hours_follow_the_zone_and_the_weekday() -> None:
    hours = {"timezone": "Europe/Paris", "days": {"mon": [["09:00", "17:00"]]}}
    monday_0830_utc = datetime(2026, 11, 23, 8, 30, tzinfo=UTC)  # 09:30 in Paris
    assert embed.within_business_hours(hours, monday_0830_utc)
    assert not embed.within_business_hours(hours, monday_0830_utc - timedelta(hours=1))
    assert not embed.within_business_hours(hours, monday_0830_utc + timedelta(hours=8))
    assert not embed.within_business_hours(hours, monday_0830_utc + timedelta(days=1))
    assert embed.within_business_hours(None, monday_0830_utc)


async def test_new_organisations_get_their_own_keys() -> None:
    a = await organizations.create_organization(name="A", slug=f"a-{uuid.uuid4().hex[:8]}")
    b = await organizations.create_organization(name="B", slug=f"b-{uuid.uuid4().hex[:8]}")
    assert a.site_key and b.site_key and a.site_key != b.site_key
    assert a.identity_secret != b.identity_secret


# --- visitor-authenticated endpoints ---------------------------------------------------------


async def test_the_visitor_token_authenticates_the_widgets_own_endpoints(
    client: httpx.AsyncClient, team: Team
) -> None:
    org = await allow(client, team)
    session = (await start(client, org["siteKey"], name="Vera")).json()
    me = await client.get("/api/embed/me", headers={"Authorization": f"Bearer {session['token']}"})
    assert me.status_code == 200
    assert me.json() == session["contact"]


@pytest.mark.parametrize("kind", ["none", "agent", "garbage", "query"])
async def test_the_widgets_endpoints_refuse_anything_but_a_visitor_token_in_the_header(
    client: httpx.AsyncClient, team: Team, kind: str
) -> None:
    org = await allow(client, team)
    token = (await start(client, org["siteKey"])).json()["token"]
    request: dict[str, Any] = {
        "none": {},
        "agent": {"headers": team.agent_headers},
        "garbage": {"headers": {"Authorization": "Bearer prl_vt_garbage"}},
        "query": {"params": {"token": token}},  # tokens are never read from URLs
    }[kind]
    response = await client.get("/api/embed/me", **request)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthenticated"


async def test_an_agent_token_is_no_visitor_and_a_visitor_token_no_agent(
    client: httpx.AsyncClient, team: Team
) -> None:
    org = await allow(client, team)
    token = (await start(client, org["siteKey"])).json()["token"]
    response = await client.get("/api/me", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401
